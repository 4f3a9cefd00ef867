"""A workspace window's sync facts as the shell shows them: the session's listener (the
window, plus a word to the shell after each sync), the "cached, refreshing" mark while the
rows come from an earlier session, and the button that re-enters a rejected key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.domain import Post
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.workspace_ports import WorkspaceHandle

STALE_STYLE = "color: #92400E; font-weight: bold;"


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


class WindowListener:
    """The session's listener: the window, then ``after_sync`` (the shell's stale mark and
    401 handling) with every sync fact. ``handle`` is set once the workspace has opened."""

    def __init__(
        self,
        window: MainWindow,
        after_sync: Callable[[WindowListener, SyncState], None],
    ) -> None:
        self.window = window
        self.handle: WorkspaceHandle | None = None
        self._after_sync = after_sync

    def posts_changed(self, posts: Sequence[Post]) -> None:
        self.window.posts_changed(posts)

    def sync_changed(self, state: SyncState) -> None:
        self.window.sync_changed(state)
        self._after_sync(self, state)

    def retry_finished(self, report: RetryReport) -> None:
        self.window.retry_finished(report)

    def notice(self, level: NoticeLevel, text: str) -> None:
        self.window.notice(level, text)


def mark_stale(window: MainWindow, handle: WorkspaceHandle) -> None:
    """Say the rows are the cache of an earlier session until the first sync replaces them."""
    if handle.cached_at is None:
        return
    window.sync_label.setText(
        f"Showing {handle.cached_posts:,} cached posts · cached {age_text(handle.cached_at)}"
        " · refreshing…"
    )
    window.sync_label.setStyleSheet(STALE_STYLE)
    window.sync_label.setToolTip("Read in an earlier session; newer data is on its way.")


def show_freshness(window: MainWindow, handle: WorkspaceHandle, state: SyncState) -> None:
    """Keep the stale mark while nothing newer than the cache has been read; drop it after."""
    cached_at = handle.cached_at
    if cached_at is not None and state.last_sync_at == cached_at:
        mark_stale(window, handle)
        if not state.online:
            window.sync_label.setText(f"Cached {age_text(cached_at)} · offline")
    else:
        window.sync_label.setStyleSheet("")
        window.sync_label.setToolTip("")


def offer_new_key(window: MainWindow, reenter_key: Callable[[], object]) -> None:
    """The key was rejected: a status-bar button and the menu entry lead to a new one."""
    button = QPushButton("Re-enter the API &key…", window.statusBar())
    button.setObjectName("reenter-key")
    button.clicked.connect(reenter_key)
    window.statusBar().addPermanentWidget(button)
    window.reenter_button = button
    action = window.findChild(QAction, "workspace-reenter-key")
    if isinstance(action, QAction):
        action.setEnabled(True)
    window.statusBar().showMessage(
        "Key rejected: nothing more is sent with it. Ctrl+Shift+K enters a new key.", 0
    )
