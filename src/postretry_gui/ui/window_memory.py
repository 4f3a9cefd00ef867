"""What each workspace's window remembers between runs: how it was left (``ViewState``:
geometry, column widths, sort, tab, filter), whether it tells of new failures, and its last
failure count (for the switcher, while the workspace is not open).

Kept per workspace in a small Qt settings file beside the workspace settings (the app's
config folder): window geometry is Qt's own bytes, and none of it is a secret. Tests use
:class:`MemoryBackend`, which forgets at exit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QHeaderView

from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.notifications import NOTIFY_DEFAULT, NOTIFY_SETTING_KEY
from postretry_gui.ui.rows import StatusTab
from postretry_gui.ui.view_state import VIEW_STATE_SETTING_KEY, SortOrder, ViewState

_FAILURES_KEY = "failed_count"
# In the app's config folder.
WINDOWS_FILE = "windows.ini"


class Backend(Protocol):
    def read(self, key: str) -> str | None: ...

    def write(self, key: str, value: str) -> None: ...


class MemoryBackend:
    """In memory only (tests, and a run whose settings file cannot be written)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def read(self, key: str) -> str | None:
        return self.values.get(key)

    def write(self, key: str, value: str) -> None:
        self.values[key] = value


class SettingsFileBackend:
    """An INI file through ``QSettings`` (atomic writes, and the same on every platform)."""

    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def read(self, key: str) -> str | None:
        value = self._settings.value(key)
        return value if isinstance(value, str) else None

    def write(self, key: str, value: str) -> None:
        self._settings.setValue(key, value)
        self._settings.sync()


class WindowMemory:
    def __init__(self, backend: Backend | None = None) -> None:
        self._backend: Backend = backend or MemoryBackend()

    def _read(self, workspace_id: str, key: str) -> object:
        text = self._backend.read(f"{workspace_id}/{key}")
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None  # edited by hand or by another version: the default

    def _write(self, workspace_id: str, key: str, value: object) -> None:
        self._backend.write(f"{workspace_id}/{key}", json.dumps(value))

    def view_state(self, workspace_id: str) -> ViewState:
        return ViewState.from_json(self._read(workspace_id, VIEW_STATE_SETTING_KEY))

    def notify(self, workspace_id: str) -> bool:
        value = self._read(workspace_id, NOTIFY_SETTING_KEY)
        return value if isinstance(value, bool) else NOTIFY_DEFAULT

    def failure_count(self, workspace_id: str) -> int | None:
        value = self._read(workspace_id, _FAILURES_KEY)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def set_notify(self, workspace_id: str, enabled: bool) -> None:
        self._write(workspace_id, NOTIFY_SETTING_KEY, enabled)

    def remember(self, workspace_id: str, window: MainWindow) -> None:
        """How ``window`` is now, and its failure count."""
        self._write(workspace_id, VIEW_STATE_SETTING_KEY, capture(window).to_json())
        self._write(workspace_id, _FAILURES_KEY, window.model.counts()[StatusTab.FAILED])

    def restore(self, workspace_id: str, window: MainWindow, *, geometry: bool = True) -> None:
        """Put ``window`` back as it was left; the notify switch as it was set. ``geometry``
        False: a switch keeps the place of the window it replaces."""
        window.actions_by_id[ActionId.NOTIFY].setChecked(self.notify(workspace_id))
        apply(window, self.view_state(workspace_id), geometry=geometry)


def capture(window: MainWindow) -> ViewState:
    header = window.tree.horizontalHeader()
    order = header.sortIndicatorOrder()
    sorted_by = header.sortIndicatorSection()
    return ViewState(
        geometry=bytes(window.saveGeometry().toBase64().data()).decode("ascii"),
        column_widths=tuple(header.sectionSize(c) for c in range(header.count())),
        sort_column=sorted_by if 0 <= sorted_by < header.count() else -1,
        sort_order=(
            SortOrder.DESCENDING if order == Qt.SortOrder.DescendingOrder else SortOrder.ASCENDING
        ),
        tab=window.tabs.currentIndex(),
        filter_text=window.filter_edit.text(),
    )


def apply(window: MainWindow, state: ViewState, *, geometry: bool = True) -> None:
    if geometry and state.geometry:
        window.restoreGeometry(QByteArray.fromBase64(state.geometry.encode("ascii")))
    header: QHeaderView = window.tree.horizontalHeader()
    # Columns are only ever added at the end (Cause came after the first nine), so widths
    # saved by an older version still name the columns they had; a newer version's longer
    # list describes a layout this one does not know and is left alone.
    if len(state.column_widths) <= header.count():
        for column, width in enumerate(state.column_widths):
            header.resizeSection(column, width)
    if 0 <= state.sort_column < header.count():
        order = (
            Qt.SortOrder.DescendingOrder
            if state.sort_order is SortOrder.DESCENDING
            else Qt.SortOrder.AscendingOrder
        )
        window.tree.sortByColumn(state.sort_column, order)
    if state.tab < len(StatusTab):
        window.set_tab(StatusTab(state.tab))
    if state.filter_text:
        window.filter_edit.setText(state.filter_text)
        window.model.set_text_filter(state.filter_text)
