"""Ayrshare's posts as pure functions: a decoded body -> domain post, or a ``ProviderError``;
nothing else escapes, whatever the body holds. The client (``client.py``) adds the requests.

Tolerance, as the contract asks: history as ``{"history": [...]}`` or a bare list; the
creation date as ``created``, ``createDate`` or ``create_date``; every date as an ISO
string, unix seconds/milliseconds or Firestore's ``{_seconds, _nanoseconds, utc}``; error
codes as numbers or strings; unknown fields ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from postretry_gui.domain import Destination, Post, RetryAck, Status
from postretry_gui.domain.status import PostStatus, post_status
from postretry_gui.providers.ayrshare.errors import raise_if_error_body, retry_refusal
from postretry_gui.providers.ayrshare.networks import app_platform, platform_list, platform_name
from postretry_gui.providers.ayrshare.spec import SPEC
from postretry_gui.providers.parsing import (
    JsonObject,
    as_list,
    as_object,
    clean_text,
    first,
    id_text,
    opt_datetime,
    opt_text,
    opt_text_or_none,
    required_id,
)

# A post reading one of these is being (re)published: what has not published yet is on its way.
_IN_FLIGHT_POST = {"pending": Status.QUEUED, "processing": Status.PUBLISHING}


def ayrshare_datetime(value: object) -> datetime | None:
    """An ISO string, unix seconds/milliseconds, or ``{_seconds, _nanoseconds, utc}``."""
    if isinstance(value, Mapping):
        from_utc = opt_datetime(value, "utc")
        if from_utc is not None:
            return from_utc
        seconds = value.get("_seconds")
        nanos = value.get("_nanoseconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            return None
        extra = 0.0
        if isinstance(nanos, int | float) and not isinstance(nanos, bool):
            extra = nanos / 1e9 if 0 <= nanos < 1e9 else 0.0
        try:
            # float() of a hostile integer (10**400) overflows before any range check.
            total = float(seconds) + extra
            if not math.isfinite(total) or total < 0:
                return None
            return datetime.fromtimestamp(total, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return opt_datetime({"v": value}, "v")


def _entries(value: object) -> list[JsonObject]:
    """The objects of a list (``postIds``/``errors``) that name a platform; others skipped:
    one odd entry must not hide the post's other networks."""
    if not isinstance(value, list):
        return []
    return [
        item for item in value if isinstance(item, Mapping) and platform_name(item.get("platform"))
    ]


def _published(entry: JsonObject, account_id: str, names: Mapping[str, str]) -> Destination:
    raw = entry.get("status")
    status = SPEC.destination_status(raw) if raw is not None else Status.PUBLISHED
    if status is Status.UNKNOWN:
        status = Status.PUBLISHED  # listed in postIds: the network took the post
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=status,
        account_name=names.get(account_id, ""),
        platform_post_id=id_text(first(entry, "id", "postId")),
        platform_post_url=opt_text_or_none(entry, "postUrl", "url"),
        # A postIds entry that itself reads "error" and has no errors[] entry to explain it
        # (found by the hostile-body property test): the operator still needs a reason.
        error=(
            clean_text(first(entry, "message", "error")) or "The network reported an error."
            if status is Status.FAILED
            else None
        ),
    )


def _failed(
    entry: JsonObject,
    account_id: str,
    names: Mapping[str, str],
    published: JsonObject | None = None,
) -> Destination:
    """A network's error. A post id or URL for it (in the error, or in a ``postIds`` entry
    that itself reads "error") is kept: Ayrshare warns that networks report errors for posts
    they published, and triage calls such a failure "may already be live"."""
    live = published or {}
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=Status.FAILED,
        account_name=names.get(account_id, ""),
        error=clean_text(first(entry, "message", "error")) or "The network refused the post.",
        error_code=id_text(entry.get("code")),
        # An error's own "id" is not documented as the network's post id: only postId.
        platform_post_id=id_text(entry.get("postId")) or id_text(first(live, "id", "postId")),
        platform_post_url=opt_text_or_none(entry, "postUrl", "url")
        or opt_text_or_none(live, "postUrl", "url"),
    )


def _other(account_id: str, post_word: str, names: Mapping[str, str]) -> Destination:
    """A network the post names with neither a post id nor an error: the post's status says."""
    status = Status.PUBLISHED if post_word == "success" else SPEC.destination_status(post_word)
    if status is Status.FAILED:
        status = Status.UNKNOWN  # the post failed somewhere, but not visibly here
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=status,
        account_name=names.get(account_id, ""),
    )


def parse_destinations(
    obj: JsonObject, post_word: str, names: Mapping[str, str] | None = None
) -> tuple[Destination, ...]:
    """One destination per network of the post, from ``platforms``, ``postIds`` and
    ``errors``. A published network wins over an error for the same network (networks have
    reported errors for posts they published). While the post reads pending/processing,
    every network not published yet is on its way, whatever its old error said."""
    names = names or {}
    published = {platform_name(e.get("platform")): e for e in _entries(obj.get("postIds"))}
    failed = {platform_name(e.get("platform")): e for e in _entries(obj.get("errors"))}
    order = platform_list(obj.get("platforms"))
    for name in [*published, *failed]:
        if name and name not in order:
            order.append(name)
    in_flight = _IN_FLIGHT_POST.get(post_word)
    destinations: list[Destination] = []
    for account_id in order:
        if account_id in published:
            destination = _published(published[account_id], account_id, names)
            if destination.status is Status.FAILED and account_id in failed:
                destination = _failed(failed[account_id], account_id, names, published[account_id])
        elif account_id in failed:
            destination = _failed(failed[account_id], account_id, names)
        else:
            destination = _other(account_id, post_word, names)
        if in_flight is not None and destination.status is not Status.PUBLISHED:
            destination = replace(destination, status=in_flight, error=None, error_code=None)
        destinations.append(destination)
    return tuple(destinations)


def _post_word(obj: JsonObject) -> str:
    raw = obj.get("status")
    return raw.strip().lower() if isinstance(raw, str) else ""


def parse_post(
    data: object, *, post_id: str | None = None, names: Mapping[str, str] | None = None
) -> Post:
    """A history item or ``GET /post/{id}``. ``post_id``: the id the post was asked by,
    kept even when the answer's ``id`` differs (the contract warns it may)."""
    obj = as_object(data, "the post")
    raise_if_error_body(obj)
    known_id = post_id if post_id is not None else required_id(obj, "id", what="a post")
    word = _post_word(obj)
    destinations = parse_destinations(obj, word, names)
    status = post_status(word)
    if status is PostStatus.FAILED and any(d.status is Status.PUBLISHED for d in destinations):
        status = PostStatus.PARTIALLY_FAILED
    return Post(
        post_id=known_id,
        destinations=destinations,
        status=status,
        content=opt_text(obj, "post", "content"),
        created_at=ayrshare_datetime(first(obj, "created", "createDate", "create_date")),
        updated_at=ayrshare_datetime(first(obj, "updated", "updateDate", "update_date")),
        scheduled_for=ayrshare_datetime(obj.get("scheduleDate")),
    )


def history_items(body: object) -> Sequence[object]:
    """``{"history": [...]}`` or the oldest version's bare list."""
    if isinstance(body, list):
        return body
    obj = as_object(body, "the history")
    raise_if_error_body(obj)
    return as_list(obj.get("history"), "history")


def parse_history(body: object, names: Mapping[str, str] | None = None) -> tuple[Post, ...]:
    return tuple(parse_post(item, names=names) for item in history_items(body))


def parse_retry_ack(body: object, post: Post) -> RetryAck:
    """``{"status": "pending", "id": ...}``: every failed destination of ``post`` is queued
    now (Ayrshare re-sends the whole post). An error body, even answered with 200 and
    carrying an ``id``, is a refusal (``retry_refusal``)."""
    obj = as_object(body, "the retry answer")
    refusal = retry_refusal(obj)
    if refusal is not None:
        raise refusal
    queued = tuple(
        replace(d, status=Status.QUEUED, error=None, error_code=None) for d in post.failed
    )
    word = opt_text(obj, "status", default="pending").lower()
    return RetryAck(
        post_id=post.post_id,
        retried_count=len(queued),
        destinations=queued,
        message=f"Retry accepted ({word}): {len(queued)} destination(s) queued.",
    )
