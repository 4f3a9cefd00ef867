"""The real window on one workspace, started (and restarted over the same journal) by the
window tests of the whole-post providers: simulator on loopback, the provider's client,
session, retry journal on disk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import Status, Verdict
from postretry_gui.providers.base import Provider
from postretry_gui.store.journal import RetryJournal
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import Column, DestinationRow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
WAIT_MS = 10_000


@dataclass
class App:
    """One run of the app: a window, its session, its provider and its journal."""

    window: MainWindow
    session: WorkspaceSession
    provider: Provider
    journal: RetryJournal

    def key(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.window.tree, key, modifiers)

    def rows(self, post_id: str | None = None) -> list[DestinationRow]:
        model = self.window.model
        found = []
        for p in range(model.rowCount()):
            parent = model.index(p, 0)
            for c in range(model.rowCount(parent)):
                row = model.row_at(model.index(c, 0, parent))
                assert isinstance(row, DestinationRow)
                if post_id is None or row.post_row.post_id == post_id:
                    found.append(row)
        return found

    def go_to(self, post_id: str, account_id: str) -> None:
        self.window.tree.setCurrentIndex(self.window.model.index_of(post_id, account_id))

    def verdict(self, post_id: str, account_id: str) -> Verdict:
        post = self.session.posts[post_id]
        destination = post.destination(account_id)
        assert destination is not None
        return self.session.eligibility_of(post, destination).verdict

    def tooltip(self, post_id: str, account_id: str) -> str:
        index = self.window.model.index_of(post_id, account_id, Column.CHECK)
        return str(index.data(Qt.ItemDataRole.ToolTipRole))

    def ctrl_r_and_confirm(self) -> None:
        self.key(Qt.Key.Key_R, CTRL)
        dialog = self.window._confirm
        assert dialog is not None, "Ctrl+R asks before sending"
        QTest.keyClick(dialog, Qt.Key.Key_Return)


def show_loaded(
    window: MainWindow, session: WorkspaceSession, qtbot: Any, *, timeout_ms: int = WAIT_MS
) -> None:
    """Attach ``session`` to ``window``, show it and load until every failure is on screen."""
    window.attach(session)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    session.start_load()
    qtbot.waitUntil(lambda: session.sync_state.failures_loaded, timeout=timeout_ms)
    qtbot.waitUntil(lambda: not session.sync_state.loading, timeout=timeout_ms)
    # The window shows batches at most ten times a second: show the last one now, so the
    # rows the test reads are there (the restart test read a tooltip before it came).
    window.flush_posts()


@contextmanager
def launcher(
    qloop: asyncio.AbstractEventLoop,
    qtbot: Any,
    journal_path: Path,
    make_provider: Callable[[], Provider],
    workspace_id: str,
) -> Iterator[Any]:
    """``start()`` the app (again) over the same journal; ``start.stop(app)`` closes one;
    everything still running is closed on leaving."""
    running: list[App] = []

    def start() -> App:
        window = MainWindow(open_url=lambda url: None, title=workspace_id)
        provider = make_provider()
        journal = RetryJournal(journal_path, operator="tester")
        session = WorkspaceSession(provider, window, journal=journal, workspace_id=workspace_id)
        show_loaded(window, session, qtbot)
        app = App(window, session, provider, journal)
        running.append(app)
        return app

    def stop(app: App) -> None:
        if app not in running:
            return
        running.remove(app)
        if not app.window._closed_done:
            with qtbot.waitSignal(app.window.closed, timeout=WAIT_MS):
                app.window.close()
        closing = qloop.create_task(app.provider.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)
        app.journal.close()

    start.stop = stop  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        for app in list(running):
            stop(app)


def settled(app: App, post_id: str) -> bool:
    post = app.session.posts.get(post_id)
    return (
        post is not None
        and all(d.status.settled for d in post.destinations if d.status is not Status.UNKNOWN)
        and not any(app.session.locked(post_id, d.account_id) for d in post.destinations)
        and post_id not in app.session.polling
    )
