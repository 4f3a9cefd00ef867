"""Zernio's hostile answers for the shared property test (``test_hostile_answers.py``):
its words, its bodies, and everything its client does with one answer (the typed list
reader either declines a page or reads it exactly as the tolerant reader does)."""

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
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.zernio import read_rate_limit
from postretry_gui.providers.zernio.accounts import parse_accounts, parse_health
from postretry_gui.providers.zernio.errors import (
    error_from_response,
    read_body,
    retry_error_from_response,
)
from postretry_gui.providers.zernio.parsing import (
    parse_post_answer,
    parse_posts,
    parse_retry_answer,
)
from postretry_gui.providers.zernio.typed import typed_posts

NOW = 1_800_000_000.0
POST = Post(
    "6751f0a9e2b5af0012ab3401",
    (
        Destination("acc1", "twitter", Status.FAILED, error="x"),
        Destination("acc2", "linkedin", Status.PUBLISHED),
    ),
)

ZER = Vocabulary(
    keys=[
        "posts", "post", "pagination", "page", "pages", "limit", "total", "_id", "id", "status",
        "content", "title", "platforms", "platformTargets", "platform", "accountId",
        "errorMessage", "errorCategory", "errorSource", "platformError", "message", "code",
        "publishAttempts", "platformPostId", "platformPostUrl", "publishedAt", "createdAt",
        "updatedAt", "scheduledFor", "displayName", "username", "isActive",
        "needsReconnection", "enabled", "accounts", "error", "details", "required_group",
        "tokenStatus", "valid", "permissions", "canPost", "needsReconnect", "issues",
    ],
    texts=[
        "failed", "partial", "published", "pending", "processing", "uploading", "cancelled",
        "auth_expired", "account_issue", "user_content", "platform_rejected", "system",
        "quota_exhausted", "DUPLICATE_CONTENT", "ACCOUNT_DISCONNECTED",
        "insufficient_permissions", "twitter", "Instagram did not confirm the post",
        "2026-12-04T10:15:07Z", "6650a1c2d3e4f5a6b7c8d901",
    ],
    header_names=[
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after",
        "x-request-id", "content-type",
    ],
)  # fmt: skip
RATE_LIMIT_STYLES = [("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")]
PLATFORMS = ["twitter", "instagram", "linkedin", "facebook", "tiktok", "snapchat", ""]
TARGET_WORDS = ["pending", "processing", "uploading", "publishing", "published", "failed",
                "cancelled", "exploded"]  # fmt: skip
CATEGORIES = [
    "auth_expired", "account_issue", "user_content", "media_error", "user_abuse",
    "platform_rejected", "platform_error", "platform_rate_limit", "rate_limited",
    "quota_exhausted", "system_error", "system", "unknown", "brand_new", None,
]  # fmt: skip
SAMPLES = [
    *BROKEN_BODIES,
    b'{"posts": 1e999999}',
    b'{"posts": [{"_id": NaN}]}',
    b'{"posts": [null]}',
    b'{"error": "Post is currently publishing"}',
    b'{"posts": [], "pagination": {"pages": ' + b"9" * 5000 + b"}}",
]


def _account(rng: random.Random) -> object:
    account_id = rng.choice(["acc1", "acc2", "6650a1c2d3e4f5a6b7c8d901", "", " acc3 ", 17])
    if rng.random() < 0.3:
        return account_id
    return {
        "_id": account_id,
        "platform": rng.choice(PLATFORMS),
        "username": "@acme",
        "displayName": rng.choice(["Acme", "", "🙂" * 10]),
        "isActive": rng.choice([True, False, None, "true"]),
        "needsReconnection": rng.choice([True, False, None]),
        "enabled": rng.choice([True, False, None]),
    }


def _target(rng: random.Random) -> dict[str, object]:
    target: dict[str, object] = {
        "platform": rng.choice(PLATFORMS),
        "accountId": _account(rng),
        "status": rng.choice(TARGET_WORDS),
        "publishAttempts": rng.choice([0, 1, 3, -1, 2**70, "2"]),
    }
    if rng.random() < 0.6:
        target["errorMessage"] = rng.choice(["Token expired.", "Too long", "", "\x00bad"])
        target["errorCategory"] = rng.choice(CATEGORIES)
        target["errorSource"] = rng.choice(["user", "platform", "system"])
    if rng.random() < 0.2:
        target["platformError"] = {"code": 2, "message": "Meta error"}
    if rng.random() < 0.3:
        target["platformPostId"] = str(rng.getrandbits(60))
        target["platformPostUrl"] = "https://example.com/p/1"
        target["publishedAt"] = rng.choice(["2026-12-04T10:15:07Z", "yesterday", 1_800_000_000])
    return target


def _post(rng: random.Random) -> dict[str, object]:
    key = "platforms" if rng.random() < 0.9 else "platformTargets"
    return {
        "_id": rng.choice(["6751f0a9e2b5af0012ab3401", "p-2", "", 17]),
        "status": rng.choice(["failed", "partial", "published", "scheduled", "draft", "odd"]),
        "content": rng.choice(["Hello", "", "🙂" * 10]),
        "title": "Launch",
        key: [_target(rng) for _ in range(rng.randint(0, 4))],
        "createdAt": rng.choice(["2026-12-01T14:12:00Z", "2026-12-01", 1_800_000_000_000]),
        "updatedAt": "2026-12-04T10:15:09Z",
    }


def _shaped_page(rng: random.Random) -> object:
    posts = [_post(rng) for _ in range(rng.randint(0, 4))]
    pages = rng.choice([1, 2, 0, -1, None, "2"])
    return {"posts": posts, "pagination": {"page": 1, "limit": 10, "total": 3, "pages": pages}}


def _mutated(rng: random.Random, value: object) -> bytes:
    return dump(mutate(rng, value, ZER, odds=rng.choice([0.0, 0.1, 0.3])))


ERROR_CODES = [
    "DUPLICATE_CONTENT", "ACCOUNT_DISCONNECTED", "insufficient_permissions", "rate_limited",
    409, None,
]  # fmt: skip


def _error_body(rng: random.Random) -> bytes:
    body = {
        "error": rng.choice(["Invalid state", "Post is currently publishing", "", None]),
        "code": rng.choice(ERROR_CODES),
        "required_group": rng.choice(["accounts", "publishing", None]),
        "details": rng.choice([{"accountId": "acc1", "existingPostId": "p9"}, [], None]),
    }
    return _mutated(rng, body)


def _accounts_or_health(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return _mutated(rng, {"accounts": [_account(rng) for _ in range(rng.randint(0, 3))]})
    health = {
        "accountId": "acc1",
        "status": rng.choice(["healthy", "warning", "error"]),
        "tokenStatus": {"valid": rng.choice([True, False, None])},
        "permissions": {"canPost": rng.choice([True, False, None])},
        "issues": ["Token expired"],
    }
    return _mutated(rng, health)


BODIES: list[BodyMaker] = [
    lambda rng: dump(tree(rng, ZER)),
    lambda rng: truncated(rng, dump(_shaped_page(rng))),
    random_bytes,
    lambda rng: rng.choice(SAMPLES),
    lambda rng: dump(random_object(rng, ZER, 2, most=9)),
    lambda rng: _mutated(rng, _shaped_page(rng)),
    lambda rng: dump(_shaped_page(rng)),
    lambda rng: _mutated(rng, {"post": _post(rng)}),
    lambda rng: _mutated(rng, {"message": "Done", "error": "1 failed", "post": _post(rng)}),
    _error_body,
    _accounts_or_health,
]

STATUSES = [200, 207, 400, 401, 402, 403, 404, 409, 429, 500, 502, 503]


def read_everything(status: int, headers: dict[str, str], body: bytes) -> list[object]:
    """Everything the provider does with one answer, as one pure call."""
    response = HttpResponse(status, headers, body, read_rate_limit(headers, NOW))
    out: list[object] = [error_from_response(response), retry_error_from_response(response)]
    typed = typed_posts(body) if response.ok else None
    decoded = read_body(response)
    for parse in (
        parse_posts,
        parse_post_answer,
        lambda d: parse_retry_answer(d, POST),
        parse_accounts,
        lambda d: parse_health(d, "acc1"),
    ):
        try:
            out.append(parse(decoded))
        except ProviderError as exc:
            out.append(exc)
    if typed is not None:
        assert typed == out[2], "the typed path read a page differently"
    return out


CASE = HostileCase(
    vocabulary=ZER,
    rate_limit_styles=RATE_LIMIT_STYLES,
    bodies=BODIES,
    statuses=STATUSES,
    read_everything=read_everything,
    read_rate_limit=read_rate_limit,
    # A list page is (posts, pages).
    posts_of_page=lambda page: page[0],
    destination_kind="account",
)
