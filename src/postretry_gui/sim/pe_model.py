"""PostEverywhere's objects as the simulator keeps them, and their JSON shapes (contract section 1).

Times are unix seconds (floats) in memory and ISO 8601 strings on the wire. The wire shapes
are msgspec Structs (field order is key order), so one definition gives both the dicts and the
encoded bytes. A post keeps its encoded JSON until it changes: a page of ``GET /posts`` joins
cached bytes instead of building and dumping 100 dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from postretry_gui.sim.timefmt import iso, iso_or_none

PLATFORMS: tuple[str, ...] = (
    "x",
    "instagram",
    "facebook",
    "linkedin",
    "youtube",
    "tiktok",
    "threads",
    "pinterest",
)
PLATFORM_NAMES = {
    "x": "X",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "threads": "Threads",
    "pinterest": "Pinterest",
}
POST_STATUSES: tuple[str, ...] = (
    "draft",
    "scheduled",
    "publishing",
    "published",
    "partially_failed",
    "failed",
)
SORT_FIELDS: tuple[str, ...] = ("created_at", "scheduled_for", "published_at", "updated_at")

_POST_URL = {
    "x": "https://x.com/i/status/{id}",
    "instagram": "https://www.instagram.com/p/{id}/",
    "facebook": "https://www.facebook.com/{id}",
    "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:{id}/",
    "youtube": "https://www.youtube.com/watch?v={id}",
    "tiktok": "https://www.tiktok.com/@brand/video/{id}",
    "threads": "https://www.threads.net/post/{id}",
    "pinterest": "https://www.pinterest.com/pin/{id}/",
}
EXPIRING_SOON_S = 7 * 86_400.0


def token_error(platform: str, variant: int) -> str:
    """The two reconnect-required phrasings seen in the wild (contract: "token expired" /
    "reconnect required", any case)."""
    name = PLATFORM_NAMES[platform]
    if variant % 2 == 0:
        return f"Token expired. Please reconnect your {name} account."
    return f"Reconnect required: {name} revoked this app's access."


class DestinationJson(msgspec.Struct):
    """A destination on the wire (contract section 1; keys in this order)."""

    account_id: int
    account_name: str
    platform: str
    status: str
    platform_post_id: str | None
    platform_post_url: str | None
    published_at: str | None
    error: str | None
    attempts: int


class PostJson(msgspec.Struct):
    """A full post on the wire (``GET /posts/{id}`` and the items of ``GET /posts``)."""

    post_id: str
    id: str  # deprecated alias of post_id, still sent
    status: str
    content: str
    account_ids: list[int]
    scheduled_for: str | None
    timezone: str
    media: list[dict[str, str]]
    destinations: list[DestinationJson]
    created_at: str
    updated_at: str
    published_at: str | None


_ENCODER = msgspec.json.Encoder()


@dataclass(slots=True)
class Account:
    account_id: int
    platform: str
    account_name: str
    is_active: bool
    token_expires_at: float
    needs_reconnection: bool
    recent_permanent_failures: bool

    def token_expired(self, now: float) -> bool:
        return self.needs_reconnection or self.token_expires_at <= now

    def can_post(self, now: float) -> bool:
        return self.is_active and not self.token_expired(now)

    def summary_json(self, now: float) -> dict[str, Any]:
        """The entry in ``GET /accounts`` (vocabulary healthy/expired/unhealthy)."""
        if not self.is_active:
            status = "unhealthy"
        elif self.token_expired(now):
            status = "expired"
        elif self.recent_permanent_failures:
            status = "unhealthy"
        else:
            status = "healthy"
        return {
            "account_id": self.account_id,
            "platform": self.platform,
            "account_name": self.account_name,
            "avatar_url": f"https://cdn.posteverywhere.example/avatars/{self.account_id}.png",
            "is_active": self.is_active,
            "health": {"status": status, "can_post": self.can_post(now)},
        }

    def health_json(self, now: float) -> dict[str, Any]:
        """``GET /accounts/{id}/health`` (vocabulary healthy/warning/broken)."""
        expired = self.token_expired(now)
        expiring_soon = not expired and self.token_expires_at - now <= EXPIRING_SOON_S
        reasons: list[str] = []
        if not self.is_active:
            reasons.append("account_inactive")
        if expired:
            reasons += ["needs_reconnection", "token_expired"]
        if expiring_soon:
            reasons.append("token_expiring_soon")
        if self.recent_permanent_failures:
            reasons.append("recent_permanent_failures")
        if not self.is_active or expired:
            status = "broken"
        elif reasons:
            status = "warning"
        else:
            status = "healthy"
        return {
            "account_id": self.account_id,
            "status": status,
            "can_post": self.can_post(now),
            "reasons": reasons,
            "needs_reconnection": expired,
            "token": {
                "expires_at": iso(self.token_expires_at),
                "expired": expired,
                "expiring_soon": expiring_soon,
            },
        }


@dataclass(slots=True)
class Attempt:
    """A publishing attempt in flight: queued from ``started``, publishing after ``queued_s``,
    settled after ``queued_s + publishing_s``. The outcome is decided when it starts (seeded)."""

    started: float
    queued_s: float
    publishing_s: float
    succeeds: bool
    failure: str

    @property
    def publishing_at(self) -> float:
        return self.started + self.queued_s

    @property
    def settles_at(self) -> float:
        return self.started + self.queued_s + self.publishing_s


@dataclass(slots=True)
class Destination:
    account_id: int
    account_name: str
    platform: str
    status: str  # queued | publishing | published | failed
    attempts: int = 0
    platform_post_id: str | None = None
    published_at: float | None = None
    failed_at: float | None = None
    error: str | None = None
    attempt: Attempt | None = None

    def wire(self) -> DestinationJson:
        """What a client reads of this destination (times as ISO strings, the post URL)."""
        post_id = self.platform_post_id
        return DestinationJson(
            self.account_id,
            self.account_name,
            self.platform,
            self.status,
            post_id,
            None if post_id is None else _POST_URL[self.platform].format(id=post_id),
            iso_or_none(self.published_at),
            self.error,
            self.attempts,
        )

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = msgspec.to_builtins(self.wire())
        return result


@dataclass(slots=True)
class Post:
    post_id: str
    status: str
    content: str
    timezone: str
    media: list[dict[str, str]]
    destinations: list[Destination]
    created_at: float
    updated_at: float
    scheduled_for: float | None
    published_at: float | None = None
    # Precomputed for filtering: what a destination list cannot change (accounts, platforms).
    search_text: str = ""
    platforms: frozenset[str] = frozenset()
    account_ids: frozenset[int] = frozenset()
    _encoded: bytes | None = field(default=None, repr=False)

    def touch(self) -> None:
        """Forget the cached JSON after a change (to the post or any of its destinations)."""
        self._encoded = None

    def wire(self) -> PostJson:
        """What a client reads of this post (built afresh; ``encoded()`` caches its bytes)."""
        destinations = self.destinations
        return PostJson(
            self.post_id,
            self.post_id,
            self.status,
            self.content,
            [d.account_id for d in destinations],
            iso_or_none(self.scheduled_for),
            self.timezone,
            self.media,
            [d.wire() for d in destinations],
            iso(self.created_at),
            iso(self.updated_at),
            iso_or_none(self.published_at),
        )

    def encoded(self) -> bytes:
        """The full post as compact JSON bytes, cached until ``touch()``."""
        if self._encoded is None:
            self._encoded = _ENCODER.encode(self.wire())
        return self._encoded

    def as_json(self) -> dict[str, Any]:
        """The full post as a fresh dict, decoded from ``encoded()`` so both always agree."""
        result: dict[str, Any] = msgspec.json.decode(self.encoded())
        return result

    def results_json(self) -> dict[str, Any]:
        """The light poll ``GET /posts/{id}/results``."""
        results = []
        for d in self.destinations:
            item = d.as_json()
            # When the queued destination will next be tried; nothing is scheduled otherwise.
            item["next_retry_at"] = (
                iso(d.attempt.publishing_at)
                if d.attempt is not None and d.status == "queued"
                else None
            )
            results.append(item)
        return {"post_id": self.post_id, "post_status": self.status, "results": results}


def derive_post_status(post: Post) -> str:
    """The post status the destinations imply (drafts and scheduled posts keep theirs)."""
    if post.status in ("draft", "scheduled"):
        return post.status
    statuses = [d.status for d in post.destinations]
    if any(s in ("queued", "publishing") for s in statuses):
        return "publishing"
    failed = statuses.count("failed")
    if failed == 0:
        return "published"
    if failed == len(statuses):
        return "failed"
    return "partially_failed"
