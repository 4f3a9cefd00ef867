"""A provider whose every request first takes its place in the team's shared budget for the
key, and shares what the answer's headers said: reads, polls and retries alike, so all
instances of a team together stay within the allowance (the pacer of each still paces its
own requests, and holds them after a 429 as before)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from postretry_gui.domain import (
    Account,
    AccountHealth,
    BulkRetryAck,
    Post,
    ProviderCapabilities,
    RateLimitState,
    RetryAck,
)
from postretry_gui.providers.base import Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority, RatePacer

T = TypeVar("T")


class SharedBudget(Protocol):
    async def reserve_request(self) -> None: ...

    async def answered(self, rate_limit: RateLimitState) -> None: ...


class BudgetedProvider:
    def __init__(self, inner: Provider, budget: SharedBudget) -> None:
        self._inner = inner
        self._budget = budget

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._inner.capabilities

    @property
    def rate_limit(self) -> RateLimitState:
        return self._inner.rate_limit

    @property
    def pacer(self) -> RatePacer:
        return self._inner.pacer

    async def _request(self, call: Callable[[], Awaitable[T]]) -> T:
        await self._budget.reserve_request()
        try:
            return await call()
        finally:
            # Errors too: a 429's headers say most about the window.
            await self._budget.answered(self._inner.rate_limit)

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = 100,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        return await self._request(
            lambda: self._inner.list_posts(post_filter, cursor, limit, priority=priority)
        )

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        return await self._request(lambda: self._inner.get_post(post_id, priority=priority))

    async def results(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        return await self._request(lambda: self._inner.results(post_id, priority=priority))

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        return await self._request(
            lambda: self._inner.retry(
                post, account_ids, idempotency_key=idempotency_key, priority=priority
            )
        )

    async def retry_bulk(
        self,
        account_id: str,
        post_ids: Sequence[str],
        *,
        idempotency_key: str,
        priority: Priority = Priority.INTERACTIVE,
    ) -> BulkRetryAck:
        return await self._request(
            lambda: self._inner.retry_bulk(
                account_id, post_ids, idempotency_key=idempotency_key, priority=priority
            )
        )

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        return await self._request(lambda: self._inner.accounts(priority=priority))

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.INTERACTIVE
    ) -> AccountHealth:
        return await self._request(
            lambda: self._inner.account_health(account_id, priority=priority)
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
