"""Paging: pages the first one lists arrive a few at a time, in order, each post once; a list
that grows, shrinks or loops while it is read; a failing page stops the rest."""

from __future__ import annotations

import asyncio

import pytest

from postretry_gui.controller.loader import iterate_pages
from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.errors import MalformedResponse, ServerError
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.pacing import Priority


def make_posts(count: int) -> list[Post]:
    return [Post(f"p{n}", (Destination(str(n), "x", Status.FAILED),)) for n in range(count)]


class OffsetServer:
    """Offset pages over ``posts``, listing later cursors as PostEverywhere's client does;
    records how many requests overlapped and at which priority each came."""

    def __init__(self, posts: list[Post], *, list_later: bool = True) -> None:
        self.posts = posts
        self.list_later = list_later
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls: list[tuple[str | None, Priority]] = []
        self.fail_at: str | None = None
        self.cancelled = 0
        # Answers come back out of order: later offsets first.
        self.delay = {str(o): 0.001 * (40 - o // 10) for o in range(0, 400, 10)}

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = 100,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        self.calls.append((cursor, priority))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay.get(cursor or "0", 0))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        if self.fail_at is not None and cursor == self.fail_at:
            raise ServerError("boom", http_status=503)
        offset = int(cursor or 0)
        page = tuple(self.posts[offset : offset + limit])
        more = offset + len(page) < len(self.posts) and bool(page)
        later: tuple[str, ...] = ()
        if self.list_later and more:
            later = tuple(str(o) for o in range(offset + limit, len(self.posts), limit))
        return Page(page, str(offset + len(page)) if more else None, len(self.posts), later)


async def read_all(server: OffsetServer, **kwargs: object) -> list[Post]:
    posts: list[Post] = []
    async for page in iterate_pages(server, PostFilter(), page_size=10, **kwargs):  # type: ignore[arg-type]
        posts.extend(page.posts)
    return posts


@pytest.mark.asyncio
async def test_listed_pages_come_four_at_a_time_in_order_each_post_once() -> None:
    server = OffsetServer(make_posts(95))
    posts = await read_all(server)
    assert [p.post_id for p in posts] == [f"p{n}" for n in range(95)]
    assert server.most_in_flight == 4
    assert server.calls[0] == (None, Priority.INTERACTIVE)
    assert {priority for _, priority in server.calls[1:]} == {Priority.BACKGROUND}
    assert len(server.calls) == 10


@pytest.mark.asyncio
async def test_without_listed_pages_paging_is_one_at_a_time_at_the_asked_priority() -> None:
    server = OffsetServer(make_posts(35), list_later=False)
    posts = await read_all(server)
    assert len(posts) == 35
    assert server.most_in_flight == 1
    assert {priority for _, priority in server.calls} == {Priority.INTERACTIVE}


@pytest.mark.asyncio
async def test_posts_added_after_the_listed_pages_are_still_read() -> None:
    server = OffsetServer(make_posts(30))

    real = server.list_posts

    async def growing(*args: object, **kwargs: object) -> Page:
        page = await real(*args, **kwargs)  # type: ignore[arg-type]
        if len(server.posts) == 30:
            server.posts = make_posts(47)  # new posts arrive while the list is read
        return page

    server.list_posts = growing  # type: ignore[method-assign]
    posts = await read_all(server)
    assert [p.post_id for p in posts] == [f"p{n}" for n in range(47)]


@pytest.mark.asyncio
async def test_a_failing_page_stops_paging_and_cancels_the_pages_in_flight() -> None:
    server = OffsetServer(make_posts(200))
    server.delay = {"20": 0.0}  # the failing page answers first; the others wait
    server.delay.update({str(o): 5.0 for o in range(30, 200, 10)})
    server.fail_at = "20"
    with pytest.raises(ServerError):
        await read_all(server)
    assert server.in_flight == 0
    assert server.cancelled >= 2


@pytest.mark.asyncio
async def test_a_server_that_repeats_a_cursor_after_the_listed_pages_is_stopped() -> None:
    server = OffsetServer(make_posts(30))
    real = server.list_posts

    async def looping(*args: object, **kwargs: object) -> Page:
        page = await real(*args, **kwargs)  # type: ignore[arg-type]
        return Page(page.posts, "10", page.total, page.later_cursors) if page.posts else page

    server.list_posts = looping  # type: ignore[method-assign]
    with pytest.raises(MalformedResponse):
        await read_all(server)
