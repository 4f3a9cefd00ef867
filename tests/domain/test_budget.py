"""The budget ledger: every window counted, the server's word taken, jobs estimated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postretry_gui.domain.budget import (
    BudgetLedger,
    WindowSpec,
    describe_duration,
    does_not_fit,
    scaled,
)

MINUTE = WindowSpec(limit=60, length_s=60, label="this minute")
HOUR = WindowSpec(limit=1000, length_s=3600, label="this hour")
DAY = WindowSpec(limit=10_000, length_s=86_400, label="today")


def posteverywhere() -> BudgetLedger:
    return BudgetLedger([DAY, MINUTE, HOUR])


def test_a_fresh_budget_has_the_whole_of_every_window() -> None:
    ledger = posteverywhere()
    assert ledger.room(0.0) == 60
    assert (
        ledger.describe(0.0)
        == "60 of 60 this minute · 1,000 of 1,000 this hour · 10,000 of 10,000 today"
    )


def test_each_request_counts_in_every_window() -> None:
    ledger = posteverywhere()
    ledger.record(100.0, 19)
    assert (
        ledger.describe(101.0)
        == "41 of 60 this minute · 981 of 1,000 this hour · 9,981 of 10,000 today"
    )


def test_the_minute_reopens_but_the_hour_remembers() -> None:
    ledger = posteverywhere()
    for minute in range(17):
        ledger.record(minute * 60.0, 60)
    # 1,020 sent in 17 minutes would be over the hour: the ledger says the hour is spent.
    now = 17 * 60.0
    assert ledger.room(now) == 0
    assert ledger.next_opening(now) == pytest.approx(3600.0)


def test_the_servers_word_wins_for_the_window_of_its_limit() -> None:
    ledger = posteverywhere()
    ledger.record(0.0, 5)
    # Another operator on the same key used more of the hour than we did.
    ledger.observe(limit=1000, remaining=700, reset_at=1800.0, now=10.0)
    assert ledger.uses(10.0)[1].remaining(10.0) == 700
    assert ledger.uses(10.0)[0].remaining(10.0) == 55  # the minute is unchanged
    # A header for a limit we do not know says nothing about our windows.
    ledger.observe(limit=77, remaining=0, reset_at=2000.0, now=11.0)
    assert ledger.room(11.0) == 55


def test_a_job_within_every_window_leaves_now() -> None:
    estimate = posteverywhere().estimate(60, 0.0)
    assert estimate.seconds == 0
    assert estimate.spills == ()


def test_a_job_past_the_minute_waits_minutes_and_past_the_hour_says_so() -> None:
    ledger = posteverywhere()
    small = ledger.estimate(200, 0.0)
    assert small.spills == (MINUTE,)
    assert small.seconds == pytest.approx(60 * 3)  # 60 now, then 3 more minutes
    assert small.spills_past(3600) == ()
    big = ledger.estimate(2000, 0.0)
    assert big.spills_past(3600) == (HOUR,)
    assert big.seconds >= 3600


def test_durations_are_said_as_estimates() -> None:
    assert describe_duration(12) == "under a minute"
    assert describe_duration(61) == "about 2 minutes"
    assert describe_duration(3 * 3600) == "about 3 hours"
    assert describe_duration(5400) == "about 1.5 hours"


def test_a_budget_needs_a_window() -> None:
    with pytest.raises(ValueError, match="at least one window"):
        BudgetLedger([])


@given(st.lists(st.tuples(st.floats(0, 5000), st.integers(1, 40)), max_size=60))
def test_room_never_exceeds_any_window_and_never_goes_negative(
    sends: list[tuple[float, int]],
) -> None:
    ledger = posteverywhere()
    now = 0.0
    for at, count in sorted(sends):
        now = at
        ledger.record(now, min(count, ledger.room(now)))
        assert 0 <= ledger.room(now) <= 60
        for use in ledger.uses(now):
            assert 0 <= use.remaining(now) <= use.spec.limit


def test_a_job_past_the_hour_says_so_with_its_estimate() -> None:
    ledger = posteverywhere()
    ledger.observe(limit=1000, remaining=870, reset_at=1800.0, now=0.0)
    estimate = ledger.estimate(2000, 0.0)
    assert does_not_fit(estimate, ledger.uses(0.0), 0.0) == (
        "about 1.5 hours: more than the 870 requests left this hour"
    )
    # A job that only waits for minutes is not asked about.
    small = ledger.estimate(100, 0.0)
    assert small.spills
    assert does_not_fit(small, ledger.uses(0.0), 0.0) is None


def test_scaled_windows_keep_their_limits_and_names() -> None:
    fast = scaled([MINUTE, HOUR], 0.1)
    assert [(w.limit, w.length_s, w.label) for w in fast] == [
        (60, 6.0, "this minute"),
        (1000, 360.0, "this hour"),
    ]
