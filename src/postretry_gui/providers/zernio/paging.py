"""Zernio's list query and its page cursors (contract section 4, "Polling").

``status`` takes ONE value, so a filter of several statuses is walked one status at a time
(a stage each), failures first as the caller lists them; each stage pages by ``page`` until
``page >= pages`` (or, without ``pagination``, until a short page). A cursor is
``"<stage>:<page>"``. Only the parameters every server version lists are sent; the rest of a
filter (several platforms, search, ``updated_after``) is applied to each page here.
"""

from __future__ import annotations

from dataclasses import dataclass

from postretry_gui.domain import Post
from postretry_gui.domain.errors import BadRequest
from postretry_gui.domain.status import PostStatus
from postretry_gui.providers.base import PostFilter

# Every server version takes up to 500; the contract's advice is 100.
MAX_PAGE_SIZE = 100
# A hostile ``pages`` must not keep a walk going for ever.
MAX_PAGES = 10_000

# The app's post statuses in Zernio's words (``partial`` is the app's partially_failed).
ZERNIO_STATUS = {
    PostStatus.FAILED.value: "failed",
    PostStatus.PARTIALLY_FAILED.value: "partial",
    PostStatus.PUBLISHED.value: "published",
    PostStatus.SCHEDULED.value: "scheduled",
    PostStatus.PUBLISHING.value: "publishing",
    PostStatus.DRAFT.value: "draft",
}


def zernio_statuses(statuses: tuple[str, ...]) -> tuple[str, ...]:
    """The Zernio status of each app status, in order, once each (unknown ones dropped)."""
    out: list[str] = []
    for status in statuses:
        word = ZERNIO_STATUS.get(status)
        if word is not None and word not in out:
            out.append(word)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ListCursor:
    stage: int = 0
    page: int = 1

    def encode(self) -> str:
        return f"{self.stage}:{self.page}"

    @classmethod
    def decode(cls, cursor: str | None, stages: int) -> ListCursor:
        if cursor is None:
            return cls()
        stage, _, page = cursor.partition(":")
        if not (stage.isdigit() and page.isdigit() and len(cursor) <= 12):
            raise BadRequest("The page cursor is not one this client gave out.", http_status=None)
        position = cls(int(stage), int(page))
        if position.stage >= stages or not 1 <= position.page <= MAX_PAGES:
            raise BadRequest("The page cursor is not one this client gave out.", http_status=None)
        return position


def list_params(
    post_filter: PostFilter, statuses: tuple[str, ...], position: ListCursor, limit: int
) -> dict[str, str]:
    # Ordered by creation, which never changes, so pages only shift when posts enter or
    # leave the status (and the poller reads a post in flight by id, not by list).
    params = {"page": str(position.page), "limit": str(limit), "sortBy": "created-desc"}
    if statuses:
        params["status"] = statuses[position.stage]
    if len(post_filter.platforms) == 1:
        params["platform"] = post_filter.platforms[0]
    if post_filter.account_id:
        params["accountId"] = post_filter.account_id
    return params


def next_cursor(
    position: ListCursor,
    received: int,
    pages: int | None,
    limit: int,
    stages: int,
) -> str | None:
    """The cursor after this page: the next page of this status, else the first page of the
    next status, else None. ``pages`` decides when told; an empty page always ends."""
    more = received >= limit if pages is None else position.page < pages
    if more and received > 0 and position.page < MAX_PAGES:
        return ListCursor(position.stage, position.page + 1).encode()
    if position.stage + 1 < stages:
        return ListCursor(position.stage + 1, 1).encode()
    return None


def matches(post: Post, post_filter: PostFilter) -> bool:
    """What the query could not ask the server for."""
    if len(post_filter.platforms) > 1:
        wanted = {p.lower() for p in post_filter.platforms}
        if not any(d.platform in wanted for d in post.destinations):
            return False
    if post_filter.search and post_filter.search.lower() not in post.content.lower():
        return False
    after = post_filter.updated_after
    return after is None or post.updated_at is None or post.updated_at >= after
