"""Ayrshare's hostile answers for the shared property test (``test_hostile_answers.py``):
its words, its bodies, and everything its client does with one answer."""

from __future__ import annotations

import random

from hostile_bodies import (
    BROKEN_BODIES,
    BodyMaker,
    HostileCase,
    Vocabulary,
    dump,
    mutate,
    random_bytes,
    random_object,
    tree,
    truncated,
)

from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.errors import ProviderError
from postretry_gui.providers.ayrshare import read_rate_limit
from postretry_gui.providers.ayrshare.accounts import (
    accounts_of,
    health_of,
    parse_profiles,
    parse_user,
)
from postretry_gui.providers.ayrshare.errors import error_from_response, read_body
from postretry_gui.providers.ayrshare.parsing import parse_history, parse_post, parse_retry_ack
from postretry_gui.providers.http import HttpResponse

NOW = 1_800_000_000.0
POST = Post(
    "p-1",
    (
        Destination("twitter", "x", Status.FAILED),
        Destination("linkedin", "linkedin", Status.PUBLISHED),
    ),
)

AYR = Vocabulary(
    # Field names of the contract, so random trees reach deep into the parsers.
    keys=[
        "history", "id", "status", "errors", "postIds", "platforms", "post", "created",
        "createDate", "create_date", "scheduleDate", "_seconds", "_nanoseconds", "utc",
        "type", "refId", "profileTitle", "action", "code", "message", "platform",
        "retryAvailable", "postUrl", "profiles", "pagination", "hasMore", "nextCursor",
        "title", "activeSocialAccounts", "displayNames", "displayName", "username",
    ],
    texts=[
        "error", "success", "pending", "processing", "paused", "deleted", "awaiting approval",
        "twitter", "TWITTER ", "x", "linkedin", "facebook", "329", "156", "272",
        "2026-11-15T10:00:00.000Z",
    ],
    header_names=[
        "x-ratelimit-max", "x-ratelimit-count", "x-ratelimit-remaining", "x-ratelimit-reset",
        "retry-after", "x-request-id", "content-type",
    ],
)  # fmt: skip
# Both header styles Ayrshare has used, sent whole half the time.
RATE_LIMIT_STYLES = [
    ("x-ratelimit-max", "x-ratelimit-count"),
    ("x-ratelimit-remaining", "x-ratelimit-reset"),
]
PLATFORMS = ["twitter", "facebook", "instagram", "linkedin", "youtube", "tiktok", "x", ""]
STATUS_WORDS = [
    "success",
    "error",
    "pending",
    "processing",
    "paused",
    "deleted",
    "awaiting approval",
]
CODES: list[object] = [329, 156, 161, 272, 110, 107, 101, 169, "272", " 329 ", 0, -1, 2**64]
SAMPLES = [
    *BROKEN_BODIES,
    b'{"code": ' + b"9" * 10_000 + b"}",  # an integer too long to convert
    b'{"history": 1e999999}',
    b'{"id": NaN}',
    b'{"history": [null, null]}',
    b'{"status": "error", "code": 329, "message": "already"}',
]


def _schedule_date(rng: random.Random) -> object:
    """Firestore's ``{_seconds, _nanoseconds, utc}``, an ISO string, or a number."""
    seconds = rng.choice([1_800_000_000, 0, -1, 2**63, 1e308, rng.randint(0, 2**40)])
    pick = rng.random()
    if pick < 0.4:
        stamp = {"_seconds": seconds, "_nanoseconds": rng.choice([0, 999_999_999, 10**9, -5])}
        if rng.random() < 0.5:
            stamp["utc"] = rng.choice(["2026-11-15T10:00:00.000Z", "2026-11-15", "soon"])
        return stamp
    if pick < 0.8:
        return rng.choice(["2026-11-15T10:00:00Z", "2026-11-15T10:00:00+05:30", "9999-99-99"])
    return seconds


def _network_error(rng: random.Random) -> dict[str, object]:
    return {
        "action": "post",
        "status": "error",
        "code": rng.choice(CODES),
        "message": rng.choice(["Status is a duplicate.", "Relink the account.", ""]),
        "platform": rng.choice(PLATFORMS),
        "retryAvailable": rng.random() < 0.5,
    }


def _published(rng: random.Random, platform: str) -> dict[str, object]:
    return {
        "platform": platform,
        "status": "success",
        "id": str(rng.getrandbits(40)),
        "postUrl": f"https://example.com/{platform}",
    }


def _post(rng: random.Random) -> dict[str, object]:
    """A history item or ``GET /post`` answer: real fields, some networks failed."""
    platforms = rng.sample(PLATFORMS, rng.randint(0, 4))
    post: dict[str, object] = {
        "id": rng.choice(["p-1", "AbC123xyz", "", " ", 17]),
        "status": rng.choice(STATUS_WORDS),
        "post": rng.choice(["Hello", "", "🙂" * 10]),
        "platforms": platforms,
        "postIds": [_published(rng, p) for p in platforms if rng.random() < 0.5],
        "errors": [{**_network_error(rng), "platform": p} for p in platforms if rng.random() < 0.5],
        rng.choice(["created", "createDate", "create_date"]): rng.choice(
            ["2026-11-15T10:00:00.000Z", 1_800_000_000_000, "yesterday"]
        ),
        "scheduleDate": _schedule_date(rng),
        "type": rng.choice(["now", "scheduled", 1]),
        "refId": "ref",
        "profileTitle": "Primary Profile",
    }
    return post


def _mutated(rng: random.Random, value: object) -> bytes:
    return dump(mutate(rng, value, AYR, odds=rng.choice([0.0, 0.1, 0.3])))


def _history(rng: random.Random) -> bytes:
    items = [_post(rng) for _ in range(rng.randint(0, 4))]
    return _mutated(rng, {"history": items, "refId": "ref", "count": len(items)})


def _error_body(rng: random.Random) -> bytes:
    body: dict[str, object] = {**_network_error(rng), "action": rng.choice(["post", "request"])}
    if rng.random() < 0.3:  # a post answer whose per-network errors carry the code
        body = {"status": "error", "id": "p-1", "errors": [_network_error(rng)]}
    return _mutated(rng, body)


def _profiles_or_user(rng: random.Random) -> bytes:
    networks = rng.sample(PLATFORMS, rng.randint(0, 4))
    if rng.random() < 0.5:
        profile = {"title": "Acme", "refId": "ref", "status": "active"}
        body: object = {
            "profiles": [{**profile, "activeSocialAccounts": networks}] * rng.randint(0, 3),
            "pagination": {"hasMore": rng.random() < 0.5, "nextCursor": rng.choice(["b2", None])},
        }
    else:
        body = {
            "activeSocialAccounts": networks,
            "displayNames": [
                {"platform": n, "displayName": "Acme", "username": "acme", "profileUrl": "u"}
                for n in networks
            ],
        }
    return _mutated(rng, body)


BODIES: list[BodyMaker] = [
    lambda rng: dump(tree(rng, AYR)),  # a random tree as the whole body
    lambda rng: truncated(rng, dump({"history": [_post(rng)]})),
    random_bytes,
    lambda rng: rng.choice(SAMPLES),
    lambda rng: dump(random_object(rng, AYR, 2, most=9)),  # a post or error: random fields
    _history,
    lambda rng: _mutated(rng, [_post(rng) for _ in range(rng.randint(0, 3))]),  # bare list
    lambda rng: _mutated(rng, _post(rng)),
    _error_body,
    lambda rng: _mutated(rng, {"status": rng.choice(["pending", "error"]), "id": "p-1"}),
    _profiles_or_user,
]


STATUSES = [200, 201, 400, 401, 402, 403, 404, 429, 500, 502, 503, 504]


def read_everything(status: int, headers: dict[str, str], body: bytes) -> list[object]:
    """Everything the provider does with one answer, as one pure call."""
    response = HttpResponse(status, headers, body, read_rate_limit(headers, NOW))
    out: list[object] = [error_from_response(response)]
    decoded = read_body(response)
    for parse in (
        parse_history,
        parse_post,
        lambda d: parse_post(d, post_id="p-1"),
        lambda d: parse_retry_ack(d, POST),
        parse_profiles,
        lambda d: accounts_of(parse_user(d)),
        lambda d: health_of(parse_user(d), "twitter"),
    ):
        try:
            out.append(parse(decoded))
        except ProviderError as exc:
            out.append(exc)
    return out


CASE = HostileCase(
    vocabulary=AYR,
    rate_limit_styles=RATE_LIMIT_STYLES,
    bodies=BODIES,
    statuses=STATUSES,
    read_everything=read_everything,
    read_rate_limit=read_rate_limit,
    # A history page is a tuple of posts.
    posts_of_page=lambda page: page,
    destination_kind="network",
)
