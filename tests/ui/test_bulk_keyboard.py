"""A bulk retry from the keyboard on the real stack (simulator on loopback): tick every
eligible destination, retry, confirm, cancel part-way with Esc, then read the summary and
filter the rows by its groups, all with keys. The simulator's counters are the truth."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from bulk_bench import WAIT_MS, Bench, open_bench, visible_keys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from postretry_gui.controller.bulk_events import JobState, SummaryGroup
from postretry_gui.sim import SimConfig
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.rows import StatusTab

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def bench(qloop: asyncio.AbstractEventLoop, qtbot) -> Iterator[Bench]:
    # Slow retry answers (60 ms) so that Esc lands while the job is half-way.
    config = SimConfig(
        seed=3, posts=400, rate_limit=None, queued_s=0.05, publishing_s=0.05, success_odds=1.0
    )
    with open_bench(
        qloop, qtbot, config, latency_ms=60, fault_routes=["POST /posteverywhere"]
    ) as opened:
        yield opened


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
    # Polls may already have published some: sent is "retried" and "published" together.
    sent = set(summary.destinations(SummaryGroup.RETRIED))
    sent |= set(summary.destinations(SummaryGroup.PUBLISHED))
    not_sent = set(summary.destinations(SummaryGroup.NOT_SENT))
    # Cancelled part-way: some went, the rest never left, and the counts say so.
    assert sent
    assert not_sent
    assert sent | not_sent == ticked
    assert summary.total == len(ticked)
    assert {f"{p}|{a}" for p, a in sent} == set(applied)
    assert all(n == 1 for n in applied.values())
    assert summary.progress.destinations_retried == len(applied)
    assert summary.posts[SummaryGroup.NOT_SENT] == summary.progress.not_sent
    assert "Retry cancelled" in panel.title.text()
    assert f"{len(ticked):,} destinations in {len(selection):,} posts" in panel.counts.text()
    # The journal holds exactly the sent posts, none of the cancelled ones.
    assert {i.post_id for i in bench.journal.history(limit=1000)} == {p for p, _ in sent}

    # Success odds 1: the summary follows the polls until every sent destination published.
    qtbot.waitUntil(lambda: panel.summary is not None and panel.summary.settled, timeout=WAIT_MS)
    assert set(panel.summary.destinations(SummaryGroup.PUBLISHED)) == sent
    assert not panel.group_buttons[SummaryGroup.RETRIED].isVisible()
    assert "every destination settled" in panel.counts.text()

    # Alt+G, Return: only the published rows; Alt+A: every row.
    bench.key(Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is panel.group_buttons[SummaryGroup.PUBLISHED]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.model.tab is StatusTab.ALL
    assert visible_keys(window) == sent
    QTest.keyClick(window.tree, Qt.Key.Key_A, ALT)
    # (A button's shortcut clicks it with a short press animation: wait for the click.)
    qtbot.waitUntil(lambda: len(visible_keys(window)) > len(sent), timeout=WAIT_MS)
    # What was not sent is retryable again: tick-all and Ctrl+R offer exactly those.
    qtbot.waitUntil(lambda: not bench.session.sync_state.polling_posts, timeout=WAIT_MS)
    QTest.keySequence(window.tree, window.actions_by_id[ActionId.TAB_FAILED].shortcut())
    bench.key(Qt.Key.Key_A, CTRL | SHIFT)
    again = {(p, a) for p, ids in window.model.selection().items() for a in ids}
    assert again == not_sent
