"""The bulk summary follows the retried destinations after the job, on the real stack: with
half of the retries failing again on the "network", the summary ends with exactly the
simulator's published and failed destinations, and its groups filter the list to exactly
those rows, by keyboard and by mouse. The simulator's own posts are the truth."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from bulk_bench import WAIT_MS, Bench, open_bench, sim_statuses, visible_keys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from postretry_gui.controller.bulk_events import JobState, SummaryGroup
from postretry_gui.sim import SimConfig

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
G = SummaryGroup


@pytest.fixture
def bench(qloop: asyncio.AbstractEventLoop, qtbot) -> Iterator[Bench]:
    # Retries take 0.3 s to settle at the simulator and half of them fail again.
    config = SimConfig(
        seed=8, posts=140, rate_limit=None, queued_s=0.1, publishing_s=0.2, success_odds=0.5
    )
    with open_bench(qloop, qtbot, config) as opened:
        yield opened


def test_the_summary_settles_to_the_simulators_truth_and_filters_by_it(bench: Bench, qtbot) -> None:
    window, panel = bench.window, bench.window.bulk_panel
    bench.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = window.model.selection()
    ticked = {(p, a) for p, ids in selection.items() for a in ids}
    assert len(ticked) >= 30, "enough destinations for both outcomes"
    bench.sim.reset_stats()

    bench.key(Qt.Key.Key_R, CTRL)
    dialog = window._confirm
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.summary is not None, timeout=WAIT_MS)

    # The job has ended; polling has not settled anything yet: all "retried, in flight".
    first = panel.summary
    assert first is not None
    assert first.state is JobState.DONE
    assert set(first.destinations(G.RETRIED)) == ticked
    assert first.pending == len(ticked)
    assert f"{len(ticked):,} destinations in {len(selection):,} posts" in panel.counts.text()
    assert "still publishing or being read" in panel.counts.text()
    # Pick that group now: its rows stay listed while they settle (nothing vanishes).
    qtbot.mouseClick(panel.group_buttons[G.RETRIED], Qt.MouseButton.LeftButton)
    picked = visible_keys(window)
    assert picked == ticked

    qtbot.waitUntil(lambda: panel.summary is not None and panel.summary.settled, timeout=WAIT_MS)
    summary = panel.summary
    applied = bench.sim.stats()["retries_applied"]
    assert set(applied) == {f"{p}|{a}" for p, a in ticked}
    truth = sim_statuses(bench.sim, {p for p, _ in ticked})
    published = {k for k in ticked if truth[k] == "published"}
    failed = {k for k in ticked if truth[k] == "failed"}
    assert published
    assert failed
    assert published | failed == ticked
    assert set(summary.destinations(G.PUBLISHED)) == published
    assert set(summary.destinations(G.FAILED_AGAIN)) == failed
    assert summary.count(G.PUBLISHED) + summary.count(G.FAILED_AGAIN) == len(ticked)
    assert panel.group_buttons[G.PUBLISHED].text() == f"Published ({len(published):,})"
    assert panel.group_buttons[G.FAILED_AGAIN].text() == f"Failed again ({len(failed):,})"
    # The picked group emptied; its rows are still listed, and the panel says how to refresh.
    assert panel.group_buttons[G.RETRIED].text() == "Retried, in flight (0)"
    assert visible_keys(window) == picked
    assert "pick it again" in panel.counts.text()

    # Keyboard: Alt+G to the first group (Published), Tab to "Failed again", Return.
    bench.key(Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is panel.group_buttons[G.PUBLISHED]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.group_buttons[G.FAILED_AGAIN]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert visible_keys(window) == failed
    assert panel.chosen is G.FAILED_AGAIN
    assert not panel.group_buttons[G.RETRIED].isVisible()  # empty and no longer picked
    # Mouse: "Published" lists exactly the published ones.
    qtbot.mouseClick(panel.group_buttons[G.PUBLISHED], Qt.MouseButton.LeftButton)
    assert visible_keys(window) == published
