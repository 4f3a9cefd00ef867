"""Ayrshare's state (contract section 2): seeded posts, profiles, and the once-only retry.

A retried post reads "pending" for ``queued_s + publishing_s`` and then settles: networks
that failed for a relink reason (156, 161, 272) or as duplicates (110, 107) fail again,
transient failures publish with ``success_odds`` (seeded per post and network).

Error codes 329, 156, 161, 272, 110 and 107 are Ayrshare's; the other numeric codes here are
the simulator's own choices where the public docs give none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.timefmt import iso

DAY = 86_400.0
AYR_PLATFORMS: tuple[str, ...] = (
    "twitter",
    "facebook",
    "instagram",
    "linkedin",
    "youtube",
    "tiktok",
    "threads",
    "pinterest",
)
AYR_STATUSES: tuple[str, ...] = (
    "success",
    "error",
    "pending",
    "processing",
    "paused",
    "deleted",
    "awaiting approval",
)
_NAMES = {
    "twitter": "X/Twitter",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "threads": "Threads",
    "pinterest": "Pinterest",
}
_STATUS_WEIGHTS = (
    ("success", 0.36),
    ("error", 0.38),
    ("pending", 0.05),
    ("processing", 0.04),
    ("paused", 0.04),
    ("deleted", 0.06),
    ("awaiting approval", 0.07),
)
RELINK_CODES = frozenset({156, 161, 272})
DUPLICATE_CODES = frozenset({110, 107})
_POST_URLS = {
    "twitter": "https://twitter.com/brand/status/{id}",
    "facebook": "https://www.facebook.com/{id}",
    "instagram": "https://www.instagram.com/p/{id}/",
    "linkedin": "https://www.linkedin.com/feed/update/{id}",
    "youtube": "https://youtu.be/{id}",
    "tiktok": "https://www.tiktok.com/@brand/video/{id}",
    "threads": "https://www.threads.net/@brand/post/{id}",
    "pinterest": "https://www.pinterest.com/pin/{id}/",
}
_TEXTS = (
    "Big news: our spring collection is live",
    "Five tips for better morning routines",
    "We are hiring! Join the team",
    "Thank you to everyone who came to the meetup",
    "New episode of the podcast is out now",
    "Flash sale this weekend only",
    "Behind the scenes at the studio",
    "Our founder on building a remote team",
)
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def relink_error(platform: str) -> dict[str, Any]:
    if platform == "twitter":
        code, message = 272, "X/Twitter authorization error. Please unlink and relink X/Twitter."
    elif platform == "facebook":
        code, message = 161, "Facebook authorization error. Please unlink and relink Facebook."
    else:
        code = 156
        message = f"{_NAMES[platform]} account is not linked. Please link the account again."
    return {"action": "post", "status": "error", "code": code, "message": message}


def duplicate_error(platform: str) -> dict[str, Any] | None:
    if platform == "twitter":
        return {
            "action": "post",
            "status": "error",
            "code": 110,
            "message": "Status is a duplicate.",
        }
    if platform == "facebook":
        return {
            "action": "post",
            "status": "error",
            "code": 107,
            "message": (
                "Facebook Error: This status update is identical to the last one you posted."
            ),
        }
    return None


def transient_error(platform: str, variant: int) -> dict[str, Any]:
    if variant % 2 == 0:
        code, message = 500, f"{_NAMES[platform]} returned an internal error. Please retry."
    else:
        code, message = 503, f"{_NAMES[platform]} is temporarily unavailable. Please retry."
    return {
        "action": "post",
        "status": "error",
        "code": code,
        "message": message,
        "retryAvailable": True,
    }


def outcome_roll(seed: int, post_id: str, platform: str) -> float:
    return random.Random(f"ayr|{seed}|{post_id}|{platform}").random()  # noqa: S311


@dataclass(slots=True)
class Retry:
    started: float
    settles_at: float
    success_odds: float  # as configured when the retry was applied


@dataclass(slots=True)
class AyrPost:
    id: str
    post: str
    platforms: list[str]
    status: str
    post_ids: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    created: float
    created_key: str  # the creation date has been "created", "createDate" and "create_date"
    schedule: float
    schedule_as_firestore: bool  # {_seconds, _nanoseconds, utc} or an ISO string
    type: str
    ref_id: str
    profile_title: str
    retried: bool = False
    retry: Retry | None = None
    _json: dict[str, Any] | None = field(default=None, repr=False)

    def touch(self) -> None:
        """Forget the cached JSON after a change (status, errors, published networks)."""
        self._json = None

    def as_json(self) -> dict[str, Any]:
        if self._json is None:
            seconds = int(self.schedule)
            schedule: Any = (
                {
                    "_seconds": seconds,
                    "_nanoseconds": int((self.schedule - seconds) * 1e9),
                    "utc": iso(self.schedule),
                }
                if self.schedule_as_firestore
                else iso(self.schedule)
            )
            self._json = {
                "id": self.id,
                "post": self.post,
                "platforms": self.platforms,
                "postIds": self.post_ids,
                "errors": self.errors,
                "status": self.status,
                self.created_key: iso(self.created),
                "scheduleDate": schedule,
                "type": self.type,
                "refId": self.ref_id,
                "profileTitle": self.profile_title,
            }
        return self._json


@dataclass(frozen=True, slots=True)
class Profile:
    title: str
    ref_id: str
    platforms: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "refId": self.ref_id,
            "status": "active",
            "activeSocialAccounts": list(self.platforms),
        }

    def user_json(self) -> dict[str, Any]:
        handle = self.title.lower().replace(" ", "")
        return {
            "title": self.title,
            "refId": self.ref_id,
            "activeSocialAccounts": list(self.platforms),
            "displayNames": [
                {
                    "platform": p,
                    "displayName": f"{self.title} on {_NAMES[p]}",
                    "username": handle,
                    "profileUrl": f"https://{p}.example/{handle}",
                }
                for p in self.platforms
            ],
        }


class AyrStore:
    def __init__(self, config: SimConfig, now: float) -> None:
        self.seed = config.seed
        rng = random.Random(f"ayrshare|{config.seed}")  # noqa: S311 - seeded demo data
        self.profiles = _profiles(rng)
        self.posts = [self._generate(rng, i, now) for i in range(config.ayrshare_posts)]
        self.posts.sort(key=lambda p: p.created, reverse=True)
        self.by_id = {p.id: p for p in self.posts}
        self._in_flight: dict[str, AyrPost] = {}

    def _generate(self, rng: random.Random, index: int, now: float) -> AyrPost:
        rand = rng.random
        post_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(20))
        status = _weighted(rand())
        count = 1 + int(rand() * 4)
        platforms = rng.sample(AYR_PLATFORMS, count)
        if rand() < 0.35 and "twitter" not in platforms:
            platforms[0] = "twitter"  # X is common, and it needs the extra headers
        created = now - rand() * 60 * DAY
        scheduled = status in ("pending", "paused", "awaiting approval") or rand() < 0.3
        schedule = now + rand() * 10 * DAY if status == "pending" else created + rand() * 3600
        post_ids: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        if status == "error":
            failing = set(rng.sample(platforms, 1 + int(rand() * len(platforms))))
        else:
            failing = set()
        for platform in platforms:
            if platform in failing:
                roll = rand()
                error: dict[str, Any] | None = None
                if roll < 0.3:
                    error = relink_error(platform)
                elif roll < 0.45:
                    error = duplicate_error(platform)
                if error is None:
                    error = transient_error(platform, index)
                errors.append({**error, "platform": platform})
            elif status in ("success", "error", "deleted"):
                post_ids.append(_published(platform, rng))
        profile = self.profiles[index % len(self.profiles)]
        return AyrPost(
            id=post_id,
            post=f"{_TEXTS[index % len(_TEXTS)]} #{index}",
            platforms=platforms,
            status=status,
            post_ids=post_ids,
            errors=errors,
            created=created,
            created_key=("created", "createDate", "create_date")[index % 3],
            schedule=schedule,
            schedule_as_firestore=rand() < 0.5,
            type="scheduled" if scheduled else "now",
            ref_id=profile.ref_id,
            profile_title=profile.title,
        )

    # ------------------------------------------------------------ state
    def advance(self, now: float) -> None:
        """Settle every retried post whose time has come."""
        for post in [p for p in self._in_flight.values() if p.retry and now >= p.retry.settles_at]:
            self._settle(post)
            del self._in_flight[post.id]

    def _settle(self, post: AyrPost) -> None:
        odds = post.retry.success_odds if post.retry is not None else 0.0
        rng = random.Random(f"ayr-ids|{self.seed}|{post.id}")  # noqa: S311
        still_failing = []
        for error in post.errors:
            code = error.get("code")
            platform = str(error.get("platform"))
            fails_again = code in RELINK_CODES or code in DUPLICATE_CODES
            if fails_again or outcome_roll(self.seed, post.id, platform) >= odds:
                still_failing.append(error)
            else:
                post.post_ids.append(_published(platform, rng))
        post.errors = still_failing
        post.status = "error" if still_failing else "success"
        post.retry = None
        post.touch()

    def retry(self, post: AyrPost, now: float, config: SimConfig) -> None:
        post.retried = True
        post.status = "pending"
        post.retry = Retry(now, now + config.queued_s + config.publishing_s, config.success_odds)
        post.touch()
        self._in_flight[post.id] = post

    def history(
        self,
        *,
        statuses: frozenset[str],
        platforms: frozenset[str],
        since: float | None,
        start: float | None,
        end: float | None,
        post_type: str | None,
        limit: int,
    ) -> list[AyrPost]:
        out = []
        for post in self.posts:  # newest first
            if statuses and post.status not in statuses:
                continue
            if not statuses and post.status == "deleted":
                continue  # deleted posts are read only by asking for them (status=deleted)
            if platforms and platforms.isdisjoint(post.platforms):
                continue
            if since is not None and post.created < since:
                continue
            if start is not None and post.created < start:
                continue
            if end is not None and post.created > end:
                continue
            if post_type is not None and post.type != post_type:
                continue
            out.append(post)
            if len(out) >= limit:
                break
        return out


def _weighted(roll: float) -> str:
    for status, weight in _STATUS_WEIGHTS:
        if roll < weight:
            return status
        roll -= weight
    return "success"


def _published(platform: str, rng: random.Random) -> dict[str, Any]:
    network_id = str(rng.getrandbits(60))
    return {
        "platform": platform,
        "status": "success",
        "id": network_id,
        "postUrl": _POST_URLS[platform].format(id=network_id),
    }


def _profiles(rng: random.Random) -> list[Profile]:
    titles = (
        "Primary Profile",
        "Acme Coffee",
        "Northwind",
        "Blue Fern Studio",
        "Harbor Bikes",
        "Lumen Labs",
        "Oak and Ivy",
    )
    return [
        Profile(
            title=title,
            ref_id=f"{rng.getrandbits(160):040x}",
            platforms=tuple(sorted(rng.sample(AYR_PLATFORMS, 2 + int(rng.random() * 5)))),
        )
        for title in titles
    ]
