"""One status vocabulary for destinations, whatever the provider calls them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A destination's state, normalised across providers.

    ``UNKNOWN`` covers any word a provider adds later: the app shows it rather than guessing.
    """

    QUEUED = "queued"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def in_flight(self) -> bool:
        return self in (Status.QUEUED, Status.PUBLISHING)

    @property
    def settled(self) -> bool:
        return self in (Status.PUBLISHED, Status.FAILED)


class PostStatus(StrEnum):
    """A post's overall state. Shown for context only: rows are derived from destinations,
    because providers have been seen to say ``published`` beside a failed destination."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"
    UNKNOWN = "unknown"


_POSTEVERYWHERE_DESTINATION = {
    "queued": Status.QUEUED,
    "pending": Status.QUEUED,
    "scheduled": Status.QUEUED,
    "publishing": Status.PUBLISHING,
    "processing": Status.PUBLISHING,
    "published": Status.PUBLISHED,
    "success": Status.PUBLISHED,
    "failed": Status.FAILED,
    "error": Status.FAILED,
}

# Ayrshare: postIds[].status is "success" for networks that took the post, errors[] carry
# "error"; a retried post reads "pending" and then "processing".
_AYRSHARE = {
    "success": Status.PUBLISHED,
    "error": Status.FAILED,
    "pending": Status.QUEUED,
    "processing": Status.PUBLISHING,
    "scheduled": Status.QUEUED,
}


def _lookup(table: dict[str, Status], raw: object) -> Status:
    if not isinstance(raw, str):
        return Status.UNKNOWN
    return table.get(raw.strip().lower(), Status.UNKNOWN)


def posteverywhere_status(raw: object) -> Status:
    return _lookup(_POSTEVERYWHERE_DESTINATION, raw)


def ayrshare_status(raw: object) -> Status:
    return _lookup(_AYRSHARE, raw)


def post_status(raw: object) -> PostStatus:
    if not isinstance(raw, str):
        return PostStatus.UNKNOWN
    word = raw.strip().lower().replace(" ", "_")
    aliases = {
        "success": "published",
        "error": "failed",
        "pending": "publishing",
        "processing": "publishing",
    }
    word = aliases.get(word, word)
    try:
        return PostStatus(word)
    except ValueError:
        return PostStatus.UNKNOWN
