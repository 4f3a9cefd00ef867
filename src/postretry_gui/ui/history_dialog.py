"""Ctrl+H: who retried what and when, with the outcome; searchable; exported to CSV.

Reads the retry journal through :class:`HistorySource` (the store's ``RetryJournal`` is one),
newest first. Keyboard: the search box has focus at open (typing filters at once), Down
moves into the table, Alt+E exports, Esc closes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeGuard, cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.controller.events import SyncState
from postretry_gui.controller.shared_journal import AsyncHistory

# Rows shown at once: the newest first; search narrows it down.
PAGE = 500
_SEARCH_DELAY_MS = 150


class HistoryEntry(Protocol):
    """One intent as the journal returns it (``store.journal.Intent``)."""

    @property
    def intent_id(self) -> str: ...
    @property
    def post_id(self) -> str: ...
    @property
    def account_ids(self) -> tuple[str, ...]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def operator(self) -> str: ...
    @property
    def state(self) -> Any: ...
    @property
    def outcome(self) -> Any: ...
    @property
    def detail(self) -> str: ...


class HistorySource(Protocol):
    def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> Sequence[HistoryEntry]: ...

    def history_count(self, search: str | None = None) -> int: ...

    def export_csv(self, path: Path) -> int: ...


def _reads_over_the_network(
    source: HistorySource | AsyncHistory,
) -> TypeGuard[AsyncHistory]:
    return inspect.iscoroutinefunction(source.history)


# Asks where to save: returns a path, or "" when the operator cancelled.
AskPath = Callable[[QWidget], str]

COLUMNS = ("When", "Operator", "Post", "Destinations", "State", "Outcome", "Detail")


def _word(value: object) -> str:
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    return text.replace("_", " ")


def _when(moment: datetime) -> str:
    try:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return ""


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []
        self.entries: list[HistoryEntry] = []

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self._rows = [
            (
                _when(e.created_at),
                e.operator,
                e.post_id,
                ", ".join(e.account_ids),
                _word(e.state),
                _word(e.outcome),
                " ".join(e.detail.split()),
            )
            for e in self.entries
        ]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{COLUMNS[index.column()]}: {self._rows[index.row()][index.column()] or 'none'}"
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


def _ask_csv_path(parent: QWidget) -> str:
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export retry history", "retry-history.csv", "CSV files (*.csv)"
    )
    return path


class _SearchEdit(QLineEdit):
    """Down arrow moves from the search box into the table; Return searches and stays in
    this dialog (a dialog would otherwise press its default button and close)."""

    def __init__(self, on_down: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_down = on_down

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self._on_down()
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class HistoryDialog(QDialog):
    def __init__(
        self,
        source: HistorySource | AsyncHistory,
        parent: QWidget | None = None,
        *,
        ask_path: AskPath | None = None,
        note: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retry history" if note is None else "Retry history (read-only)")
        self.resize(1000, 520)
        self._source = source
        self._reading: asyncio.Task[None] | None = None  # the team's journal, being read
        # Looked up now, not at import: tests replace the file dialog with a stand-in.
        self._ask_path = ask_path or _ask_csv_path
        layout = QVBoxLayout(self)
        # Why this history is not the workspace's live journal (read-only), or None.
        self.note = QLabel(note or "", self)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setVisible(note is not None)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        label = QLabel("&Search:", self)
        self.search = _SearchEdit(self._focus_table, self)
        self.search.setPlaceholderText("post, account, operator, outcome, detail…")
        self.search.setClearButtonEnabled(True)
        label.setBuddy(self.search)
        row.addWidget(label)
        row.addWidget(self.search, 1)
        layout.addLayout(row)
        self.model = HistoryModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        layout.addWidget(self.table, 1)
        self.status = QLabel("", self)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.setAutoDefault(False)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)  # Return belongs to the search box
        buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.export)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.reload()
        self.search.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Typing searches at once: the box has focus whenever the dialog opens.
        self.search.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _search_now(self) -> None:
        self._timer.stop()
        self.reload()
        self._focus_table()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def reload(self) -> None:
        """Read the newest entries matching the search box again."""
        needle = self.search.text().strip() or None
        source = self._source
        if _reads_over_the_network(source):
            self._in_background(self._read(source, needle))
            return
        local = cast(HistorySource, source)  # not the network's: the local journal
        try:
            entries = local.history(limit=PAGE, search=needle)
            total = local.history_count(search=needle)
        except Exception as error:  # a broken journal file: say so, keep the dialog usable
            self._unreadable(error)
            return
        self._show(entries, total)

    def done(self, result: int) -> None:
        # A read of the team's history still running has no dialog left to fill.
        self._timer.stop()
        if self._reading is not None:
            self._reading.cancel()
        super().done(result)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        if self._reading is not None:
            self._reading.cancel()  # a newer search wins
        self.status.setText("Reading the team's history…")
        self._reading = asyncio.get_running_loop().create_task(work)

    async def _read(self, source: AsyncHistory, needle: str | None) -> None:
        try:
            entries = await source.history(limit=PAGE, search=needle)
            total = await source.history_count(search=needle)
        except Exception as error:  # the team database is away: say so, keep the dialog
            self._unreadable(error)
            return
        self._show(entries, total)

    def _unreadable(self, error: Exception) -> None:
        self.model.set_entries(())
        self.status.setText(f"The retry history cannot be read: {error}")

    def _show(self, entries: Sequence[HistoryEntry], total: int) -> None:
        self.model.set_entries(entries)
        shown = len(entries)
        noun = "retry" if total == 1 else "retries"
        more = f" (newest {shown:,} shown; search to narrow)" if total > shown else ""
        self.status.setText(f"{total:,} {noun}{more}.")

    def export(self) -> None:
        """Ask where, then write every entry (not only the shown ones) as CSV."""
        path = self._ask_path(self)
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".csv":
            target = target.with_name(target.name + ".csv")
        source = self._source
        if _reads_over_the_network(source):
            self._in_background(self._export(source, target))
            return
        try:
            count = cast(HistorySource, source).export_csv(target)
        except Exception as error:  # disk full, no permission: a sentence, not a traceback
            self.status.setText(f"Could not export to {target}: {error}")
            return
        self.status.setText(f"Exported {count:,} retries to {target}.")

    async def _export(self, source: AsyncHistory, target: Path) -> None:
        try:
            count = await source.export_csv(target)
        except Exception as error:  # the database away, disk full: a sentence
            self.status.setText(f"Could not export to {target}: {error}")
            return
        self.status.setText(f"Exported {count:,} retries to {target}.")


class HistoryOwner(Protocol):
    """What Ctrl+H asks of the workspace's session (``SessionPort`` has both)."""

    @property
    def history_source(self) -> HistorySource | AsyncHistory | None: ...
    @property
    def sync_state(self) -> SyncState: ...


def open_history(window: QMainWindow, session: HistoryOwner | None) -> HistoryDialog | None:
    """Open the history over ``window``, or say in its status bar why there is none.

    A local journal that could not be opened is read where it lies, read-only, with a note
    saying so; when even that is impossible the status bar says why."""
    source = session.history_source if session is not None else None
    unopened = session.sync_state.unopened_journal if session is not None else None
    if source is not None or unopened is None:
        return _history_dialog(window, source, note=None)
    view = unopened.read_only_history()
    if view.source is None:
        window.statusBar().showMessage(view.note, 20000)
        return None
    snapshot = view.source
    dialog = _history_dialog(window, snapshot, note=view.note)
    if dialog is not None:  # the file is read only while the dialog shows it
        dialog.finished.connect(lambda _result: snapshot.close())
    return dialog


def _history_dialog(
    window: QMainWindow, source: HistorySource | AsyncHistory | None, *, note: str | None
) -> HistoryDialog | None:
    if source is None:
        window.statusBar().showMessage(
            "This workspace keeps no retry journal, so there is no history to show.", 8000
        )
        return None
    dialog = HistoryDialog(source, window, note=note)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
