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
    return {
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


def _text(raw: dict[str, Any], key: str, *, required: bool = False, default: str = "") -> str:
    value = raw.get(key)
    if value is None and not required:
        return default
    if not isinstance(value, str) or (required and not value):
        raise PostDecodeError(f"{key} must be text")
    return value


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PostDecodeError(f"{key} must be text or null")
    return value


def _optional_when(raw: dict[str, Any], key: str) -> datetime | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PostDecodeError(f"{key} must be a date")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PostDecodeError(f"{key} is not an ISO date") from None


def _status(raw: dict[str, Any]) -> Status:
    word = raw.get("status")
    try:
        return Status(word) if isinstance(word, str) else Status.UNKNOWN
    except ValueError:
        return Status.UNKNOWN


def _post_status(raw: dict[str, Any]) -> PostStatus:
    word = raw.get("status")
    try:
        return PostStatus(word) if isinstance(word, str) else PostStatus.UNKNOWN
    except ValueError:
        return PostStatus.UNKNOWN


def destination_from_dict(raw: Any) -> Destination:
    if not isinstance(raw, dict):
        raise PostDecodeError("a destination must be an object")
    attempts = raw.get("attempts", 0)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        raise PostDecodeError("attempts must be a count")
    return Destination(
        account_id=_text(raw, "account_id", required=True),
        platform=_text(raw, "platform"),
        status=_status(raw),
        account_name=_text(raw, "account_name"),
        error=_optional_text(raw, "error"),
        error_code=_optional_text(raw, "error_code"),
        attempts=attempts,
        platform_post_id=_optional_text(raw, "platform_post_id"),
        platform_post_url=_optional_text(raw, "platform_post_url"),
        published_at=_optional_when(raw, "published_at"),
        next_retry_at=_optional_when(raw, "next_retry_at"),
    )


def post_from_dict(raw: Any) -> Post:
    if not isinstance(raw, dict):
        raise PostDecodeError("a post must be an object")
    if raw.get("v") != CODEC_VERSION:
        raise PostDecodeError(f"unknown post format {raw.get('v')!r}")
    destinations = raw.get("destinations")
    if not isinstance(destinations, list):
        raise PostDecodeError("destinations must be a list")
    return Post(
        post_id=_text(raw, "post_id", required=True),
        destinations=tuple(destination_from_dict(d) for d in destinations),
        status=_post_status(raw),
        content=_text(raw, "content"),
        created_at=_optional_when(raw, "created_at"),
        updated_at=_optional_when(raw, "updated_at"),
        scheduled_for=_optional_when(raw, "scheduled_for"),
    )


def post_from_json(text: str | bytes) -> Post:
    try:
        raw = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise PostDecodeError(f"not JSON ({type(exc).__name__})") from None
    return post_from_dict(raw)
