"""The workspace shell's side of the desk: the workspace switcher in each window's toolbar
(each workspace with its failure count and where its key is kept) and the memory of how each
workspace's window was left.

The switcher is a combo box, reached from the keyboard with Ctrl+0 (Ctrl+1..9 switch
directly): the open workspace knows its count, the others show the count they had when last
open, or "—" when never opened here.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from postretry_gui.controller.workspaces import WorkspaceBook
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import StatusTab
from postretry_gui.ui.window_memory import WindowMemory
from postretry_gui.ui.workspace_menu import workspace_label

SWITCHER_SHORTCUT = "Ctrl+0"
# The switchers follow an open window's failure count at most this often (a load or a
# settling retry moves it many times a second).
COUNT_FOLLOW_MS = 300
NO_COUNT = "—"
KEY_REJECTED = "key rejected"


class WorkspaceSwitcher(QComboBox):
    """One entry per workspace; choosing one (Enter, or a click) asks to switch."""

    def __init__(self, window: MainWindow, switch: Callable[[str], object]) -> None:
        super().__init__(window)
        self.setObjectName("workspace-switcher")
        self.setAccessibleName("Workspace")
        self.setToolTip(f"Switch workspace ({SWITCHER_SHORTCUT}; Ctrl+1..9 directly)")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.activated.connect(lambda index: switch(str(self.itemData(index))))
        label = QLabel("Workspace:", window)  # Alt+W is the Workspace menu
        label.setBuddy(self)
        bar = QToolBar("Workspaces", window)
        bar.setObjectName("workspace-toolbar")
        bar.setMovable(False)
        bar.addWidget(label)
        bar.addWidget(self)
        window.addToolBar(bar)
        focus = QAction("Choose a workspace", window)
        focus.setShortcut(QKeySequence(SWITCHER_SHORTCUT))
        focus.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        focus.triggered.connect(self._open)
        window.addAction(focus)

    def _open(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.showPopup()

    def show_entries(self, entries: list[tuple[str, str]], current_id: str) -> None:
        """(workspace id, text) per workspace, ``current_id`` shown."""
        self.blockSignals(True)
        try:
            self.clear()
            for workspace_id, text in entries:
                self.addItem(text, workspace_id)
                self.setItemData(self.count() - 1, text, Qt.ItemDataRole.AccessibleTextRole)
            self.setCurrentIndex(max(self.findData(current_id), 0))
        finally:
            self.blockSignals(False)


class WorkspaceDesk:
    """Built once by the shell; told when a window opens, closes and after each sync."""

    def __init__(
        self,
        book: WorkspaceBook,
        memory: WindowMemory,
        switch: Callable[[str], object],
        rejected: Container[str],
    ) -> None:
        self._book = book
        self.memory = memory
        self._switch = switch
        self._rejected = rejected
        self._switchers: dict[MainWindow, WorkspaceSwitcher] = {}
        self._open: dict[MainWindow, str] = {}
        # A retry settling moves the count without a sync: the entries follow it.
        self._count_moved = QTimer()
        self._count_moved.setSingleShot(True)
        self._count_moved.setInterval(COUNT_FOLLOW_MS)
        self._count_moved.timeout.connect(lambda: self.refresh(dict(self._open)))

    def opened(self, window: MainWindow, workspace_id: str, *, replacing: bool) -> None:
        """Restore the window as this workspace left it (a switch keeps the place of the
        window it replaces), give it a switcher and save the notify switch when flipped."""
        self.memory.restore(workspace_id, window, geometry=not replacing)
        window.actions_by_id[ActionId.NOTIFY].toggled.connect(
            lambda on: self.memory.set_notify(workspace_id, on)
        )
        self._switchers[window] = WorkspaceSwitcher(window, self._switch)
        self._open[window] = workspace_id
        window.model.countsChanged.connect(self._follow_count)

    def _follow_count(self) -> None:
        if not self._count_moved.isActive():  # a throttle: a steady stream still shows
            self._count_moved.start()

    def closed(self, window: MainWindow, workspace_id: str) -> None:
        self._switchers.pop(window, None)
        self._open.pop(window, None)
        self.memory.remember(workspace_id, window)

    def refresh(self, open_windows: Mapping[MainWindow, str]) -> None:
        """Rewrite every switcher: counts of the open workspaces, the others' as last seen."""
        counts = {
            workspace_id: window.model.counts()[StatusTab.FAILED]
            for window, workspace_id in open_windows.items()
        }
        entries = [
            (w.workspace_id, self.entry_text(w.workspace_id, counts.get(w.workspace_id)))
            for w in self._book.workspaces()
        ]
        for window, switcher in self._switchers.items():
            switcher.show_entries(entries, open_windows.get(window, ""))

    def entry_text(self, workspace_id: str, count: int | None) -> str:
        workspace = self._book.get(workspace_id)
        label = workspace_label(workspace, self._book.providers, self._book.is_demo(workspace_id))
        if count is None:
            count = self.memory.failure_count(workspace_id)
        failed = NO_COUNT if count is None else f"{count:,} failed"
        key = (
            KEY_REJECTED
            if workspace_id in self._rejected
            else self._book.key_kept(workspace_id).value
        )
        return f"{label} · {failed} · {key}"
