"""End to end on loopback (issue 13): the real simulator, the real clients, the session.
"Tick all retryable" leaves failures of the post itself (Ayrshare's duplicate text, 110/107;
PostEverywhere's content errors) alone, and a retry of them is never sent unasked: the
simulator applies none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.poller import PollSettings
from postretry_gui.controller.workspace_opener import cause_table
from postretry_gui.domain import Outcome, Post, Status
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.ayrshare import SPEC, AyrshareProvider
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import DEMO_AYR_KEY, DEMO_PE_KEY, SimConfig, SimServer

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


def _sim_stats(sim: SimServer) -> dict[str, Any]:
    """What the simulator says it applied, read as any client would."""
    return dict(httpx.get(f"{sim.url}/_sim/stats", timeout=5).json())


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
    applied = _sim_stats(sim)["ayrshare"]["retries_applied"]
    assert set(applied) == set(selection)
    assert all(applied.get(p.post_id, 0) == 0 for p in content_only)
    await session.wait_settled()


@pytest.mark.asyncio
async def test_posteverywhere_retries_the_passing_failures_of_a_post_and_not_its_content_ones() -> (
    None
):
    config = SimConfig(
        seed=5,
        posts=80,
        rate_limit=None,
        queued_s=0.05,
        publishing_s=0.05,
        success_odds=1.0,
        content_failure_odds=0.4,
    )
    with SimServer(config, port=0) as sim:
        provider = PostEverywhereProvider(base_url=sim.posteverywhere_url, api_key=DEMO_PE_KEY)
        session = WorkspaceSession(
            provider,
            RecordingListener(),
            poll_settings=FAST_POLLS,
            causes=cause_table(POSTEVERYWHERE.kind),
        )
        try:
            await session.load()
            await asyncio.wait_for(session.wait_loaded(), 10)
            content = {
                (p.post_id, d.account_id)
                for p in session.posts.values()
                for d in p.failed
                if session.cause_of(p, d) is Cause.CONTENT
            }
            assert content, "content_failure_odds should give content failures"
            selection = {
                p.post_id: ids for p in session.posts.values() if (ids := session.tick_all_ids(p))
            }
            ticked = {(post_id, a) for post_id, ids in selection.items() for a in ids}
            assert ticked
            assert not ticked & content
            # Some post has both: per-destination retry sends its passing failures only.
            assert {post_id for post_id, _ in ticked} & {post_id for post_id, _ in content}

            await session.retry(selection)

            applied = {tuple(key.split("|")) for key in _sim_stats(sim)["retries_applied"]}
            assert applied == ticked
            # A content failure retried by hand fails the same way again.
            post_id, account_id = sorted(content)[0]
            await session.retry({post_id: frozenset({account_id})})
            await asyncio.wait_for(session.wait_settled(), 10)
            again = session.posts[post_id].destination(account_id)
            assert again is not None
            assert again.status is Status.FAILED
            assert session.cause_of(session.posts[post_id], again) is Cause.CONTENT
        finally:
            await session.aclose()
            await provider.aclose()
