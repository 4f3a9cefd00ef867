"""End to end on loopback (issue 13): the real simulator's Ayrshare, the real client, the
session. "Tick all retryable" leaves failures of the post itself (duplicate text, 110/107)
alone, and a retry of them is never sent unasked: the simulator applies none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.poller import PollSettings
from postretry_gui.controller.workspace_opener import cause_table
from postretry_gui.domain import Outcome, Post
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.ayrshare import SPEC, AyrshareProvider
from postretry_gui.sim import DEMO_AYR_KEY, SimConfig, SimServer

FAST_POLLS = PollSettings(initial_interval_s=0.1, max_interval_s=0.4)


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


@pytest_asyncio.fixture
async def session(sim: SimServer) -> AsyncIterator[WorkspaceSession]:
    provider = AyrshareProvider(
        sim.ayrshare_url, DEMO_AYR_KEY, x_api_key="x-key", x_api_secret="x-secret", last_days=0
    )
    session = WorkspaceSession(
        provider, RecordingListener(), poll_settings=FAST_POLLS, causes=cause_table(SPEC.kind)
    )
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), 10)
    try:
        yield session
    finally:
        await session.aclose()
        await provider.aclose()


def _causes(session: WorkspaceSession, post: Post) -> set[Cause | None]:
    return {session.cause_of(post, d) for d in post.failed}


def _retries_applied(sim: SimServer) -> dict[str, int]:
    stats = httpx.get(f"{sim.url}/_sim/stats", timeout=5).json()
    return dict(stats["ayrshare"]["retries_applied"])


@pytest.mark.asyncio
async def test_tick_all_never_sends_a_retry_of_a_content_failure(
    sim: SimServer, session: WorkspaceSession
) -> None:
    posts = list(session.posts.values())
    content_only = [p for p in posts if p.failed and _causes(session, p) == {Cause.CONTENT}]
    assert content_only, "the seeded simulator should hold duplicate-text failures"
    for post in content_only:
        assert all(session.eligibility_of(post, d).retryable for d in post.failed)
        assert session.confirmations(post, frozenset(d.account_id for d in post.failed))

    ticked = {p.post_id: session.tick_all_ids(p) for p in posts}
    selection = {post_id: ids for post_id, ids in ticked.items() if ids}
    assert selection, "the seeded simulator should hold failures a retry can fix"
    assert not {p.post_id for p in content_only} & set(selection)

    report = await session.retry(selection)

    assert {o.outcome for o in report.outcomes} == {Outcome.RETRIED}
    applied = _retries_applied(sim)
    assert set(applied) == set(selection)
    assert all(applied.get(p.post_id, 0) == 0 for p in content_only)
    await session.wait_settled()
