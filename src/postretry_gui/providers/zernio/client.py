"""Zernio as a ``Provider`` (API-CONTRACTS.md section 4), on the shared ``HttpClient``.

What Zernio's rules mean here:
- A retry is a whole post: ``POST /v1/posts/{id}/retry`` with no body re-runs every failed
  target, and publishes inside the request (the Python SDK allows 300 s), so it goes through
  its own client with a long timeout, sharing the one pacer. It is sent once: a timeout or a
  dropped answer is ``OutcomeUnknown`` (re-read, never resend); 400 "Invalid state" and 409
  "currently publishing" are ``NothingToRetry`` (re-read and show what the post says).
- 207 is not a success: the answer carries the post as it stands after the retry, and the
  ack takes its targets as they read (published, failed again, or back in flight).
- Rate limits: ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (unix seconds, read
  defensively) and ``Retry-After``: the shared reader.
- Lists: one ``status`` per request, paged by ``page`` (``paging.py``); a documented page is
  read by the typed path (``typed.py``), anything else by the tolerant reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from postretry_gui.domain import (
    Account,
    AccountHealth,
    Post,
    RateLimitState,
    RetryAck,
    parse_rate_limit,
)
from postretry_gui.domain.errors import (
    MalformedResponse,
    OutcomeUnknown,
)
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import HttpClient, HttpResponse, check_secret, path_segment
from postretry_gui.providers.pacing import Clock, Priority, RatePacer
from postretry_gui.providers.whole_post import WholePostReads, check_whole_post_choice
from postretry_gui.providers.zernio.accounts import parse_accounts, parse_health
from postretry_gui.providers.zernio.errors import (
    error_from_response,
    read_body,
    request_id_of,
    retry_error_from_response,
)
from postretry_gui.providers.zernio.paging import (
    MAX_PAGE_SIZE,
    ListCursor,
    list_params,
    matches,
    next_cursor,
    zernio_statuses,
)
from postretry_gui.providers.zernio.parsing import (
    parse_post_answer,
    parse_posts,
    parse_retry_answer,
)
from postretry_gui.providers.zernio.spec import CAPABILITIES
from postretry_gui.providers.zernio.typed import typed_posts

# The Python SDK's allowance for a synchronous publish (one was measured at 222 s).
PUBLISH_TIMEOUT_S = 300.0


class ZernioProvider(WholePostReads):
    """The Zernio API as a ``Provider``. One instance per workspace (one key).

    ``pacer`` may be shared by every client of the same key; ``clock`` is wall-clock unix
    seconds; ``timeout`` bounds reads, ``publish_timeout`` the retry (which publishes).
    """

    capabilities = CAPABILITIES
    max_page_size = MAX_PAGE_SIZE

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: RatePacer | None = None,
        timeout: float = 20.0,
        publish_timeout: float = PUBLISH_TIMEOUT_S,
        clock: Clock | None = None,
    ) -> None:
        secret_headers = {"Authorization": f"Bearer {check_secret('API key', api_key)}"}
        self._http = HttpClient(
            base_url,
            error_mapper=error_from_response,
            secret_headers=secret_headers,
            transport=transport,
            timeout=timeout,
            pacer=pacer,
            clock=clock,
            rate_limit_reader=read_rate_limit,
        )
        # The same key and pacer; only the timeout and the retry's error reading differ.
        self._publish_http = HttpClient(
            base_url,
            error_mapper=retry_error_from_response,
            secret_headers=secret_headers,
            transport=transport,
            timeout=publish_timeout,
            pacer=self._http.pacer,
            clock=clock,
            rate_limit_reader=read_rate_limit,
        )

    async def aclose(self) -> None:
        try:
            await self._publish_http.aclose()
        finally:
            await self._http.aclose()

    def _read_body(self, response: HttpResponse) -> object:
        return read_body(response)

    # -- posts -------------------------------------------------------------------------------

    async def _list_page(
        self, post_filter: PostFilter, cursor: str | None, limit: int, priority: Priority
    ) -> Page:
        """One page of one status (the filter's statuses in order: failures first)."""
        statuses = zernio_statuses(post_filter.statuses)
        stages = max(len(statuses), 1)
        position = ListCursor.decode(cursor, stages)
        params = list_params(post_filter, statuses, position, limit)
        response = await self._http.request("GET", "v1/posts", params=params, priority=priority)
        typed = typed_posts(response.content) if response.ok else None
        posts, pages = typed if typed is not None else parse_posts(read_body(response))
        return Page(
            posts=tuple(p for p in posts if matches(p, post_filter)),
            next_cursor=next_cursor(position, len(posts), pages, limit, stages),
        )

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        body = await self._get(f"v1/posts/{path_segment(post_id, 'post id')}", priority=priority)
        return parse_post_answer(body)

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        """ONE ``POST /v1/posts/{id}/retry``, never resent. Zernio re-runs every failed
        target of the post, so ``account_ids`` only has to name failed destinations of it.
        ``idempotency_key`` is not sent: the route documents none."""
        check_whole_post_choice(post, account_ids, "Zernio")
        response = await self._publish_http.request(
            "POST",
            f"v1/posts/{path_segment(post.post_id, 'post id')}/retry",
            priority=priority,
            idempotent=False,
        )
        try:
            return parse_retry_answer(read_body(response), post)
        except MalformedResponse as error:  # the retry ran: an unreadable answer is no failure
            raise OutcomeUnknown(
                "Zernio ran the retry but its answer could not be read: re-reading the post "
                "instead of resending it.",
                request_id=request_id_of(response),
                http_status=response.status,
            ) from error

    # -- accounts ------------------------------------------------------------------------------

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        """Every account of the key's profiles (no paging parameters: all come back)."""
        return parse_accounts(await self._get("v1/accounts", priority=priority))

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> AccountHealth:
        path = f"v1/accounts/{path_segment(account_id, 'account id')}/health"
        return parse_health(await self._get(path, priority=priority), account_id.strip())


def read_rate_limit(headers: Mapping[str, str], now: float) -> RateLimitState:
    # X-RateLimit-Reset is documented as unix seconds; the shared reader also takes
    # milliseconds, a delta and a date (contract, "Left open").
    return parse_rate_limit(headers, now)


def create(base_url: str, secrets: Mapping[str, str | None]) -> ZernioProvider:
    """The registry's factory: a client from a workspace's URL and secrets (by field name)."""
    return ZernioProvider(base_url, secrets.get("api_key") or "")
