"""The operator's window: status tabs, the destination tree, retry with confirmation.

The window is the session's listener: the controller hands it posts and sync facts, and it
hands the controller a selection to retry. It never touches the network itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabBar,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.domain import Outcome, Post, Verdict
from postretry_gui.ui import icons, memory_hooks
from postretry_gui.ui.actions import ACTION_SPECS, MENU_ORDER, ActionId, build_actions
from postretry_gui.ui.bulk_panel import BulkPanel
from postretry_gui.ui.confirmations import confirm_retry
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.history_dialog import HistoryDialog
from postretry_gui.ui.row_roles import Role
from postretry_gui.ui.rows import (
    BADGE_ICON,
    TAB_TITLES,
    Column,
    DestinationRow,
    SessionPort,
    StatusTab,
    when,
)
from postretry_gui.ui.status_badge import StatusBadgeDelegate

_COLUMN_WIDTHS = {
    Column.CHECK: 64,
    Column.POST: 330,
    Column.PLATFORM: 120,
    Column.ACCOUNT: 150,
    Column.STATUS: 150,
    Column.ATTEMPTS: 70,
    Column.ERROR: 330,
    Column.LINK: 70,
    Column.CHANGED: 130,
}
_TAB_ACTIONS = {
    ActionId.TAB_FAILED: StatusTab.FAILED,
    ActionId.TAB_PARTIAL: StatusTab.PARTIAL,
    ActionId.TAB_IN_FLIGHT: StatusTab.IN_FLIGHT,
    ActionId.TAB_ALL: StatusTab.ALL,
}
_FILTER_DELAY_MS = 120
# The view shows incoming batches at most this often (see posts_changed).
_FLUSH_INTERVAL_S = 0.1
# ... and while a full load streams in: each repaint costs ~16 ms whatever arrived, so fewer
# repaints shorten a 200-page load, while each flush grows with the rows it inserts (rows are
# built as pages arrive, DestinationModel.stage, so it stays short). Measured on 100,000
# destinations: 0.1 s gave 13-15 flushes of <=14 ms, 0.15 s 8-9 of <=22 ms and the shortest
# load, 0.25 s 6-7 of up to 49 ms (a visible stall).
_LOADING_FLUSH_INTERVAL_S = 0.15

UrlOpener = Callable[[QUrl], object]


class DestinationView(QTableView):
    """The grouped list; keys that mean something here go to the window's actions, not to
    Qt's defaults (Space would otherwise only select)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            event.ignore()  # the window's Space shortcut handles it
            return
        super().keyPressEvent(event)


class MainWindow(QMainWindow):
    """``attach(session)`` once; the window then follows the session until it closes.

    ``closed`` fires after closing has cancelled every task of the session.
    """

    closed = Signal()
    # The window painted for the first time / painted its first rows (start-up measures).
    firstPainted = Signal()
    firstRowsPainted = Signal()

    def __init__(self, *, open_url: UrlOpener | None = None, title: str = "") -> None:
        super().__init__()
        self._open_url: UrlOpener = open_url or QDesktopServices.openUrl
        self._session: SessionPort | None = None
        self._model: DestinationModel | None = None
        self._confirm: QMessageBox | None = None
        self._closing = False
        self._closed_done = False
        self._closed_emitted = False
        self._painted = False
        self._rows_painted = False
        self._had_rows = False
        self._close_task: asyncio.Task[None] | None = None
        self._last_sync: SyncState = SyncState()
        # Filled by the workspace shell: its Workspace menu and, after a 401, the re-key button.
        self.workspace_menu: QMenu | None = None
        self.reenter_button: QPushButton | None = None
        self.setWindowTitle(f"postretry — {title}" if title else "postretry")
        self.resize(1280, 720)

        self._pending: list[Post] = []
        self._last_flush = 0.0
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush_posts)
        self.actions_by_id = build_actions(self, self._handlers())
        self._build_menus()
        self._build_toolbar()
        self._build_central()
        self._build_status_bar()
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

    def _build_menus(self) -> None:
        menus = {title: self.menuBar().addMenu(title) for title in MENU_ORDER}
        for action_id, spec in ACTION_SPECS.items():
            menus[spec.menu].addAction(self.actions_by_id[action_id])
            if action_id in (ActionId.OPEN_LINK, ActionId.TICK_ALL):
                menus[spec.menu].addSeparator()

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action_id in (ActionId.RETRY, ActionId.TICK_ALL, ActionId.REFRESH):
            bar.addAction(self.actions_by_id[action_id])
        bar.addSeparator()
        self.filter_edit = QLineEdit(bar)
        self.filter_edit.setPlaceholderText("Filter (Ctrl+F): account, platform, error, post text")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(420)
        bar.addWidget(self.filter_edit)
        self.addToolBar(bar)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(_FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_text_filter)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())

    def _build_central(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)

        self.banner = QLabel(central)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        self.tabs = QTabBar(central)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(True)
        for tab in StatusTab:
            self.tabs.addTab(TAB_TITLES[tab])
        self.tabs.currentChanged.connect(lambda n: self.set_tab(StatusTab(n)))
        tab_row = QHBoxLayout()
        tab_row.addWidget(self.tabs)
        tab_row.addStretch(1)
        self.ticks_label = QLabel("", central)
        tab_row.addWidget(self.ticks_label)
        layout.addLayout(tab_row)

        self.tree = DestinationView(central)
        # Every row the same height, set once: the view never asks the model for sizes.
        rows = self.tree.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.tree.setShowGrid(False)
        self.tree.setWordWrap(False)
        self.tree.setCornerButtonEnabled(False)
        self.tree.setTabKeyNavigation(False)
        self.tree.setAlternatingRowColors(False)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.doubleClicked.connect(self._double_clicked)
        self.tree.setFrameShape(QFrame.Shape.StyledPanel)
        layout.addWidget(self.tree, 1)
        # Follows a retry job; its summary groups filter the rows.
        self.bulk_panel = BulkPanel(central)
        self.bulk_panel.groupChosen.connect(self._show_group)
        self.bulk_panel.filterCleared.connect(self._clear_group)
        layout.addWidget(self.bulk_panel)

        self.empty_label = QLabel(self.tree.viewport())
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setObjectName("empty")
        self.empty_label.setStyleSheet("color: palette(mid); font-size: 15px;")
        self.empty_label.setText("Loading…")
        # Installed last: the filter reads self.tree.
        self.tree.viewport().installEventFilter(self)
        self.filter_edit.installEventFilter(self)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.sync_label = QLabel("Not synced yet", bar)
        self.rate_label = QLabel("", bar)
        self.error_label = QLabel("", bar)
        self.error_label.setStyleSheet("color: #B91C1C;")
        bar.addWidget(self.error_label, 1)
        bar.addPermanentWidget(self.rate_label)
        bar.addPermanentWidget(self.sync_label)

    # -- wiring to a session ---------------------------------------------------------------

    def attach(self, session: SessionPort) -> None:
        self._session = session
        model = DestinationModel(session, self)
        self._model = model
        self.tree.setModel(model)
        delegate = StatusBadgeDelegate(Role.BADGE, self.tree)
        self.tree.setItemDelegateForColumn(Column.STATUS, delegate)
        header = self.tree.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(Column.ERROR, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.tree.setSortingEnabled(True)
        model.rowsInserted.connect(self._rows_inserted)
        model.modelReset.connect(self._model_reset)
        model.countsChanged.connect(self._update_counts)
        model.ticksChanged.connect(self._ticks_changed)
        self.tree.selectionModel().currentChanged.connect(
            lambda _now, _before: self._update_action_states()
        )
        self._update_counts()
        self._ticks_changed(0, 0)
        self.tree.setFocus()

    @property
    def model(self) -> DestinationModel:
        assert self._model is not None, "attach() a session first"
        return self._model

    @property
    def session(self) -> SessionPort:
        assert self._session is not None, "attach() a session first"
        return self._session

    # -- the session's listener ------------------------------------------------------------

    def posts_changed(self, posts: Sequence[Post]) -> None:
        """Batches arriving within ``_FLUSH_INTERVAL_S`` of the last one shown wait for the
        next flush: while 200 pages stream in, the view repaints ten times a second instead
        of 200 times, and a lone update (a retry turning queued) still shows at once."""
        if self._model is None or self._closing:
            return
        self._pending.extend(posts)
        self._model.stage(posts)
        if self._flush_timer.isActive():
            return
        interval = _LOADING_FLUSH_INTERVAL_S if self._last_sync.loading else _FLUSH_INTERVAL_S
        wait_s = self._last_flush + interval - time.monotonic()
        if wait_s <= 0:
            self.flush_posts()
        else:
            self._flush_timer.start(max(int(wait_s * 1000), 1))

    def flush_posts(self) -> None:
        """Hand every waiting batch to the model now."""
        self._flush_timer.stop()
        self._last_flush = time.monotonic()
        if self._model is None or not self._pending:
            return
        pending, self._pending = self._pending, []
        self._model.upsert(pending)
        # The rows live as long as the window: the start-up's policy may keep them out of
        # the cyclic collector's reach (gc_policy says why).
        memory_hooks.rows_landed()
        self._update_action_states()

    def sync_changed(self, state: SyncState) -> None:
        self._last_sync = state
        if state.last_sync_at is not None:
            self.sync_label.setText(f"Last sync {when(state.last_sync_at)}")
        if state.requests_left is not None:
            limit = f" of {state.request_limit}" if state.request_limit is not None else ""
            self.rate_label.setText(f"{state.requests_left}{limit} requests left")
        self.error_label.setText(state.last_error or "")
        if state.key_rejected:
            self._show_banner(
                "The API key was rejected (401). Nothing more will be sent with it: check the "
                "key or enter a new one, then restart the workspace."
            )
        elif not state.online:
            since = when(state.last_sync_at) if state.last_sync_at else "never"
            self._show_banner(
                "Offline: the server cannot be reached. The rows show the last data read "
                f"(last sync {since}); the app keeps trying in the background."
            )
        else:
            self.banner.setVisible(False)
        self._update_empty_text()

    def retry_finished(self, report: RetryReport) -> None:
        messages = [
            o.message for o in report.outcomes if o.message and o.outcome is not Outcome.RETRIED
        ]
        text = f"Retry: {report.summary()}."
        if messages:
            text += " " + messages[0]
            if len(messages) > 1:
                text += f" (+{len(messages) - 1} more)"
        self.statusBar().showMessage(text, 15000)

    def notice(self, level: NoticeLevel, text: str) -> None:
        if level is NoticeLevel.ERROR:
            self.error_label.setText(text)
        else:
            self.statusBar().showMessage(text, 10000)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(
            "QLabel#banner { background: #FEF3C7; color: #78350F; border: 1px solid #F59E0B;"
            " border-radius: 4px; padding: 6px 10px; }"
        )
        self.banner.setVisible(True)

    # -- commands --------------------------------------------------------------------------

    def ask_retry(self) -> None:
        """Ctrl+R: confirm "N destinations in M posts", then one request per post."""
        if self._model is None or self._confirm is not None or self._closing:
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
        self._confirm = confirm_retry(self, destinations, posts, self._confirmed)

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
        start_job = getattr(self.session, "start_job", None)
        if start_job is None:  # a session without jobs (a test double)
            self.session.start_retry(selection)
            return
        self.bulk_panel.follow(start_job(selection, observer=self.bulk_panel))

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
        source = getattr(self._session, "journal", None)
        if source is None or not hasattr(source, "history"):
            self.statusBar().showMessage(
                "This workspace keeps no retry journal, so there is no history to show.", 8000
            )
            return
        dialog = HistoryDialog(source, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.history_dialog = dialog
        dialog.open()

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

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def set_tab(self, tab: StatusTab) -> None:
        if self.tabs.currentIndex() != tab:
            self.tabs.setCurrentIndex(tab)  # comes back here through currentChanged
            return
        if self._model is not None:
            self._model.set_tab(tab)

    def _apply_text_filter(self) -> None:
        if self._model is not None:
            self._model.set_text_filter(self.filter_edit.text())

    def _current_destination(self) -> DestinationRow | None:
        if self._model is None:
            return None
        row = self._model.row_at(self.tree.currentIndex())
        return row if isinstance(row, DestinationRow) else None

    def open_reconnect(self) -> None:
        row = self._current_destination()
        if row is None or row.eligibility(self.session).verdict is not Verdict.RECONNECT_REQUIRED:
            return
        self._open_url(QUrl(self.session.capabilities.reconnect_url))

    def open_link(self) -> None:
        row = self._current_destination()
        if row is not None and row.link:
            self._open_url(QUrl(row.link))

    def show_shortcuts(self) -> None:
        lines = [
            f"<tr><td>{action.text().replace('&', '')}</td>"
            f"<td><b>{action.shortcut().toString()}</b></td></tr>"
            for action in self.actions_by_id.values()
            if not action.shortcut().isEmpty()
        ]
        QMessageBox.information(self, "Keyboard shortcuts", "<table>" + "".join(lines) + "</table>")

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() == Column.LINK:
            self.open_link()

    def _context_menu(self, point: QPoint) -> None:
        menu = QMenu(self)
        for action_id in (
            ActionId.TOGGLE_TICK,
            ActionId.RETRY,
            ActionId.RECONNECT,
            ActionId.OPEN_LINK,
            ActionId.TICK_ALL,
            ActionId.CLEAR,
        ):
            menu.addAction(self.actions_by_id[action_id])
        menu.popup(self.tree.viewport().mapToGlobal(point))

    def _update_action_states(self) -> None:
        row = self._current_destination()
        attached = self._session is not None
        reconnect = self.actions_by_id[ActionId.RECONNECT]
        reconnect.setEnabled(
            attached
            and row is not None
            and row.eligibility(self.session).verdict is Verdict.RECONNECT_REQUIRED
        )
        self.actions_by_id[ActionId.OPEN_LINK].setEnabled(row is not None and bool(row.link))
        for action_id in (ActionId.RETRY, ActionId.REFRESH, ActionId.TICK_ALL):
            self.actions_by_id[action_id].setEnabled(attached)

    # -- view bookkeeping ------------------------------------------------------------------

    def _rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._after_rows_changed()

    def _model_reset(self) -> None:
        self._after_rows_changed()

    def _after_rows_changed(self) -> None:
        model = self.model
        if not self.tree.currentIndex().isValid() and model.rowCount() > 0:
            # The first destination, so Space works from launch.
            target = model.index(1 if model.rowCount() > 1 else 0, 0)
            self.tree.selectionModel().setCurrentIndex(
                target, self.tree.selectionModel().SelectionFlag.NoUpdate
            )
        self._update_empty_text()
        self._update_action_states()

    def _update_empty_text(self) -> None:
        if self._model is None:
            return
        empty = self._model.rowCount() == 0
        if empty:
            state = self._last_sync
            if not state.online or state.key_rejected:
                text = "No data: the server could not be read."
            elif state.loading and not state.failures_loaded:
                text = "Loading…"
            elif self._model.text_filter:
                text = f"Nothing matches “{self._model.text_filter}”."
            elif self._model.tab is StatusTab.FAILED:
                text = "No failed destinations. Nothing to retry."
            else:
                text = f"Nothing in “{TAB_TITLES[self._model.tab]}”."
            self.empty_label.setText(text)
            self.empty_label.resize(self.tree.viewport().size())
        self.empty_label.setVisible(empty)

    def _update_counts(self) -> None:
        counts = self.model.counts()
        for tab in StatusTab:
            self.tabs.setTabText(tab, f"{TAB_TITLES[tab]} ({counts[tab]:,})")

    def _ticks_changed(self, destinations: int, posts: int) -> None:
        if destinations:
            self.ticks_label.setText(f"{destinations} ticked in {posts} posts · Ctrl+R retries")
        else:
            self.ticks_label.setText("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self.empty_label.resize(self.tree.viewport().size())
        elif watched is self.tree.viewport() and event.type() == QEvent.Type.Paint:
            if not self._painted:
                self._painted = True
                QTimer.singleShot(0, self.firstPainted.emit)
                # In the idle moment after the first paint, not when the first rows arrive.
                QTimer.singleShot(0, lambda: icons.warm_up(BADGE_ICON.values()))
            if not self._rows_painted and self._model is not None and self._model.rowCount():
                self._rows_painted = True
                QTimer.singleShot(0, self.firstRowsPainted.emit)
        elif (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._filter_timer.stop()
            self._apply_text_filter()
            self.tree.setFocus()
            return True
        return super().eventFilter(watched, event)

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
