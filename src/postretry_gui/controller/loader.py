"""Walk a provider's pages of posts, one page at a time, so each can be shown on arrival."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from postretry_gui.domain.errors import MalformedResponse
from postretry_gui.providers.base import FAILURES, Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority

# The "All" tab: every post-level status that is not a failure, in PostEverywhere's words
# (each provider maps them to its own vocabulary).
OTHER_STATUSES = ("publishing", "scheduled", "published", "draft")

FAILURES_FILTER = PostFilter(statuses=FAILURES)
OTHERS_FILTER = PostFilter(statuses=OTHER_STATUSES)

# A server that keeps saying "more" must not keep the app paging forever.
MAX_PAGES = 10_000


async def iterate_pages(
    provider: Provider,
    post_filter: PostFilter,
    *,
    page_size: int,
    cursor: str | None = None,
    priority: Priority = Priority.INTERACTIVE,
) -> AsyncGenerator[Page, None]:
    """Yield pages from ``cursor`` (None: the first page) until the provider says the last.

    Raises MalformedResponse when the server hands back a cursor it already gave (it would
    loop) or exceeds ``MAX_PAGES``; provider errors propagate unchanged.
    """
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = await provider.list_posts(post_filter, cursor, page_size, priority=priority)
        yield page
        if page.next_cursor is None:
            return
        if page.next_cursor in seen or page.next_cursor == cursor:
            raise MalformedResponse("The server repeated a page of posts: stopped paging.")
        seen.add(page.next_cursor)
        cursor = page.next_cursor
    raise MalformedResponse(f"The server kept paging past {MAX_PAGES} pages: stopped.")
