"""Crash safety: a child process runs a bulk job of 200 posts and is killed with SIGKILL
after a random number of intents; the simulator lives in this process and survives. A new
session over the same journal then settles every intent: none lost, none applied twice.
The same holds when the job sends bulk requests (one per account, an intent per pair): a
kill right after a request's intents are written, or after it was sent, leaves them to the
restart, which reads them as outcome unknown and never sends a request again."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from bulk_child import StatsReader, journal_dir, run_kill_after_send, run_kill_trial

from postretry_gui.domain import Outcome
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState

TRIALS = 20
BULK_TRIALS = 8
POSTS = 200
BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
SINGLE_ROUTE = "POST /posteverywhere/api/v1/posts/{post_id}/retry"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    # Every retried destination fails again (success_odds 0), so the same simulator offers
    # 200 posts to retry in every trial; tiny delays settle them at once.
    config = SimConfig(
        seed=5, posts=700, rate_limit=None, queued_s=0.01, publishing_s=0.01, success_odds=0.0
    )
    with SimServer(config, port=0) as server:
        yield server


def test_a_job_killed_at_random_points_loses_nothing_and_sends_nothing_twice(
    sim: SimServer,
) -> None:
    rng = random.Random(20261102)
    stats = StatsReader(sim.stats, sim.reset_stats)
    killed_mid_flight = 0
    for trial in range(TRIALS):
        kill_after = rng.randint(1, POSTS)
        with journal_dir() as folder:
            result = run_kill_trial(sim.posteverywhere_url, stats, folder, kill_after, POSTS)
        label = f"trial {trial} (kill after {kill_after})"
        assert result.rows_at_kill >= kill_after, label
        assert result.lost == 0, label
        assert result.duplicates == {}, label
        assert all(n == 1 for a in result.applied_by_intent.values() for n in a.values()), label
        # Write-ahead: nothing was applied that the journal does not hold.
        assert set(result.applied_by_intent) <= {i.intent_id for i in result.intents}, label
        # Every applied retry failed again (success odds 0) and was settled as such.
        for intent in result.intents:
            if intent.intent_id in result.applied_by_intent:
                assert intent.outcome is Outcome.FAILED_AGAIN, (label, intent)
        killed_mid_flight += result.unfinished_at_restart > 0
    # The kills did land mid-job: restarts found unfinished intents to settle.
    assert killed_mid_flight >= TRIALS // 2


def test_a_bulk_request_job_killed_at_random_points_is_read_back_never_resent(
    sim: SimServer,
) -> None:
    rng = random.Random(20261204)
    stats = StatsReader(sim.stats, sim.reset_stats)
    read_back = 0
    for trial in range(BULK_TRIALS):
        # The journal grows by a whole bulk request at a time: up to ~400 pairs in all.
        kill_after = rng.randint(1, 300)
        with journal_dir() as folder:
            result = run_kill_trial(
                sim.posteverywhere_url, stats, folder, kill_after, POSTS, bulk=True
            )
        label = f"bulk trial {trial} (kill after {kill_after})"
        if result.child_finished_first:
            continue  # fewer pairs than the kill point: nothing to learn from this one
        assert result.rows_at_kill >= kill_after, label
        assert result.lost == 0, label
        assert result.duplicates == {}, label
        assert all(n == 1 for a in result.applied_by_intent.values() for n in a.values()), label
        keys = {i.idempotency_key for i in result.intents}
        assert set(result.applied_by_intent) <= keys, label
        # Every bulk request left at most once (the restart sends nothing).
        bulk_keys = {i.request_key for i in result.intents if i.request_key is not None}
        assert bulk_keys, label
        assert result.requests_by_route.get(BULK_ROUTE, 0) <= len(bulk_keys), label
        for intent in result.intents:
            pair = f"{intent.post_id}|{intent.account_ids[0]}"
            if pair in result.applied_by_intent.get(intent.idempotency_key, {}):
                assert intent.outcome is Outcome.FAILED_AGAIN, (label, intent)
        read_back += result.unknown_at_restart > 0
    # Some kills landed after a bulk request was sent: the restart read those back.
    assert read_back >= 1


def test_a_retry_killed_right_after_it_left_with_sent_unwritten_is_read_back_never_resent(
    sim: SimServer,
) -> None:
    """ "sent" is queued, not awaited, as the request leaves: a crash right then leaves the
    intent "intended" on disk. The next open must read it as maybe sent (it was), settle it
    by reading the post, and never send it again."""
    stats = StatsReader(sim.stats, sim.reset_stats)
    with journal_dir() as folder:
        result = run_kill_after_send(sim.posteverywhere_url, stats, folder)

    (intent,) = result.intents
    # The kill found "sent" still queued: on disk, the intent was only intended.
    assert result.unfinished_at_restart == 1
    assert result.unknown_at_restart == 0
    assert result.requests_by_route.get(SINGLE_ROUTE) == 1  # never resent
    assert dict(result.applied_by_intent) == {
        intent.intent_id: {f"{intent.post_id}|{a}": 1 for a in intent.account_ids}
    }
    # Settled by reading the post: the retry ran (and failed again), not "never sent".
    assert intent.state is IntentState.SETTLED
    assert intent.outcome is Outcome.FAILED_AGAIN
    assert result.lost == 0
