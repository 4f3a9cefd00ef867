"""The pacer keeps every published window (minute, hour, day), not just the one the headers
describe: the hour blocks a key whose minutes all had room."""

from __future__ import annotations

import pytest
from pe_wire import FakeClock

from postretry_gui.domain import RateLimitState
from postretry_gui.providers.pacing import Priority, RatePacer
from postretry_gui.providers.posteverywhere.spec import RATE_WINDOWS

BACKGROUND = Priority.BACKGROUND
INTERACTIVE = Priority.INTERACTIVE


def windowed(clock: FakeClock) -> RatePacer:
    return RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0, windows=RATE_WINDOWS)


def minute_answer(clock: FakeClock, remaining: int, *, limit: int = 60) -> RateLimitState:
    return RateLimitState(
        limit=limit, remaining=remaining, reset_at=clock.now + 60.0, observed_at=clock.now
    )


def hour_answer(clock: FakeClock, remaining: int) -> RateLimitState:
    """The header describes the hour: the window nearest to exhaustion."""
    return RateLimitState(
        limit=1000, remaining=remaining, reset_at=clock.now + 1200.0, observed_at=clock.now
    )


async def send(pacer: RatePacer, clock: FakeClock, answer: RateLimitState | None = None) -> None:
    async with pacer.slot(INTERACTIVE):
        pacer.observe(answer or minute_answer(clock, 59))


@pytest.mark.asyncio
async def test_every_request_counts_in_every_window_and_the_status_bar_says_so() -> None:
    clock = FakeClock()
    pacer = windowed(clock)
    for used in range(1, 20):
        await send(pacer, clock, minute_answer(clock, 60 - used))
    assert pacer.describe_budget() == (
        "41 of 60 this minute · 981 of 1,000 this hour · 9,981 of 10,000 today"
    )


@pytest.mark.asyncio
async def test_the_hour_blocks_although_the_minute_has_room() -> None:
    clock = FakeClock()
    pacer = windowed(clock)
    # 999 requests over 17 minutes, each minute's answer saying the minute has room.
    for i in range(999):
        if i and i % 59 == 0:
            clock.now += 60.0
        await send(pacer, clock)
    assert pacer.wait_before_send(INTERACTIVE) == 0.0
    # The operator may spend the last one; background work keeps the hour's reserve.
    assert pacer.wait_before_send(BACKGROUND) == pytest.approx(3600.0 - 16 * 60.0, abs=1.0)
    assert pacer.allowance(BACKGROUND, 5) == 0
    await send(pacer, clock)
    wait = pacer.wait_before_send(INTERACTIVE)
    assert wait is not None
    assert wait > 60.0  # not the minute: the hour reopens


@pytest.mark.asyncio
async def test_the_servers_word_for_the_hour_wins() -> None:
    clock = FakeClock()
    pacer = windowed(clock)
    # Another operator on the same key spent most of the hour: the header says so.
    await send(pacer, clock, hour_answer(clock, 40))
    assert pacer.describe_budget() == (
        "59 of 60 this minute · 40 of 1,000 this hour · 9,999 of 10,000 today"
    )
    estimate = pacer.estimate(100)
    assert estimate is not None
    assert [w.label for w in estimate.spills_past(3600.0)] == ["this hour"]


@pytest.mark.asyncio
async def test_a_server_with_other_limits_is_paced_by_its_headers_alone() -> None:
    clock = FakeClock()
    pacer = windowed(clock)
    await send(pacer, clock, minute_answer(clock, 299, limit=300))
    assert pacer.describe_budget() is None
    assert pacer.estimate(10) is None
    for _ in range(200):
        await send(pacer, clock, minute_answer(clock, 250, limit=300))
    assert pacer.wait_before_send(BACKGROUND) == 0.0


@pytest.mark.asyncio
async def test_a_poll_round_keeps_half_the_minute_but_only_the_reserve_of_the_hour() -> None:
    clock = FakeClock()
    pacer = windowed(clock)
    await send(pacer, clock, hour_answer(clock, 20))
    # The minute has 59 (30 beyond its half); the hour 20, of which 10 are the reserve.
    assert pacer.allowance(BACKGROUND, 100) == 10
    assert pacer.allowance(INTERACTIVE, 100) == 20
