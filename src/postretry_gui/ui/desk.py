"""The operator's desk inside the real window: the detail pane docked beside the list, the
command palette, the new-failure messages after each sync, and the spoken status of the
current row.

The window builds one :class:`Desk` beside its list and hands it the session once attached;
the desk only reads (posts, health, the journal) and asks the window to select rows, so every
command still runs through the window's registered actions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QAccessible, QAccessibleValueChangeEvent, QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar

from postretry_gui.controller.events import SyncState
from postretry_gui.domain.models import AccountHealth, Post
from postretry_gui.domain.new_failures import DestinationKey, new_failures
from postretry_gui.domain.triage import Cause
from postretry_gui.ui import icons
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.cause_filter import CauseFilter
from postretry_gui.ui.command_palette import CommandPalette, JumpTarget
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.destination_view import DestinationView
from postretry_gui.ui.detail_pane import DetailPane, account_title
from postretry_gui.ui.history_dialog import HistoryEntry
from postretry_gui.ui.notifications import NoticeBanner, Notifier
from postretry_gui.ui.row_roles import Role
from postretry_gui.ui.rows import Column, DestinationRow, SessionPort, excerpt

# A post's retries are few (one on Ayrshare); the journal is searched by post id and this
# bounds what a post id that is also a substring of others could bring back.
_HISTORY_LIMIT = 200

# A post's name in the palette: its text, cut to fit beside the "Post" hint.
_TARGET_CHARS = 64
# The pane's share of the window's width when it first opens.
_PANE_SHARE = 3
# Changed posts whose causes are counted in one event-loop turn (200 posts, ~1,000 failures:
# ~3 ms; 1,000 blocked 15-30 ms right after a load).
_COUNT_SLICE = 200


class SelectRows(Protocol):
    def __call__(self, keys: Sequence[DestinationKey]) -> None: ...


def jump_targets(posts: Iterable[Post]) -> list[JumpTarget]:
    """Every post by its text and every account by its name, for the palette."""
    targets: list[JumpTarget] = []
    accounts: dict[str, JumpTarget] = {}
    for post in posts:
        name = excerpt(post.content, _TARGET_CHARS) or f"Post {post.post_id}"
        targets.append(JumpTarget(name, (post.post_id, None), "Post"))
        for destination in post.destinations:
            if destination.account_id not in accounts:
                accounts[destination.account_id] = JumpTarget(
                    account_title(destination), (post.post_id, destination.account_id), "Account"
                )
    return targets + list(accounts.values())


class Desk(QObject):
    """The desk's parts, built once with the window; :meth:`attach` once a session is there."""

    def __init__(
        self,
        window: QMainWindow,
        tree: DestinationView,
        actions: Mapping[ActionId, QAction],
        select_rows: SelectRows,
        open_url: Callable[[QUrl], object],
        *,
        notify: bool = True,
        tray_available: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._tree = tree
        self._select_rows = select_rows
        self._session: SessionPort | None = None
        self._model: DestinationModel | None = None
        # The failures as of the last finished sync: what "new" is measured against.
        self._baseline: list[Post] | None = None
        self._last_sync_at: object = None
        self._counting = False
        # The current row's (key, badge), to announce only a change of the same row.
        self._spoken: tuple[str, str] | None = None
        self.last_announcement = ""
        self._pane_sized = False

        self.pane = DetailPane(open_link=open_url)
        # Its links take the palette's colour when written: rewrite them when it changes.
        self.pane.installEventFilter(self)
        self.dock = QDockWidget("Details", window)
        self.dock.setObjectName("details-dock")
        self.dock.setAccessibleName("Post details")
        self.dock.setWidget(self.pane)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        details = actions[ActionId.DETAILS]
        details.setCheckable(True)
        details.toggled.connect(self._show_pane)
        self.dock.visibilityChanged.connect(self._pane_visibility)
        self._details_action = details

        self.palette = CommandPalette(window, actions, self._jump_targets)
        self.palette.jump_requested.connect(self._jump)
        actions[ActionId.PALETTE].triggered.connect(self.palette.open)

        self.banner = NoticeBanner()
        kwargs = {} if tray_available is None else {"tray_available": tray_available}
        self.notifier = Notifier(icons.app(), enabled=notify, parent=self, **kwargs)
        self.notifier.notice_requested.connect(self.banner.show_notice)
        self.banner.opened.connect(self.notifier.open_last)
        self.notifier.activated.connect(self._show_new_failures)
        switch = actions[ActionId.NOTIFY]
        switch.setCheckable(True)
        switch.setChecked(notify)
        switch.toggled.connect(self.notifier.set_enabled)

        self.cause_filter = CauseFilter(window)
        bar = window.findChild(QToolBar, "main-toolbar")
        if isinstance(bar, QToolBar):
            self.cause_filter.add_to(bar)

    # -- the session -----------------------------------------------------------------------

    def attach(self, session: SessionPort, model: DestinationModel) -> None:
        self._session = session
        self._model = model
        self._tree.selectionModel().currentChanged.connect(lambda _now, _before: self.refresh())
        model.dataChanged.connect(self._rows_changed)
        model.modelReset.connect(self.refresh)
        self.cause_filter.chosen.connect(model.set_cause_filter)
        self.count_causes()

    def count_causes(self) -> None:
        """The filter's counts as the session's posts are now. The session counts only the
        posts changed since its last count, ``_COUNT_SLICE`` of them per event-loop turn
        (after a load: all of them), so the window keeps answering."""
        if self._session is not None and not self._counting:
            self._count_slice()

    def _count_slice(self) -> None:
        # A count under way goes on until the session has counted every change, later
        # ones included: a sync meanwhile needs no second count.
        counts = self._session.count_causes(_COUNT_SLICE) if self._session else Counter()
        self._counting = counts is None
        if counts is not None:
            self.cause_filter.show_counts(counts)
        else:
            # The filter as the timer's context: a window closed meanwhile drops the call.
            QTimer.singleShot(0, self.cause_filter, self._count_slice)

    def sync_changed(self, state: SyncState) -> None:
        """After each finished sync: one message for the failures it brought."""
        if self._session is None or state.loading or state.last_sync_at is None:
            return
        if state.last_sync_at == self._last_sync_at:
            return
        self._last_sync_at = state.last_sync_at
        self.count_causes()
        now = list(self._session.posts.values())
        before, self._baseline = self._baseline, now
        if before is None:
            return  # the first read is the starting point, not news
        self.notifier.notify(new_failures(before, now, self._session.cause_of))

    # -- the detail pane -------------------------------------------------------------------

    def _show_pane(self, shown: bool) -> None:
        self.dock.setVisible(shown)
        if shown and not self._pane_sized:
            # A third of the window, once: after that the operator's own width stands.
            self._pane_sized = True
            width = self._window.width() // _PANE_SHARE
            self._window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        if shown:
            self.refresh()
            self.pane.browser.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self._tree.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _pane_visibility(self, visible: bool) -> None:
        # The dock's own close button must untick the menu's toggle too.
        if self._details_action.isChecked() != visible and not self._window.isMinimized():
            self._details_action.setChecked(visible)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.pane and event.type() == QEvent.Type.PaletteChange:
            self.refresh()
        return super().eventFilter(watched, event)

    def current_post(self) -> Post | None:
        index = self._tree.currentIndex()
        post = index.data(Role.POST) if index.isValid() else None
        return post if isinstance(post, Post) else None

    def refresh(self) -> None:
        """Show the current row's post in the pane (only while it is shown) and remember the
        current row's status, to announce its next change."""
        self._spoken = self._current_status()
        if not self.dock.isVisible() or self._session is None:
            return
        post = self.current_post()
        if post is None:
            self.pane.set_post(None)
            return
        session = self._session
        health: dict[str, AccountHealth] = {}
        causes: dict[str, Cause] = {}
        for destination in post.destinations:
            account_health = session.health_of(destination.account_id)
            if account_health is not None:
                health[destination.account_id] = account_health
            cause = session.cause_of(post, destination)
            if cause is not None:
                causes[destination.account_id] = cause
        expiry = {k: h.expires_at for k, h in health.items() if h.expires_at is not None}
        self.pane.set_post(
            post,
            session.capabilities,
            self._history_of(post.post_id),
            health,
            causes,
            expiry,
        )

    def _history_of(self, post_id: str) -> list[HistoryEntry]:
        journal = self._session.journal if self._session is not None else None
        if journal is None:
            return []
        found = journal.history(limit=_HISTORY_LIMIT, search=post_id)
        return [record for record in found if record.post_id == post_id]

    # -- announcing the current row's status -----------------------------------------------

    def _current_status(self) -> tuple[str, str] | None:
        model, index = self._model, self._tree.currentIndex()
        if model is None or not index.isValid():
            return None
        row = model.row_at(index)
        if not isinstance(row, DestinationRow) or self._session is None:
            return None
        return (f"{row.post_row.post.post_id}/{row.account_id}", row.badge(self._session).value)

    def _rows_changed(
        self,
        top: QModelIndex | QPersistentModelIndex,
        bottom: QModelIndex | QPersistentModelIndex,
        _roles: Sequence[int] = (),
    ) -> None:
        current = self._tree.currentIndex()
        if not current.isValid() or not top.row() <= current.row() <= bottom.row():
            return
        before, now = self._spoken, self._current_status()
        if now is not None and before is not None and before[0] == now[0] and before[1] != now[1]:
            self.announce(current)
        self.refresh()

    def announce(self, index: QModelIndex) -> None:
        """Tell a screen reader the current row's status changed: a value change of its
        status cell (the table's accessible children count header cells first)."""
        status = index.siblingAtColumn(Column.STATUS)
        self.last_announcement = f"Status now {status.data(Qt.ItemDataRole.DisplayRole)}"
        tree = self._tree
        header_rows = 1 if tree.horizontalHeader().isVisible() else 0
        header_columns = 1 if tree.verticalHeader().isVisible() else 0
        columns = status.model().columnCount() + header_columns
        event = QAccessibleValueChangeEvent(tree, self.last_announcement)
        event.setChild((status.row() + header_rows) * columns + status.column() + header_columns)
        QAccessible.updateAccessibility(event)

    # -- the palette and the notifications -------------------------------------------------

    def _jump_targets(self) -> list[JumpTarget]:
        if self._session is None:
            return []
        return jump_targets(self._session.posts.values())

    def _jump(self, key: object) -> None:
        if isinstance(key, tuple) and len(key) == 2:
            post_id, account_id = key
            self._select_rows([(str(post_id), "" if account_id is None else str(account_id))])

    def _show_new_failures(self, keys: list[DestinationKey]) -> None:
        if self._window.isMinimized():
            self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
        self._select_rows(keys)
