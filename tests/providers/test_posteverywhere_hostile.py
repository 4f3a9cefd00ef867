"""Property: whatever status, headers and body arrive, reading them ends in a domain object
or a typed ``ProviderError`` — never another exception."""

from __future__ import annotations

import math
import random

from hostile_bodies import (
    BROKEN_BODIES,
    BodyMaker,
    Vocabulary,
    dump,
    hostile_headers,
    random_bytes,
    random_object,
    scalar,
    tree,
    truncated,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import parse_rate_limit
from postretry_gui.domain.errors import ProviderError
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.posteverywhere.envelope import error_from_response, read_data
from postretry_gui.providers.posteverywhere.parsing import (
    parse_accounts,
    parse_bulk_retry_ack,
    parse_health,
    parse_page,
    parse_post,
    parse_results,
    parse_retry_ack,
)

NOW = 1_800_000_000.0

PE = Vocabulary(
    # Field names of the contract, so random trees reach deep into the parsers.
    keys=[
        "data", "error", "meta", "request_id", "requestId", "message", "code", "post_id", "id",
        "status", "post_status", "content", "destinations", "results", "posts", "pagination",
        "has_more", "total", "limit", "offset", "account_id", "account_name", "platform",
        "attempts", "published_at", "next_retry_at", "created_at", "retried_count", "next_step",
        "accounts", "health", "can_post", "reasons", "needs_reconnection", "token", "expired",
        "is_active",
    ],
    texts=["failed", "published", "queued", "Token expired. Please reconnect.", "x"],
    header_names=[
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after",
        "x-request-id", "x-ratelimit-max", "x-ratelimit-count", "content-type",
    ],
)  # fmt: skip
RATE_LIMIT_STYLE = [("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")]
SAMPLES = [
    *BROKEN_BODIES,
    b'{"data": ' + b"9" * 10_000 + b"}",  # an integer too long to convert
    b'{"data": 1e999999}',
    b'{"data": {"post_id": NaN}}',
    b'{"data": {"post_id": "p", "destinations": [null, null]}}',
]


def _envelope(rng: random.Random) -> bytes:
    return dump({"data": tree(rng, PE), "error": tree(rng, PE), "meta": tree(rng, PE)})


def _page(rng: random.Random) -> bytes:
    posts = [tree(rng, PE) for _ in range(rng.randint(0, 4))]
    return dump({"data": {"posts": posts, "pagination": tree(rng, PE)}})


def _destinations(rng: random.Random) -> bytes:
    """A post (and results) whose destinations are random objects."""
    items = [random_object(rng, PE, 2, most=9) for _ in range(rng.randint(0, 4))]
    return dump({"data": {"post_id": scalar(rng, PE), "destinations": items, "results": items}})


BODIES: list[BodyMaker] = [
    _envelope,
    lambda rng: dump(tree(rng, PE)),  # a random tree as the whole body
    lambda rng: truncated(rng, dump({"data": tree(rng, PE), "error": None})),
    random_bytes,
    lambda rng: rng.choice(SAMPLES),
    _page,
    _destinations,
]


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
    kind=st.integers(min_value=0, max_value=len(BODIES) - 1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_hostile_answers_end_in_domain_objects_or_typed_errors(
    status: int, kind: int, seed: int
) -> None:
    rng = random.Random(seed)
    header_map = hostile_headers(rng, PE, RATE_LIMIT_STYLE)
    results = outcome(status, header_map, BODIES[kind](rng))
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
