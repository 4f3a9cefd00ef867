"""The small protocol every provider implements. Controllers depend on this, not on a
concrete provider; the UI reads ``capabilities`` and never asks which provider it has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from postretry_gui.domain import (
    Account,
    AccountHealth,
    BulkRetryAck,
    Post,
    ProviderCapabilities,
    RateLimitState,
    RetryAck,
)
from postretry_gui.providers.pacing import Priority, RatePacer


@dataclass(frozen=True, slots=True)
class PostFilter:
    # Post-level statuses in the app's words (``domain.PostStatus`` values: failed,
    # partially_failed, published...); each provider maps them to its own. Empty: all.
    statuses: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    search: str | None = None
    updated_after: datetime | None = None
    account_id: str | None = None
    # Newest change first (``updated_at`` descending) instead of newest post first: a walk
    # of what changed may stop at the first post older than its mark.
    by_update: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    posts: tuple[Post, ...]
    # Opaque: pass it back to get the next page. None: this was the last page.
    next_cursor: str | None
    total: int | None = None
    # When the provider pages by offset and the answer told its total: the cursors of every
    # later page, so a caller may fetch them side by side instead of one after another.
    # Empty: only ``next_cursor`` is known.
    later_cursors: tuple[str, ...] = ()
    # How many posts the page after this one (``next_cursor`` and each of ``later_cursors``)
    # repeats from the end of this one if the list did not move meanwhile: a provider whose
    # pages may shift (offsets under a filter) overlaps them, so the caller can prove that no
    # post slid between two pages. 0: no overlap to check (keyset or date paging, or a page
    # too short to overlap).
    overlap: int = 0
    # The server's time of the answer (PostEverywhere's ``meta.timestamp``): every change
    # after it has a later ``updated_at``, so it is the safe ``updated_after`` of the next
    # read. None: the answer did not say.
    server_time: datetime | None = None


class Provider(Protocol):
    @property
    def capabilities(self) -> ProviderCapabilities: ...

    @property
    def rate_limit(self) -> RateLimitState:
        """The budget as the last response described it."""
        ...

    @property
    def pacer(self) -> RatePacer:
        """The one rate policy for this key: the bulk job and the poller ask it."""
        ...

    # ``priority``: INTERACTIVE for what the operator is waiting on; BACKGROUND for polling,
    # background refreshes and bulk jobs, which the pacer keeps out of a reserve of the rate
    # limit so the operator's own actions always have room.

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = 100,
        *,
        priority: Priority = ...,
    ) -> Page: ...

    async def get_post(self, post_id: str, *, priority: Priority = ...) -> Post: ...

    async def results(self, post_id: str, *, priority: Priority = ...) -> Post:
        """The light-weight poll of a post's destinations."""
        ...

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = ...,
    ) -> RetryAck:
        """Send ONE retry. Never resent on its own: a lost answer raises OutcomeUnknown."""
        ...

    async def retry_bulk(
        self,
        account_id: str,
        post_ids: Sequence[str],
        *,
        idempotency_key: str,
        priority: Priority = ...,
    ) -> BulkRetryAck:
        """Send ONE bulk retry of ``account_id`` on each of ``post_ids`` (at most
        ``capabilities.bulk_max_posts``; a provider with none refuses with BadRequest).
        Never resent; errors are classified as ``retry``'s are."""
        ...

    async def accounts(self, *, priority: Priority = ...) -> list[Account]: ...

    async def account_health(
        self, account_id: str, *, priority: Priority = ...
    ) -> AccountHealth: ...

    async def aclose(self) -> None: ...
