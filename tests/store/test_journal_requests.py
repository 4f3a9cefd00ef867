"""A bulk request in the journal: one intent per (post, account) it covers, tied by the
request's key, written in one transaction and moved together."""

from __future__ import annotations

import pytest

from postretry_gui.domain import Outcome
from postretry_gui.store import (
    IntentState,
    InvalidIntent,
    InvalidTransition,
    RetryJournal,
    StoreDirs,
)


def test_a_bulk_request_writes_one_intent_per_pair_under_its_key(dirs: StoreDirs) -> None:
    with RetryJournal(dirs.journal_path("ws1"), operator="alice") as journal:
        intents = journal.intend_request("ws1", "req-1", [("p1", "2285"), ("p2", "2285")])

        assert [(i.post_id, i.account_ids) for i in intents] == [
            ("p1", ("2285",)),
            ("p2", ("2285",)),
        ]
        assert {i.request_key for i in intents} == {"req-1"}
        assert {i.idempotency_key for i in intents} == {"req-1"}
        assert len({i.intent_id for i in intents}) == 2
        assert all(i.state is IntentState.INTENDED for i in intents)
        # Each pair counts as a retry of its post that may have left.
        assert journal.retries_sent("p1") == 1
        assert [i.intent_id for i in journal.unfinished()] == [i.intent_id for i in intents]


def test_a_bulk_requests_intents_move_together(dirs: StoreDirs) -> None:
    with RetryJournal(dirs.journal_path("ws1"), operator="alice") as journal:
        journal.intend_request("ws1", "req-1", [("p1", "1"), ("p2", "1")])
        journal.intend_request("ws1", "req-2", [("p3", "1")])

        journal.mark_request_sent("req-1")
        journal.mark_request_unknown("req-1", "timed out")

        states = {i.post_id: i.state for i in journal.history()}
        assert states == {
            "p1": IntentState.UNKNOWN,
            "p2": IntentState.UNKNOWN,
            "p3": IntentState.INTENDED,
        }
        assert all(i.sent_at is not None for i in journal.request("req-1"))
        journal.mark_request_sent("req-2")
        journal.acknowledge_request("req-2", Outcome.RETRIED, "1 re-queued")
        (acked,) = journal.request("req-2")
        assert (acked.state, acked.outcome) == (IntentState.ACKNOWLEDGED, Outcome.RETRIED)
        # One intent settles on its own as its watch settles; the request is not moved back.
        journal.settle(acked.intent_id, Outcome.PUBLISHED)
        with pytest.raises(InvalidTransition):
            journal.mark_request_sent("req-2")


def test_a_bulk_request_is_recorded_whole_or_not_at_all(dirs: StoreDirs) -> None:
    with RetryJournal(dirs.journal_path("ws1"), operator="alice") as journal:
        with pytest.raises(InvalidIntent):
            journal.intend_request("ws1", "req-1", [("p1", "1"), ("p2", "")])
        with pytest.raises(InvalidIntent):
            journal.intend_request("ws1", "req-1", [])
        assert journal.history_count() == 0
        journal.intend_request("ws1", "req-2", [("p1", "1")])
        journal.mark_request_sent("req-2")
        with pytest.raises(InvalidTransition):
            journal.settle_request("req-2", Outcome.NOT_SENT)
        assert journal.request("req-2")[0].state is IntentState.SENT
