from __future__ import annotations

import asyncio

import pytest
from controller_fakes import FakeClock, FakeProvider, RecordingListener, dest, post, until

from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import RateLimitState, Status
from postretry_gui.providers.pacing import Priority, RatePacer

QUEUED, PUBLISHING, PUBLISHED = Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED


async def _retried(
    provider: FakeProvider, clock: FakeClock, post_ids: list[str]
) -> WorkspaceSession:
    session = WorkspaceSession(provider, RecordingListener(), clock=clock)
    await session.load()
    await session.wait_loaded()
    await session.retry({p: frozenset({"1"}) for p in post_ids})
    return session


@pytest.mark.asyncio
async def test_polls_until_every_retried_destination_settles_then_stops() -> None:
    provider = FakeProvider([post("a", dest("1"), dest("2"))], progress=(PUBLISHING, PUBLISHED))
    clock = FakeClock()
    session = await _retried(provider, clock, ["a"])
    assert session.sync_state.polling_posts == 1

    await session.wait_settled()

    assert session.posts["a"].destination("1").status is PUBLISHED  # type: ignore[union-attr]
    assert not session.locked("a", "1")
    assert session.polling == frozenset()
    assert session.sync_state.polling_posts == 0
    assert len(provider.calls_to("results")) == 2
    await session.aclose()


@pytest.mark.asyncio
async def test_interval_backs_off_while_nothing_changes_and_resets_on_change() -> None:
    progress = (QUEUED, QUEUED, PUBLISHING, PUBLISHING, PUBLISHED)
    provider = FakeProvider([post("a", dest("1"))], progress=progress)
    clock = FakeClock()
    session = await _retried(provider, clock, ["a"])

    await session.wait_settled()

    assert clock.sleeps == [2.0, 3.0, 4.5, 2.0, 3.0]
    await session.aclose()


@pytest.mark.asyncio
async def test_backoff_is_capped_near_fifteen_seconds() -> None:
    provider = FakeProvider([post("a", dest("1"))], progress=(QUEUED,) * 9 + (PUBLISHED,))
    clock = FakeClock()
    session = await _retried(provider, clock, ["a"])

    await session.wait_settled()

    assert max(clock.sleeps) == 15.0
    assert clock.sleeps[-3:] == [15.0, 15.0, 15.0]
    await session.aclose()


@pytest.mark.asyncio
async def test_polls_leave_half_the_rate_limit_to_the_operator() -> None:
    posts = [post(f"p{i}", dest("1")) for i in range(20)]
    provider = FakeProvider(posts, progress=(PUBLISHED,))
    provider.set_rate(limit=60, remaining=40)
    clock = FakeClock()
    polled_per_round: list[int] = []
    # Recording from before the retry: the first round may start as the job's task ends.
    provider.on_call = lambda call: (
        polled_per_round.append(len(clock.sleeps)) if call.method == "results" else None
    )
    session = await _retried(provider, clock, [p.post_id for p in posts])

    await session.wait_settled()

    rounds = [polled_per_round.count(n) for n in sorted(set(polled_per_round))]
    # 40 left, 30 reserved for the operator: at most 10 polls per round.
    assert rounds == [10, 10]
    await session.aclose()


@pytest.mark.asyncio
async def test_a_round_is_skipped_while_the_budget_is_low() -> None:
    provider = FakeProvider([post("a", dest("1"))], progress=(PUBLISHED,))
    provider.set_rate(limit=60, remaining=30)
    clock = FakeClock()
    session = await _retried(provider, clock, ["a"])

    await until(lambda: len(clock.sleeps) >= 4)
    assert provider.calls_to("results") == []
    provider.set_rate(limit=60, remaining=60)
    await session.wait_settled()

    assert len(provider.calls_to("results")) == 1
    await session.aclose()


@pytest.mark.parametrize(
    ("state", "now", "wanted", "expected"),
    [
        (RateLimitState(), 0.0, 5, 5),  # nothing known: no reason to hold back
        (RateLimitState(limit=60, remaining=60), 0.0, 50, 30),
        (RateLimitState(limit=60, remaining=31), 0.0, 5, 1),
        (RateLimitState(limit=60, remaining=30), 0.0, 5, 0),
        (RateLimitState(limit=60, remaining=0, reset_at=100.0), 50.0, 5, 0),
        (RateLimitState(limit=60, remaining=3, reset_at=100.0), 100.0, 5, 5),  # window over
        (RateLimitState(limit=None, remaining=10), 0.0, 9, 5),
        (RateLimitState(limit=60, remaining=60, retry_after_until=20.0), 10.0, 5, 0),
    ],
)
def test_poll_budget(state: RateLimitState, now: float, wanted: int, expected: int) -> None:
    pacer = RatePacer(clock=lambda: now)
    pacer.observe(state)
    assert pacer.allowance(Priority.BACKGROUND, wanted) == expected


@pytest.mark.asyncio
async def test_aclose_cancels_everything_and_leaves_no_pending_task() -> None:
    provider = FakeProvider([post("a", dest("1")), post("b", dest("1"))])
    clock = FakeClock(auto=False)
    session = WorkspaceSession(provider, RecordingListener(), clock=clock)
    await session.load()
    await session.wait_loaded()
    session.start_background()
    await session.retry({"a": frozenset({"1"})})  # the poller now sleeps on the fake clock
    provider.gates["retry"] = asyncio.Event()
    pending_retry = session.retry({"b": frozenset({"1"})}).task
    await until(lambda: len(provider.calls_to("retry")) == 2)
    assert len(asyncio.all_tasks()) > 1

    await session.aclose()

    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert pending_retry.cancelled()
    assert not session.locked("b", "1")
    with pytest.raises(RuntimeError):
        session.start_refresh()


@pytest.mark.asyncio
async def test_a_round_counts_the_requests_still_in_flight() -> None:
    pacer = RatePacer(clock=lambda: 0.0)
    pacer.observe(RateLimitState(limit=60, remaining=40))
    await pacer.acquire(Priority.BACKGROUND)  # a refresh page on its way

    assert pacer.allowance(Priority.BACKGROUND, 20) == 9
    assert pacer.allowance(Priority.INTERACTIVE, 50) == 39
    pacer.release()
    assert pacer.allowance(Priority.BACKGROUND, 20) == 10
