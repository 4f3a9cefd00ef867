"""The whole-post providers as the window tests meet them: each one's simulator, client and
what a retry of a whole post leaves on screen, as data (``WindowCase``), so the tests that
hold for every whole-post provider run once per case (``test_whole_post_window.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from window_kit import WAIT_MS, App, launcher, settled

from postretry_gui.domain import Post, Status, Verdict
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.providers.base import Provider
from postretry_gui.providers.zernio import ZernioProvider
from postretry_gui.sim import DEMO_AYR_KEY, DEMO_ZER_KEY, SimConfig, SimServer
from postretry_gui.ui.rows import Column

X_KEY = "x-app-key-ui-secret"
X_SECRET = "x-app-secret-ui-secret"


@dataclass(frozen=True, slots=True)
class WindowCase:
    kind: str
    sim_config: SimConfig
    provider: Callable[[SimServer], Provider]
    # The simulator's request counter of the retry route (as the simulator names it).
    retry_route: str
    # The fewest failed destinations of the post a test retries (two show that one tick
    # ticks more than its own row).
    least_failures: int
    # What each retried destination is after the retry settled, and what the window says.
    status_after: Status
    shown_after: str
    verdict_after: Verdict


AYRSHARE = WindowCase(
    kind="ayrshare",
    sim_config=SimConfig(
        seed=7,
        ayrshare_posts=40,
        rate_limit=None,
        ayrshare_rate_limit=None,
        queued_s=0.05,
        publishing_s=0.05,
        success_odds=0.0,  # a retried post fails again, so its rows stay on screen
    ),
    provider=lambda sim: AyrshareProvider(
        sim.ayrshare_url, DEMO_AYR_KEY, x_api_key=X_KEY, x_api_secret=X_SECRET, last_days=0
    ),
    retry_route="PUT /ayrshare/api/post/retry",
    least_failures=2,
    status_after=Status.FAILED,
    shown_after="Failed",
    verdict_after=Verdict.ALREADY_RETRIED,  # once only
)
ZERNIO = WindowCase(
    kind="zernio",
    sim_config=SimConfig(
        seed=7,
        zernio_posts=40,
        rate_limit=None,
        ayrshare_rate_limit=None,
        zernio_rate_limit=None,
        success_odds=1.0,  # what a retry can fix, it fixes: the refused ones fail again
    ),
    provider=lambda sim: ZernioProvider(sim.zernio_url, DEMO_ZER_KEY),
    retry_route="POST /zernio/api/v1/posts/{post_id}/retry",
    least_failures=1,
    status_after=Status.PUBLISHED,
    shown_after="Published",
    verdict_after=Verdict.NOT_FAILED,
)
CASES = {case.kind: case for case in (AYRSHARE, ZERNIO)}


@contextmanager
def launched(
    case: WindowCase, qloop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path
) -> Iterator[tuple[SimServer, Any]]:
    """The case's simulator, and a starter of the app (again) over one journal directory."""
    with SimServer(case.sim_config, port=0) as sim:
        journal = tmp_path / "journal.sqlite3"
        workspace = f"{case.kind}-test"
        with launcher(qloop, qtbot, journal, lambda: case.provider(sim), workspace) as start:
            yield sim, start


def sim_stats(sim: SimServer) -> dict[str, Any]:
    """What the simulator says, read as any client would: GET /_sim/stats."""
    return dict(httpx.get(f"{sim.url}/_sim/stats", timeout=5).json())


def applied(sim: SimServer, case: WindowCase) -> dict[str, int]:
    return dict(sim_stats(sim)[case.kind]["retries_applied"])


def retry_answers(sim: SimServer, case: WindowCase) -> dict[str, int]:
    return dict(sim_stats(sim)["requests"].get(case.retry_route, {}))


def a_post_whose_failures_are_all_retryable(app: App, case: WindowCase) -> Post:
    for post in sorted(app.session.posts.values(), key=lambda p: -len(p.failed)):
        verdicts = {app.verdict(post.post_id, d.account_id) for d in post.failed}
        if len(post.failed) >= case.least_failures and verdicts == {Verdict.RETRYABLE}:
            return post
    raise AssertionError(f"the seeded data has a post with {case.least_failures}+ failures")


def retry_by_one_tick(app: App, sim: SimServer, case: WindowCase, post: Post, qtbot: Any) -> None:
    """Space on one failed destination of ``post``, Ctrl+R, confirm; wait until the
    simulator applied it once, the window settled it and its rows show where it ended."""
    app.go_to(post.post_id, sorted(d.account_id for d in post.failed)[0])
    app.key(Qt.Key.Key_Space)
    app.ctrl_r_and_confirm()
    qtbot.waitUntil(lambda: applied(sim, case) == {post.post_id: 1}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(app, post.post_id), timeout=WAIT_MS)
    for d in post.failed:
        index = app.window.model.index_of(post.post_id, d.account_id, Column.STATUS)
        qtbot.waitUntil(lambda index=index: index.data() == case.shown_after, timeout=WAIT_MS)
