"""The list reads of settling: the mark, the walk's end, and the cached list's cadence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from controller_fakes import T0, FakeClock, dest, post

from postretry_gui.controller.change_reader import CLOCK_SKEW, ChangeReader
from postretry_gui.domain import Post
from postretry_gui.domain.change_feed import ChangeFeed
from postretry_gui.providers.base import Page, PostFilter

BY_UPDATE = ChangeFeed(page_size=2, filters_by_update=True)
WHOLE = ChangeFeed(page_size=2, filters_by_update=False, min_interval_s=60.0)


class ListingProvider:
    """Serves fixed pages (newest change first) and records each query."""

    def __init__(self, posts: Sequence[Post], server_time: datetime | None) -> None:
        self.posts = list(posts)
        self.server_time = server_time
        self.queries: list[tuple[PostFilter, str | None]] = []

    async def list_posts(
        self, post_filter: PostFilter, cursor: str | None = None, limit: int = 100, **_: Any
    ) -> Page:
        self.queries.append((post_filter, cursor))
        offset = int(cursor or 0)
        chunk = tuple(self.posts[offset : offset + limit])
        more = offset + limit < len(self.posts)
        return Page(chunk, str(offset + limit) if more else None, server_time=self.server_time)


def changed(post_id: str, minutes_after_t0: int) -> Post:
    return replace(post(post_id, dest("1")), updated_at=T0 + timedelta(minutes=minutes_after_t0))


def reader(provider: ListingProvider, feed: ChangeFeed, clock: FakeClock) -> ChangeReader:
    return ChangeReader(provider, feed, clock)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_the_first_read_reaches_back_to_the_watch_and_the_mark_moves_to_the_server() -> None:
    clock = FakeClock()
    server_time = T0 + timedelta(minutes=10)
    provider = ListingProvider([changed("a", 9), changed("b", 8)], server_time)
    changes = reader(provider, BY_UPDATE, clock)
    started = T0 + timedelta(minutes=5)
    changes.watch_started(started)

    found = await changes.read({"a", "c"})

    assert set(found) == {"a"}
    first_filter = provider.queries[0][0]
    assert first_filter.by_update
    assert first_filter.updated_after == started - CLOCK_SKEW
    assert changes.mark == server_time
    await changes.read({"a"})
    assert provider.queries[-1][0].updated_after == server_time


@pytest.mark.asyncio
async def test_a_walk_stops_at_the_first_post_older_than_the_mark() -> None:
    clock = FakeClock()
    # A server that ignores updated_after: the walk ends on the page that reaches the mark.
    posts = [changed("a", 9), changed("b", 8), changed("c", 1), changed("d", 0)]
    posts += [changed(f"old{i}", -i) for i in range(1, 10)]
    provider = ListingProvider(posts, T0 + timedelta(minutes=10))
    changes = reader(provider, BY_UPDATE, clock)
    changes.watch_started(T0 + timedelta(minutes=5) + CLOCK_SKEW)

    found = await changes.read({"a", "c", "old3"})

    assert set(found) == {"a"}
    assert len(provider.queries) == 2


@pytest.mark.asyncio
async def test_without_a_server_time_the_reach_stays_where_it_was() -> None:
    clock = FakeClock()
    provider = ListingProvider([changed("a", 9)], None)
    changes = reader(provider, BY_UPDATE, clock)
    changes.watch_started(T0)
    await changes.read({"a"})
    await changes.read({"a"})
    assert provider.queries[0][0].updated_after == provider.queries[1][0].updated_after


@pytest.mark.asyncio
async def test_a_whole_list_is_read_until_every_watched_post_is_seen_and_not_too_often() -> None:
    clock = FakeClock()
    posts = [changed(p, 0) for p in ("a", "b", "c", "d", "e", "f")]
    provider = ListingProvider(posts, None)
    changes = reader(provider, WHOLE, clock)

    found = await changes.read({"b", "c"})

    assert set(found) == {"b", "c"}
    assert len(provider.queries) == 2  # the third page was not needed
    assert provider.queries[0][0] == PostFilter()
    assert not changes.ready()
    clock.advance(59.0)
    assert not changes.ready()
    clock.advance(1.0)
    assert changes.ready()
