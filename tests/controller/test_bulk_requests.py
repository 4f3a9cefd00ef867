"""Bulk requests on loopback: a selection becomes PostEverywhere ``retry-failed`` calls, one
per account (up to 200 posts each), with an intent journalled for every pair each covers;
and a server that ignores the account filter is caught, reported and never trusted again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from bulk_child import (
    API_KEY,
    FAST_POLLS,
    WORKSPACE,
    applied_twice,
    journal_dir,
    make_provider,
    retryable_selection,
)
from controller_fakes import RecordingListener

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.bulk_events import SummaryGroup
from postretry_gui.controller.events import NoticeLevel
from postretry_gui.domain import Outcome
from postretry_gui.domain.retry_plan import RequestShape
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState, RetryJournal

BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
POST_ROUTE = "POST /posteverywhere/api/v1/posts/{post_id}/retry"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=3, posts=400, rate_limit=None, queued_s=0.02, publishing_s=0.02, success_odds=0.6
    )
    with SimServer(config, port=0) as server:
        yield server


@dataclass
class Rig:
    sim: SimServer
    session: WorkspaceSession
    journal: RetryJournal
    listener: RecordingListener
    remembered: list[bool] = field(default_factory=list)


@pytest_asyncio.fixture
async def rig(sim: SimServer) -> AsyncIterator[Rig]:
    with journal_dir() as folder:
        journal = RetryJournal(folder / "journal.sqlite3", operator="bulk")
        provider: PostEverywhereProvider = make_provider(sim.posteverywhere_url)
        listener = RecordingListener()
        remembered: list[bool] = []
        session = WorkspaceSession(
            provider,
            listener,
            journal=journal,
            workspace_id=WORKSPACE,
            poll_settings=FAST_POLLS,
            remember_single_post=remembered.append,
        )
        await session.load()
        await session.wait_loaded()
        sim.reset_stats()
        try:
            yield Rig(sim, session, journal, listener, remembered)
        finally:
            await session.aclose()
            await provider.aclose()
            journal.close()


def _requests(rig: Rig, route: str) -> int:
    return int(rig.sim.stats()["requests_by_route"].get(route, 0))


def _one_account_per_post(session: WorkspaceSession) -> dict[str, frozenset[str]]:
    """Posts with two or more retryable destinations, ticking only the lowest account id:
    the others are failed, unticked and must stay so."""
    chosen: dict[str, frozenset[str]] = {}
    for post_id in sorted(session.posts):
        eligible = sorted(session.eligible_account_ids(session.posts[post_id]), key=int)
        if len(eligible) >= 2:
            chosen[post_id] = frozenset(eligible[:1])
    return chosen


@pytest.mark.asyncio
async def test_a_selection_goes_as_one_bulk_request_per_account_with_every_pair_journalled(
    rig: Rig,
) -> None:
    selection = retryable_selection(rig.session)
    plan = rig.session.plan_retry(selection)
    bulk = plan.bulk_requests
    assert bulk, "the seeded selection has accounts failed on many posts"
    assert plan.request_count < len(selection)  # cheaper than one request per post
    assert rig.session.confirmation(selection).question == plan.describe()

    job = rig.session.retry(selection)
    report = await job
    await rig.session.wait_settled()
    await rig.session.journal_written()
    stats = rig.sim.stats()

    # Exactly the plan went out: one request per planned request, nothing resent.
    assert _requests(rig, BULK_ROUTE) == len(bulk)
    assert _requests(rig, POST_ROUTE) == plan.request_count - len(bulk)
    assert job.progress.requests_sent == plan.request_count
    # One report entry per post, all retried.
    assert [o.post_id for o in report.outcomes] == list(selection)
    assert {o.outcome for o in report.outcomes} == {Outcome.RETRIED}
    # An intent for every pair a bulk request covered, tied by its key; one per single post.
    intents = rig.journal.history(limit=10_000)
    tied = [i for i in intents if i.request_key is not None]
    assert len(tied) == sum(len(r.post_ids) for r in bulk)
    assert len({i.request_key for i in tied}) == len(bulk)
    assert {(i.post_id, i.account_ids) for i in tied} == {
        (p, r.account_ids) for r in bulk for p in r.post_ids
    }
    assert len(intents) - len(tied) == plan.request_count - len(bulk)
    assert [i for i in intents if i.state is not IntentState.SETTLED] == []
    # Each pair applied once, under the key of the request that named it.
    by_key: dict[str, dict[str, int]] = stats["retries_applied_by_intent"]
    assert applied_twice(stats) == {}
    assert set(by_key) <= {i.idempotency_key for i in intents}
    for intent in tied:
        key = f"{intent.post_id}|{intent.account_ids[0]}"
        assert by_key[intent.request_key or ""][key] == 1
    assert stats["faults"]["ignored_account_id"] == 0
    assert rig.session.single_post_retries is False
    summary = job.summary
    assert summary is not None
    assert summary.total == sum(len(ids) for ids in selection.values())
    assert summary.count(SummaryGroup.PUBLISHED) + summary.count(SummaryGroup.FAILED_AGAIN) == (
        summary.total
    )


@pytest.mark.asyncio
async def test_a_server_ignoring_the_account_filter_is_reported_and_the_job_goes_single(
    rig: Rig,
) -> None:
    selection = _one_account_per_post(rig.session)
    plan = rig.session.plan_retry(selection)
    assert len(plan.bulk_requests) >= 2
    rig.sim.configure(ignore_retry_failed_account_id=True)

    job = rig.session.retry(selection)
    await job
    await rig.session.wait_settled()

    # The first bulk answer listed destinations nobody ticked: said plainly, by name...
    warnings = [t for level, t in rig.listener.notices if level is NoticeLevel.WARNING]
    widened = [t for t in warnings if "not ticked" in t]
    assert len(widened) == 1
    first = plan.bulk_requests[0]
    assert any(f"post {p} account" in widened[0] for p in first.post_ids)
    assert "one post per request" in widened[0]
    # ...the workspace falls back, remembered, and the rest of the job went one post each.
    assert rig.session.single_post_retries is True
    assert rig.session.sync_state.single_post_retries is True
    assert rig.remembered == [True]
    assert _requests(rig, BULK_ROUTE) == 1
    rest = [p for p in selection if p not in first.post_ids]
    assert _requests(rig, POST_ROUTE) == len(rest)
    assert all(r.shape is RequestShape.POST for r in rig.session.plan_retry(selection).requests)
    # The ticked pairs were applied once each; nothing was sent twice.
    stats = rig.sim.stats()
    assert applied_twice(stats) == {}
    assert stats["faults"]["ignored_account_id"] == 1


@pytest.mark.asyncio
async def test_a_silent_answer_is_checked_by_the_first_read_after_it(rig: Rig) -> None:
    selection = _one_account_per_post(rig.session)
    plan = rig.session.plan_retry(selection)
    assert len(plan.bulk_requests) >= 2
    rig.sim.configure(ignore_retry_failed_account_id=True, omit_retry_failed_destinations=True)

    await rig.session.retry(selection)
    await rig.session.wait_settled()

    warnings = [t for level, t in rig.listener.notices if level is NoticeLevel.WARNING]
    assert len([t for t in warnings if "not ticked" in t]) == 1
    assert rig.session.single_post_retries is True
    # The job's first bulk request was checked by one read before the next went out.
    assert _requests(rig, BULK_ROUTE) == 1
    assert applied_twice(rig.sim.stats()) == {}


@pytest.mark.asyncio
async def test_a_silent_answer_from_an_honest_server_keeps_bulk_requests(rig: Rig) -> None:
    selection = _one_account_per_post(rig.session)
    plan = rig.session.plan_retry(selection)
    rig.sim.configure(omit_retry_failed_destinations=True)

    report = await rig.session.retry(selection)
    await rig.session.wait_settled()
    await rig.session.journal_written()

    assert {o.outcome for o in report.outcomes} == {Outcome.RETRIED}
    assert _requests(rig, BULK_ROUTE) == len(plan.bulk_requests)
    assert rig.session.single_post_retries is False
    assert not [t for _, t in rig.listener.notices if "not ticked" in t]
    assert [
        i for i in rig.journal.history(limit=10_000) if i.state is not IntentState.SETTLED
    ] == []


@pytest.mark.asyncio
async def test_a_pair_the_bulk_answer_leaves_out_had_nothing_to_retry(rig: Rig) -> None:
    selection = _one_account_per_post(rig.session)
    plan = rig.session.plan_retry(selection)
    first = plan.bulk_requests[0]
    taken = first.post_ids[0]
    (account_id,) = first.account_ids
    # Someone else retries one pair first (it stays queued a minute): the bulk retry finds
    # it queued, not failed.
    rig.sim.configure(queued_s=60.0)
    async with httpx.AsyncClient(
        base_url=rig.sim.posteverywhere_url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as other:
        answer = await other.post(f"/posts/{taken}/retry", json={"account_ids": [int(account_id)]})
        assert answer.status_code == 200
    rig.sim.configure(queued_s=0.02)

    job = rig.session.retry(selection)
    report = await job
    await rig.session.wait_settled()
    await rig.session.journal_written()

    outcome = report.of(taken)
    assert outcome is not None
    assert outcome.outcome is Outcome.NOTHING_TO_RETRY
    assert not rig.session.locked(taken, account_id)
    (intent,) = [i for i in rig.journal.history(limit=10_000) if i.post_id == taken]
    assert (intent.state, intent.outcome) == (IntentState.SETTLED, Outcome.NOTHING_TO_RETRY)
    summary = job.summary
    assert summary is not None
    assert (taken, account_id) in summary.destinations(SummaryGroup.NOTHING_TO_RETRY)
    assert applied_twice(rig.sim.stats()) == {}
