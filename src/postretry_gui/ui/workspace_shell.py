"""The app around the window: which workspace is open, the welcome screen, adding/editing/
removing workspaces, a keyring that cannot keep a key, and a key rejected at any time. The
Workspace menu (Ctrl+1..9) is ``workspace_menu``; the stale mark and the 401 button are
``workspace_sync``.

One :class:`~postretry_gui.ui.main_window.MainWindow` per open workspace: switching opens
the next workspace's window where the last one was and closes the last one (which cancels
its session's work). The shell never builds a provider: ``opener`` and ``checker`` come
from the composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from postretry_gui.controller.events import SyncState
from postretry_gui.controller.workspaces import KeyChecker, WorkspaceBook
from postretry_gui.domain.errors import ProviderError
from postretry_gui.store import KeyringUnavailable, StoreError, Workspace, WorkspaceSecrets
from postretry_gui.ui.confirmations import confirm_removal
from postretry_gui.ui.keyring_dialog import KeyringChoice, KeyringDialog, ask_keyring, save_after
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.welcome import WelcomeWindow
from postretry_gui.ui.window_memory import WindowMemory
from postretry_gui.ui.workspace_desk import WorkspaceDesk
from postretry_gui.ui.workspace_dialog import SaveHandler, WorkspaceDialog
from postretry_gui.ui.workspace_menu import MenuCommand, WorkspaceMenus, workspace_label
from postretry_gui.ui.workspace_ports import DemoStarter, Opener, WorkspaceHandle
from postretry_gui.ui.workspace_sync import (
    WindowListener,
    mark_stale,
    offer_new_key,
    show_freshness,
)


class WorkspaceShell(QObject):
    """``start()`` shows the active workspace, or the welcome screen when there is none.
    ``finished`` fires once the operator has closed the app and every workspace's work has
    ended."""

    finished = Signal()
    opened = Signal(str)  # workspace_id, after its window is shown

    def __init__(
        self,
        book: WorkspaceBook,
        opener: Opener,
        checker: KeyChecker,
        start_demo: DemoStarter | None = None,
        *,
        background: bool = True,
        memory: WindowMemory | None = None,
    ) -> None:
        super().__init__()
        self.book = book
        self._opener = opener
        self._checker = checker
        self._start_demo = start_demo
        self._background = background
        self.window: MainWindow | None = None
        self.handle: WorkspaceHandle | None = None
        self.welcome: WelcomeWindow | None = None
        self.dialog: WorkspaceDialog | None = None
        self.keyring_dialog: KeyringDialog | None = None
        self.menus = WorkspaceMenus(
            book,
            [
                MenuCommand("workspace-add", "&Add workspace…", "Ctrl+Shift+N", self.add_workspace),
                MenuCommand("workspace-edit", "&Edit workspace…", None, self.edit_current),
                MenuCommand(
                    "workspace-reenter-key",
                    "Re-enter the API &key…",
                    "Ctrl+Shift+K",
                    self.reenter_key,
                ),
                MenuCommand(
                    "workspace-remove", "&Remove workspace…", None, self.ask_remove_current
                ),
                MenuCommand(
                    "workspace-demo", "Try the &demo", None, self.try_demo, start_demo is not None
                ),
            ],
            self._menu_switch,
        )
        self._handles: dict[MainWindow, WorkspaceHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._rejected: set[str] = set()
        # The switcher in each window and how each workspace's window was left.
        self.desk = WorkspaceDesk(book, memory or WindowMemory(), self._menu_switch, self._rejected)
        self._quitting = False
        self._finished = False

    # -- start and the welcome screen ------------------------------------------------------

    def start(self) -> None:
        workspaces = self.book.workspaces()
        if not workspaces:
            self.show_welcome(self.book.registry.notice)
            return
        active = self.book.active_id
        ids = [w.workspace_id for w in workspaces]
        self.open_workspace(active if active in ids else ids[0])

    def show_welcome(self, notice: str | None = None) -> None:
        if self.welcome is None:
            self.welcome = WelcomeWindow(notice)
            self.welcome.addRequested.connect(lambda: self.add_workspace())
            self.welcome.demoRequested.connect(self.try_demo)
            self.welcome.closed.connect(self._welcome_closed)
        self.welcome.show()
        self.welcome.activateWindow()

    def _welcome_closed(self) -> None:
        if self.window is None and self.dialog is None:
            self.quit()

    def _dialog_parent(self) -> QWidget | None:
        return self.window or self.welcome

    # -- opening and switching -------------------------------------------------------------

    def open_workspace(self, workspace_id: str) -> bool:
        """Show ``workspace_id`` in a window (replacing the current one). False when it
        cannot open yet: a dialog asks for what is missing (key, keyring decision)."""
        if self.handle is not None and self.handle.workspace.workspace_id == workspace_id:
            return True
        workspace = self.book.get(workspace_id)
        try:
            secrets = self.book.secrets(workspace_id)
        except KeyringUnavailable as error:
            self._ask_keyring(error, then=lambda choice: self._keyring_on_open(workspace, choice))
            return False
        if secrets.api_key is None:
            self.edit_workspace(
                workspace_id,
                reason="No API key is stored for this workspace (a key kept for one session "
                "only is forgotten when the app closes). Enter it to open the workspace.",
            )
            return False
        demo = self.book.is_demo(workspace_id)
        window = MainWindow(title=workspace_label(workspace, self.book.providers, demo))
        listener = WindowListener(window, self._after_sync)
        try:
            handle = self._opener(workspace, secrets, listener)
        except ProviderError as error:
            window.deleteLater()
            self.edit_workspace(workspace_id, reason=str(error))
            return False
        listener.handle = handle
        window.attach(handle.session)
        self.menus.install(window, workspace_id, self.window)
        self.desk.opened(window, workspace_id, replacing=self.window is not None)
        self._handles[window] = handle
        window.closed.connect(functools.partial(self._window_closed, window))
        previous = self.window
        if previous is not None:
            window.setGeometry(previous.geometry())
        self.window, self.handle = window, handle
        self._rejected.discard(workspace_id)
        window.show()
        window.activateWindow()
        self.book.set_active(workspace_id)
        handle.start(background=self._background)
        if handle.cached_at is not None:
            mark_stale(window, handle)
        if previous is not None:
            previous.close()
        if self.welcome is not None:
            welcome, self.welcome = self.welcome, None
            welcome.closed.disconnect()
            welcome.close()
            welcome.deleteLater()
        self._refresh_menus()
        self.opened.emit(workspace_id)
        return True

    def _window_closed(self, window: MainWindow) -> None:
        handle = self._handles.pop(window, None)
        if handle is not None:
            self.desk.closed(window, handle.workspace.workspace_id)
            task = asyncio.get_running_loop().create_task(handle.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closed_one)
        if window is self.window:
            # The operator closed the window of the open workspace: the app ends.
            self.window = self.handle = None
            self.quit()
        window.deleteLater()

    def _closed_one(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        self._maybe_finished()

    def quit(self) -> None:
        """Close every window; ``finished`` fires when their work has ended."""
        self._quitting = True
        if self.window is not None:
            self.window.close()  # comes back through _window_closed
            return
        if self.welcome is not None:
            welcome, self.welcome = self.welcome, None
            welcome.closed.disconnect()
            welcome.close()
        self._maybe_finished()

    def _maybe_finished(self) -> None:
        if self._quitting and not self._closing and self.window is None and not self._finished:
            self._finished = True
            self.finished.emit()

    async def aclose(self) -> None:
        """Quit and wait until every workspace's work has ended (tests, aboutToQuit)."""
        if self._finished:
            return
        done = asyncio.get_running_loop().create_future()

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        self.finished.connect(finished)
        self.quit()
        if not self._finished:
            await done

    # -- a rejected key and the Workspace menu ---------------------------------------------

    def _after_sync(self, listener: WindowListener, state: SyncState) -> None:
        handle = listener.handle
        if handle is None:
            return
        show_freshness(listener.window, handle, state)
        self._refresh_switchers()
        workspace_id = handle.workspace.workspace_id
        if state.key_rejected and workspace_id not in self._rejected:
            self._rejected.add(workspace_id)
            offer_new_key(listener.window, self.reenter_key)

    @property
    def menu_actions(self) -> dict[str, QAction]:
        """Each workspace's entry in the open window's Workspace menu."""
        return self.menus.actions

    def _refresh_menus(self) -> None:
        for window, handle in self._handles.items():
            self.menus.fill(window, handle.workspace.workspace_id, self.window)
        self._refresh_switchers()

    def _refresh_switchers(self) -> None:
        self.desk.refresh({w: h.workspace.workspace_id for w, h in self._handles.items()})

    def _menu_switch(self, workspace_id: str) -> None:
        self.open_workspace(workspace_id)
        # A refused switch (a dialog asks first) must not leave the wrong item ticked.
        self.menus.tick(self.handle.workspace.workspace_id if self.handle else workspace_id)

    # -- adding, editing, removing ---------------------------------------------------------

    def add_workspace(self) -> WorkspaceDialog:
        return self._open_dialog(self._save_new)

    def edit_current(self) -> WorkspaceDialog | None:
        if self.handle is None:
            return None
        return self.edit_workspace(self.handle.workspace.workspace_id)

    def reenter_key(self) -> WorkspaceDialog | None:
        if self.handle is None:
            return None
        return self.edit_workspace(
            self.handle.workspace.workspace_id,
            reason="The server rejected this workspace's API key (401), so nothing more is "
            "sent with it. Enter the key again; the workspace reopens with it.",
        )

    def edit_workspace(
        self, workspace_id: str, reason: str | None = None, *, session_only: bool = False
    ) -> WorkspaceDialog:
        workspace = self.book.get(workspace_id)
        save = functools.partial(self._save_existing, workspace_id, session_only)
        return self._open_dialog(save, existing=workspace, reason=reason)

    def _open_dialog(
        self, save: SaveHandler, existing: Workspace | None = None, reason: str | None = None
    ) -> WorkspaceDialog:
        dialog = WorkspaceDialog(
            self._checker, save, providers=self.book.providers, existing=existing, reason=reason
        )
        if self.dialog is not None:
            self.dialog.reject()
        parent = self._dialog_parent()
        if parent is not None:
            dialog.setParent(parent, dialog.windowFlags())
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(functools.partial(self._dialog_finished, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_finished(self, dialog: WorkspaceDialog, _result: int) -> None:
        if self.dialog is dialog:
            self.dialog = None
        if self.window is None and self.welcome is None and not self._quitting:
            self.show_welcome()

    def _save_new(
        self,
        dialog: WorkspaceDialog,
        draft: Workspace,
        secrets: WorkspaceSecrets,
        session_only: bool = False,
    ) -> None:
        try:
            workspace = self.book.add(draft, secrets, session_only=session_only)
        except KeyringUnavailable as error:
            self._ask_keyring(
                error,
                then=lambda choice: save_after(
                    choice, functools.partial(self._save_new, dialog, draft, secrets)
                ),
                parent=dialog,
            )
            return
        except StoreError as error:
            dialog.show_message(str(error), "#B91C1C")
            return
        dialog.saved()
        self.open_workspace(workspace.workspace_id)

    def _save_existing(
        self,
        workspace_id: str,
        session_only: bool,
        dialog: WorkspaceDialog,
        draft: Workspace,
        secrets: WorkspaceSecrets,
    ) -> None:
        try:
            self.book.update(workspace_id, draft, secrets, session_only=session_only)
        except KeyringUnavailable as error:
            self._ask_keyring(
                error,
                then=lambda choice: save_after(
                    choice,
                    lambda only: self._save_existing(workspace_id, only, dialog, draft, secrets),
                ),
                parent=dialog,
            )
            return
        except StoreError as error:
            dialog.show_message(str(error), "#B91C1C")
            return
        dialog.saved()
        self._refresh_menus()
        self.reopen(workspace_id)

    def reopen(self, workspace_id: str) -> None:
        """Open ``workspace_id`` afresh (new key or URL): its old session ends."""
        if self.handle is not None and self.handle.workspace.workspace_id == workspace_id:
            self.handle = None  # so open_workspace does not take it for the open one
        self.open_workspace(workspace_id)

    def ask_remove_current(self) -> QMessageBox | None:
        if self.handle is None or self.window is None:
            return None
        workspace_id = self.handle.workspace.workspace_id
        return confirm_removal(
            self.window, self.handle.workspace.name, lambda: self.remove(workspace_id)
        )

    def remove(self, workspace_id: str) -> bool:
        """Forget the workspace and delete its keyring entries; open another (or the
        welcome screen) when it was the open one."""
        try:
            self.book.remove(workspace_id)
        except KeyringUnavailable as error:
            self._ask_keyring(error, then=lambda _choice: None)
            return False
        if self.handle is not None and self.handle.workspace.workspace_id == workspace_id:
            remaining = self.book.workspaces()
            old = self.window
            if remaining:
                self.handle = None
                self.open_workspace(remaining[0].workspace_id)
            else:
                self.window = self.handle = None
                self.show_welcome()
                if old is not None:
                    old.close()
        self._refresh_menus()
        return True

    def try_demo(self) -> None:
        if self._start_demo is None:
            return
        first: str | None = None
        for workspace, secrets in self._start_demo():
            self.book.add_demo(workspace, secrets)
            first = first or workspace.workspace_id
        if first is not None:
            self.open_workspace(first)

    # -- the keyring -----------------------------------------------------------------------

    def _ask_keyring(
        self,
        error: KeyringUnavailable,
        then: Callable[[KeyringChoice], object],
        parent: QWidget | None = None,
    ) -> KeyringDialog:
        def finished(choice: KeyringChoice) -> None:
            self.keyring_dialog = None
            then(choice)

        self.keyring_dialog = ask_keyring(error, parent or self._dialog_parent(), finished)
        return self.keyring_dialog

    def _keyring_on_open(self, workspace: Workspace, choice: KeyringChoice) -> None:
        if choice is KeyringChoice.TRY_AGAIN:
            self.open_workspace(workspace.workspace_id)
        elif choice is KeyringChoice.SESSION_ONLY:
            self.edit_workspace(
                workspace.workspace_id,
                reason="The system keyring cannot be read, so the stored key is out of "
                "reach. Enter the key to use it for this session only.",
                session_only=True,
            )
        elif self.window is None and self.welcome is None:
            self.show_welcome(
                f"“{workspace.name}” could not be opened: the system keyring is unavailable."
            )

    def close_dialogs(self) -> None:
        for dialog in (self.keyring_dialog, self.dialog):
            if dialog is not None:
                with contextlib.suppress(RuntimeError):
                    dialog.reject()
