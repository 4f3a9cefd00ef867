"""Property: whatever status, headers and body arrive, reading them ends in a domain object
or a typed ``ProviderError`` — never another exception."""

from __future__ import annotations

import json
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import parse_rate_limit
from postretry_gui.domain.errors import ProviderError
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.posteverywhere import (
    error_from_response,
    parse_accounts,
    parse_bulk_retry_ack,
    parse_health,
    parse_page,
    parse_post,
    parse_results,
    parse_retry_ack,
    read_data,
)

NOW = 1_800_000_000.0

# Field names of the contract, so random trees reach deep into the parsers.
KEYS = [
    "data", "error", "meta", "request_id", "requestId", "message", "code", "post_id", "id",
    "status", "post_status", "content", "destinations", "results", "posts", "pagination",
    "has_more", "total", "limit", "offset", "account_id", "account_name", "platform",
    "attempts", "published_at", "next_retry_at", "created_at", "retried_count", "next_step",
    "accounts", "health", "can_post", "reasons", "needs_reconnection", "token", "expired",
    "is_active",
]  # fmt: skip
HOSTILE_TEXT = [
    "", "NaN", "nan", "Infinity", "-1", "1e400", "9" * 5000, "\x00", "\u202e", "null",
    "2026-04-15T16:00:00.000Z", "9999-99-99T99:99", "failed", "published", "queued",
    "Token expired. Please reconnect.", "<html>", "🙂" * 50, " 2285 ", "\ud800",
]  # fmt: skip
HOSTILE_NUMBERS: list[object] = [
    0, -1, 1, 2285, 2**63, -(2**63) - 1, 10**400, 1e308, -0.0, 0.5, 1e12, 1e18,
    math.nan, math.inf, -math.inf, True, False,
]  # fmt: skip


def _scalar(rng: random.Random) -> object:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.45:
        return rng.choice(HOSTILE_TEXT)
    if pick < 0.65:
        return rng.choice(HOSTILE_NUMBERS)
    if pick < 0.8:
        return rng.randint(-(2**70), 2**70)
    return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 12)))


def tree(rng: random.Random, depth: int = 0) -> object:
    """A JSON-ish tree of random types, biased towards the contract's field names. Built
    from one seed rather than by many strategy draws: 10,000 of them stay fast."""
    pick = rng.random()
    if depth >= 5 or pick < 0.35:
        return _scalar(rng)
    if pick < 0.55:
        return [tree(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = rng.sample(KEYS, rng.randint(0, 7))
    if rng.random() < 0.3:
        keys.append(str(_scalar(rng)))
    return {key: tree(rng, depth + 1) for key in keys}


def _dump(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


SAMPLES = [
    b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
    b"[" * 100_000,  # nesting deeper than the decoder's recursion limit
    b'{"data": ' + b"9" * 10_000 + b"}",  # an integer too long to convert
    b'{"data": 1e999999}',
    b'{"data": {"post_id": NaN}}',
    b'{"data": {"post_id": "p", "destinations": [null, null]}}',
    b"\xef\xbb\xbf{}",
]


def body(kind: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if kind == 0:  # the envelope around a random data tree
        return _dump({"data": tree(rng), "error": tree(rng), "meta": tree(rng)})
    if kind == 1:  # a random tree as the whole body
        return _dump(tree(rng))
    if kind == 2:  # truncated JSON
        whole = _dump({"data": tree(rng), "error": None})
        return whole[: rng.randint(0, len(whole))]
    if kind == 3:  # random bytes
        return rng.randbytes(rng.randint(0, 200))
    if kind == 4:
        return rng.choice(SAMPLES)
    if kind == 5:  # a list page whose items are random trees
        posts = [tree(rng) for _ in range(rng.randint(0, 4))]
        return _dump({"data": {"posts": posts, "pagination": tree(rng)}})
    # a post (and results) whose destinations are random objects
    items = [
        {key: tree(rng, 2) for key in rng.sample(KEYS, rng.randint(0, 9))}
        for _ in range(rng.randint(0, 4))
    ]
    return _dump({"data": {"post_id": _scalar(rng), "destinations": items, "results": items}})


HEADER_NAMES = [
    "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after",
    "x-request-id", "x-ratelimit-max", "x-ratelimit-count", "content-type",
]  # fmt: skip
HEADER_SAMPLES = ["Wed, 21 Oct 2015 07:28:00 GMT", "2026-04-15T16:00:00Z", "1e999", " 7 ", "0"]


def hostile_headers(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    out: dict[str, str] = {}
    for name in rng.sample(HEADER_NAMES, rng.randint(0, len(HEADER_NAMES))):
        pick = rng.random()
        if pick < 0.3:
            out[name] = rng.choice(HOSTILE_TEXT + HEADER_SAMPLES)
        elif pick < 0.7:
            out[name] = str(rng.choice([*HOSTILE_NUMBERS, rng.randint(-(10**20), 10**20)]))
        else:
            out[name] = str(rng.uniform(-1e13, 1e13))
    return out


STATUSES = st.sampled_from([200, 201, 204, 400, 401, 402, 403, 404, 409, 422, 429, 500, 502]) | (
    st.integers(min_value=100, max_value=599)
)


def read_everything(status: int, headers: dict[str, str], body: bytes) -> list[object]:
    """Everything a provider would do with one answer, as one pure call."""
    response = HttpResponse(status, headers, body, parse_rate_limit(headers, NOW))
    out: list[object] = [error_from_response(response)]
    data = read_data(response)
    for parse in (
        lambda d: parse_page(d, offset=0, limit=20),
        parse_post,
        lambda d: parse_results(d, "p-1"),
        lambda d: parse_retry_ack(d, "p-1"),
        parse_bulk_retry_ack,
        parse_accounts,
        lambda d: parse_health(d, "2285"),
    ):
        try:
            out.append(parse(data))
        except ProviderError as exc:
            out.append(exc)
    return out


def outcome(status: int, header_map: dict[str, str], raw: bytes) -> list[object]:
    """The results, or the one ProviderError that stopped the reading."""
    try:
        return read_everything(status, header_map, raw)
    except ProviderError as exc:
        return [exc]


@settings(max_examples=10_000, deadline=None, database=None)  # database: none in the tree
@given(
    status=STATUSES,
    kind=st.integers(min_value=0, max_value=6),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_hostile_answers_end_in_domain_objects_or_typed_errors(
    status: int, kind: int, seed: int
) -> None:
    header_map = hostile_headers(seed)
    results = outcome(status, header_map, body(kind, seed))
    if not 200 <= status <= 299:  # a non-2xx answer always raises, with its status
        [error] = results
        assert isinstance(error, ProviderError)
        assert error.http_status == status
    for result in results:
        if isinstance(result, ProviderError):
            assert str(result)
            continue
        # A domain object whose numbers the UI can show.
        for name in ("attempts", "retried_count", "total"):
            value = getattr(result, name, None)
            assert value is None or (isinstance(value, int) and value >= 0)
    wait = parse_rate_limit(header_map, NOW).wait_s(NOW)
    assert math.isfinite(wait)
    assert 0 <= wait <= 3600
