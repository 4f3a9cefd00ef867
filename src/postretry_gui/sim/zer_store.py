"""Zernio's state (contract section 4): seeded profiles, accounts and posts whose failed
targets carry every ``errorCategory`` the contract lists, and the whole-post retry.

A retry re-runs every failed target of a post. Failures a retry cannot fix (a dead token,
an account problem, refused content or policy, abuse) fail again; passing ones (platform
errors, throttling, quotas, Zernio's own, unknown) publish with ``success_odds``, seeded per
post and account. ``zernio_retry_mode`` plays both readings the SDKs leave open: "sync"
publishes inside the request (the documented behaviour: 200, or 207 when not everything
published); "async" answers 200 at once with the targets ``pending`` and settles them after
``queued_s + publishing_s``, a second retry meanwhile being a 409.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.timefmt import iso

DAY = 86_400.0
# Every category value of the three vocabularies (contract section 4), with a text for it.
CATEGORY_TEXTS = {
    "auth_expired": "{name} access token expired. Please reconnect your {name} account.",
    "account_issue": "The {name} account is not set up for publishing. Fix it in Zernio.",
    "user_content": "Text exceeds the character limit for this {name} account.",
    "media_error": "{name} could not process the attached video (unsupported format).",
    "user_abuse": "{name} flagged repeated posting from this account as spam.",
    "platform_rejected": "{name} rejected the post under its community guidelines.",
    "platform_error": "{name} is temporarily unavailable. Please try again later.",
    "platform_rate_limit": "{name} is throttling this account; Zernio will retry.",
    "rate_limited": "Rate limited by {name}. Try again later.",
    "quota_exhausted": "The shared {name} API quota is exhausted until it resets.",
    "system_error": "An internal Zernio error interrupted publishing.",
    "system": "An internal Zernio error interrupted publishing.",
    "unknown": "Publishing to {name} failed.",
}
CATEGORIES = tuple(CATEGORY_TEXTS)
# What a retry cannot fix: these fail again.
FAILS_AGAIN = frozenset(
    {"auth_expired", "account_issue", "user_content", "media_error", "user_abuse",
     "platform_rejected"}
)  # fmt: skip
SOURCES = {"auth_expired": "user", "account_issue": "user", "user_content": "user",
           "media_error": "user", "system_error": "system", "system": "system"}  # fmt: skip
POST_STATUSES = (
    "draft", "pending_approval", "scheduled", "publishing", "published", "partial", "failed",
    "cancelled",
)  # fmt: skip
PLATFORMS = ("twitter", "instagram", "linkedin", "facebook", "tiktok", "threads", "pinterest")
_NAMES = {"twitter": "X", "instagram": "Instagram", "linkedin": "LinkedIn",
          "facebook": "Facebook", "tiktok": "TikTok", "threads": "Threads",
          "pinterest": "Pinterest"}  # fmt: skip
_TEXTS = (
    "Our winter blend is back",
    "Holiday opening hours",
    "Meet the roasters behind your cup",
    "Five ways to brew at home",
    "New store opening downtown",
    "Thank you for 10k followers",
)


def object_id(rng: random.Random) -> str:
    """A 24-hex id like MongoDB's, as every example shows."""
    return f"{rng.getrandbits(96):024x}"


def roll(seed: int, post_id: str, account_id: str) -> float:
    return random.Random(f"zer|{seed}|{post_id}|{account_id}").random()  # noqa: S311


@dataclass(slots=True)
class ZerAccount:
    id: str
    platform: str
    profile_id: str
    profile_name: str
    username: str
    needs_reconnection: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.profile_name} on {_NAMES[self.platform]}"

    def brief(self) -> dict[str, Any]:
        """The populated form a target's ``accountId`` takes."""
        return {"_id": self.id, "platform": self.platform, "username": self.username,
                "displayName": self.display_name, "isActive": True}  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return {
            **self.brief(),
            "profileId": {"_id": self.profile_id, "name": self.profile_name},
            "profileUrl": f"https://{self.platform}.example/{self.username}",
            "needsReconnection": self.needs_reconnection,
            "enabled": True,
        }

    def health(self) -> dict[str, Any]:
        bad = self.needs_reconnection
        return {
            "accountId": self.id, "platform": self.platform, "username": self.username,
            "displayName": self.display_name, "profileId": self.profile_id,
            "status": "error" if bad else "healthy", "canPost": not bad,
            "canFetchAnalytics": not bad, "tokenValid": not bad, "needsReconnect": bad,
            "issues": ["Token expired"] if bad else [],
        }  # fmt: skip


@dataclass(slots=True)
class Target:
    account: ZerAccount
    status: str
    attempts: int = 1
    category: str | None = None
    platform_post_id: str | None = None
    published_at: float | None = None

    def as_json(self, populated: bool) -> dict[str, Any]:
        platform = self.account.platform
        out: dict[str, Any] = {
            "platform": platform,
            "accountId": self.account.brief() if populated else self.account.id,
            "status": self.status,
            "publishAttempts": self.attempts,
        }
        if self.status == "failed" and self.category is not None:
            out["errorMessage"] = CATEGORY_TEXTS[self.category].format(name=_NAMES[platform])
            out["errorCategory"] = self.category
            out["errorSource"] = SOURCES.get(self.category, "platform")
            if self.category == "platform_error" and platform in ("instagram", "facebook"):
                out["platformError"] = {"code": 2, "message": "An unexpected error has occurred."}
        if self.platform_post_id is not None:
            out["platformPostId"] = self.platform_post_id
            out["platformPostUrl"] = f"https://{platform}.example/p/{self.platform_post_id}"
        if self.published_at is not None:
            out["publishedAt"] = iso(self.published_at)
        return out


@dataclass(slots=True)
class ZerPost:
    id: str
    content: str
    status: str
    targets: list[Target]
    profile_id: str
    created: float
    updated: float
    scheduled: float
    populated: bool  # targets' accountId as the object (False: the bare id string)
    settles_at: float | None = None  # async mode: when the retried targets settle
    odds: float = 0.0
    _json: dict[str, Any] | None = field(default=None, repr=False)

    def touch(self, now: float) -> None:
        self.updated = now
        self._json = None

    @property
    def failed(self) -> list[Target]:
        return [t for t in self.targets if t.status == "failed"]

    def derive_status(self) -> None:
        """The post's word from its targets, as Zernio derives it after a publish."""
        words = {t.status for t in self.targets}
        if words & {"pending", "processing"}:
            self.status = "publishing"
        elif "failed" not in words:
            self.status = "published"
        else:
            self.status = "partial" if "published" in words else "failed"

    def as_json(self) -> dict[str, Any]:
        if self._json is None:
            self._json = {
                "_id": self.id, "title": self.content.split(":")[0], "content": self.content,
                "status": self.status, "scheduledFor": iso(self.scheduled),
                "timezone": "Europe/Berlin",
                "platforms": [t.as_json(self.populated) for t in self.targets],
                "tags": [], "createdAt": iso(self.created), "updatedAt": iso(self.updated),
            }  # fmt: skip
        return self._json


class ZerStore:
    def __init__(self, config: SimConfig, now: float) -> None:
        self.seed = config.seed
        rng = random.Random(f"zernio|{config.seed}")  # noqa: S311 - seeded demo data
        self.profiles = [(object_id(rng), name) for name in ("Northwind Coffee", "Harbor Bikes")]
        self.accounts = self._accounts(rng)
        self.accounts_by_id = {a.id: a for a in self.accounts}
        self._failures = 0
        self.posts = [self._generate(rng, i, now) for i in range(config.zernio_posts)]
        self.posts.sort(key=lambda p: p.created, reverse=True)
        self.by_id = {p.id: p for p in self.posts}
        self._in_flight: dict[str, ZerPost] = {}

    def _accounts(self, rng: random.Random) -> list[ZerAccount]:
        out = []
        # Two X accounts in one profile: a post can go to both, keyed by account, not platform.
        for index, platform in enumerate((*PLATFORMS, "twitter")):
            profile_id, name = self.profiles[index % 2]
            handle = f"{name.split()[0].lower()}{index}"
            out.append(ZerAccount(object_id(rng), platform, profile_id, name, handle))
        out[2].needs_reconnection = True  # LinkedIn: the token died
        return out

    def _generate(self, rng: random.Random, index: int, now: float) -> ZerPost:
        status = rng.choices(("failed", "partial", "published", "scheduled", "draft"),
                             (0.3, 0.25, 0.3, 0.1, 0.05))[0]  # fmt: skip
        accounts = rng.sample(self.accounts, 1 + int(rng.random() * 3))
        created = now - rng.random() * 30 * DAY
        if status == "partial" and len(accounts) == 1:
            status = "failed"  # partial needs one published target beside the failed ones
        targets = []
        for position, account in enumerate(accounts):
            fails = status == "failed" or (status == "partial" and position > 0)
            targets.append(self._target(rng, account, fails, status, created))
        post = ZerPost(
            id=object_id(rng),
            content=f"{_TEXTS[index % len(_TEXTS)]}: post #{index}",
            status=status,
            targets=targets,
            profile_id=accounts[0].profile_id,
            created=created,
            updated=created + 60,
            scheduled=created + 30,
            populated=index % 5 != 4,
        )
        if status in ("failed", "partial"):
            post.derive_status()
        return post

    def _target(
        self, rng: random.Random, account: ZerAccount, fails: bool, status: str, at: float
    ) -> Target:
        if status in ("scheduled", "draft"):
            return Target(account, "pending", attempts=0)
        if not fails:
            return Target(account, "published", platform_post_id=str(rng.getrandbits(60)),
                          published_at=at + 40)  # fmt: skip
        # Every category in turn, so the demo shows each; a dead token is always auth_expired.
        category = CATEGORIES[self._failures % len(CATEGORIES)]
        self._failures += 1
        if account.needs_reconnection:
            category = "auth_expired"
        return Target(account, "failed", attempts=1 + int(rng.random() * 3), category=category)

    # ------------------------------------------------------------ retry
    def retry(self, post: ZerPost, now: float, config: SimConfig) -> None:
        """Re-run every failed target (the caller checked there is one)."""
        if config.zernio_retry_mode == "async":
            for target in post.failed:
                target.status, target.attempts = "pending", 0
            post.settles_at = now + config.queued_s + config.publishing_s
            post.odds = config.success_odds
            post.status = "publishing"
            self._in_flight[post.id] = post
        else:
            self._publish(post, now, config.success_odds)
        post.touch(now)

    def _publish(self, post: ZerPost, now: float, odds: float) -> None:
        rng = random.Random(f"zer-ids|{self.seed}|{post.id}|{now}")  # noqa: S311
        for target in post.targets:
            if target.status not in ("failed", "pending") or target.category is None:
                continue
            target.attempts = 1  # a manual retry resets the count
            hopeless = target.category in FAILS_AGAIN or target.account.needs_reconnection
            if hopeless or roll(self.seed, post.id, target.account.id) >= odds:
                target.status = "failed"
            else:
                target.status, target.category = "published", None
                target.platform_post_id = str(rng.getrandbits(60))
                target.published_at = now
        post.settles_at = None
        post.derive_status()

    def advance(self, now: float) -> None:
        """Settle every async retry whose time has come."""
        for post in [p for p in self._in_flight.values() if (p.settles_at or 0) <= now]:
            self._publish(post, now, post.odds)
            post.touch(now)
            del self._in_flight[post.id]
