"""Property: whatever status, headers and body Ayrshare's side sends, reading them ends in a
domain object or a typed ``ProviderError`` — never another exception."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postretry_gui.domain import Destination, Post, RateLimitState, Status
from postretry_gui.domain.errors import ProviderError
from postretry_gui.providers.ayrshare import read_rate_limit
from postretry_gui.providers.ayrshare_parsing import (
    accounts_of,
    error_from_response,
    health_of,
    parse_history,
    parse_post,
    parse_profiles,
    parse_retry_ack,
    parse_user,
    read_body,
)
from postretry_gui.providers.http import HttpResponse

NOW = 1_800_000_000.0
POST = Post(
    "p-1",
    (
        Destination("twitter", "x", Status.FAILED),
        Destination("linkedin", "linkedin", Status.PUBLISHED),
    ),
)

# Field names of the contract, so random trees reach deep into the parsers.
KEYS = st.sampled_from(
    [
        "history", "id", "status", "errors", "postIds", "platforms", "post", "created",
        "createDate", "create_date", "scheduleDate", "_seconds", "_nanoseconds", "utc",
        "type", "refId", "profileTitle", "action", "code", "message", "platform",
        "retryAvailable", "postUrl", "profiles", "pagination", "hasMore", "nextCursor",
        "title", "activeSocialAccounts", "displayNames", "displayName", "username",
    ]
)  # fmt: skip
HOSTILE_TEXT = st.sampled_from(
    [
        "", "NaN", "Infinity", "-1", "1e400", "9" * 5000, "\x00", "\u202e", "null", "error",
        "success", "pending", "processing", "awaiting approval", "twitter", "TWITTER ", "x",
        "2026-11-15T10:00:00.000Z", "9999-99-99T99:99", "329", "156", "<html>", "🙂" * 50,
    ]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | HOSTILE_TEXT
)
TREES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=12,
)


def _dump(tree: Any) -> bytes:
    return json.dumps(tree, allow_nan=True).encode()


def _truncated(tree: Any, cut: float) -> bytes:
    whole = _dump(tree)
    return whole[: int(len(whole) * cut)]


# Flat enough to draw fast (10,000 examples), deep enough to reach every field parser.
ITEM_VALUES = (
    SCALARS
    | st.lists(SCALARS, max_size=3)
    | st.dictionaries(KEYS, SCALARS, max_size=3)
    | st.lists(st.dictionaries(KEYS, SCALARS, max_size=4), max_size=2)
)
ITEMS = st.dictionaries(KEYS, ITEM_VALUES, max_size=8)
SAMPLES = st.sampled_from(
    [
        b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
        b"[" * 100_000,  # nesting deeper than the decoder's recursion limit
        b'{"code": ' + b"9" * 10_000 + b"}",
        b'{"history": 1e999999}',
        b'{"id": NaN}',
        b'{"history": [null, null]}',
        b'{"status": "error", "code": 329, "message": "already"}',
        b"\xef\xbb\xbf{}",
    ]
)
BODIES = st.one_of(
    TREES.map(_dump),
    st.builds(_truncated, TREES, st.floats(min_value=0, max_value=1)),
    st.binary(max_size=200),
    SAMPLES,
    ITEMS.map(_dump),  # a post or an error body with random fields
    st.lists(ITEMS, max_size=3).map(lambda items: _dump({"history": items})),
    st.lists(ITEMS, max_size=3).map(_dump),  # the bare-list history
    st.builds(  # a post whose per-network lists are random trees
        lambda post_id, platforms, ids, errors: _dump(
            {
                "id": post_id,
                "status": "error",
                "platforms": platforms,
                "postIds": ids,
                "errors": errors,
            }
        ),
        SCALARS,
        ITEM_VALUES,
        st.lists(ITEMS, max_size=3),
        st.lists(ITEMS, max_size=3),
    ),
)
HEADER_NAMES = st.sampled_from(
    [
        "x-ratelimit-max", "x-ratelimit-count", "x-ratelimit-remaining", "x-ratelimit-reset",
        "retry-after", "x-request-id", "content-type",
    ]
)  # fmt: skip
HEADER_VALUES = (
    HOSTILE_TEXT
    | st.text(max_size=40)
    | st.integers(min_value=-(10**20), max_value=10**20).map(str)
    | st.floats(allow_nan=True).map(str)
    | st.just("Wed, 21 Oct 2015 07:28:00 GMT")
)
STATUSES = st.sampled_from([200, 201, 400, 401, 402, 403, 404, 429, 500, 502, 503, 504]) | (
    st.integers(min_value=100, max_value=599)
)


def _rate_limit(headers: dict[str, str]) -> RateLimitState:
    return read_rate_limit(headers, NOW)


def read_everything(status: int, headers: dict[str, str], body: bytes) -> list[object]:
    """Everything the provider does with one answer, as one pure call."""
    response = HttpResponse(status, headers, body, _rate_limit(headers))
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


def _check_post(post: Post) -> None:
    assert post.post_id
    account_ids = [d.account_id for d in post.destinations]
    assert len(account_ids) == len(set(account_ids)), "one destination per network"
    for destination in post.destinations:
        assert destination.account_id
        assert isinstance(destination.status, Status)
        if destination.status is Status.FAILED:
            assert destination.error


@settings(
    max_examples=10_000,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    status=STATUSES,
    headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=6),
    body=BODIES,
)
def test_hostile_answers_end_in_domain_objects_or_typed_errors(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    try:
        results = read_everything(status, headers, body)
    except ProviderError as exc:
        failure: ProviderError | None = exc
    else:
        failure = None
    if failure is not None:
        assert failure.message
        assert isinstance(str(failure), str)
        assert failure.http_status in (None, status)
        return
    assert 200 <= status <= 299  # a non-2xx answer always raises
    for result in results:
        if isinstance(result, Post):
            _check_post(result)
        elif isinstance(result, tuple):
            for post in result:
                assert isinstance(post, Post)
                _check_post(post)
    wait = _rate_limit(headers).wait_s(NOW)
    assert math.isfinite(wait)
    assert 0 <= wait <= 3600
