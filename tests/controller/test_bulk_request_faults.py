"""The fault matrix of bulk requests: PostEverywhere ``retry-failed`` calls under 5xx before
the handler, 5xx and dropped connections after the server applied them, and 429 bursts.
The simulator's counters are the truth: each pair applied at most once per intent, no bulk
request resent after its answer was lost, every intent settled by reading."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from bulk_child import (
    FAULT_MATRIX_SIM,
    applied_twice,
    journal_dir,
    make_provider,
    make_session,
    retryable_selection,
)
from test_bulk_faults import RecordingJournal

from postretry_gui.controller.bulk_events import JobState
from postretry_gui.domain import Outcome
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState

BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
BURSTS = 3


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=21,
        posts=2400,
        accounts=40,
        **FAULT_MATRIX_SIM,
    )
    with SimServer(config, port=0) as server:
        yield server


class BulkRecordingJournal(RecordingJournal):
    """Also remembers the intents of bulk requests whose answer was lost."""

    def mark_request_unknown(self, request_key: str, detail: str) -> None:
        self.went_unknown.update(i.intent_id for i in self.request(request_key))
        super().mark_request_unknown(request_key, detail)


def _truth(sim: SimServer, post_id: str, account_id: str) -> str:
    store = sim._context().pe
    store.advance(time.time())
    (status,) = {
        d.status for d in store.by_id[post_id].destinations if str(d.account_id) == account_id
    }
    return str(status)


@pytest.mark.asyncio
async def test_bulk_requests_under_faults_apply_each_pair_at_most_once_and_all_settle(
    sim: SimServer,
) -> None:
    with journal_dir() as folder:
        journal = BulkRecordingJournal(folder / "journal.sqlite3", operator="bulk-faults")
        provider = make_provider(sim.posteverywhere_url, timeout=5.0)
        session = make_session(provider, journal, single_post=False)
        await session.load()
        await session.wait_loaded()
        selection = retryable_selection(session)
        plan = session.plan_retry(selection)
        assert len(plan.bulk_requests) >= 20
        # Faults on the bulk route only: the reads that settle them stay quick.
        sim.configure(
            error_5xx_odds=0.1,
            error_5xx_after_apply_odds=0.2,
            drop_after_apply_odds=0.2,
            burst_429=BURSTS,
            fault_routes=[BULK_ROUTE],
        )
        sim.reset_stats()
        job = session.retry(selection)
        report = await job
        await session.wait_settled()
        await session.journal_written()
        stats = sim.stats()
        sim.configure(
            error_5xx_odds=0, error_5xx_after_apply_odds=0, drop_after_apply_odds=0, burst_429=0
        )
        intents = journal.history(limit=100_000)
        await session.aclose()
        await provider.aclose()
        journal.close()

    faults = stats["faults"]
    assert faults["error_5xx"] > 0
    assert faults["error_5xx_after_apply"] > 0
    assert faults["drop_after_apply"] > 0
    assert faults["burst_429"] == BURSTS
    # Every bulk request left once, plus its re-sends after a 429 (same key): a lost answer
    # was never resent.
    assert stats["requests_by_route"][BULK_ROUTE] == len(plan.bulk_requests) + BURSTS
    assert job.progress.rate_limited == BURSTS
    assert job.state is JobState.DONE
    # One intent per pair, every one settled; each pair applied at most once per intent,
    # and never without one.
    tied = [i for i in intents if i.request_key is not None]
    assert len(tied) == sum(len(r.post_ids) for r in plan.bulk_requests)
    assert [i for i in intents if i.state is not IntentState.SETTLED] == []
    by_key: dict[str, dict[str, int]] = stats["retries_applied_by_intent"]
    assert all(n == 1 for applied in by_key.values() for n in applied.values())
    assert applied_twice(stats) == {}
    assert set(by_key) <= {i.idempotency_key for i in intents}
    # Lost answers were read, not resent: applied ones settled as the simulator says, the
    # others (a 5xx before the handler) offered again.
    lost = journal.went_unknown
    assert lost, "some answers were lost"
    lost_but_applied = 0
    for intent in tied:
        pair = f"{intent.post_id}|{intent.account_ids[0]}"
        applied = pair in by_key.get(intent.request_key or "", {})
        if applied:
            status = _truth(sim, intent.post_id, intent.account_ids[0])
            expected = Outcome.PUBLISHED if status == "published" else Outcome.FAILED_AGAIN
            assert intent.outcome is expected, (intent, status)
            lost_but_applied += intent.intent_id in lost
        elif intent.intent_id in lost:
            assert intent.outcome is Outcome.OFFERED_AGAIN, intent
        else:
            raise AssertionError(f"a pair neither applied nor lost: {intent}")
    assert lost_but_applied, "answers lost after the server applied them were settled as applied"
    assert report.counts.get(Outcome.REJECTED, 0) == 0
    assert {o.post_id for o in report.outcomes} == set(selection)
