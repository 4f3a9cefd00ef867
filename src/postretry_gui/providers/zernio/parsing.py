"""Zernio's answers read tolerantly: a decoded body -> domain objects, or a
``ProviderError``. Pure functions; the one reader for every answer the typed path
(``typed.py``) does not vouch for, and so the source of truth for odd ones.

Tolerance, as the contract asks: a target's ``accountId`` as an id string or a populated
account object; ``platforms`` or (one rules example) ``platformTargets``; every account field
newer than the oldest SDK generation optional; unknown status words stay unknown, never
"failed"; unknown fields ignored. A post can go to two accounts of one platform, so a
destination is keyed by its account id, never by platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from postretry_gui.domain import Destination, Post, RetryAck, Status
from postretry_gui.domain.status import PostStatus
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
)
from postretry_gui.providers.zernio.causes import (
    ACCOUNT_CANNOT_POST,
    RECONNECT_CATEGORIES,
    UNCONFIRMED,
)
from postretry_gui.providers.zernio.spec import POST_WORDS, SPEC

# "Instagram did not confirm the post was published": an uncertain outcome (contract).
_UNCONFIRMED = re.compile(r"\bdid not confirm\b", re.IGNORECASE)


def post_status_of(raw: object) -> PostStatus:
    if not isinstance(raw, str):
        return PostStatus.UNKNOWN
    return POST_WORDS.get(raw.strip().lower(), PostStatus.UNKNOWN)


def account_cannot_post(account: JsonObject) -> bool:
    """What a populated account object says against posting to it (fields optional)."""
    return (
        opt_bool(account, "needsReconnection") is True
        or opt_bool(account, "isActive") is False
        or opt_bool(account, "enabled") is False
    )


def error_code_of(category: str | None, cannot_post: bool, error: str | None) -> str | None:
    """The destination's ``error_code``: its category, lower case; the account's own verdict
    (``ACCOUNT_CANNOT_POST``) where the category does not already say reconnect; else
    ``UNCONFIRMED`` for a failure the platform may in fact have published."""
    if cannot_post and category not in RECONNECT_CATEGORIES:
        return ACCOUNT_CANNOT_POST
    if category not in RECONNECT_CATEGORIES and _UNCONFIRMED.search(error or ""):
        return UNCONFIRMED
    return category


def destination_from(
    *,
    account_id: str,
    platform: str,
    status_word: object,
    account_name: str,
    error: str | None,
    category: str | None,
    cannot_post: bool,
    attempts: int,
    platform_post_id: str | None,
    platform_post_url: str | None,
    published_at: datetime | None,
) -> Destination:
    """A target from values already read (cleaned text, ids as text): shared by both readers,
    so they cannot read a target differently."""
    status = SPEC.destination_status(status_word)
    failed = status is Status.FAILED
    if failed and error is None:
        error = f"Failed ({category})." if category else "Failed; Zernio gave no reason."
    return Destination(
        account_id=account_id,
        platform=platform.lower(),
        status=status,
        account_name=account_name,
        error=error if failed else None,
        error_code=error_code_of(category.lower() if category else None, cannot_post, error)
        if failed
        else None,
        attempts=max(attempts, 0),
        platform_post_id=platform_post_id,
        platform_post_url=platform_post_url,
        published_at=published_at,
    )


def parse_target(value: object) -> Destination:
    obj = as_object(value, "a platform target")
    raw_account = obj.get("accountId")
    account: JsonObject = raw_account if isinstance(raw_account, Mapping) else {}
    account_id = (
        required_id(account, "_id", "id", what="a target's account")
        if account
        else required_id(obj, "accountId", what="a platform target")
    )
    platform_error = obj.get("platformError")
    platform_error_obj: JsonObject = platform_error if isinstance(platform_error, Mapping) else {}
    return destination_from(
        account_id=account_id,
        platform=opt_text(obj, "platform", default=opt_text(account, "platform")),
        status_word=obj.get("status"),
        account_name=opt_text(account, "displayName", "username"),
        error=opt_text_or_none(obj, "errorMessage", "error")
        or opt_text_or_none(platform_error_obj, "message"),
        category=clean_text(obj.get("errorCategory")),
        cannot_post=account_cannot_post(account),
        attempts=opt_int(obj, "publishAttempts"),
        platform_post_id=id_text(obj.get("platformPostId")),
        platform_post_url=opt_text_or_none(obj, "platformPostUrl"),
        published_at=opt_datetime(obj, "publishedAt"),
    )


def _targets(obj: JsonObject) -> tuple[Destination, ...]:
    raw = first(obj, "platforms", "platformTargets")
    if raw is None:
        return ()
    return one_per_account(parse_target(item) for item in as_list(raw, "a post's platforms"))


def one_per_account(destinations: Iterable[Destination]) -> tuple[Destination, ...]:
    """One row per account: a target listed twice for one account keeps its first reading."""
    seen: dict[str, Destination] = {}
    for destination in destinations:
        seen.setdefault(destination.account_id, destination)
    return tuple(seen.values())


def parse_post(value: object) -> Post:
    obj = as_object(value, "a post")
    return Post(
        post_id=required_id(obj, "_id", "id", what="a post"),
        destinations=_targets(obj),
        status=post_status_of(obj.get("status")),
        content=opt_text(obj, "content", "title"),
        created_at=opt_datetime(obj, "createdAt"),
        updated_at=opt_datetime(obj, "updatedAt"),
        scheduled_for=opt_datetime(obj, "scheduledFor"),
    )


def parse_post_answer(data: object) -> Post:
    """``GET /v1/posts/{id}``: ``{"post": Post}`` (a bare post is read too)."""
    obj = as_object(data, "the post answer")
    inner = obj.get("post")
    return parse_post(inner if isinstance(inner, Mapping) else obj)


def parse_retry_answer(data: object, post: Post) -> RetryAck:
    """200 ``{"message", "post"}`` or 207 ``{"message", "error", "post"}``: the post as it
    stands after the retry. The ack names the destinations that were failed before it."""
    obj = as_object(data, "the retry answer")
    after = parse_post(obj.get("post")) if isinstance(obj.get("post"), Mapping) else None
    failed_before = {d.account_id for d in post.failed}
    destinations = tuple(
        d for d in (after.destinations if after else ()) if d.account_id in failed_before
    )
    message = opt_text(obj, "message")
    detail = opt_text(obj, "error")
    return RetryAck(
        post_id=after.post_id if after else post.post_id,
        retried_count=len(destinations) if after else len(failed_before),
        destinations=destinations,
        message=f"{message}: {detail}" if message and detail else message or detail,
    )


def parse_posts(data: object) -> tuple[tuple[Post, ...], int | None]:
    """``GET /v1/posts``: the posts and ``pagination.pages`` (None: not told)."""
    obj = as_object(data, "the list of posts")
    posts = tuple(parse_post(item) for item in as_list(obj.get("posts"), "posts"))
    pagination = obj.get("pagination")
    pages = opt_int(pagination, "pages", default=-1) if isinstance(pagination, Mapping) else -1
    return posts, pages if pages >= 0 else None
