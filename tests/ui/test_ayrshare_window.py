"""The window on an Ayrshare workspace: simulator on loopback, Ayrshare client, session,
retry journal on disk. What Ayrshare adds to the whole-post tests
(``test_whole_post_window.py``): a post is retried once, ever, also across a restart of the
app, and also when the server has to say so with a 329.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from whole_post_windows import (
    AYRSHARE,
    X_KEY,
    X_SECRET,
    a_post_whose_failures_are_all_retryable,
    applied,
    launched,
    retry_by_one_tick,
    sim_stats,
)
from window_kit import CTRL, SHIFT, WAIT_MS

from postretry_gui.domain import Verdict
from postretry_gui.sim import DEMO_AYR_KEY, SimServer

RETRY_ROUTE = AYRSHARE.retry_route


@pytest.fixture
def world(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path
) -> Iterator[tuple[SimServer, Any]]:
    with launched(AYRSHARE, qloop, qtbot, tmp_path) as (sim, start):
        yield sim, start


def test_a_post_retried_through_the_window_cannot_be_sent_again_also_after_a_restart(
    world: tuple[SimServer, Any], qtbot: Any
) -> None:
    sim, launch = world
    app = launch()
    post = a_post_whose_failures_are_all_retryable(app, AYRSHARE)
    failed = frozenset(d.account_id for d in post.failed)
    first = sorted(failed)[0]
    retry_by_one_tick(app, sim, AYRSHARE, post, qtbot)
    for account_id in failed:
        assert "Already retried once" in app.tooltip(post.post_id, account_id)

    # A second Ctrl+R: the rows cannot be ticked any more, so nothing is even asked.
    app.go_to(post.post_id, first)
    app.key(Qt.Key.Key_Space)
    assert post.post_id not in app.window.model.selection()
    app.key(Qt.Key.Key_R, CTRL)
    assert app.window._confirm is None
    assert applied(sim, AYRSHARE) == {post.post_id: 1}

    # Restart the app over the same journal: the post still reads "already retried once".
    launch.stop(app)
    again = launch()
    assert again.session.retries_sent(post.post_id) == 1
    for account_id in failed:
        assert again.verdict(post.post_id, account_id) is Verdict.ALREADY_RETRIED
        assert "Already retried once" in again.tooltip(post.post_id, account_id)
    again.go_to(post.post_id, first)
    again.key(Qt.Key.Key_Space)
    again.key(Qt.Key.Key_A, CTRL | SHIFT)  # tick every retryable row: not this post's
    assert post.post_id not in again.window.model.selection()
    assert applied(sim, AYRSHARE) == {post.post_id: 1}
    assert sim_stats(sim)["requests"][RETRY_ROUTE] == {"200": 1}


def test_a_329_is_recorded_so_the_post_reads_already_retried_after_a_restart(
    world: tuple[SimServer, Any], qtbot: Any
) -> None:
    sim, launch = world
    app = launch()
    post = a_post_whose_failures_are_all_retryable(app, AYRSHARE)
    failed = frozenset(d.account_id for d in post.failed)
    # Someone else retries the post first, straight at the API; it fails again.
    answer = httpx.put(
        f"{sim.ayrshare_url}/post/retry",
        json={"id": post.post_id},
        headers={
            "Authorization": f"Bearer {DEMO_AYR_KEY}",
            "X-Twitter-OAuth1-Api-Key": X_KEY,
            "X-Twitter-OAuth1-Api-Secret": X_SECRET,
        },
        timeout=5,
    )
    assert answer.status_code == 200
    # The window still shows the old failures: the operator ticks one and presses Ctrl+R.
    app.go_to(post.post_id, sorted(failed)[0])
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {post.post_id: failed}
    app.ctrl_r_and_confirm()
    qtbot.waitUntil(
        lambda: "already retried" in app.window.statusBar().currentMessage().lower(),
        timeout=WAIT_MS,
    )
    for account_id in failed:
        assert app.verdict(post.post_id, account_id) is Verdict.ALREADY_RETRIED
    # The 329 is in the journal: a restart still knows.
    launch.stop(app)
    again = launch()
    assert again.session.retries_sent(post.post_id) == 1
    for account_id in failed:
        assert again.verdict(post.post_id, account_id) is Verdict.ALREADY_RETRIED
        assert "Already retried once" in again.tooltip(post.post_id, account_id)
    assert applied(sim, AYRSHARE) == {
        post.post_id: 1
    }  # only the other operator's retry was applied
    retries = sim_stats(sim)["requests"][RETRY_ROUTE]
    assert retries == {"200": 1, "400": 1}
