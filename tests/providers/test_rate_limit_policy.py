"""The pacer's 429 policy on a fake clock: Retry-After wins, otherwise an exponential
back-off over the key's run of 429s; with ``stop_after``, the key stops for a cool-down."""

from __future__ import annotations

import pytest
from pe_wire import FakeClock

from postretry_gui.domain.errors import TooManyRateLimits
from postretry_gui.providers.pacing import Priority, RateLimitPolicy, RatePacer

POLICY = RateLimitPolicy(backoff_s=1.0, repeats=3)
STOPPING = RateLimitPolicy(backoff_s=2.0, repeats=3, stop_after=3, cooldown_s=60.0,
                           stop_reason="the profile would be suspended")  # fmt: skip


def pacer_on(clock: FakeClock) -> RatePacer:
    return RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0)


def test_a_429_without_a_named_wait_backs_off_doubling_with_each_in_a_row() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    waits = []
    for _ in range(3):
        assert pacer.answered(429, named_wait=False, policy=POLICY) is None
        waits.append(pacer.wait_before_send(Priority.INTERACTIVE))
    assert waits == pytest.approx([1.0, 2.0, 4.0])
    assert pacer.rate_limits_in_a_row == 3


def test_a_named_wait_is_left_to_the_headers() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.answered(429, named_wait=True, policy=POLICY)
    assert pacer.wait_before_send(Priority.INTERACTIVE) == 0.0
    assert pacer.rate_limits_in_a_row == 1


def test_any_other_answer_ends_the_run() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    pacer.answered(429, named_wait=True, policy=POLICY)
    pacer.answered(200, named_wait=False, policy=POLICY)
    assert pacer.rate_limits_in_a_row == 0


def test_a_read_may_be_repeated_as_often_as_the_policy_says() -> None:
    pacer = pacer_on(FakeClock())
    assert [pacer.may_repeat(n, POLICY) for n in range(5)] == [True, True, True, False, False]


@pytest.mark.asyncio
async def test_stop_after_n_in_a_row_refuses_to_send_until_the_cool_down() -> None:
    clock = FakeClock()
    pacer = pacer_on(clock)
    assert pacer.answered(429, named_wait=False, policy=STOPPING) is None
    assert pacer.answered(429, named_wait=False, policy=STOPPING) is None
    stopped = pacer.answered(429, named_wait=False, policy=STOPPING)
    assert isinstance(stopped, TooManyRateLimits)
    assert "the profile would be suspended" in str(stopped)
    assert "60 s" in str(stopped)
    with pytest.raises(TooManyRateLimits):
        await pacer.acquire(Priority.BACKGROUND)
    clock.now += 61
    await pacer.acquire(Priority.INTERACTIVE)  # one probe may go
    pacer.release()
