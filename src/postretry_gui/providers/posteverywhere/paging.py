"""PostEverywhere's offset paging: the list query, and the cursors of a page.

A cursor is the offset of the next page as text. Pages overlap by one post, so the caller
can prove that no post slid between two of them (``Page.overlap``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from postretry_gui.domain import Post
from postretry_gui.domain.errors import BadRequest
from postretry_gui.providers.base import Page, PostFilter

MAX_PAGE_SIZE = 100
MAX_LATER_PAGES = 10_000


def page_of(
    posts: tuple[Post, ...], *, has_more: bool | None, total: int, offset: int, limit: int
) -> Page:
    """The cursors of a page: shared by both readers, so they cannot page differently."""
    more = len(posts) >= limit if has_more is None else has_more
    # The next page starts ON this page's last post (an overlap of one), so the loader can
    # check that the two join up: under a status filter, a post leaving the filter mid-walk
    # shifts every later offset, and an unchanged post would slide past unread (see
    # ``controller.loader.PageWalk``). A page of one post cannot overlap: it would repeat.
    overlap = 1 if len(posts) >= 2 else 0
    step = len(posts) - overlap
    # An empty page never leads anywhere, whatever has_more says: no endless loop.
    next_cursor = str(offset + step) if more and posts else None
    later: tuple[str, ...] = ()
    if next_cursor is not None and total > 0:
        # Steps of the page size the server actually used; a hostile total must not make
        # millions of cursors (paging stops at MAX_LATER_PAGES; next_cursor goes on from there).
        # The last page needed is the one that reaches post ``total - 1``.
        end = min(total - overlap, offset + step * (MAX_LATER_PAGES + 1))
        later = tuple(str(o) for o in range(offset + step, end, step))
    return Page(
        posts=posts,
        next_cursor=next_cursor,
        total=total if total >= 0 else None,
        later_cursors=later,
        overlap=overlap,
    )


def iso_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def filter_params(post_filter: PostFilter, *, offset: int, limit: int) -> dict[str, str]:
    # Ordered by creation, which never changes, so offset pages can only shift when posts
    # enter or leave the filter (what the pages' overlap detects), never by reordering.
    params = {"limit": str(limit), "offset": str(offset), "sort": "created_at", "order": "desc"}
    if post_filter.by_update:
        # A post that changes mid-walk moves to the front: later offsets repeat a post, never
        # skip one, and the change itself is after the first page's time (the next mark).
        params["sort"] = "updated_at"
    if post_filter.statuses:
        params["status"] = ",".join(post_filter.statuses)
    if post_filter.platforms:
        params["platform"] = ",".join(post_filter.platforms)
    if post_filter.search:
        params["search"] = post_filter.search
    if post_filter.account_id:
        params["account_id"] = post_filter.account_id
    if post_filter.updated_after is not None:
        params["updated_after"] = iso_time(post_filter.updated_after)
    return params


def offset_of(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 12:
        raise BadRequest("The page cursor is not one this client gave out.", http_status=None)
    return int(cursor)
