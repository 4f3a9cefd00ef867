"""Posts and destinations to JSON and back, for the offline cache.

The format is a JSON object per post: ``"v": CODEC_VERSION``, then every field of ``Post`` by
name (``destinations`` a list of objects with every field of ``Destination`` by name),
statuses by their ``.value`` and times as ISO 8601 / RFC 3339 text. Keys are matched by name,
never by position, so the dataclasses' field order never matters; a decoder reads a missing
field, or a null one, as its default.

Writing is msgspec encoding the frozen dataclasses directly (no dict per post: the cache
writer shares the GIL with the GUI while 100k destinations load); ``post_to_dict`` builds the
same object by hand for what msgspec cannot write exactly. Rows written by the previous
version (fields at their default left out, ``+00:00`` rather than ``Z``) read back the same,
and the previous version reads these.

Decoding is strict about types (a cached file is input like any other) but lenient about
vocabulary: a status word this version does not know reads as UNKNOWN. The fast reader
(msgspec, straight into the dataclasses) is strict about both; whatever it refuses goes to
the hand-written reader below, which alone decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

import msgspec

from postretry_gui.domain import Destination, Post, PostStatus, Status

CODEC_VERSION = 1


class PostDecodeError(ValueError):
    """A cached post could not be read back."""


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def destination_to_dict(destination: Destination) -> dict[str, Any]:
    """Every field, as the msgspec encoder writes it. (The previous version left fields at
    their default out, and so read an empty error back as None.)"""
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


# Every post's JSON begins with it: post_to_dict puts "v" first, and msgspec's '{"post_id":...'
# has its "{" replaced by it.
VERSION_PREFIX = f'{{"v":{CODEC_VERSION},'
_VERSIONED = VERSION_PREFIX.encode()
_ENCODER = msgspec.json.Encoder()
_MINUTE = timedelta(minutes=1)
_NO_SECONDS = timedelta(0)


def _whole_minutes(zone: tzinfo | None) -> bool:
    """Whether every time in ``zone`` is written exactly by msgspec, which keeps an offset to
    the minute (all RFC 3339 can say) and silently drops any seconds of it."""
    if zone is None or zone is UTC:
        return True
    if type(zone) is timezone:
        return zone.utcoffset(None) % _MINUTE == _NO_SECONDS
    return False  # a zone with rules (zoneinfo): its offset depends on the date


def _every_time_whole_minutes(post: Post) -> bool:
    for when in (
        post.created_at,
        post.updated_at,
        post.scheduled_for,
        *[w for d in post.destinations for w in (d.published_at, d.next_retry_at)],
    ):
        offset = None if when is None else when.utcoffset()
        if offset is not None and offset % _MINUTE != _NO_SECONDS:
            return False
    return True


def _exactly(post: Post) -> bytes:
    """One post the slow, exact way: offsets to the second, and text that is not valid
    Unicode (a lone surrogate that json.loads let through from a server) kept as \\u escapes
    where UTF-8 has no way to write it."""
    if _every_time_whole_minutes(post):
        try:
            return _VERSIONED + _ENCODER.encode(post)[1:]
        except UnicodeEncodeError:
            pass
    return json.dumps(post_to_dict(post), ensure_ascii=True, separators=(",", ":")).encode()


def posts_to_json_bytes(posts: Sequence[Post]) -> list[bytes]:
    """The UTF-8 JSON of each post, in order, in the cache format.

    msgspec encodes the dataclasses in C, about 6x cheaper than ``json.dumps`` of
    ``post_to_dict`` (``benchmarks/cache_codec.py``). What it
    cannot write exactly goes through ``_exactly``: a time whose offset has seconds (no zone
    has had one since 1972, but ``fromisoformat`` reads "+05:30:15") and text with a lone
    surrogate.
    """
    # One pass over the batch's zones (a handful of objects) rather than a check per time.
    zones = {
        when.tzinfo
        for post in posts
        for when in (post.created_at, post.updated_at, post.scheduled_for)
        if when is not None
    }
    zones.update(
        when.tzinfo
        for post in posts
        for destination in post.destinations
        for when in (destination.published_at, destination.next_retry_at)
        if when is not None
    )
    if all(_whole_minutes(zone) for zone in zones):
        encode = _ENCODER.encode
        try:
            return [_VERSIONED + encode(post)[1:] for post in posts]
        except UnicodeEncodeError:
            pass
    return [_exactly(post) for post in posts]


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


class _Versioned(msgspec.Struct):
    v: int


# Straight into the frozen dataclasses, by field name: ~5x faster than json.loads and the
# hand-written reader, and a field added to Post or Destination later is read with no change.
_POSTS_DECODER = msgspec.json.Decoder(list[Post])
_VERSIONS_DECODER = msgspec.json.Decoder(list[_Versioned])


def _posts_fast(data: str | bytes, *, versions_checked: bool) -> list[Post] | None:
    """The posts of a JSON array, or None when msgspec refuses anything (an unknown status
    word, a null where text belongs, a time that is not RFC 3339...) or a check below fails:
    the hand-written reader then decides, post by post, with its own rules."""
    try:
        posts = _POSTS_DECODER.decode(data)
        if not versions_checked and any(
            item.v != CODEC_VERSION for item in _VERSIONS_DECODER.decode(data)
        ):
            return None
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return None
    # What the types alone do not say (the hand-written reader refuses these too).
    for post in posts:
        if not post.post_id:
            return None
        for destination in post.destinations:
            if not destination.account_id or destination.attempts < 0:
                return None
    return posts


def posts_from_json_array(text: str | bytes, *, versions_checked: bool = False) -> list[Post]:
    """Decode a JSON array of posts in one go (the cache's fast path); any bad element
    raises, and the caller falls back to decoding posts one by one.

    ``versions_checked``: the caller has seen every element begin with ``VERSION_PREFIX``
    (the cache asks SQLite, in the query that reads them), which spares a second parse. (An
    element that names "v" twice would pass; no version writes one.)
    """
    fast = _posts_fast(text, versions_checked=versions_checked)
    if fast is not None:
        return fast
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
