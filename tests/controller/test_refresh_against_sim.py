"""Refreshing over loopback: each refresh asks for what changed since the server's time of the
previous sync's answer, so it costs a page of recent changes and misses none.

The real simulator, the real PostEverywhere client, the session; another client (its own key)
changes posts meanwhile, as a colleague or a scheduler would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from loopback_session import loaded_session, quickly_publishing

from postretry_gui.controller.syncer import SERVER_MARK_MARGIN
from postretry_gui.domain import Status
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import SimServer

LIST_ROUTE = "GET /posteverywhere/api/v1/posts"
# More than a page (100): a refresh that read every change of the last minutes again would
# cost two pages long after they settled.
CHANGED = 150


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = quickly_publishing(seed=5, posts=600)
    with SimServer(config, port=0) as server:
        yield server


@pytest.mark.asyncio
async def test_refreshes_catch_every_change_with_one_page_each(sim: SimServer) -> None:
    async with loaded_session(sim, load_s=20) as session:
        changer = PostEverywhereProvider(sim.posteverywhere_url, "pe_test_colleague")
        changed: dict[str, list[str]] = {}
        for post in session.posts.values():
            eligible = sorted(session.eligible_account_ids(post))
            if eligible and len(changed) < CHANGED:
                changed[post.post_id] = eligible
        assert len(changed) == CHANGED, "the seeded simulator should offer enough failures"
        sim.reset_stats()
        for post_id, account_ids in changed.items():
            await changer.retry(
                session.posts[post_id], account_ids, idempotency_key=uuid.uuid4().hex
            )
        await changer.aclose()

        def published(post_id: str) -> bool:
            return all(
                d.status is Status.PUBLISHED
                for d in session.posts[post_id].destinations
                if d.account_id in changed[post_id]
            )

        refreshes = 0
        async with asyncio.timeout(15):
            while not all(published(p) for p in changed):
                await session.refresh()
                refreshes += 1
                await asyncio.sleep(0.05)  # the simulator publishes on its own clock
        stats = sim.stats()
        # While they settled, each refresh read what changed since the one before.
        assert stats["requests_by_route"].get(LIST_ROUTE, 0) <= 2 * refreshes

        # Once everything settled, a refresh finds nothing new and costs one page. It reaches
        # back a second before the previous sync's answer (the margin for the server's
        # timestamps), and the wire carries whole seconds (rounded down): so the time to
        # wait is those two seconds. The old two-minute overlap read all 150 changes again:
        # two pages a refresh.
        await asyncio.sleep(SERVER_MARK_MARGIN.total_seconds() + 1.0)
        await session.refresh()
        before = sim.stats()["requests_by_route"].get(LIST_ROUTE, 0)
        for _ in range(2):
            await session.refresh()
        assert sim.stats()["requests_by_route"].get(LIST_ROUTE, 0) - before == 2
        async with loaded_session(sim, load_s=20) as fresh:
            assert {p: fresh.posts[p].status for p in fresh.posts} == {
                p: session.posts[p].status for p in session.posts
            }
