"""PostEverywhere's answers read tolerantly: (``data``) -> domain object, or a
``ProviderError``. Pure functions; the one reader for every answer the typed path
(``typed.py``) does not vouch for, and so the source of truth for odd ones.

Tolerance, as the contract asks: unknown fields ignored; optional fields defaulted; an
account id as ``account_id`` or the older ``id`` (int or str); a post's ``id`` as alias of
``post_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from postretry_gui.domain import (
    Account,
    AccountHealth,
    BulkRetryAck,
    Destination,
    Post,
    RetryAck,
)
from postretry_gui.domain.errors import MalformedResponse
from postretry_gui.domain.status import post_status
from postretry_gui.providers.base import Page
from postretry_gui.providers.parsing import (
    JsonObject,
    as_list,
    as_object,
    clean_text,
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
from postretry_gui.providers.posteverywhere.paging import page_of
from postretry_gui.providers.posteverywhere.spec import SPEC


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
        status=SPEC.destination_status(obj.get("status")),
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
    posts = tuple(parse_post(item) for item in as_list(obj.get("posts"), "posts"))
    pagination = obj.get("pagination")
    paging: JsonObject = pagination if isinstance(pagination, Mapping) else {}
    return page_of(
        posts,
        has_more=opt_bool(paging, "has_more"),
        total=opt_int(paging, "total", default=-1),
        offset=offset,
        limit=limit,
    )


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


def parse_bulk_requeued(data: object) -> BulkRetryAck:
    """``POST /posts/retry-failed`` as the bulk job checks it: which (post, destination)
    pairs the server says it re-queued. ``destinations`` is seen in the SDKs only, and each
    item must name its post for the check to mean anything: an answer without the list, or
    with an item that names no post or reads as no destination, says nothing
    (``requeued=None``), and the next read of the posts decides instead."""
    obj = as_object(data, "the retry answer")
    raw = obj.get("destinations")
    requeued: list[tuple[str, Destination]] | None = [] if isinstance(raw, list) else None
    for item in raw if isinstance(raw, list) else ():
        post_id = id_text(item.get("post_id")) if isinstance(item, Mapping) else None
        try:
            destination = parse_destination(item)
        except MalformedResponse:
            destination = None
        if post_id is None or destination is None:
            requeued = None
            break
        assert requeued is not None
        requeued.append((post_id, destination))
    count = len(requeued) if requeued is not None else 0
    return BulkRetryAck(
        retried_count=max(opt_int(obj, "retried_count", default=count), 0),
        requeued=None if requeued is None else tuple(requeued),
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
        expires_at=_token_expiry(value),
    )


def _token_expiry(health: JsonObject) -> datetime | None:
    """``token.expires_at`` (``/health``), or a flat ``token_expires_at`` where a list entry
    carries one."""
    token = health.get("token")
    if isinstance(token, Mapping):
        expiry = opt_datetime(token, "expires_at")
        if expiry is not None:
            return expiry
    return opt_datetime(health, "token_expires_at")


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
        expires_at=_token_expiry(obj),
    )
