"""The operator's window: status tabs, the destination tree, retry with confirmation.

The window is the session's listener: the controller hands it posts and sync facts, and it
hands the controller a selection to retry. It never touches the network itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.domain import Post
from postretry_gui.ui import memory_hooks
from postretry_gui.ui.actions import ActionId, build_actions
from postretry_gui.ui.bulk_panel import BulkPanel
from postretry_gui.ui.confirmations import confirm_retry
from postretry_gui.ui.desk import Desk
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.destination_view import DestinationView
from postretry_gui.ui.history_dialog import open_history
from postretry_gui.ui.notifications import NOTIFY_DEFAULT
from postretry_gui.ui.post_batches import PostBatches
from postretry_gui.ui.row_commands import destination_at, needs_reconnect, update_row_actions
from postretry_gui.ui.rows import Column, DestinationRow, SessionPort, StatusTab
from postretry_gui.ui.single_post import show_single_post, single_post_action
from postretry_gui.ui.window_bars import (
    StatusTabBar,
    SyncStatus,
    build_menus,
    build_toolbar,
    context_menu,
    retry_message,
    shortcut_table,
)

_TAB_ACTIONS = {
    ActionId.TAB_FAILED: StatusTab.FAILED,
    ActionId.TAB_PARTIAL: StatusTab.PARTIAL,
    ActionId.TAB_IN_FLIGHT: StatusTab.IN_FLIGHT,
    ActionId.TAB_ALL: StatusTab.ALL,
}

UrlOpener = Callable[[QUrl], object]


class MainWindow(QMainWindow):
    """``attach(session)`` once; the window then follows the session until it closes.

    ``closed`` fires after closing has cancelled every task of the session.
    """

    closed = Signal()
    # The window painted for the first time / painted its first rows (start-up measures).
    firstPainted = Signal()
    firstRowsPainted = Signal()

    def __init__(
        self, *, open_url: UrlOpener | None = None, title: str = "", notify: bool = NOTIFY_DEFAULT
    ) -> None:
        super().__init__()
        self._open_url: UrlOpener = open_url or QDesktopServices.openUrl
        self._session: SessionPort | None = None
        self._model: DestinationModel | None = None
        self._confirm: QMessageBox | None = None
        self._closing = False
        self._closed_done = False
        self._closed_emitted = False
        self._close_task: asyncio.Task[None] | None = None
        self._last_sync: SyncState = SyncState()
        # Filled by the workspace shell: its Workspace menu and, after a 401, the re-key button.
        self.workspace_menu: QMenu | None = None
        self.reenter_button: QPushButton | None = None
        self.setWindowTitle(f"postretry — {title}" if title else "postretry")
        self.resize(1280, 720)

        self._batches = PostBatches(self._show_batch, self)
        self.actions_by_id = build_actions(self, self._handlers())
        build_menus(self, self.actions_by_id)
        self.filter_edit = build_toolbar(self, self.actions_by_id)
        # The Workspace menu (the shell's) shows it; the session keeps the setting.
        self.single_post_action = single_post_action(self, lambda: self._session)
        self._build_central(notify)
        self.filter_edit.changed.connect(self._apply_text_filter)
        self.filter_edit.done.connect(self.tree.setFocus)
        self._update_action_states()

    # -- building --------------------------------------------------------------------------

    def _handlers(self) -> dict[ActionId, Callable[[], object]]:
        handlers: dict[ActionId, Callable[[], object]] = {
            ActionId.RETRY: self.ask_retry,
            ActionId.REFRESH: self.refresh,
            ActionId.TOGGLE_TICK: self.toggle_current,
            ActionId.TICK_ALL: self.tick_all,
            ActionId.CLEAR: self.clear,
            ActionId.FIND: self.focus_filter,
            ActionId.RECONNECT: self.open_reconnect,
            ActionId.OPEN_LINK: self.open_link,
            ActionId.SHORTCUTS: self.show_shortcuts,
            ActionId.HISTORY: self.show_history,
            ActionId.QUIT: self.close,
        }
        for action_id, tab in _TAB_ACTIONS.items():
            handlers[action_id] = functools.partial(self.set_tab, tab)
        return handlers

    def _build_central(self, notify: bool) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)

        self.sync_status = SyncStatus(central, self.statusBar())
        # The labels by name, for the shell (stale mark) and the tests.
        self.banner = self.sync_status.banner
        self.sync_label = self.sync_status.sync_label
        self.rate_label = self.sync_status.rate_label
        self.error_label = self.sync_status.error_label
        layout.addWidget(self.banner)

        self.tabs = StatusTabBar(central)
        self.tabs.currentChanged.connect(lambda n: self.set_tab(StatusTab(n)))
        tab_row = QHBoxLayout()
        tab_row.addWidget(self.tabs)
        tab_row.addStretch(1)
        self.ticks_label = QLabel("", central)
        tab_row.addWidget(self.ticks_label)
        layout.addLayout(tab_row)

        self.tree = DestinationView(central, self.fontMetrics().height() + 10)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.doubleClicked.connect(self._double_clicked)
        # The detail pane, the palette and the new-failure notice (ui/desk.py).
        self.desk = Desk(
            self, self.tree, self.actions_by_id, self.select_rows, self._open_url, notify=notify
        )
        layout.insertWidget(1, self.desk.banner)
        # Space ticks in the list only: on a focused button (the notice's) it presses it.
        tick = self.actions_by_id[ActionId.TOGGLE_TICK]
        tick.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tree.addAction(tick)
        layout.addWidget(self.tree, 1)
        # Follows a retry job; its summary groups filter the rows.
        self.bulk_panel = BulkPanel(central)
        self.bulk_panel.groupChosen.connect(self._show_group)
        self.bulk_panel.filterCleared.connect(self._clear_group)
        layout.addWidget(self.bulk_panel)

        self.tree.firstPainted.connect(self.firstPainted.emit)
        self.tree.firstRowsPainted.connect(self.firstRowsPainted.emit)
        self.setCentralWidget(central)

    # -- wiring to a session ---------------------------------------------------------------

    def attach(self, session: SessionPort) -> None:
        self._session = session
        bulk = session.capabilities.bulk_max_posts > 0
        show_single_post(self.single_post_action, session.single_post_retries, bulk_available=bulk)
        model = DestinationModel(session, self)
        self._model = model
        self.tree.show_model(model)
        model.rowsInserted.connect(lambda _parent, _first, _last: self._after_rows_changed())
        model.modelReset.connect(self._after_rows_changed)
        model.countsChanged.connect(self._update_counts)
        model.ticksChanged.connect(self._ticks_changed)
        self.tree.selectionModel().currentChanged.connect(
            lambda _now, _before: self._update_action_states()
        )
        self._update_counts()
        self._ticks_changed(0, 0)
        self.desk.attach(session, model)
        self.tree.setFocus()

    @property
    def model(self) -> DestinationModel:
        assert self._model is not None, "attach() a session first"
        return self._model

    @property
    def painted(self) -> bool:
        """The list has been painted at least once (the benchmarks wait for it)."""
        return self.tree.painted

    @property
    def session(self) -> SessionPort:
        assert self._session is not None, "attach() a session first"
        return self._session

    # -- the session's listener ------------------------------------------------------------

    def posts_changed(self, posts: Sequence[Post]) -> None:
        """Rows are built at once; the view gets them at its next flush (post_batches)."""
        if self._model is None or self._closing:
            return
        self._model.stage(posts)
        self._batches.add(posts, loading=self._last_sync.loading)

    def flush_posts(self) -> None:
        """Hand every waiting batch to the model now."""
        self._batches.flush()

    def _show_batch(self, posts: list[Post]) -> None:
        if self._model is None:
            return
        self._model.upsert(posts)
        # The rows live as long as the window: the start-up's policy may keep them out of
        # the cyclic collector's reach (gc_policy says why).
        memory_hooks.rows_landed()
        self._update_action_states()

    def sync_changed(self, state: SyncState) -> None:
        self._last_sync = state
        show_single_post(self.single_post_action, state.single_post_retries)
        self.sync_status.show(state)
        self._update_empty_text()
        self._update_action_states()
        if not state.loading:  # a load's pages keep their paced flushes (150 ms apart)
            self.flush_posts()  # the rows a new-failure message selects are on screen
        self.desk.sync_changed(state)

    def retry_finished(self, report: RetryReport) -> None:
        self.statusBar().showMessage(retry_message(report), 15000)

    def notice(self, level: NoticeLevel, text: str) -> None:
        if level is NoticeLevel.ERROR:
            self.error_label.setText(text)
        else:
            self.statusBar().showMessage(text, 10000)

    # -- commands --------------------------------------------------------------------------

    def ask_retry(self) -> None:
        """Ctrl+R: confirm "N destinations in M posts" with the plan, then send it."""
        if self._model is None or self._confirm is not None or self._closing:
            return
        if self.session.sync_state.retries_off:  # disabled action; any other way ends here
            self.statusBar().showMessage(self.session.sync_state.retries_off, 15000)
            return
        self.flush_posts()
        destinations, posts = self._model.ticked_count()
        if destinations == 0:
            self.statusBar().showMessage(
                "Nothing ticked: tick destinations with Space, or every retryable one with "
                "Ctrl+Shift+A.",
                8000,
            )
            return
        plan = self.session.confirmation(self._model.selection())
        self._confirm = confirm_retry(self, destinations, posts, plan, self._confirmed)

    def _confirmed(self, box: QMessageBox, accepted: bool) -> None:
        self._confirm = None
        box.deleteLater()
        self.tree.setFocus()
        if not accepted or self._model is None or self._closing:
            return
        selection = self._model.selection()
        if not selection:
            return
        # Ticks clear at once: the rows lock as the session sends, and a second Ctrl+R
        # finds nothing to send twice.
        self._model.clear_ticks()
        self._start_job(selection)

    def _start_job(self, selection: dict[str, frozenset[str]]) -> None:
        """One retry job for the whole selection, followed by the bulk panel."""
        self.bulk_panel.follow(self.session.retry(selection, observer=self.bulk_panel))

    def _show_group(self, _group: object, keys: frozenset[tuple[str, str]]) -> None:
        """A summary group was picked: every status tab, only that group's rows."""
        if self._model is None:
            return
        self.set_tab(StatusTab.ALL)
        self._model.set_destination_filter(keys)
        self.tree.setFocus()

    def _clear_group(self) -> None:
        if self._model is not None:
            self._model.set_destination_filter(None)

    def show_history(self) -> None:
        """Ctrl+H: the retry journal, searchable, exportable to CSV."""
        self.history_dialog = open_history(self, self._session)

    def refresh(self) -> None:
        if self._session is None or self._closing:
            return
        self.session.start_refresh()
        if self._model is not None:
            self.flush_posts()
            self._model.refilter()

    def toggle_current(self) -> None:
        if self._model is None:
            return
        index = self.tree.currentIndex()
        if not index.isValid():
            return
        if not self._model.toggle(index):
            row = self._model.row_at(index)
            if isinstance(row, DestinationRow):
                self.statusBar().showMessage(row.eligibility(self.session).reason, 8000)

    def tick_all(self) -> None:
        if self._model is not None:
            self.flush_posts()  # tick what the server said last, not what was painted
            self._model.tick_all_visible()

    def clear(self) -> None:
        if self.bulk_panel.cancel():
            return  # Esc while a retry job runs cancels it: nothing new is sent
        if self.filter_edit.hasFocus():
            self.filter_edit.clear()
            self.tree.setFocus()
            return
        if self._model is not None:
            self._model.clear_ticks()
        self.tree.clearSelection()

    def select_rows(self, keys: Sequence[tuple[str, str]]) -> None:
        """Select these (post id, account id) rows ("" for the post's own row). Rows that
        changed since the last refilter are placed first; a tab or filter hiding some of them
        gives way to every row."""
        if self._model is None:
            return
        self.flush_posts()
        for reveal in (self._model.refilter, self._show_every_row):
            if self.tree.select_keys(self._model, keys) == len(keys):
                break
            reveal()
        self.tree.select_keys(self._model, keys)
        self.tree.setFocus()

    def _show_every_row(self) -> None:
        self.filter_edit.clear()
        self.model.set_text_filter("")
        self.model.set_destination_filter(None)
        self.set_tab(StatusTab.ALL)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def set_tab(self, tab: StatusTab) -> None:
        if self.tabs.currentIndex() != tab:
            self.tabs.setCurrentIndex(tab)  # comes back here through currentChanged
            return
        if self._model is not None:
            self._model.set_tab(tab)

    def _apply_text_filter(self, text: str) -> None:
        if self._model is not None:
            self._model.set_text_filter(text)

    def _current_destination(self) -> DestinationRow | None:
        return destination_at(self._model, self.tree.currentIndex())

    def open_reconnect(self) -> None:
        if needs_reconnect(self._current_destination(), self._session):
            self._open_url(QUrl(self.session.capabilities.reconnect_url))

    def open_link(self) -> None:
        row = self._current_destination()
        if row is not None and row.link:
            self._open_url(QUrl(row.link))

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", shortcut_table(self.actions_by_id))

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() == Column.LINK:
            self.open_link()

    def _context_menu(self, point: QPoint) -> None:
        menu = context_menu(self, self.actions_by_id)
        menu.popup(self.tree.viewport().mapToGlobal(point))

    def _update_action_states(self) -> None:
        update_row_actions(self.actions_by_id, self._current_destination(), self._session)

    # -- view bookkeeping ------------------------------------------------------------------

    def _after_rows_changed(self) -> None:
        self.tree.ensure_current(self.model)
        self._update_empty_text()
        self._update_action_states()

    def _update_empty_text(self) -> None:
        if self._model is not None:
            self.tree.show_empty(self._model, self._last_sync)

    def _update_counts(self) -> None:
        self.tabs.show_counts(self.model.counts())

    def _ticks_changed(self, destinations: int, posts: int) -> None:
        text = f"{destinations} ticked in {posts} posts · Ctrl+R retries" if destinations else ""
        self.ticks_label.setText(text)

    # -- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel every task of the session before the window goes: no pending task may
        outlive it ("Task was destroyed but it is pending")."""
        if self._closed_done or self._session is None:
            event.accept()
            if not self._closed_emitted:
                self._closed_emitted = True
                self.closed.emit()
            return
        event.ignore()
        if self._close_task is None:
            self._closing = True
            with contextlib.suppress(RuntimeError):
                self._close_task = asyncio.get_running_loop().create_task(self._shut_down())

    async def shut_down(self) -> None:
        """Cancel the session's work now (also called on ``aboutToQuit``)."""
        self._closing = True
        if self._confirm is not None:
            self._confirm.reject()
        if self._session is not None:
            await self._session.aclose()

    async def _shut_down(self) -> None:
        try:
            await self.shut_down()
        finally:
            self._closed_done = True
            # Whoever asked for the close may have deleted the window meanwhile (a
            # deleteLater right after close(), as pytest-qt's widget cleanup does): there is
            # nothing left to close then.
            with contextlib.suppress(RuntimeError):
                self.close()
