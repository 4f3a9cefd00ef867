"""PostEverywhere: its wire format (API-CONTRACTS.md section 1) and the Provider on top.

The module-level ``parse_*`` functions are pure: (answer or ``data``) -> domain object, or a
``ProviderError``. ``PostEverywhereProvider`` adds the requests, on the shared ``HttpClient``.

Tolerance, as the contract asks: unknown fields ignored; optional fields defaulted;
``meta.request_id`` or ``meta.requestId``; ``error`` null or absent on success; an account id
as ``account_id`` or the older ``id`` (int or str); a post's ``id`` as alias of ``post_id``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeGuard, get_args
from urllib.parse import quote

import httpx

from postretry_gui.domain import (
    Account,
    AccountHealth,
    Destination,
    Post,
    ProviderCapabilities,
    RetryAck,
)
from postretry_gui.domain.errors import (
    BadRequest,
    MalformedResponse,
    OutcomeUnknown,
    ProviderError,
)
from postretry_gui.domain.status import post_status, posteverywhere_status
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import HttpBackedProvider, HttpClient, HttpResponse, check_secret
from postretry_gui.providers.pacing import Clock, Priority, RatePacer
from postretry_gui.providers.parsing import (
    MAX_ID_CHARS,
    MAX_MESSAGE_CHARS,
    JsonObject,
    as_list,
    as_object,
    clean_text,
    decode_json,
    error_for_status,
    first,
    id_text,
    opt_bool,
    opt_datetime,
    opt_int,
    opt_text,
    opt_text_or_none,
    required_id,
    text_list,
)
from postretry_gui.providers.posteverywhere_wire import (
    DestinationWord,
    PostWord,
    WirePost,
    decode_list_page,
)

DEFAULT_BASE_URL = "https://app.posteverywhere.ai/api/v1"

CAPABILITIES = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://app.posteverywhere.ai/accounts",
)

MAX_PAGE_SIZE = 100
MAX_BULK_POST_IDS = 200
MAX_LATER_PAGES = 10_000
_ACCOUNT_ID = re.compile(r"^[0-9]{1,18}$")


# -- the envelope ------------------------------------------------------------------------------


def request_id_of(response: HttpResponse, body: object = None) -> str | None:
    """``meta.request_id`` or ``meta.requestId``, else an ``X-Request-Id`` header."""
    if isinstance(body, Mapping):
        meta = body.get("meta")
        if isinstance(meta, Mapping):
            found = id_text(first(meta, "request_id", "requestId"))
            if found is not None:
                return found
    return id_text(response.header("x-request-id"))


def error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer: class by HTTP status, then the body's
    ``error.code``/``error.message`` and request id if the body is the usual envelope.
    An HTML page or broken JSON keeps the class its status gives it."""
    code: str | None = None
    message: str | None = None
    request_id = request_id_of(response)
    try:
        body = decode_json(response.content, http_status=response.status)
    except MalformedResponse:
        body = None
    if isinstance(body, Mapping):
        request_id = request_id_of(response, body)
        error = body.get("error")
        if isinstance(error, Mapping):
            code = clean_text(error.get("code")) or id_text(error.get("code"))
            message = clean_text(error.get("message"))
        elif isinstance(error, str):
            message = clean_text(error)
    return error_for_status(
        response.status,
        message=message,
        code=code,
        request_id=request_id,
        retry_after=response.retry_after_s(),
    )


def read_data(response: HttpResponse) -> object:
    """The ``data`` of an answer, or the domain error it stands for."""
    if not response.ok:
        raise error_from_response(response)
    request_id = request_id_of(response)
    body = decode_json(response.content, http_status=response.status, request_id=request_id)
    if not isinstance(body, Mapping):
        raise MalformedResponse(
            "The server's answer was JSON but not the usual envelope.",
            request_id=request_id,
            http_status=response.status,
        )
    request_id = request_id_of(response, body)
    data = body.get("data")
    if data is None:
        raise MalformedResponse(
            "The server answered success but sent no data.",
            request_id=request_id,
            http_status=response.status,
        )
    return data


# -- domain objects from ``data`` ---------------------------------------------------------------


# -- the fast path: an answer exactly as documented -------------------------------------------
#
# A page of 100 posts is 500 destinations; the tolerant readers below cost ~7 ms a page, and a
# 100,000-destination workspace is 200 pages. Most answers are exactly as the contract says, so
# each object is first read by one function that accepts only the documented types and text
# that needs no cleaning, and hands anything else (None) to the tolerant reader, which then
# decides alone. Both give the same result for an object both accept.

_DOCUMENTED_STATUS = {word: posteverywhere_status(word) for word in get_args(DestinationWord)}
_DOCUMENTED_POST_STATUS = {word: post_status(word) for word in get_args(PostWord)}
_MAX_FAST_INT = 2**63


def _plain(value: object, limit: int = MAX_MESSAGE_CHARS) -> TypeGuard[str]:
    """Text that ``clean_text`` would return unchanged: printable (so no control characters
    and no whitespace but the space), not padded, not empty, within ``limit``."""
    return (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
    )


def _fast_moment(value: object) -> datetime | bool | None:
    """An ISO 8601 time with its offset, None for null/absent; False: not that simple."""
    if value is None:
        return None
    if type(value) is not str or len(value) > 64 or not _plain(value):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment if moment.tzinfo is not None else False


def _fast_destination(obj: Mapping[str, object]) -> Destination | None:
    account_id = obj.get("account_id")
    if type(account_id) is int and 0 <= account_id < _MAX_FAST_INT:
        account_text = str(account_id)
    elif _plain(account_id, MAX_ID_CHARS):
        account_text = account_id
    else:
        return None
    platform = obj.get("platform")
    raw_status = obj.get("status")
    status = _DOCUMENTED_STATUS.get(raw_status) if type(raw_status) is str else None
    name = obj.get("account_name")
    error = obj.get("error")
    attempts = obj.get("attempts", 0)
    post_id = obj.get("platform_post_id")
    url = obj.get("platform_post_url")
    if (
        status is None
        or not _plain(platform)
        or not (name is None or _plain(name))
        or not (error is None or _plain(error))
        or type(attempts) is not int
        or not 0 <= attempts < _MAX_FAST_INT
        or not (post_id is None or _plain(post_id, MAX_ID_CHARS))
        or not (url is None or _plain(url))
        or obj.get("next_retry_at") is not None
    ):
        return None
    published_at = _fast_moment(obj.get("published_at"))
    if isinstance(published_at, bool):
        return None
    return Destination(
        account_text,
        platform.lower(),
        status,
        name or "",
        error,
        None,
        attempts,
        post_id,
        url,
        published_at,
        None,
    )


def _fast_post(obj: Mapping[str, object]) -> Post | None:
    post_id = obj.get("post_id")
    raw_status = obj.get("status")
    status = _DOCUMENTED_POST_STATUS.get(raw_status) if type(raw_status) is str else None
    content = obj.get("content")
    raw = obj.get("destinations")
    if (
        not _plain(post_id, MAX_ID_CHARS)
        or status is None
        or not (content is None or content == "" or _plain(content))
        or type(raw) is not list
    ):
        return None
    created = _fast_moment(obj.get("created_at"))
    updated = _fast_moment(obj.get("updated_at"))
    scheduled = _fast_moment(obj.get("scheduled_for"))
    if isinstance(created, bool) or isinstance(updated, bool) or isinstance(scheduled, bool):
        return None
    destinations = []
    for item in raw:
        destination = _fast_destination(item) if type(item) is dict else None
        if destination is None:
            return None
        destinations.append(destination)
    return Post(
        post_id,
        tuple(destinations),
        status,
        content or "",
        created,
        updated,
        scheduled,
    )


def parse_destination(value: object) -> Destination:
    obj = as_object(value, "a destination")
    error = obj.get("error")
    error_text: str | None
    error_code: str | None = None
    if isinstance(error, Mapping):  # some payloads nest {"message", "code"}
        error_text = clean_text(error.get("message"))
        error_code = clean_text(error.get("code")) or id_text(error.get("code"))
    else:
        error_text = clean_text(error)
    return Destination(
        # A destination's own ``id`` (some versions add one) is not its account id.
        account_id=required_id(obj, "account_id", what="a destination"),
        platform=opt_text(obj, "platform").lower(),
        status=posteverywhere_status(obj.get("status")),
        account_name=opt_text(obj, "account_name"),
        error=error_text,
        error_code=error_code,
        attempts=max(opt_int(obj, "attempts"), 0),
        platform_post_id=id_text(obj.get("platform_post_id")),
        platform_post_url=opt_text_or_none(obj, "platform_post_url"),
        published_at=opt_datetime(obj, "published_at"),
        next_retry_at=opt_datetime(obj, "next_retry_at"),
    )


def _destinations(value: object, what: str) -> tuple[Destination, ...]:
    if value is None:
        return ()
    return tuple(parse_destination(item) for item in as_list(value, what))


def parse_post(data: object) -> Post:
    obj = as_object(data, "the post")
    return Post(
        post_id=required_id(obj, "post_id", "id", what="a post"),
        destinations=_destinations(obj.get("destinations"), "a post's destinations"),
        status=post_status(first(obj, "status", "post_status")),
        content=opt_text(obj, "content"),
        created_at=opt_datetime(obj, "created_at"),
        updated_at=opt_datetime(obj, "updated_at"),
        scheduled_for=opt_datetime(obj, "scheduled_for"),
    )


def parse_results(data: object, post_id: str) -> Post:
    """``GET /posts/{id}/results``: the post's destinations only (merge into what is known)."""
    obj = as_object(data, "the results")
    return Post(
        post_id=id_text(first(obj, "post_id", "id")) or post_id,
        destinations=_destinations(obj.get("results"), "the results"),
        status=post_status(first(obj, "post_status", "status")),
    )


def parse_page(data: object, *, offset: int, limit: int) -> Page:
    """A list page. ``has_more`` when present decides, and the next offset steps by the
    items received; without it, a page shorter than ``limit`` is the last."""
    obj = as_object(data, "the list of posts")
    posts = tuple(
        (type(item) is dict and _fast_post(item)) or parse_post(item)
        for item in as_list(obj.get("posts"), "posts")
    )
    pagination = obj.get("pagination")
    paging: JsonObject = pagination if isinstance(pagination, Mapping) else {}
    return _page(
        posts,
        has_more=opt_bool(paging, "has_more"),
        total=opt_int(paging, "total", default=-1),
        offset=offset,
        limit=limit,
    )


def _page(
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


# -- the typed path: a list page from its bytes ------------------------------------------------
#
# ``posteverywhere_wire.decode_list_page`` vouches that every value is documented and plain
# text, so what is left here is what ``_fast_post``/``_fast_destination`` do beyond their
# checks: times through the same parser, ids as text, the status tables, ``.lower()``.


def _typed_posts(wire_posts: list[WirePost]) -> tuple[Post, ...] | None:
    """The domain posts of a vouched-for page, or None where the fast reader would have
    handed a value to the tolerant reader (a time it cannot parse, or without an offset)."""
    moment = datetime.fromisoformat
    statuses = _DOCUMENTED_STATUS
    post_statuses = _DOCUMENTED_POST_STATUS
    posts: list[Post] = []
    try:
        for wire in wire_posts:
            destinations: list[Destination] = []
            for d in wire.destinations:
                account_id = d.account_id
                published = d.published_at
                published_at = None if published is None else moment(published)
                if published_at is not None and published_at.tzinfo is None:
                    return None
                destinations.append(
                    Destination(
                        str(account_id) if isinstance(account_id, int) else account_id,
                        d.platform.lower(),
                        statuses[d.status],
                        d.account_name or "",
                        d.error,
                        None,
                        d.attempts,
                        d.platform_post_id,
                        d.platform_post_url,
                        published_at,
                        None,
                    )
                )
            created, updated, scheduled = wire.created_at, wire.updated_at, wire.scheduled_for
            created_at = None if created is None else moment(created)
            updated_at = None if updated is None else moment(updated)
            scheduled_for = None if scheduled is None else moment(scheduled)
            if (
                (created_at is not None and created_at.tzinfo is None)
                or (updated_at is not None and updated_at.tzinfo is None)
                or (scheduled_for is not None and scheduled_for.tzinfo is None)
            ):
                return None
            posts.append(
                Post(
                    wire.post_id,
                    tuple(destinations),
                    post_statuses[wire.status],
                    wire.content or "",
                    created_at,
                    updated_at,
                    scheduled_for,
                )
            )
    except ValueError:  # a time ``fromisoformat`` refuses: the tolerant reader decides
        return None
    return tuple(posts)


def typed_page(body: bytes, *, offset: int, limit: int) -> Page | None:
    """The page of a 2xx list answer read straight from its bytes, or None when it is not
    exactly as documented (then ``parse_page(read_data(...))`` reads it, and decides)."""
    wire = decode_list_page(body)
    if wire is None:
        return None
    posts = _typed_posts(wire.posts)
    if posts is None:
        return None
    paging = wire.pagination
    return _page(
        posts,
        has_more=None if paging is None else paging.has_more,
        total=-1 if paging is None or paging.total is None else paging.total,
        offset=offset,
        limit=limit,
    )


def read_page(response: HttpResponse, *, offset: int, limit: int) -> Page:
    """A list answer as a ``Page``, or the domain error it stands for: the typed path first,
    the old one (``read_data`` + ``parse_page``) for anything it does not vouch for."""
    if response.ok:
        page = typed_page(response.content, offset=offset, limit=limit)
        if page is not None:
            return page
    return parse_page(read_data(response), offset=offset, limit=limit)


def parse_retry_ack(data: object, post_id: str) -> RetryAck:
    obj = as_object(data, "the retry answer")
    destinations = _destinations(obj.get("destinations"), "the retried destinations")
    return RetryAck(
        post_id=id_text(first(obj, "post_id", "id")) or post_id,
        retried_count=max(opt_int(obj, "retried_count", default=len(destinations)), 0),
        destinations=destinations,
        message=opt_text(obj, "next_step", "message"),
    )


def parse_bulk_retry_ack(data: object) -> RetryAck:
    """``POST /posts/retry-failed``: spans posts, so ``post_id`` is empty. Its destinations'
    shape is undocumented: the ones that read as destinations are kept."""
    obj = as_object(data, "the retry answer")
    destinations: list[Destination] = []
    raw = obj.get("destinations")
    for item in raw if isinstance(raw, list) else ():
        try:
            destinations.append(parse_destination(item))
        except MalformedResponse:
            continue
    return RetryAck(
        post_id="",
        retried_count=max(opt_int(obj, "retried_count", default=len(destinations)), 0),
        destinations=tuple(destinations),
        message=opt_text(obj, "message", "next_step"),
    )


def _health_from_list(value: object, account_id: str) -> AccountHealth | None:
    """The account list's ``health{status: healthy/expired/unhealthy, can_post}``."""
    if not isinstance(value, Mapping):
        return None
    status = opt_text(value, "status", default="unknown").lower()
    return AccountHealth(
        account_id=account_id,
        status=status,
        can_post=opt_bool(value, "can_post"),
        needs_reconnection=opt_bool(value, "needs_reconnection") is True,
        token_expired=status == "expired",
        reasons=text_list(value.get("reasons")),
    )


def parse_account(value: object) -> Account:
    obj = as_object(value, "an account")
    account_id = required_id(obj, "account_id", "id", what="an account")
    return Account(
        account_id=account_id,
        platform=opt_text(obj, "platform").lower(),
        name=opt_text(obj, "account_name", "name"),
        is_active=opt_bool(obj, "is_active") is not False,
        health=_health_from_list(obj.get("health"), account_id),
    )


def parse_accounts(data: object) -> list[Account]:
    """``data.accounts[]``."""
    items = as_object(data, "the accounts").get("accounts")
    return [parse_account(item) for item in as_list(items, "accounts")]


def parse_health(data: object, account_id: str) -> AccountHealth:
    """``GET /accounts/{id}/health``: ``healthy/warning/broken``; needs_reconnection or an
    expired token means reconnect whatever the status word says."""
    obj = as_object(data, "the account health")
    reasons = text_list(obj.get("reasons"))
    token = obj.get("token")
    token_obj: JsonObject = token if isinstance(token, Mapping) else {}
    return AccountHealth(
        account_id=id_text(first(obj, "account_id", "id")) or account_id,
        status=opt_text(obj, "status", default="unknown").lower(),
        can_post=opt_bool(obj, "can_post"),
        needs_reconnection=opt_bool(obj, "needs_reconnection") is True
        or "needs_reconnection" in reasons,
        token_expired=opt_bool(token_obj, "expired") is True or "token_expired" in reasons,
        reasons=reasons,
    )


# -- requests ----------------------------------------------------------------------------------


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


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _path_id(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise BadRequest(f"No {what} given.", http_status=None)
    return quote(text, safe="")  # "../accounts" must stay one path segment


def filter_params(post_filter: PostFilter, *, offset: int, limit: int) -> dict[str, str]:
    # Ordered by creation, which never changes, so offset pages can only shift when posts
    # enter or leave the filter (what the pages' overlap detects), never by reordering.
    params = {"limit": str(limit), "offset": str(offset), "sort": "created_at", "order": "desc"}
    if post_filter.statuses:
        params["status"] = ",".join(post_filter.statuses)
    if post_filter.platforms:
        params["platform"] = ",".join(post_filter.platforms)
    if post_filter.search:
        params["search"] = post_filter.search
    if post_filter.account_id:
        params["account_id"] = post_filter.account_id
    if post_filter.updated_after is not None:
        params["updated_after"] = _iso(post_filter.updated_after)
    return params


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 12:
        raise BadRequest("The page cursor is not one this client gave out.", http_status=None)
    return int(cursor)


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
            pacer=pacer if pacer is not None else RatePacer(clock=clock or time.time),
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"PostEverywhereProvider({self._http!r})"

    @property
    def capabilities(self) -> ProviderCapabilities:
        return CAPABILITIES

    async def _get(self, path: str, params: Mapping[str, str] | None, priority: Priority) -> object:
        return read_data(await self._http.request("GET", path, params=params, priority=priority))

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        offset = _offset(cursor)
        limit = min(max(int(limit), 1), MAX_PAGE_SIZE)
        params = filter_params(post_filter, offset=offset, limit=limit)
        response = await self._http.request("GET", "posts", params=params, priority=priority)
        return read_page(response, offset=offset, limit=limit)

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        data = await self._get(f"posts/{_path_id(post_id, 'post id')}", None, priority)
        return parse_post(data)

    async def results(self, post_id: str, *, priority: Priority = Priority.BACKGROUND) -> Post:
        data = await self._get(f"posts/{_path_id(post_id, 'post id')}/results", None, priority)
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
            f"posts/{_path_id(post.post_id, 'post id')}/retry",
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
        if post_ids:
            if len(post_ids) > MAX_BULK_POST_IDS:
                raise BadRequest(
                    f"At most {MAX_BULK_POST_IDS} posts per bulk retry.", http_status=None
                )
            body["post_ids"] = [str(p) for p in post_ids]
        if account_id is not None:
            body["account_id"] = _wire_account_ids([account_id])[0]
        if platform:
            body["platform"] = platform
        if failed_after is not None:
            body["failed_after"] = _iso(failed_after)
        if failed_before is not None:
            body["failed_before"] = _iso(failed_before)
        if max_attempts is not None:
            body["max_attempts"] = int(max_attempts)
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
            return parse_bulk_retry_ack(read_data(response))

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        return parse_accounts(await self._get("accounts", None, priority))

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> AccountHealth:
        path = f"accounts/{_path_id(account_id, 'account id')}/health"
        return parse_health(await self._get(path, None, priority), account_id)
