"""The window on an Ayrshare workspace: simulator on loopback, Ayrshare client, session,
retry journal on disk. Ayrshare's rules reach the window through capabilities and
eligibility only: one tick ticks every failed destination of the post, and a post is
retried once, ever — also across a restart of the app, and also when the server has to say
so with a 329.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from window_kit import CTRL, SHIFT, WAIT_MS, App, launcher, settled

from postretry_gui.domain import Post, Verdict
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.sim import DEMO_AYR_KEY, SimConfig, SimServer
from postretry_gui.ui.rows import Column

X_KEY = "x-app-key-ui-secret"
X_SECRET = "x-app-secret-ui-secret"
WORKSPACE = "ayrshare-test"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=7,
        ayrshare_posts=40,
        rate_limit=None,
        ayrshare_rate_limit=None,
        queued_s=0.05,
        publishing_s=0.05,
        success_odds=0.0,  # a retried post fails again, so its rows stay on screen
    )
    with SimServer(config, port=0) as server:
        yield server


@pytest.fixture
def launch(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, sim: SimServer, tmp_path: Path
) -> Iterator[Any]:
    """Start the app (again) over the same journal directory; everything is closed after."""

    def provider() -> AyrshareProvider:
        return AyrshareProvider(
            sim.ayrshare_url, DEMO_AYR_KEY, x_api_key=X_KEY, x_api_secret=X_SECRET, last_days=0
        )

    with launcher(qloop, qtbot, tmp_path / "journal.sqlite3", provider, WORKSPACE) as start:
        yield start


def sim_stats(sim: SimServer) -> dict[str, Any]:
    """What the simulator says it applied, read as any client would: GET /_sim/stats."""
    return dict(httpx.get(f"{sim.url}/_sim/stats", timeout=5).json())


def applied(sim: SimServer) -> dict[str, int]:
    return dict(sim_stats(sim)["ayrshare"]["retries_applied"])


def a_post_with_two_retryable_failures(app: App) -> Post:
    for post in app.session.posts.values():
        retryable = [
            d for d in post.failed if app.verdict(post.post_id, d.account_id) is Verdict.RETRYABLE
        ]
        if len(retryable) >= 2 and len(retryable) == len(post.failed):
            return post
    raise AssertionError("the seeded data has a post with two transient failures")


def test_one_tick_ticks_the_whole_post_and_it_is_retried_exactly_once(
    launch: Any, sim: SimServer, qtbot: Any
) -> None:
    app = launch()
    post = a_post_with_two_retryable_failures(app)
    failed = frozenset(d.account_id for d in post.failed)
    first = sorted(failed)[0]

    # Space on ONE failed destination ticks every failed destination of the post, and the
    # tooltip says why.
    app.go_to(post.post_id, first)
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {post.post_id: failed}
    tip = app.tooltip(post.post_id, first)
    assert "Ayrshare retries whole posts" in tip
    assert "ticks every retryable destination" in tip
    # Unticking one unticks the post: a whole-post retry cannot leave one out.
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {}
    app.key(Qt.Key.Key_Space)

    app.ctrl_r_and_confirm()
    qtbot.waitUntil(lambda: applied(sim) == {post.post_id: 1}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(app, post.post_id), timeout=WAIT_MS)
    for account_id in failed:
        index = app.window.model.index_of(post.post_id, account_id, Column.STATUS)
        qtbot.waitUntil(lambda index=index: index.data() == "Failed", timeout=WAIT_MS)
        assert app.verdict(post.post_id, account_id) is Verdict.ALREADY_RETRIED
        assert "Already retried once" in app.tooltip(post.post_id, account_id)

    # A second Ctrl+R: the rows cannot be ticked any more, so nothing is even asked.
    app.go_to(post.post_id, first)
    app.key(Qt.Key.Key_Space)
    assert post.post_id not in app.window.model.selection()
    app.key(Qt.Key.Key_R, CTRL)
    assert app.window._confirm is None
    assert applied(sim) == {post.post_id: 1}

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
    assert applied(sim) == {post.post_id: 1}
    retries = sim_stats(sim)["requests"]["PUT /ayrshare/api/post/retry"]
    assert retries == {"200": 1}


def test_a_329_is_recorded_so_the_post_reads_already_retried_after_a_restart(
    launch: Any, sim: SimServer, qtbot: Any
) -> None:
    app = launch()
    post = a_post_with_two_retryable_failures(app)
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
    assert applied(sim) == {post.post_id: 1}  # only the other operator's retry was applied
    retries = sim_stats(sim)["requests"]["PUT /ayrshare/api/post/retry"]
    assert retries == {"200": 1, "400": 1}
