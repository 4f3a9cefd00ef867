"""PostEverywhere's list of what changed: sorted by update, after a mark, with the server's
time of the answer as the next mark (``Page.server_time``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postretry_gui.providers.base import PostFilter
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=4, posts=150, rate_limit=None), port=0) as server:
        yield server


@pytest.mark.asyncio
async def test_a_page_by_update_carries_the_servers_time(sim: SimServer) -> None:
    async with PostEverywhereProvider(sim.posteverywhere_url, DEMO_PE_KEY) as provider:
        page = await provider.list_posts(PostFilter(by_update=True), limit=100)
        assert page.server_time is not None
        times = [p.updated_at for p in page.posts if p.updated_at is not None]
        assert times == sorted(times, reverse=True)
        # Only what changed after the mark comes back.
        mark = times[len(times) // 2]
        after = await provider.list_posts(PostFilter(updated_after=mark, by_update=True), limit=100)
        assert after.posts  # the simulator publishes scheduled posts as it runs: not a count
        # The filter goes out in whole seconds, rounded down: a little more, never less.
        floor = mark.replace(microsecond=0)
        assert all(p.updated_at is not None and p.updated_at > floor for p in after.posts)
