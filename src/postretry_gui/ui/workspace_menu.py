"""The Workspace menu of each workspace window: one checkable entry per saved workspace
(Ctrl+1..9 switch between them) and the commands that add, edit, re-key, remove or demo one.

Every open window has its own copy; the shell refreshes them all when the list changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from postretry_gui.controller.workspaces import WorkspaceBook
from postretry_gui.domain.provider_spec import ProviderCatalog
from postretry_gui.store import Workspace
from postretry_gui.ui.main_window import MainWindow

MAX_SHORTCUTS = 9


def workspace_label(workspace: Workspace, providers: ProviderCatalog, demo: bool = False) -> str:
    known = workspace.provider in providers
    provider = providers.spec(workspace.provider).display_name if known else workspace.provider
    return f"{workspace.name} ({provider}{', demo' if demo else ''})"


@dataclass(frozen=True)
class MenuCommand:
    """One entry below the workspaces: its object name (tests and the 401 path find it by
    that), text, shortcut and handler; ``enabled`` False greys it out."""

    name: str
    text: str
    shortcut: str | None
    handler: Callable[[], object]
    enabled: bool = True


class WorkspaceMenus:
    """Builds and refreshes the Workspace menu of the shell's windows.

    ``actions`` maps each workspace id to its entry in the current window's menu (the one
    whose tick follows a switch)."""

    def __init__(
        self,
        book: WorkspaceBook,
        commands: Sequence[MenuCommand],
        switch: Callable[[str], object],
    ) -> None:
        self._book = book
        self._commands = tuple(commands)
        self._switch = switch
        self.actions: dict[str, QAction] = {}

    def install(self, window: MainWindow, workspace_id: str, current: MainWindow | None) -> None:
        """Add the menu to ``window``'s bar, after the first menu (File)."""
        menu = QMenu("&Workspace", window)
        menu.setObjectName("workspace-menu")
        bar = window.menuBar()
        existing = bar.actions()
        if len(existing) > 1:
            bar.insertMenu(existing[1], menu)
        else:
            bar.addMenu(menu)
        window.workspace_menu = menu
        self.fill(window, workspace_id, current)

    def fill(self, window: MainWindow, current_id: str, current: MainWindow | None) -> None:
        """(Re)write ``window``'s menu with ``current_id`` ticked; ``current`` is the
        shell's open window (None while none is open)."""
        menu = window.workspace_menu
        if menu is None:
            return
        for action in menu.actions():
            window.removeAction(action)
        menu.clear()
        group = QActionGroup(menu)
        group.setExclusive(True)
        if window is current:
            self.actions = {}
        for index, workspace in enumerate(self._book.workspaces()):
            action = self._workspace_action(menu, index, workspace, current_id)
            group.addAction(action)
            menu.addAction(action)
            window.addAction(action)
            if window is current or current is None:
                self.actions[workspace.workspace_id] = action
        menu.addSeparator()
        # This window's workspace setting (its session keeps it).
        menu.addAction(window.single_post_action)
        menu.addSeparator()
        for command in self._commands:
            action = QAction(command.text, menu)
            action.setObjectName(command.name)
            if command.shortcut:
                action.setShortcut(QKeySequence(command.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, h=command.handler: h())
            menu.addAction(action)
            window.addAction(action)
            action.setEnabled(command.enabled)

    def tick(self, workspace_id: str) -> None:
        action = self.actions.get(workspace_id)
        if action is not None:
            action.setChecked(True)

    def _workspace_action(
        self, menu: QMenu, index: int, workspace: Workspace, current_id: str
    ) -> QAction:
        number = f"&{index + 1} " if index < MAX_SHORTCUTS else ""
        demo = self._book.is_demo(workspace.workspace_id)
        label = workspace_label(workspace, self._book.providers, demo)
        action = QAction(number + label.replace("&", "&&"), menu)
        action.setCheckable(True)
        action.setChecked(workspace.workspace_id == current_id)
        if index < MAX_SHORTCUTS:
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        workspace_id = workspace.workspace_id
        action.triggered.connect(lambda _checked=False: self._switch(workspace_id))
        return action
