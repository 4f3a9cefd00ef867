"""The app around the window: which workspace is open, the Workspace menu (Ctrl+1..9), the
welcome screen, adding/editing/removing workspaces, a keyring that cannot keep a key, and a
key rejected at any time.

One :class:`~postretry_gui.ui.main_window.MainWindow` per open workspace: switching opens
the next workspace's window where the last one was and closes the last one (which cancels
its session's work). The shell never builds a provider: ``opener`` and ``checker`` come
from the composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton, QWidget

from postretry_gui.controller.events import (
    NoticeLevel,
    RetryReport,
    SessionListener,
    SyncState,
)
from postretry_gui.controller.workspaces import KeyChecker, WorkspaceBook
from postretry_gui.domain import Post
from postretry_gui.domain.errors import ProviderError
from postretry_gui.domain.provider_spec import ProviderCatalog
from postretry_gui.store import KeyringUnavailable, StoreError, Workspace, WorkspaceSecrets
from postretry_gui.ui.keyring_dialog import KeyringChoice, KeyringDialog
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import SessionPort
from postretry_gui.ui.welcome import WelcomeWindow
from postretry_gui.ui.workspace_dialog import WorkspaceDialog

MAX_SHORTCUTS = 9
STALE_STYLE = "color: #92400E; font-weight: bold;"


class WorkspaceHandle(Protocol):
    """What the shell needs of an opened workspace (``controller.workspace_opener``)."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def session(self) -> SessionPort: ...

    @property
    def cached_posts(self) -> int: ...

    @property
    def cached_at(self) -> datetime | None: ...

    def start(self, *, background: bool = True) -> asyncio.Task[None]: ...

    async def aclose(self) -> None: ...


Opener = Callable[[Workspace, WorkspaceSecrets, SessionListener], WorkspaceHandle]
DemoStarter = Callable[[], Sequence[tuple[Workspace, WorkspaceSecrets]]]


def age_text(then: datetime, now: datetime | None = None) -> str:
    """ "just now", "12 min ago", "3 h ago", "5 days ago"."""
    seconds = max(((now or datetime.now(UTC)) - then).total_seconds(), 0.0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


def workspace_label(workspace: Workspace, providers: ProviderCatalog, demo: bool = False) -> str:
    known = workspace.provider in providers
    provider = providers.spec(workspace.provider).display_name if known else workspace.provider
    return f"{workspace.name} ({provider}{', demo' if demo else ''})"


class _WindowListener:
    """The session's listener: the window, plus what the shell adds (stale mark, 401)."""

    def __init__(self, shell: WorkspaceShell, window: MainWindow) -> None:
        self.shell = shell
        self.window = window
        self.handle: WorkspaceHandle | None = None

    def posts_changed(self, posts: Sequence[Post]) -> None:
        self.window.posts_changed(posts)

    def sync_changed(self, state: SyncState) -> None:
        self.window.sync_changed(state)
        self.shell._after_sync(self, state)

    def retry_finished(self, report: RetryReport) -> None:
        self.window.retry_finished(report)

    def notice(self, level: NoticeLevel, text: str) -> None:
        self.window.notice(level, text)
        if level is not NoticeLevel.INFO:
            self.shell.notices.append(text)


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
        self.notices: list[str] = []
        self.menu_actions: dict[str, QAction] = {}
        self._handles: dict[MainWindow, WorkspaceHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._rejected: set[str] = set()
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
        listener = _WindowListener(self, window)
        try:
            handle = self._opener(workspace, secrets, listener)
        except ProviderError as error:
            window.deleteLater()
            self.edit_workspace(workspace_id, reason=str(error))
            return False
        listener.handle = handle
        window.attach(handle.session)
        self._install_menu(window, workspace_id)
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
            self._mark_stale(window, handle)
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

    def switch_to_index(self, index: int) -> None:
        """Ctrl+1..9: the index-th workspace of the menu (0-based here)."""
        workspaces = self.book.workspaces()
        if 0 <= index < len(workspaces):
            self.open_workspace(workspaces[index].workspace_id)

    def _window_closed(self, window: MainWindow) -> None:
        handle = self._handles.pop(window, None)
        if handle is not None:
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

    # -- stale cache and a rejected key ----------------------------------------------------

    def _mark_stale(self, window: MainWindow, handle: WorkspaceHandle) -> None:
        if handle.cached_at is None:
            return
        window.sync_label.setText(
            f"Showing {handle.cached_posts:,} cached posts · cached {age_text(handle.cached_at)}"
            " · refreshing…"
        )
        window.sync_label.setStyleSheet(STALE_STYLE)
        window.sync_label.setToolTip("Read in an earlier session; newer data is on its way.")

    def _after_sync(self, listener: _WindowListener, state: SyncState) -> None:
        handle = listener.handle
        window = listener.window
        if handle is None:
            return
        cached_at = handle.cached_at
        still_stale = cached_at is not None and state.last_sync_at == cached_at
        if still_stale:
            self._mark_stale(window, handle)
            if not state.online:
                window.sync_label.setText(
                    f"Cached {age_text(cached_at)} · offline"  # type: ignore[arg-type]
                )
        else:
            window.sync_label.setStyleSheet("")
            window.sync_label.setToolTip("")
        workspace_id = handle.workspace.workspace_id
        if state.key_rejected and workspace_id not in self._rejected:
            self._rejected.add(workspace_id)
            self._offer_new_key(window)

    def _offer_new_key(self, window: MainWindow) -> None:
        button = QPushButton("Re-enter the API &key…", window.statusBar())
        button.setObjectName("reenter-key")
        button.clicked.connect(self.reenter_key)
        window.statusBar().addPermanentWidget(button)
        window.reenter_button = button  # type: ignore[attr-defined]
        action = window.findChild(QAction, "workspace-reenter-key")
        if isinstance(action, QAction):
            action.setEnabled(True)
        window.statusBar().showMessage(
            "Key rejected: nothing more is sent with it. Ctrl+Shift+K enters a new key.", 0
        )

    # -- the Workspace menu ----------------------------------------------------------------

    def _install_menu(self, window: MainWindow, workspace_id: str) -> None:
        menu = QMenu("&Workspace", window)
        menu.setObjectName("workspace-menu")
        bar = window.menuBar()
        actions = bar.actions()
        if len(actions) > 1:
            bar.insertMenu(actions[1], menu)
        else:
            bar.addMenu(menu)
        window.workspace_menu = menu  # type: ignore[attr-defined]
        self._fill_menu(window, menu, workspace_id)

    def _refresh_menus(self) -> None:
        for window, handle in self._handles.items():
            menu = getattr(window, "workspace_menu", None)
            if isinstance(menu, QMenu):
                self._fill_menu(window, menu, handle.workspace.workspace_id)

    def _fill_menu(self, window: MainWindow, menu: QMenu, current_id: str) -> None:
        for action in menu.actions():
            window.removeAction(action)
        menu.clear()
        group = QActionGroup(menu)
        group.setExclusive(True)
        if window is self.window:
            self.menu_actions = {}
        for index, workspace in enumerate(self.book.workspaces()):
            number = f"&{index + 1} " if index < MAX_SHORTCUTS else ""
            demo = self.book.is_demo(workspace.workspace_id)
            label = workspace_label(workspace, self.book.providers, demo)
            action = QAction(number + label.replace("&", "&&"), menu)
            action.setCheckable(True)
            action.setChecked(workspace.workspace_id == current_id)
            if index < MAX_SHORTCUTS:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(functools.partial(self._menu_switch, workspace.workspace_id))
            group.addAction(action)
            menu.addAction(action)
            window.addAction(action)
            if window is self.window or self.window is None:
                self.menu_actions[workspace.workspace_id] = action
        menu.addSeparator()
        entries: list[tuple[str, str, str | None, Callable[[], object]]] = [
            ("workspace-add", "&Add workspace…", "Ctrl+Shift+N", self.add_workspace),
            ("workspace-edit", "&Edit workspace…", None, self.edit_current),
            ("workspace-reenter-key", "Re-enter the API &key…", "Ctrl+Shift+K", self.reenter_key),
            ("workspace-remove", "&Remove workspace…", None, self.ask_remove_current),
            ("workspace-demo", "Try the &demo", None, self.try_demo),
        ]
        for name, text, shortcut, handler in entries:
            action = QAction(text, menu)
            action.setObjectName(name)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, h=handler: h())
            menu.addAction(action)
            window.addAction(action)
            if name == "workspace-demo":
                action.setEnabled(self._start_demo is not None)

    def _menu_switch(self, workspace_id: str, _checked: bool = False) -> None:
        self.open_workspace(workspace_id)
        # A refused switch (a dialog asks first) must not leave the wrong item ticked.
        action = self.menu_actions.get(
            self.handle.workspace.workspace_id if self.handle else workspace_id
        )
        if action is not None:
            action.setChecked(True)

    # -- adding, editing, removing ---------------------------------------------------------

    def add_workspace(self) -> WorkspaceDialog:
        return self._open_dialog(
            WorkspaceDialog(self._checker, self._save_new, None, providers=self.book.providers)
        )

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
        return self._open_dialog(
            WorkspaceDialog(
                self._checker,
                save,
                None,
                providers=self.book.providers,
                existing=workspace,
                reason=reason,
            )
        )

    def _open_dialog(self, dialog: WorkspaceDialog) -> WorkspaceDialog:
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
                then=lambda choice: self._keyring_on_save(
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
                then=lambda choice: self._keyring_on_save(
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
        workspace = self.handle.workspace
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Remove workspace")
        box.setText(f"Remove the workspace “{workspace.name}”?")
        box.setInformativeText(
            "Its keys are deleted from the system keyring. Nothing changes at the provider."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda _r: box.clickedButton() is remove and self.remove(workspace.workspace_id)
        )
        box.open()
        return box

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
        dialog = KeyringDialog(error, parent or self._dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.keyring_dialog = dialog

        def finished(_result: int) -> None:
            self.keyring_dialog = None
            then(dialog.choice)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _keyring_on_save(self, choice: KeyringChoice, save_again: Callable[[bool], object]) -> None:
        if choice is KeyringChoice.SESSION_ONLY:
            save_again(True)
        elif choice is KeyringChoice.TRY_AGAIN:
            save_again(False)

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
