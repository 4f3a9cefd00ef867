"""The fault matrix: a thousand retry intents as one job against the simulator on loopback,
under added latency, 5xx answers, 429 bursts and connections dropped after the retry was
applied. The simulator's own counters are the truth: each destination applied at most once
per intent, and every intent settled with the outcome the simulator's state says."""

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

from postretry_gui.controller.bulk_events import JobState, SummaryGroup
from postretry_gui.domain import Outcome
from postretry_gui.domain import Outcome as Word
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState, RetryJournal

# ~37 % of generated posts have failures; 2,900 posts give a little over 1,000 to retry.
POSTS = 2900
INTENTS_AT_LEAST = 1000


class RecordingJournal(RetryJournal):
    """The store's journal, remembering which intents went through ``unknown``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.went_unknown: set[str] = set()

    def mark_unknown(self, intent_id: str, detail: str):  # type: ignore[no-untyped-def]
        self.went_unknown.add(intent_id)
        return super().mark_unknown(intent_id, detail)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=11,
        posts=POSTS,
        **FAULT_MATRIX_SIM,
    )
    with SimServer(config, port=0) as server:
        yield server


def _truth(sim: SimServer, post_id: str, account_ids: tuple[str, ...]) -> set[str]:
    """The simulator's own state of those destinations now."""
    store = sim._context().pe
    store.advance(time.time())
    post = store.by_id[post_id]
    return {d.status for d in post.destinations if str(d.account_id) in account_ids}


@pytest.mark.asyncio
async def test_a_thousand_intents_under_faults_apply_at_most_once_and_all_settle(
    sim: SimServer,
) -> None:
    started = time.monotonic()
    with journal_dir() as folder:
        journal = RecordingJournal(folder / "journal.sqlite3", operator="fault-matrix")
        provider = make_provider(sim.posteverywhere_url, timeout=5.0)
        session = make_session(provider, journal)
        await session.load()
        await session.wait_loaded()
        selection = retryable_selection(session)
        assert len(selection) >= INTENTS_AT_LEAST
        # Faults on the retry requests only: the reads that settle them stay quick.
        sim.configure(
            latency_ms=4,
            error_5xx_odds=0.04,
            burst_429=3,
            drop_after_apply_odds=0.04,
            fault_routes=["POST /posteverywhere"],
        )
        sim.reset_stats()
        job = session.retry(selection)
        report = await job
        await session.wait_settled()
        await session.journal_written()
        stats = sim.stats()
        sim.configure(latency_ms=0, error_5xx_odds=0, drop_after_apply_odds=0, burst_429=0)
        intents = journal.history(limit=10_000)
        await session.aclose()
        await provider.aclose()
        journal.close()

    # One intent per post, every one settled.
    assert len(intents) == len(selection)
    assert {i.post_id for i in intents} == set(selection)
    assert [i for i in intents if i.state is not IntentState.SETTLED] == []
    # Each destination applied at most once per intent, and by one intent only.
    by_intent: dict[str, dict[str, int]] = stats["retries_applied_by_intent"]
    assert all(n == 1 for applied in by_intent.values() for n in applied.values())
    assert applied_twice(stats) == {}
    assert set(by_intent) <= {i.intent_id for i in intents}, "applied without an intent"
    # Every fault kind fired, and the lost answers were read rather than resent.
    faults = stats["faults"]
    assert faults["error_5xx"] > 0
    assert faults["drop_after_apply"] > 0
    assert faults["burst_429"] == 3
    assert journal.went_unknown, "some answers were lost"
    # Outcomes agree with the simulator's truth.
    for intent in intents:
        if intent.intent_id in by_intent:
            statuses = _truth(sim, intent.post_id, intent.account_ids)
            expected = Word.PUBLISHED if statuses == {"published"} else Word.FAILED_AGAIN
            assert intent.outcome is expected, (intent, statuses)
        elif intent.intent_id in journal.went_unknown:
            # Lost and never applied (a 5xx before the handler): offered again, not resent.
            assert intent.outcome is Word.OFFERED_AGAIN, intent
        else:
            assert intent.outcome is Word.REJECTED, intent  # 429s given up (none expected)
    lost_but_applied = journal.went_unknown & set(by_intent)
    assert lost_but_applied, "a dropped connection after applying was settled as applied"
    # The job's 429s were retried with the same key: every burst 429 was followed through.
    assert job.progress.rate_limited == 3
    assert job.state is JobState.DONE
    assert report.counts.get(Outcome.REJECTED, 0) == 0
    # The summary followed the polls to the end: every destination where the simulator
    # says it is, none left "retried" or "outcome unknown".
    summary = job.summary
    assert summary is not None
    assert summary.settled
    assert summary.total == sum(len(ids) for ids in selection.values())
    where = {key: group for group in SummaryGroup for key in summary.destinations(group)}
    for intent in intents:
        applied = by_intent.get(intent.intent_id, {})
        for account_id in intent.account_ids:
            if f"{intent.post_id}|{account_id}" in applied:
                (status,) = _truth(sim, intent.post_id, (account_id,))
                expected = (
                    SummaryGroup.PUBLISHED if status == "published" else SummaryGroup.FAILED_AGAIN
                )
            elif intent.intent_id in journal.went_unknown:
                expected = SummaryGroup.NOT_APPLIED
            else:
                expected = SummaryGroup.REFUSED
            assert where[(intent.post_id, account_id)] is expected, (intent, account_id)
    assert summary.count(SummaryGroup.PUBLISHED)
    assert summary.count(SummaryGroup.FAILED_AGAIN)
    assert time.monotonic() - started < 60
