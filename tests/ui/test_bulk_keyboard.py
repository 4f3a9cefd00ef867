"""A bulk retry from the keyboard on the real stack (simulator on loopback): tick every
eligible destination, retry, confirm, cancel part-way with Esc, then read the summary and
filter the rows by its groups, all with keys. The simulator's counters are the truth."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.bulk_events import JobState, SummaryGroup
from postretry_gui.controller.poller import PollSettings
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import RetryJournal
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import StatusTab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "controller"))
from bulk_child import journal_dir, make_provider

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
WAIT_MS = 20_000


@dataclass
class Bench:
    sim: SimServer
    window: MainWindow
    session: WorkspaceSession
    journal: RetryJournal

    def key(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.window.tree, key, modifiers)


@pytest.fixture
def bench(qloop: asyncio.AbstractEventLoop, qtbot) -> Iterator[Bench]:
    # Slow retry answers (60 ms) so that Esc lands while the job is half-way.
    config = SimConfig(
        seed=3, posts=400, rate_limit=None, queued_s=0.05, publishing_s=0.05, success_odds=1.0
    )
    with SimServer(config, port=0) as sim, journal_dir() as folder:
        sim.configure(latency_ms=60, fault_routes=["POST /posteverywhere"])
        journal = RetryJournal(folder / "journal.sqlite3", operator="keyboard")
        provider = make_provider(sim.posteverywhere_url)
        window = MainWindow(title="bulk")
        session = WorkspaceSession(
            provider,
            window,
            journal=journal,
            workspace_id="bulk",
            poll_settings=PollSettings(initial_interval_s=0.05, max_interval_s=0.2),
        )
        window.attach(session)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        session.start_load()
        qtbot.waitUntil(lambda: session.sync_state.failures_loaded, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not session.sync_state.loading, timeout=WAIT_MS)
        yield Bench(sim, window, session, journal)
        if not window._closed_done:
            with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
                window.close()
        closing = qloop.create_task(provider.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)
        journal.close()


def _visible_keys(window: MainWindow) -> set[tuple[str, str]]:
    """The destinations the view shows now (tree or grouped list alike)."""
    from postretry_gui.ui.rows import DestinationRow

    model = window.model
    keys: set[tuple[str, str]] = set()

    def walk(parent) -> None:  # type: ignore[no-untyped-def]
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            item = model.row_at(index)
            if isinstance(item, DestinationRow):
                keys.add((item.post_row.post_id, item.account_id))
            walk(index)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return keys


def test_tick_retry_confirm_and_cancel_part_way_by_keyboard(bench: Bench, qtbot) -> None:
    window, panel = bench.window, bench.window.bulk_panel
    bench.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = window.model.selection()
    ticked = {(p, a) for p, ids in selection.items() for a in ids}
    assert len(selection) >= 60, "enough posts for a job to cancel half-way"
    bench.sim.reset_stats()

    bench.key(Qt.Key.Key_R, CTRL)
    dialog = window._confirm
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    # The offscreen platform does not hand activation back to the window when the box
    # closes (a window manager does); window shortcuts such as Esc need an active window.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.running, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel._job.progress.done_posts >= 10, timeout=WAIT_MS)  # type: ignore[union-attr]
    bench.key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.summary is not None, timeout=WAIT_MS)

    summary = panel.summary
    assert summary is not None
    assert summary.state is JobState.CANCELLED
    applied = bench.sim.stats()["retries_applied"]
    retried = set(summary.destinations(SummaryGroup.RETRIED))
    not_sent = set(summary.destinations(SummaryGroup.NOT_SENT))
    # Cancelled part-way: some went, the rest never left, and the counts say so.
    assert retried
    assert not_sent
    assert retried | not_sent == ticked
    assert {f"{p}|{a}" for p, a in retried} == set(applied)
    assert all(n == 1 for n in applied.values())
    assert summary.progress.destinations_retried == len(applied)
    assert summary.posts[SummaryGroup.NOT_SENT] == summary.progress.not_sent
    assert "Retry cancelled" in panel.title.text()
    assert f"{summary.progress.done_posts:,} of {len(selection):,} posts" in panel.counts.text()
    # The journal holds exactly the sent posts, none of the cancelled ones.
    assert {i.post_id for i in bench.journal.history(limit=1000)} == {p for p, _ in retried}

    # Alt+G, Return: only the retried rows, whatever their status now; Alt+A: every row.
    bench.key(Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is panel.group_buttons[SummaryGroup.RETRIED]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.model.tab is StatusTab.ALL
    assert _visible_keys(window) == retried
    QTest.keyClick(window.tree, Qt.Key.Key_A, ALT)
    # (A button's shortcut clicks it with a short press animation: wait for the click.)
    qtbot.waitUntil(lambda: len(_visible_keys(window)) > len(retried), timeout=WAIT_MS)
    # What was not sent is retryable again: tick-all and Ctrl+R offer exactly those.
    qtbot.waitUntil(lambda: not bench.session.sync_state.polling_posts, timeout=WAIT_MS)
    QTest.keySequence(window.tree, window.actions_by_id[ActionId.TAB_FAILED].shortcut())
    bench.key(Qt.Key.Key_A, CTRL | SHIFT)
    again = {(p, a) for p, ids in window.model.selection().items() for a in ids}
    assert again == not_sent
