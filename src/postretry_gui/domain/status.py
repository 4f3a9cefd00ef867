"""One status vocabulary for destinations, whatever the provider calls them."""

from __future__ import annotations

from collections.abc import Mapping
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
    # Deleted at the provider (Ayrshare's ``deleted``): kept so the window can say so, and
    # never retried. Last, so the members before it keep their places.
    DELETED = "deleted"


# The post statuses that hold a failed destination: what the window asks for first, so the
# operator sees what matters at once. ``PostFilter.statuses`` speaks these app words; each
# provider maps them to its own.
FAILURE_POST_STATUSES = (PostStatus.FAILED.value, PostStatus.PARTIALLY_FAILED.value)
# Every other post status: with the failures, the whole list.
OTHER_POST_STATUSES = (
    PostStatus.DRAFT.value,
    PostStatus.SCHEDULED.value,
    PostStatus.PUBLISHING.value,
    PostStatus.PUBLISHED.value,
)


def status_from_word(words: Mapping[str, Status], raw: object) -> Status:
    """A provider's status word through its vocabulary (``ProviderSpec.destination_words``);
    case and padding ignored, anything else ``UNKNOWN``."""
    if not isinstance(raw, str):
        return Status.UNKNOWN
    return words.get(raw.strip().lower(), Status.UNKNOWN)


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
