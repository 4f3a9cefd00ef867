"""Issue 13 in a real window over the simulator's Ayrshare: Ctrl+Shift+A ("tick all
retryable") leaves duplicate-text failures unticked, and Ctrl+R then sends no retry of them
(the simulator's own stats say so)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from window_kit import show_loaded

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.workspace_opener import cause_table
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.ayrshare import SPEC, AyrshareProvider
from postretry_gui.sim import DEMO_AYR_KEY, SimConfig, SimServer
from postretry_gui.ui.main_window import MainWindow

WAIT_MS = 10_000
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=3,
        ayrshare_posts=120,
        rate_limit=None,
        ayrshare_rate_limit=None,
        queued_s=0.05,
        publishing_s=0.05,
        success_odds=1.0,
    )
    with SimServer(config, port=0) as server:
        yield server


def _applied(sim: SimServer) -> dict[str, int]:
    stats = httpx.get(f"{sim.url}/_sim/stats", timeout=5).json()
    return dict(stats["ayrshare"]["retries_applied"])


def test_ctrl_shift_a_leaves_content_failures_and_ctrl_r_never_sends_them(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, sim: SimServer
) -> None:
    window = MainWindow(open_url=lambda url: None, title="ayrshare")
    provider = AyrshareProvider(
        sim.ayrshare_url, DEMO_AYR_KEY, x_api_key="x-key", x_api_secret="x-secret", last_days=0
    )
    session = WorkspaceSession(provider, window, causes=cause_table(SPEC.kind))
    show_loaded(window, session, qtbot)
    content_only = {
        p.post_id
        for p in session.posts.values()
        if p.failed and {session.cause_of(p, d) for d in p.failed} == {Cause.CONTENT}
    }
    assert content_only, "the seeded simulator should hold duplicate-text failures"

    window.tree.setFocus()
    QTest.keyClick(window.tree, Qt.Key.Key_A, CTRL | SHIFT)
    selection = window.model.selection()
    assert selection, "tick all should take the failures a retry can fix"
    assert not content_only & set(selection)

    QTest.keyClick(window.tree, Qt.Key.Key_R, CTRL)
    dialog = window._confirm
    assert dialog is not None, "Ctrl+R asks before sending"
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: set(_applied(sim)) == set(selection), timeout=WAIT_MS)
    assert not content_only & set(_applied(sim))

    with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
        window.close()
    closing = qloop.create_task(provider.aclose())
    qtbot.waitUntil(closing.done, timeout=WAIT_MS)
