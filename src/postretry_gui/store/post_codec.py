"""Posts and destinations to JSON and back, written by hand so the cache never depends on
the dataclasses' field order and survives a field added later.

Decoding is strict about types (a cached file is input like any other) but lenient about
vocabulary: a status word this version does not know reads as UNKNOWN.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from postretry_gui.domain import Destination, Post, PostStatus, Status

CODEC_VERSION = 1


class PostDecodeError(ValueError):
    """A cached post could not be read back."""


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def destination_to_dict(destination: Destination) -> dict[str, Any]:
    """Fields at their default (None, "", 0) are left out: a cache of 10k posts loads about
    a third faster, and the decoder reads a missing field as its default anyway."""
    full = {
        "account_id": destination.account_id,
        "platform": destination.platform,
        "status": destination.status.value,
        "account_name": destination.account_name,
        "error": destination.error,
        "error_code": destination.error_code,
        "attempts": destination.attempts,
        "platform_post_id": destination.platform_post_id,
        "platform_post_url": destination.platform_post_url,
        "published_at": _when(destination.published_at),
        "next_retry_at": _when(destination.next_retry_at),
    }
    return {key: value for key, value in full.items() if value not in (None, "", 0)}


def post_to_dict(post: Post) -> dict[str, Any]:
    return {
        "v": CODEC_VERSION,
        "post_id": post.post_id,
        "status": post.status.value,
        "content": post.content,
        "created_at": _when(post.created_at),
        "updated_at": _when(post.updated_at),
        "scheduled_for": _when(post.scheduled_for),
        "destinations": [destination_to_dict(d) for d in post.destinations],
    }


def post_to_json(post: Post) -> str:
    return json.dumps(post_to_dict(post), ensure_ascii=False, separators=(",", ":"))


_STATUS_BY_WORD = {status.value: status for status in Status}
_POST_STATUS_BY_WORD = {status.value: status for status in PostStatus}

# The start-up load decodes tens of thousands of these: the checks below are inlined on purpose
# (a helper call per field doubled the load time of 10k posts).
_DESTINATION_TEXT = ("platform", "account_name")
_DESTINATION_OPTIONAL_TEXT = ("error", "error_code", "platform_post_id", "platform_post_url")
_DESTINATION_WHEN = ("published_at", "next_retry_at")
_POST_WHEN = ("created_at", "updated_at", "scheduled_for")


def _when_from(raw: dict[str, Any], key: str) -> datetime | None:
    value = raw.get(key)
    if value is None:
        return None
    if type(value) is not str:
        raise PostDecodeError(f"{key} must be a date")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PostDecodeError(f"{key} is not an ISO date") from None


def destination_from_dict(raw: Any) -> Destination:
    if type(raw) is not dict:
        raise PostDecodeError("a destination must be an object")
    account_id = raw.get("account_id")
    if type(account_id) is not str or not account_id:
        raise PostDecodeError("account_id must be text")
    for key in _DESTINATION_TEXT:
        value = raw.get(key)
        if value is not None and type(value) is not str:
            raise PostDecodeError(f"{key} must be text")
    for key in _DESTINATION_OPTIONAL_TEXT:
        value = raw.get(key)
        if value is not None and type(value) is not str:
            raise PostDecodeError(f"{key} must be text or null")
    attempts = raw.get("attempts", 0)
    if type(attempts) is not int or attempts < 0:
        raise PostDecodeError("attempts must be a count")
    status = raw.get("status")
    return Destination(
        account_id=account_id,
        platform=raw.get("platform") or "",
        status=_STATUS_BY_WORD.get(status, Status.UNKNOWN)
        if type(status) is str
        else Status.UNKNOWN,
        account_name=raw.get("account_name") or "",
        error=raw.get("error"),
        error_code=raw.get("error_code"),
        attempts=attempts,
        platform_post_id=raw.get("platform_post_id"),
        platform_post_url=raw.get("platform_post_url"),
        published_at=_when_from(raw, "published_at") if raw.get("published_at") else None,
        next_retry_at=_when_from(raw, "next_retry_at") if raw.get("next_retry_at") else None,
    )


def post_from_dict(raw: Any) -> Post:
    if type(raw) is not dict:
        raise PostDecodeError("a post must be an object")
    if raw.get("v") != CODEC_VERSION:
        raise PostDecodeError(f"unknown post format {raw.get('v')!r}")
    post_id = raw.get("post_id")
    if type(post_id) is not str or not post_id:
        raise PostDecodeError("post_id must be text")
    destinations = raw.get("destinations")
    if type(destinations) is not list:
        raise PostDecodeError("destinations must be a list")
    content = raw.get("content")
    if content is not None and type(content) is not str:
        raise PostDecodeError("content must be text")
    status = raw.get("status")
    return Post(
        post_id=post_id,
        destinations=tuple([destination_from_dict(d) for d in destinations]),
        status=(
            _POST_STATUS_BY_WORD.get(status, PostStatus.UNKNOWN)
            if type(status) is str
            else PostStatus.UNKNOWN
        ),
        content=content or "",
        created_at=_when_from(raw, "created_at"),
        updated_at=_when_from(raw, "updated_at"),
        scheduled_for=_when_from(raw, "scheduled_for"),
    )


def posts_from_json_array(text: str) -> list[Post]:
    """Decode a JSON array of posts in one go (the cache's fast path); any bad element
    raises, and the caller falls back to decoding posts one by one."""
    try:
        raw = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise PostDecodeError(f"not JSON ({type(exc).__name__})") from None
    if type(raw) is not list:
        raise PostDecodeError("not a list")
    return [post_from_dict(item) for item in raw]


def post_from_json(text: str | bytes) -> Post:
    try:
        raw = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise PostDecodeError(f"not JSON ({type(exc).__name__})") from None
    return post_from_dict(raw)
