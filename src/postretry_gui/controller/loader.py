"""Walk a provider's pages of posts in order, so each can be shown on arrival; pages the first
one lists are fetched a few at a time, and where pages overlap, each join is checked."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from postretry_gui.domain.errors import MalformedResponse
from postretry_gui.domain.status import FAILURE_POST_STATUSES, OTHER_POST_STATUSES
from postretry_gui.providers.base import Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority

FAILURES_FILTER = PostFilter(statuses=FAILURE_POST_STATUSES)
# The second pass, for the "All" tab, when the first one proved its pages joined up.
NOT_FAILURES_FILTER = PostFilter(statuses=OTHER_POST_STATUSES)
# The second pass otherwise (and the third, when a filtered pass could not prove itself).
EVERYTHING_FILTER = PostFilter()


@dataclass
class PageWalk:
    """What a walk over pages could prove, filled in as it goes.

    Offset pages under a status filter drift: a post that leaves the filter while the list
    is read shifts every later page up by one, and an unchanged post at a page boundary is
    never read (nor found by the next ``updated_after`` sync, since it did not change).
    Pages that overlap by one post (``Page.overlap``) show it: the next page must start with
    a post of the one before. A post that changed is fetched by the next sync anyway; this
    is about the ones that did not.
    """

    # The first page promised overlapping pages: the joins below could be checked at all.
    overlapping: bool = False
    # Joins that were not proven: the next page did not start inside the previous one, or
    # the previous one promised no overlap. Zero on a proven walk.
    unproven_joins: int = 0
    # The list's size as its first page told it (None: not told).
    total: int | None = None

    @property
    def proven(self) -> bool:
        """Every post that stayed in the filter while it was read was read."""
        return self.overlapping and self.unproven_joins == 0

    def join(self, previous: Page, page: Page) -> None:
        if not page.posts:
            return  # the end: nothing slid past the last page
        if previous.overlap < 1 or not previous.posts:
            self.unproven_joins += 1
            return
        first = page.posts[0].post_id
        if all(post.post_id != first for post in previous.posts):
            self.unproven_joins += 1


# A server that keeps saying "more" must not keep the app paging forever.
MAX_PAGES = 10_000


# Later pages in flight at once when the first page listed them (offset paging with a total):
# the server's time per page overlaps this process's parsing of the one before.
PAGE_CONCURRENCY = 4


async def iterate_pages(
    provider: Provider,
    post_filter: PostFilter,
    *,
    page_size: int,
    cursor: str | None = None,
    priority: Priority = Priority.INTERACTIVE,
    concurrency: int = PAGE_CONCURRENCY,
    walk: PageWalk | None = None,
) -> AsyncGenerator[Page, None]:
    """Yield pages from ``cursor`` (None: the first page) until the provider says the last,
    in order.

    The first page is asked for at ``priority``. When it lists ``later_cursors``, those pages
    are fetched ``concurrency`` at a time at BACKGROUND priority (the pacer still spaces them
    under a rate limit), and paging goes on one page at a time from the last one's
    ``next_cursor`` if the list grew meanwhile. Raises MalformedResponse when the server hands
    back a cursor it already gave (it would loop) or exceeds ``MAX_PAGES``; provider errors
    propagate unchanged, and pages still in flight are cancelled. ``walk`` (when given)
    records whether every join between pages was proven.
    """
    walk = walk if walk is not None else PageWalk()
    seen: set[str] = {cursor} if cursor is not None else set()
    page = await provider.list_posts(post_filter, cursor, page_size, priority=priority)
    walk.overlapping = page.overlap > 0
    walk.total = page.total
    yield page
    pages = 1
    follow = priority
    later = list(page.later_cursors[: MAX_PAGES - 1])
    if concurrency > 1 and later and later[0] == page.next_cursor and seen.isdisjoint(later):
        seen.update(later)
        follow = Priority.BACKGROUND
        async for later_page in _fetch_in_order(
            provider, post_filter, later, page_size, concurrency
        ):
            walk.join(page, later_page)
            page = later_page
            yield page
            pages += 1
    # One at a time from here: the whole list without later_cursors, or what was added
    # after the listed pages.
    cursor = page.next_cursor
    while cursor is not None:
        if cursor in seen:
            raise MalformedResponse("The server repeated a page of posts: stopped paging.")
        if pages >= MAX_PAGES:
            raise MalformedResponse(f"The server kept paging past {MAX_PAGES} pages: stopped.")
        seen.add(cursor)
        next_page = await provider.list_posts(post_filter, cursor, page_size, priority=follow)
        walk.join(page, next_page)
        page = next_page
        yield page
        pages += 1
        cursor = page.next_cursor


async def _fetch_in_order(
    provider: Provider,
    post_filter: PostFilter,
    cursors: list[str],
    page_size: int,
    concurrency: int,
) -> AsyncGenerator[Page, None]:
    """The pages at ``cursors``, at most ``concurrency`` requests in flight, yielded in
    order; whatever is still in flight when this stops (an error, a cancel) is cancelled."""
    in_flight: deque[asyncio.Task[Page]] = deque()
    queue = iter(cursors)

    def top_up() -> None:
        while len(in_flight) < concurrency:
            next_cursor = next(queue, None)
            if next_cursor is None:
                return
            in_flight.append(
                asyncio.ensure_future(
                    provider.list_posts(
                        post_filter, next_cursor, page_size, priority=Priority.BACKGROUND
                    )
                )
            )

    try:
        top_up()
        while in_flight:
            page = await in_flight.popleft()
            top_up()
            yield page
            if page.next_cursor is None:
                return
    finally:
        for task in in_flight:
            task.cancel()
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
