"""Settling by list over loopback: a round costs a page of what changed, not a read per post.

The real simulator, the real PostEverywhere client, the session: many watched posts settle
with a few ``GET /posts`` (``updated_after`` the previous answer's ``meta.timestamp``), a
handful with a read each.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from loopback_session import loaded_session, quickly_publishing

from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import Outcome, Status
from postretry_gui.sim import SimServer

LIST_ROUTE = "GET /posteverywhere/api/v1/posts"
RESULTS_ROUTE = "GET /posteverywhere/api/v1/posts/{post_id}/results"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = quickly_publishing(seed=3, posts=200)
    with SimServer(config, port=0) as server:
        yield server


@pytest_asyncio.fixture
async def session(sim: SimServer) -> AsyncIterator[WorkspaceSession]:
    async with loaded_session(sim, load_s=20) as session:
        yield session


def _every_failure(session: WorkspaceSession, posts: int) -> dict[str, frozenset[str]]:
    chosen: dict[str, frozenset[str]] = {}
    for post in session.posts.values():
        eligible = session.eligible_account_ids(post)
        if eligible:
            chosen[post.post_id] = eligible
        if len(chosen) == posts:
            break
    assert len(chosen) == posts, "the seeded simulator should offer enough failures"
    return chosen


def _route(stats: dict[str, Any], route: str) -> int:
    return int(stats["requests_by_route"].get(route, 0))


async def _retry_and_settle(
    sim: SimServer, session: WorkspaceSession, posts: int
) -> tuple[dict[str, frozenset[str]], dict[str, Any]]:
    selection = _every_failure(session, posts)
    sim.reset_stats()
    report = await asyncio.wait_for(session.retry(selection), 20)
    assert report.counts.get(Outcome.RETRIED) == posts
    await asyncio.wait_for(session.wait_settled(), 30)
    return selection, sim.stats()


@pytest.mark.asyncio
async def test_many_watched_posts_settle_by_pages_of_what_changed(
    sim: SimServer, session: WorkspaceSession
) -> None:
    selection, stats = await _retry_and_settle(sim, session, 40)

    for post_id, ids in selection.items():
        for account_id in ids:
            destination = session.posts[post_id].destination(account_id)
            assert destination is not None
            assert destination.status is Status.PUBLISHED
            assert not session.locked(post_id, account_id)
    # Each round is one page (40 changed posts < 100); a read per post would be 40 a round.
    lists, results = _route(stats, LIST_ROUTE), _route(stats, RESULTS_ROUTE)
    assert results <= 3
    assert 1 <= lists < len(selection)


@pytest.mark.asyncio
async def test_a_handful_is_read_post_by_post(sim: SimServer, session: WorkspaceSession) -> None:
    selection, stats = await _retry_and_settle(sim, session, 3)

    # Each watched post is read on its own: not one list read.
    assert _route(stats, LIST_ROUTE) == 0
    assert _route(stats, RESULTS_ROUTE) >= len(selection)
