"""PostEverywhere as a ``Provider``: the requests, on the shared ``HttpClient``.

What each answer means lives beside this module: ``envelope.py`` (data or error),
``typed.py`` and ``parsing.py`` (the two readers), ``paging.py`` (the list query and cursors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import httpx

from postretry_gui.domain import (
    Account,
    AccountHealth,
    BulkRetryAck,
    Post,
    RetryAck,
)
from postretry_gui.domain.errors import BadRequest, MalformedResponse, OutcomeUnknown
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import HttpClient, HttpResponse, check_secret, path_segment
from postretry_gui.providers.http_backed import HttpBackedProvider
from postretry_gui.providers.pacing import Clock, Priority, RateLimitPolicy, RatePacer
from postretry_gui.providers.parsing import clean_text
from postretry_gui.providers.posteverywhere.envelope import (
    error_from_response,
    read_data,
    read_data_or_bare,
)
from postretry_gui.providers.posteverywhere.paging import (
    MAX_PAGE_SIZE,
    filter_params,
    iso_time,
    offset_of,
)
from postretry_gui.providers.posteverywhere.parsing import (
    parse_accounts,
    parse_bulk_requeued,
    parse_bulk_retry_ack,
    parse_health,
    parse_post,
    parse_results,
    parse_retry_ack,
)
from postretry_gui.providers.posteverywhere.spec import CAPABILITIES, RATE_WINDOWS
from postretry_gui.providers.posteverywhere.typed import read_page

MAX_BULK_POST_IDS = CAPABILITIES.bulk_max_posts
# PostEverywhere's 429s carry Retry-After (which wins); without one, back off from 1 s. A read
# is sent again at most 3 times; the service suspends nothing, so the key never stops.
RATE_LIMIT_POLICY = RateLimitPolicy(backoff_s=1.0, repeats=3)
_ACCOUNT_ID = re.compile(r"^[0-9]{1,18}$")


def _wire_account_ids(account_ids: Sequence[str]) -> list[int]:
    """Domain account ids (strings) as the integers the API takes, in order, once each."""
    wire: list[int] = []
    for account_id in account_ids:
        text = account_id.strip() if isinstance(account_id, str) else ""
        if not _ACCOUNT_ID.match(text):
            shown = clean_text(str(account_id), limit=40)
            raise BadRequest(
                f"{shown!r} is not a PostEverywhere account id (a whole number).",
                http_status=None,
            )
        if int(text) not in wire:
            wire.append(int(text))
    return wire


@contextmanager
def _accepted_but_unreadable() -> Iterator[None]:
    """A 2xx to a retry whose body cannot be read: the retry was (most likely) applied, so
    it must not read as failed, or the operator would send it again."""
    try:
        yield
    except MalformedResponse as exc:
        raise OutcomeUnknown(
            "The server accepted the retry but its answer could not be read. Re-reading the "
            "post instead of resending it.",
            code=exc.code,
            request_id=exc.request_id,
            http_status=exc.http_status,
        ) from exc


class PostEverywhereProvider(HttpBackedProvider):
    """The PostEverywhere API as a ``Provider``. One instance per workspace (key).

    ``pacer`` may be shared by every client of the same key; ``clock`` is wall-clock unix
    seconds (the rate-limit reset header is absolute).
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
        clock: Clock | None = None,
    ) -> None:
        self._http = HttpClient(
            base_url,
            error_mapper=error_from_response,
            secret_headers={"Authorization": f"Bearer {check_secret('API key', api_key)}"},
            transport=transport,
            timeout=timeout,
            pacer=pacer,
            rate_windows=RATE_WINDOWS,
            clock=clock,
            rate_limit_policy=RATE_LIMIT_POLICY,
        )

    def _read_body(self, response: HttpResponse) -> object:
        return read_data(response)

    async def _list_page(
        self, post_filter: PostFilter, cursor: str | None, limit: int, priority: Priority
    ) -> Page:
        offset = offset_of(cursor)
        params = filter_params(post_filter, offset=offset, limit=limit)
        response = await self._http.request("GET", "posts", params=params, priority=priority)
        return read_page(response, offset=offset, limit=limit)

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        data = await self._get(f"posts/{path_segment(post_id, 'post id')}", priority=priority)
        return parse_post(data)

    async def results(self, post_id: str, *, priority: Priority = Priority.BACKGROUND) -> Post:
        path = f"posts/{path_segment(post_id, 'post id')}/results"
        data = await self._get(path, priority=priority)
        return parse_results(data, post_id)

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        """ONE ``POST /posts/{id}/retry`` with exactly ``account_ids``; never resent.

        An empty list is refused here: the API reads a missing list as "every failed
        destination", which is not what an empty choice means.
        """
        wire = _wire_account_ids(account_ids)
        if not wire:
            raise BadRequest("No destination chosen to retry.", http_status=None)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        response = await self._http.request(
            "POST",
            f"posts/{path_segment(post.post_id, 'post id')}/retry",
            json_body={"account_ids": wire},
            headers=headers,
            priority=priority,
            idempotent=False,
        )
        with _accepted_but_unreadable():
            return parse_retry_ack(read_data(response), post.post_id)

    async def retry_failed(
        self,
        *,
        post_ids: Sequence[str] = (),
        account_id: str | None = None,
        platform: str | None = None,
        failed_after: datetime | None = None,
        failed_before: datetime | None = None,
        max_attempts: int | None = None,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        """ONE ``POST /posts/retry-failed`` with at least one filter; never resent."""
        body: dict[str, object] = {}
        if platform:
            body["platform"] = platform
        if failed_after is not None:
            body["failed_after"] = iso_time(failed_after)
        if failed_before is not None:
            body["failed_before"] = iso_time(failed_before)
        if max_attempts is not None:
            body["max_attempts"] = int(max_attempts)
        data = await self._retry_failed(post_ids, account_id, body, idempotency_key, priority)
        with _accepted_but_unreadable():
            return parse_bulk_retry_ack(data)

    async def retry_bulk(
        self,
        account_id: str,
        post_ids: Sequence[str],
        *,
        idempotency_key: str,
        priority: Priority = Priority.BACKGROUND,
    ) -> BulkRetryAck:
        """ONE ``POST /posts/retry-failed`` naming ``post_ids`` and ``account_id``: the filters
        combine, so it re-queues exactly those (post, account) pairs. Never resent."""
        if not post_ids:
            raise BadRequest("No post chosen to retry.", http_status=None)
        data = await self._retry_failed(post_ids, account_id, {}, idempotency_key, priority)
        with _accepted_but_unreadable():
            return parse_bulk_requeued(data)

    async def _retry_failed(
        self,
        post_ids: Sequence[str],
        account_id: str | None,
        body: dict[str, object],
        idempotency_key: str | None,
        priority: Priority,
    ) -> object:
        """The one request both bulk calls send: the body with ``post_ids`` and
        ``account_id`` added, its answer's ``data`` (an unreadable 2xx: OutcomeUnknown)."""
        if post_ids:
            if len(post_ids) > MAX_BULK_POST_IDS:
                raise BadRequest(
                    f"At most {MAX_BULK_POST_IDS} posts per bulk retry.", http_status=None
                )
            body = {"post_ids": [str(p) for p in post_ids], **body}
        if account_id is not None:
            body = {**body, "account_id": _wire_account_ids([account_id])[0]}
        if not body:
            raise BadRequest("A bulk retry needs at least one filter.", http_status=None)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        response = await self._http.request(
            "POST",
            "posts/retry-failed",
            json_body=body,
            headers=headers,
            priority=priority,
            idempotent=False,
        )
        with _accepted_but_unreadable():
            return read_data(response)

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        return parse_accounts(await self._get("accounts", priority=priority))

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> AccountHealth:
        path = f"accounts/{path_segment(account_id, 'account id')}/health"
        # Documented as a bare object, unlike every other answer: accept both.
        response = await self._http.request("GET", path, priority=priority)
        return parse_health(read_data_or_bare(response), account_id)


def create(base_url: str, secrets: Mapping[str, str | None]) -> PostEverywhereProvider:
    """The registry's factory: a client from a workspace's URL and secrets (by field name)."""
    return PostEverywhereProvider(base_url, secrets.get("api_key") or "")
