"""RatePacer on a fake clock: when a request may leave, for whom, and what the UI reads."""

from __future__ import annotations

import asyncio

import pytest
from pe_wire import T0, FakeClock, settle, until

from postretry_gui.domain import RateLimitState
from postretry_gui.domain.errors import RateLimited
from postretry_gui.providers.pacing import Priority, RatePacer

BACKGROUND = Priority.BACKGROUND
INTERACTIVE = Priority.INTERACTIVE


def pacer_on(clock: FakeClock, **kw: object) -> RatePacer:
    return RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0, **kw)  # type: ignore[arg-type]


def budget(clock: FakeClock, remaining: int, *, limit: int = 10, reset_in: float = 10.0,
           retry_after_in: float | None = None) -> RateLimitState:  # fmt: skip
    return RateLimitState(
        limit=limit,
        remaining=remaining,
        reset_at=clock.now + reset_in,
        retry_after_until=None if retry_after_in is None else clock.now + retry_after_in,
        observed_at=clock.now,
    )


def start(pacer: RatePacer, priority: Priority = INTERACTIVE) -> asyncio.Task[None]:
    return asyncio.create_task(pacer.acquire(priority))


@pytest.mark.asyncio
async def test_before_the_first_answer_only_one_request_is_in_flight() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    await pacer.acquire()
    second = start(pacer)
    await settle()
    assert not second.done()
    assert pacer.in_flight == 1
    pacer.observe(budget(clock, remaining=5))
    pacer.release()
    await until(second.done)
    assert pacer.in_flight == 1


@pytest.mark.asyncio
async def test_requests_in_flight_count_against_the_remaining_budget() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=3))
    tasks = [start(pacer) for _ in range(5)]
    await settle()
    assert sum(t.done() for t in tasks) == 3
    assert pacer.in_flight == 3
    # One answer says two are left: two are still in flight, so nothing more may go.
    pacer.observe(budget(clock, remaining=2))
    pacer.release()
    await settle()
    assert sum(t.done() for t in tasks) == 3
    for task in tasks:
        task.cancel()


@pytest.mark.asyncio
async def test_nothing_leaves_while_remaining_is_zero_before_the_reset() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=0, reset_in=12.0))
    await pacer.acquire()
    assert clock.now >= T0 + 12.0
    assert clock.sleeps == [pytest.approx(12.0)]


@pytest.mark.asyncio
async def test_after_the_reset_the_new_window_starts_slowly() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=0, reset_in=2.0))
    tasks = [start(pacer) for _ in range(3)]
    await until(lambda: any(t.done() for t in tasks))
    await settle()
    assert sum(t.done() for t in tasks) == 1  # one probe learns the new window
    pacer.observe(budget(clock, remaining=5))
    pacer.release()
    await until(lambda: all(t.done() for t in tasks))


@pytest.mark.asyncio
async def test_retry_after_wins_over_a_remaining_budget() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=50, retry_after_in=7.0))
    await pacer.acquire()
    assert clock.now >= T0 + 7.0


@pytest.mark.asyncio
async def test_a_retry_after_survives_answers_that_arrive_after_it() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=5, retry_after_in=7.0))
    pacer.observe(budget(clock, remaining=4))  # an older request's answer, without it
    await pacer.acquire()
    assert clock.now >= T0 + 7.0


@pytest.mark.asyncio
async def test_answers_out_of_order_keep_the_smallest_remaining_of_the_window() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=2))
    pacer.observe(budget(clock, remaining=6))  # sent earlier, answered later
    assert pacer.state.remaining == 2
    clock.now += 11  # the next window
    pacer.observe(budget(clock, remaining=9))
    assert pacer.state.remaining == 9


@pytest.mark.asyncio
async def test_background_keeps_a_reserve_for_interactive_requests() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)  # the reserve's floor: 2 of a limit of 10
    pacer.observe(budget(clock, remaining=2, limit=10, reset_in=5.0))
    await pacer.acquire(INTERACTIVE)
    pacer.release()
    # Two left is the reserve: background work waits for the next window.
    await pacer.acquire(BACKGROUND)
    assert clock.now >= T0 + 5.0
    assert clock.sleeps == [pytest.approx(5.0)]


@pytest.mark.asyncio
async def test_the_reserve_is_small_so_background_work_runs_near_the_limit() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    # 300 per window: 1 % (3) is kept back; with 4 left background work still goes at once.
    pacer.observe(budget(clock, remaining=4, limit=300, reset_in=5.0))
    await pacer.acquire(BACKGROUND)
    pacer.release()
    assert clock.sleeps == []
    pacer.observe(budget(clock, remaining=3, limit=300, reset_in=5.0))
    await pacer.acquire(BACKGROUND)
    assert clock.sleeps == [pytest.approx(5.0)]


@pytest.mark.asyncio
async def test_background_yields_to_a_waiting_interactive_request() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=8))
    order: list[str] = []
    await pacer.acquire()  # slot 1
    pacer.observe(budget(clock, remaining=1))  # one left, and one in flight: all spent

    async def ask(name: str, priority: Priority) -> None:
        await pacer.acquire(priority)
        order.append(name)

    background = asyncio.create_task(ask("background", BACKGROUND))
    await settle()
    interactive = asyncio.create_task(ask("interactive", INTERACTIVE))
    await settle()
    assert order == []
    clock.now += 11  # the next window opens with room for both
    pacer.observe(budget(clock, remaining=8))
    pacer.release()
    await until(lambda: len(order) == 2)
    assert order == ["interactive", "background"]
    await asyncio.gather(background, interactive)


@pytest.mark.asyncio
async def test_a_cancelled_interactive_waiter_does_not_block_background_work() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    await pacer.acquire()  # slow start: one in flight, everyone else waits
    interactive = start(pacer, INTERACTIVE)
    background = start(pacer, BACKGROUND)
    await settle()
    interactive.cancel()
    await settle()
    pacer.observe(budget(clock, remaining=9))
    pacer.release()
    await until(background.done)
    assert interactive.cancelled()


@pytest.mark.asyncio
async def test_a_wait_longer_than_max_wait_raises_with_the_wait() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock, max_wait_s=30.0)
    pacer.observe(budget(clock, remaining=0, reset_in=600.0))
    with pytest.raises(RateLimited) as caught:
        await pacer.acquire()
    assert caught.value.retry_after == pytest.approx(600.0)
    assert clock.sleeps == []


@pytest.mark.asyncio
async def test_a_server_without_budget_headers_is_paced_by_max_in_flight_only() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock, max_in_flight=3)
    await pacer.acquire()
    pacer.observe(RateLimitState(observed_at=clock.now))
    tasks = [start(pacer) for _ in range(4)]
    await settle()
    assert sum(t.done() for t in tasks) == 2
    assert pacer.in_flight == 3
    for task in tasks:
        task.cancel()


@pytest.mark.asyncio
async def test_hold_until_delays_everything() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.observe(budget(clock, remaining=9))
    pacer.hold_until(clock.now + 4.0)
    async with pacer.slot(BACKGROUND):
        assert clock.now >= T0 + 4.0
    assert pacer.in_flight == 0


@pytest.mark.asyncio
async def test_jitter_spreads_waits_after_the_same_reset() -> None:
    clock = FakeClock()
    draws = iter([0.0, 0.5, 1.0])
    pacer = RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.1, rng=lambda: next(draws))
    pacer.observe(budget(clock, remaining=0, reset_in=3.0))
    await pacer.acquire()
    assert clock.sleeps == [pytest.approx(3.0)]
    pacer.release()
    clock.now = T0
    pacer.observe(budget(clock, remaining=0, reset_in=3.0))
    pacer.observe(budget(clock, remaining=0, reset_in=3.0))
    await pacer.acquire()
    assert clock.sleeps[1] == pytest.approx(3.05)


def test_the_state_is_what_the_ui_shows() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    assert not pacer.state.known
    pacer.observe(budget(clock, remaining=42, limit=60))
    assert (pacer.state.remaining, pacer.state.limit) == (42, 60)


@pytest.mark.parametrize("kw", [{"reserve_fraction": 1.0}, {"max_in_flight": 0}])
def test_nonsense_settings_are_refused(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RatePacer(**kw)  # type: ignore[arg-type]
