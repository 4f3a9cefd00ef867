"""Seeded, deterministic PostEverywhere demo data (same seed and anchor, same data).

Built for speed: 20,000 posts x 5 destinations in a fraction of a second, because the
benchmarks start a simulator per run.
"""

from __future__ import annotations

import random

from postretry_gui.sim.pe_model import (
    PLATFORM_NAMES,
    PLATFORMS,
    Account,
    Attempt,
    Destination,
    Post,
    derive_post_status,
    token_error,
)

DAY = 86_400.0

TRANSIENT_ERRORS: tuple[str, ...] = (
    "Rate limit exceeded on platform",
    "Network timeout while uploading media",
    "Media processing failed",
    "Platform returned an internal error (HTTP 503)",
    "Upload session expired before the media finished processing",
    "Temporary platform outage, please try again later",
)
# Failures of the post itself: a retry sends the same post and fails the same way.
CONTENT_ERRORS: tuple[str, ...] = (
    "Duplicate content: the platform already has a post with this text",
    "Text exceeds the platform's character limit",
    "Video aspect ratio not supported by the platform",
)

_BRANDS = (
    "Acme Coffee",
    "Northwind",
    "Blue Fern Studio",
    "Harbor Bikes",
    "Lumen Labs",
    "Oak & Ivy",
)
_OPENERS = (
    "Spring sale:",
    "New on the blog:",
    "Behind the scenes:",
    "Meet the team:",
    "Weekend tip:",
    "Just launched:",
    "Customer story:",
    "Reminder:",
)
_TOPICS = (
    "20% off every cold brew until Sunday",
    "how we roast our single-origin beans",
    "five ways to plan a content calendar",
    "our new app release is live",
    "the workshop tickets are almost gone",
    "a look inside the new studio",
    "join our live Q&A on Thursday",
    "thank you for 10k followers",
    "holiday opening hours",
    "the recipe everyone asked for",
)
_TAGS = ("#coffee", "#startup", "#design", "#marketing", "#community", "#news", "", "")
_TIMEZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo")

# Post status mix: a good share fails, so the demo has something to retry.
_STATUS_WEIGHTS = (
    ("published", 0.33),
    ("partially_failed", 0.22),
    ("failed", 0.15),
    ("scheduled", 0.12),
    ("draft", 0.08),
    ("publishing", 0.10),
)
# A few posts say "published" beside a failed destination, as published examples do.
STALE_STATUS_ODDS = 0.03
_COMBOS = 512


def generate_accounts(rng: random.Random, count: int, now: float) -> list[Account]:
    ids = rng.sample(range(1000, 100_000), count)
    accounts = []
    for index, account_id in enumerate(ids):
        platform = PLATFORMS[index % len(PLATFORMS)]
        brand = _BRANDS[(index // len(PLATFORMS)) % len(_BRANDS)]
        roll = rng.random()
        # Index 3 is the first LinkedIn account: always expired, so every demo has the case.
        expired = index == 3 or (index >= 8 and roll < 0.15)
        inactive = not expired and index >= 8 and roll > 0.93
        if expired:
            expires_at = now - rng.uniform(25, 45) * DAY
        elif 0.5 <= roll < 0.6:
            expires_at = now + rng.uniform(1, 6) * DAY  # expiring soon: a warning, still posts
        else:
            expires_at = now + rng.uniform(20, 60) * DAY
        accounts.append(
            Account(
                account_id=account_id,
                platform=platform,
                account_name=f"{brand} ({PLATFORM_NAMES[platform]})",
                is_active=not inactive,
                token_expires_at=expires_at,
                needs_reconnection=expired,
                recent_permanent_failures=0.6 <= roll < 0.66,
            )
        )
    return accounts


def _post_id(rng: random.Random, index: int, seen: set[str]) -> str:
    roll = rng.random()
    if roll < 0.03:
        candidate = str(40_000 + index)  # numeric-looking ids from published examples
    elif roll < 0.06:
        candidate = "post_" + format(rng.getrandbits(36), "x")
    else:
        candidate = _uuid4(rng.getrandbits(128))
    if candidate in seen:
        candidate = f"{candidate}{index}"
    seen.add(candidate)
    return candidate


def _uuid4(bits: int) -> str:
    """A version-4 UUID string from 128 random bits (uuid.UUID is several times slower)."""
    h = f"{bits:032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _choose_status(roll: float) -> str:
    for status, weight in _STATUS_WEIGHTS:
        if roll < weight:
            return status
        roll -= weight
    return "published"


def generate_posts(
    rng: random.Random,
    count: int,
    accounts: list[Account],
    now: float,
    *,
    min_destinations: int,
    max_destinations: int,
    queued_s: float,
    publishing_s: float,
    content_odds: float = 0.0,
) -> list[Post]:
    posts: list[Post] = []
    seen: set[str] = set()
    account_count = len(accounts)
    rand = rng.random
    getrandbits = rng.getrandbits
    transient = TRANSIENT_ERRORS
    n_transient = len(transient)
    # Drawing distinct accounts per post with rng.sample dominated the run time; a pool of
    # pre-drawn combinations per size (with their platform and account sets) is as varied
    # as a demo needs and far cheaper.
    pool: dict[int, list[tuple[list[Account], frozenset[str], frozenset[int]]]] = {}
    for size in range(min_destinations, max_destinations + 1):
        combos = []
        for _ in range(_COMBOS):
            chosen = [accounts[i] for i in rng.sample(range(account_count), size)]
            combos.append(
                (
                    chosen,
                    frozenset(a.platform for a in chosen),
                    frozenset(a.account_id for a in chosen),
                )
            )
        pool[size] = combos
    for index in range(count):
        post_id = _post_id(rng, index, seen)
        status = _choose_status(rand())
        created = now - rand() * 60 * DAY
        scheduled: float | None
        if status == "draft":
            scheduled = None
        elif status == "scheduled":
            created = now - rand() * 5 * DAY
            scheduled = now + (1 + rand() * 240) * 3600
        elif status == "publishing":
            created = now - rand() * 2 * 3600
            scheduled = now - rand() * 30
        else:
            scheduled = min(created + rand() * 48 * 3600, now - 60)
        n = rng.randint(min_destinations, max_destinations)
        chosen, platforms, account_ids = pool[n][int(rand() * _COMBOS)]
        destinations: list[Destination] = []
        updated = created
        latest_published: float | None = None
        if status in ("published", "partially_failed", "failed"):
            assert scheduled is not None
            if status == "failed":
                failed_count = n
            elif status == "partially_failed":
                failed_count = rng.randint(1, n - 1) if n > 1 else rng.randint(0, 1)
            else:
                failed_count = 0
            for position, account in enumerate(chosen):
                at = scheduled + 1 + rand() * 90
                if at > updated:
                    updated = at
                # Once its token expired, everything sent to the account fails.
                broken = account.token_expires_at <= at
                if position < failed_count or broken:
                    if broken:
                        error = token_error(account.platform, index)
                    elif content_odds and rand() < content_odds:
                        error = CONTENT_ERRORS[index % len(CONTENT_ERRORS)]
                    else:
                        error = transient[int(rand() * n_transient)]
                    destinations.append(
                        Destination(
                            account.account_id,
                            account.account_name,
                            account.platform,
                            "failed",
                            1 + int(rand() * 3),
                            None,
                            None,
                            at,
                            error,
                        )
                    )
                else:
                    destinations.append(
                        Destination(
                            account.account_id,
                            account.account_name,
                            account.platform,
                            "published",
                            1,
                            str(getrandbits(56)),
                            at,
                        )
                    )
                    if latest_published is None or at > latest_published:
                        latest_published = at
        else:
            for position, account in enumerate(chosen):
                dest = Destination(
                    account.account_id, account.account_name, account.platform, "queued"
                )
                if status == "publishing":
                    dest.attempts = 1
                    if position == 0 or rand() < 0.5:
                        # In flight since generation: it settles like a retried destination.
                        ok = rand() < 0.8 and account.can_post(now)
                        failure = (
                            token_error(account.platform, index)
                            if account.token_expired(now)
                            else transient[index % n_transient]
                        )
                        dest.attempt = Attempt(
                            now - rand() * 0.5, queued_s, publishing_s, ok, failure
                        )
                    else:
                        dest.status = "published"
                        dest.published_at = now - rand() * 20
                        dest.platform_post_id = str(getrandbits(56))
                        updated = max(updated, dest.published_at)
                        latest_published = max(latest_published or 0.0, dest.published_at)
                destinations.append(dest)
        content = _content(rng, index)
        post = Post(
            post_id,
            status,
            content,
            _TIMEZONES[index % len(_TIMEZONES)],
            _media(rand(), index),
            destinations,
            created,
            updated,
            scheduled,
            latest_published,
            content.lower(),
            platforms,
            account_ids,
        )
        if status in ("published", "partially_failed", "failed"):
            post.status = derive_post_status(post)
            if post.status != "published" and rand() < STALE_STATUS_ODDS:
                post.status = "published"  # the contract's quirk: trust destinations, not this
        posts.append(post)
    return posts


def _content(rng: random.Random, index: int) -> str:
    opener = _OPENERS[int(rng.random() * len(_OPENERS))]
    topic = _TOPICS[int(rng.random() * len(_TOPICS))]
    tag = _TAGS[index % len(_TAGS)]
    return f"{opener} {topic} {tag}".rstrip()


def _media(roll: float, index: int) -> list[dict[str, str]]:
    if roll < 0.4:
        return [{"type": "image", "url": f"https://cdn.posteverywhere.example/media/{index}.jpg"}]
    if roll < 0.5:
        return [{"type": "video", "url": f"https://cdn.posteverywhere.example/media/{index}.mp4"}]
    return []
