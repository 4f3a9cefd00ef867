"""Rate-limit headers as servers really send them: missing, malformed, in three time formats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postretry_gui.domain import parse_rate_limit
from postretry_gui.domain.ratelimit import MAX_WAIT_S

NOW = 1_800_000_000.0


def test_posteverywhere_headers_give_the_budget() -> None:
    state = parse_rate_limit(
        {
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "12",
            "X-RateLimit-Reset": "1800000030",
        },
        NOW,
    )
    assert (state.limit, state.remaining, state.reset_at) == (60, 12, NOW + 30)
    assert state.wait_s(NOW) == 0


def test_an_exhausted_budget_waits_until_reset() -> None:
    state = parse_rate_limit({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000030"}, NOW)
    assert state.wait_s(NOW) == pytest.approx(30)
    assert state.wait_s(NOW + 31) == 0


DATE_NOW = datetime(2027, 1, 15, 8, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("reset", "now"),
    [
        ("1800000030", NOW),  # unix seconds
        ("1800000030000", NOW),  # unix milliseconds
        ("30", NOW),  # seconds left
        ("Fri, 15 Jan 2027 08:00:30 GMT", DATE_NOW),  # HTTP date
        ("2027-01-15T08:00:30Z", DATE_NOW),  # ISO date
    ],
)
def test_reset_in_every_format_seen_means_thirty_seconds(reset: str, now: float) -> None:
    state = parse_rate_limit({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, now)
    assert state.wait_s(now) == pytest.approx(30.0)


def test_ayrshare_old_reset_is_milliseconds_left() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4500"}
    assert parse_rate_limit(headers, NOW, reset_delta_in_ms=True).wait_s(NOW) == pytest.approx(4.5)


def test_ayrshare_max_and_count_give_the_remaining_budget() -> None:
    state = parse_rate_limit({"x-ratelimit-max": "300", "x-ratelimit-count": "297"}, NOW)
    assert (state.limit, state.remaining) == (300, 3)
    over = parse_rate_limit({"x-ratelimit-max": "300", "x-ratelimit-count": "301"}, NOW)
    assert over.remaining == 0


def test_retry_after_wins_even_with_budget_left() -> None:
    state = parse_rate_limit(
        {"X-RateLimit-Remaining": "40", "X-RateLimit-Reset": "1800000001", "Retry-After": "7"}, NOW
    )
    assert state.wait_s(NOW) == pytest.approx(7)


def test_retry_after_as_http_date() -> None:
    state = parse_rate_limit({"Retry-After": "Fri, 15 Jan 2027 08:00:12 GMT"}, DATE_NOW)
    assert state.wait_s(DATE_NOW) == pytest.approx(12)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-3", "X-RateLimit-Reset": "soon"},
        {"X-RateLimit-Remaining": "nan", "Retry-After": "inf"},
        {"X-RateLimit-Remaining": "1e400", "Retry-After": ""},
    ],
)
def test_missing_or_malformed_headers_never_block(headers: dict[str, str]) -> None:
    state = parse_rate_limit(headers, NOW)
    assert state.wait_s(NOW) == 0


def test_a_hostile_reset_far_in_the_future_is_clamped() -> None:
    state = parse_rate_limit(
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"}, NOW
    )
    assert state.wait_s(NOW) == MAX_WAIT_S


def test_exhausted_without_a_reset_pauses_briefly_instead_of_stalling() -> None:
    state = parse_rate_limit({"X-RateLimit-Remaining": "0"}, NOW)
    assert 0 < state.wait_s(NOW) <= 1.0


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Retry-After",
                "x-ratelimit-max",
                "x-ratelimit-count",
                "x-ratelimit-remaining",
            ]
        ),
        st.text(max_size=40),
    ),
    st.booleans(),
)
def test_any_header_values_give_a_bounded_wait(headers: dict[str, str], in_ms: bool) -> None:
    state = parse_rate_limit(headers, NOW, reset_delta_in_ms=in_ms)
    assert 0 <= state.wait_s(NOW) <= MAX_WAIT_S
