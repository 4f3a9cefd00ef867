"""The window on a Zernio workspace: simulator on loopback, Zernio client, session, retry
journal on disk. Zernio's rules reach the window through capabilities and eligibility only:
one tick ticks every failed destination of the post (a whole-post retry), a post may be
retried again (no once-only rule), and a destination whose account needs reconnecting
(``auth_expired``, ``needsReconnection``) cannot be ticked at all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from window_kit import CTRL, SHIFT, WAIT_MS, App, launcher, settled

from postretry_gui.domain import Post, Status, Verdict
from postretry_gui.providers.zernio import ZernioProvider
from postretry_gui.sim import DEMO_ZER_KEY, SimConfig, SimServer
from postretry_gui.ui.rows import Column

RETRY_ROUTE = "POST /zernio/api/v1/posts/{post_id}/retry"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=7,
        zernio_posts=40,
        rate_limit=None,
        ayrshare_rate_limit=None,
        zernio_rate_limit=None,
        success_odds=1.0,  # what a retry can fix, it fixes: the refused ones fail again
    )
    with SimServer(config, port=0) as server:
        yield server


@pytest.fixture
def launch(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, sim: SimServer, tmp_path: Path
) -> Iterator[Any]:
    def provider() -> ZernioProvider:
        return ZernioProvider(sim.zernio_url, DEMO_ZER_KEY)

    with launcher(qloop, qtbot, tmp_path / "journal.sqlite3", provider, "zernio-test") as start:
        yield start


def applied(sim: SimServer) -> dict[str, int]:
    """What the simulator says it applied, read as any client would: GET /_sim/stats."""
    stats = httpx.get(f"{sim.url}/_sim/stats", timeout=5).json()
    return dict(stats["zernio"]["retries_applied"])


def retry_answers(sim: SimServer) -> dict[str, int]:
    return dict(httpx.get(f"{sim.url}/_sim/stats", timeout=5).json()["requests"][RETRY_ROUTE])


def a_post_whose_failures_are_all_retryable(app: App) -> Post:
    for post in sorted(app.session.posts.values(), key=lambda p: -len(p.failed)):
        verdicts = {app.verdict(post.post_id, d.account_id) for d in post.failed}
        if post.failed and verdicts == {Verdict.RETRYABLE}:
            return post
    raise AssertionError("the seeded data has a post with only retryable failures")


def reconnect_rows(app: App) -> list[tuple[str, str]]:
    return [
        (post.post_id, d.account_id)
        for post in app.session.posts.values()
        for d in post.failed
        if app.verdict(post.post_id, d.account_id) is Verdict.RECONNECT_REQUIRED
    ]


def test_one_tick_ticks_the_whole_post_which_is_sent_once_and_publishes(
    launch: Any, sim: SimServer, qtbot: Any
) -> None:
    app = launch()
    post = a_post_whose_failures_are_all_retryable(app)
    failed = frozenset(d.account_id for d in post.failed)
    first = sorted(failed)[0]

    app.go_to(post.post_id, first)
    app.key(Qt.Key.Key_Space)
    assert app.window.model.selection() == {post.post_id: failed}
    assert "Zernio retries whole posts" in app.tooltip(post.post_id, first)

    app.ctrl_r_and_confirm()
    qtbot.waitUntil(lambda: applied(sim) == {post.post_id: 1}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(app, post.post_id), timeout=WAIT_MS)
    for account_id in failed:
        destination = app.session.posts[post.post_id].destination(account_id)
        assert destination is not None
        assert destination.status is Status.PUBLISHED
    # No once-only rule: the journal counts the retry, and nothing says "already retried".
    assert app.session.retries_sent(post.post_id) == 1
    # Counted once the answer has left: wait for it rather than race the server.
    qtbot.waitUntil(lambda: retry_answers(sim) == {"200": 1}, timeout=WAIT_MS)


def test_a_destination_that_needs_a_reconnect_cannot_be_ticked(launch: Any, qtbot: Any) -> None:
    app = launch()
    rows = reconnect_rows(app)
    assert rows, "the seeded data has auth_expired targets"
    post_id, account_id = rows[0]
    app.go_to(post_id, account_id)
    app.key(Qt.Key.Key_Space)
    assert account_id not in app.window.model.selection().get(post_id, frozenset())
    assert "Reconnect required" in app.tooltip(post_id, account_id)
    index = app.window.model.index_of(post_id, account_id, Column.CHECK)
    assert not index.flags() & Qt.ItemFlag.ItemIsEnabled


def test_tick_all_retryable_ctrl_r_enter_sends_each_post_once(
    launch: Any, sim: SimServer, qtbot: Any
) -> None:
    app = launch()
    app.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = app.window.model.selection()
    assert selection, "tick all ticks the retryable destinations"
    for post_id, ticked in selection.items():
        for account_id in ticked:
            assert app.verdict(post_id, account_id) is Verdict.RETRYABLE
    for post_id, account_id in reconnect_rows(app):
        assert account_id not in selection.get(post_id, frozenset())

    app.key(Qt.Key.Key_R, CTRL)
    dialog = app.window._confirm
    assert dialog is not None, "Ctrl+R asks before sending"
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    expected = dict.fromkeys(selection, 1)
    qtbot.waitUntil(lambda: applied(sim) == expected, timeout=WAIT_MS)
    for post_id in selection:
        qtbot.waitUntil(lambda post_id=post_id: settled(app, post_id), timeout=WAIT_MS * 2)
    qtbot.waitUntil(lambda: sum(retry_answers(sim).values()) >= len(selection), timeout=WAIT_MS)
    answers = retry_answers(sim)
    assert sum(answers.values()) == len(selection), "one request per post, none resent"
    assert set(answers) <= {"200", "207"}
