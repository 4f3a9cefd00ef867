"""The retry journal: forward-only transitions, durable at once, readable after a crash."""

from __future__ import annotations

import csv
import selectors
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postretry_gui.domain import Outcome
from postretry_gui.store import (
    IntentNotFound,
    IntentState,
    InvalidIntent,
    InvalidTransition,
    RetryJournal,
    StoreDirs,
)


def open_journal(dirs: StoreDirs) -> RetryJournal:
    return RetryJournal(dirs.journal_path("ws1"), operator="alice")


def test_an_intent_is_written_before_anything_is_sent(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        intent = journal.intend("ws1", "post-1", ["2285", "2286"])

    with open_journal(dirs) as reopened:
        again = reopened.get(intent.intent_id)
    assert again == intent
    assert again.state is IntentState.INTENDED
    assert again.account_ids == ("2285", "2286")
    assert again.operator == "alice"
    assert len(again.intent_id) == 32
    assert again.idempotency_key == again.intent_id
    assert again.created_at.tzinfo is not None


def test_the_happy_path_moves_forward_to_settled(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        intent = journal.intend("ws1", "post-1", ["2285"])
        sent = journal.mark_sent(intent.intent_id)
        acked = journal.acknowledge(intent.intent_id, Outcome.RETRIED, "1 destination re-queued")
        settled = journal.settle(intent.intent_id, "published", "published on linkedin")

    assert sent.state is IntentState.SENT
    assert sent.sent_at is not None
    assert (acked.state, acked.outcome) == (IntentState.ACKNOWLEDGED, Outcome.RETRIED)
    assert (settled.state, settled.outcome) == (IntentState.SETTLED, Outcome.PUBLISHED)
    assert settled.detail == "published on linkedin"
    assert settled.sent_at == sent.sent_at


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["sent"], "sent"),
        (["sent", "acknowledged"], "sent"),
        (["sent", "acknowledged"], "unknown"),
        (["sent", "unknown"], "acknowledged"),
        (["settled"], "sent"),
        (["settled"], "settled"),
        ([], "acknowledged"),
    ],
)
def test_transitions_never_go_backwards(dirs: StoreDirs, steps: list[str], refused: str) -> None:
    with open_journal(dirs) as journal:
        intent_id = journal.intend("ws1", "post-1", ["2285"]).intent_id
        moves = {
            "sent": lambda: journal.mark_sent(intent_id),
            "acknowledged": lambda: journal.acknowledge(intent_id, Outcome.RETRIED),
            "unknown": lambda: journal.mark_unknown(intent_id, "timed out"),
            "settled": lambda: journal.settle(intent_id, Outcome.NOT_SENT, "cancelled"),
        }
        for step in steps:
            moves[step]()
        before = journal.get(intent_id)
        with pytest.raises(InvalidTransition, match=f"cannot become {refused}"):
            moves[refused]()
        assert journal.get(intent_id) == before


def test_a_sent_intent_cannot_be_settled_as_not_sent(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        intent_id = journal.intend("ws1", "post-1", ["2285"]).intent_id
        journal.mark_sent(intent_id)
        with pytest.raises(InvalidTransition, match="may have been sent"):
            journal.settle(intent_id, Outcome.NOT_SENT)


def test_unknown_ids_and_bad_intents_get_typed_errors(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        with pytest.raises(IntentNotFound):
            journal.mark_sent("0" * 32)
        with pytest.raises(InvalidIntent, match="post id"):
            journal.intend("ws1", " ", ["2285"])
        with pytest.raises(InvalidIntent, match="at least one account"):
            journal.intend("ws1", "post-1", [])
        with pytest.raises(InvalidIntent, match="not one string"):
            journal.intend("ws1", "post-1", "2285")
        with pytest.raises(ValueError, match="not-a-word"):
            journal.settle(journal.intend("ws1", "p", ["a"]).intent_id, "not-a-word")


def test_unfinished_lists_every_intent_not_settled_after_a_restart(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        intended = journal.intend("ws1", "p1", ["a"]).intent_id
        sent = journal.mark_sent(journal.intend("ws1", "p2", ["a"]).intent_id).intent_id
        unknown = journal.intend("ws1", "p3", ["a"]).intent_id
        journal.mark_sent(unknown)
        journal.mark_unknown(unknown, "connection dropped")
        acked = journal.intend("ws1", "p4", ["a"]).intent_id
        journal.mark_sent(acked)
        journal.acknowledge(acked, Outcome.RETRIED)
        done = journal.intend("ws1", "p5", ["a"]).intent_id
        journal.settle(done, Outcome.NOT_SENT)

    with open_journal(dirs) as reopened:
        unfinished = reopened.unfinished()

    assert [i.intent_id for i in unfinished] == [intended, sent, unknown, acked]
    assert unfinished[2].detail == "connection dropped"


def test_retries_sent_counts_what_left_or_may_have_left_and_survives_restart(
    dirs: StoreDirs,
) -> None:
    with open_journal(dirs) as journal:
        assert journal.retries_sent("post-1") == 0
        first = journal.intend("ws1", "post-1", ["twitter"]).intent_id
        assert journal.retries_sent("post-1") == 1  # may leave any moment, or has left
        journal.mark_sent(first)
        journal.acknowledge(first, Outcome.RETRIED)
        journal.settle(first, Outcome.FAILED_AGAIN, "twitter: duplicate")
        cancelled = journal.intend("ws1", "post-1", ["twitter"]).intent_id
        journal.settle(cancelled, Outcome.NOT_SENT, "cancelled before sending")
        refused = journal.intend("ws1", "post-1", ["twitter"]).intent_id
        journal.mark_sent(refused)
        journal.settle(refused, Outcome.UNREACHABLE, "connection refused: nothing left")
        crashed = journal.intend("ws1", "post-2", ["twitter"]).intent_id
        journal.mark_unknown(crashed, "app restarted before the answer")
        journal.settle(crashed, Outcome.RETRIED, "the post reads as retried")

    with open_journal(dirs) as reopened:
        assert reopened.retries_sent("post-1") == 1
        assert reopened.retries_sent("post-2") == 1
        assert reopened.retries_sent("post-1", workspace_id="other") == 0
        assert reopened.retries_sent("post-3") == 0


def test_a_retry_the_server_says_it_did_not_apply_keeps_the_posts_retry(
    dirs: StoreDirs,
) -> None:
    with open_journal(dirs) as journal:
        refused = journal.intend("ws1", "post-1", ["twitter"]).intent_id
        journal.mark_sent(refused)
        journal.settle(refused, Outcome.NOT_RETRIED, "plan refused: nothing re-sent")
    with open_journal(dirs) as reopened:
        assert reopened.retries_sent("post-1") == 0


def test_history_pages_newest_first_and_searches(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        ids = [journal.intend("ws1", f"post-{n}", [f"acct-{n}"]).intent_id for n in range(5)]
        journal.settle(ids[1], Outcome.GONE, "Post 100% deleted_by_user")

        assert [i.intent_id for i in journal.history(limit=2)] == [ids[4], ids[3]]
        assert [i.intent_id for i in journal.history(limit=2, offset=4)] == [ids[0]]
        assert [i.intent_id for i in journal.history(search="ACCT-3")] == [ids[3]]
        assert [i.intent_id for i in journal.history(search="100%")] == [ids[1]]
        assert journal.history(search="0%_") == []
        assert [i.intent_id for i in journal.history(search="gone")] == [ids[1]]
        assert journal.history_count() == 5
        assert journal.history_count("post-") == 5


def test_csv_export_holds_every_intent_and_defuses_formulas(
    dirs: StoreDirs, tmp_path: Path
) -> None:
    with open_journal(dirs) as journal:
        first = journal.intend("ws1", "post-1", ["2285", "2286"])
        journal.mark_sent(first.intent_id)
        journal.mark_unknown(first.intent_id, '=HYPERLINK("http://evil")')
        journal.intend("ws1", "post-2", ["2287"])
        journal.intend_request("ws1", "bulk-key-1", [("post-3", "2288")])
        target = tmp_path / "out" / "history.csv"

        assert journal.export_csv(target) == 3

    with target.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    # Every row has a value for every column of the header (a spreadsheet lines them up).
    assert {len(line) for line in lines} == {len(lines[0])}
    assert [r["post_id"] for r in rows] == ["post-1", "post-2", "post-3"]
    assert [r["request_key"] for r in rows] == ["", "", "bulk-key-1"]
    assert rows[0]["account_ids"] == "2285 2286"
    assert rows[0]["state"] == "unknown"
    assert rows[0]["operator"] == "alice"
    assert rows[0]["detail"].startswith("'=")
    assert rows[1]["sent_at"] == ""


def test_times_come_from_the_injected_clock(dirs: StoreDirs) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    with RetryJournal(dirs.journal_path("ws1"), clock=lambda: now[0]) as journal:
        intent = journal.intend("ws1", "post-1", ["a"])
        now[0] += timedelta(seconds=5)
        sent = journal.mark_sent(intent.intent_id)
    assert intent.created_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert sent.sent_at == datetime(2026, 5, 1, 12, 0, 5, tzinfo=UTC)


def test_the_file_is_in_wal_mode_with_full_sync(dirs: StoreDirs) -> None:
    with open_journal(dirs) as journal:
        connection = journal._connection
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_threads_share_one_journal_without_losing_a_write(dirs: StoreDirs) -> None:
    errors: list[BaseException] = []
    with open_journal(dirs) as journal:

        def work(thread: int) -> None:
            try:
                for n in range(20):
                    intent = journal.intend("ws1", f"post-{thread}-{n}", ["a"])
                    journal.mark_sent(intent.intent_id)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert journal.history_count() == 80
        assert journal.unfinished() == journal.history(limit=100)[::-1]


def test_a_damaged_journal_is_set_aside_with_a_warning_notice(dirs: StoreDirs) -> None:
    path = dirs.journal_path("ws1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x13garbage" * 1000)

    with open_journal(dirs) as journal:
        assert journal.notice is not None
        assert "set aside" in journal.notice
        assert "before retrying" in journal.notice
        journal.intend("ws1", "post-1", ["a"])


def test_kill_9_right_after_writes_loses_nothing_that_was_reported(dirs: StoreDirs) -> None:
    path = dirs.journal_path("ws1")
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("journal_child.py")), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported: dict[str, str] = {}
    try:
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            sent = 0
            while sent < 25 and time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                line = child.stdout.readline()
                if not line:
                    break
                word, intent_id = line.split()
                reported[intent_id] = word
                sent += word == "sent"
            assert sent >= 25, f"child reported {sent} sent intents; stderr: {child.stderr}"
            child.send_signal(signal.SIGKILL)
            rest, _ = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    for line in rest.splitlines():
        word, intent_id = line.split()
        reported[intent_id] = word

    with RetryJournal(path) as journal:
        assert journal.notice is None
        for intent_id, word in reported.items():
            intent = journal.get(intent_id)
            if word == "sent":
                assert intent.state is IntentState.SENT
                assert intent.sent_at is not None
            else:
                assert intent.state in (IntentState.INTENDED, IntentState.SENT)
        # Whatever was written but not yet reported is consistent too: intended or sent.
        every = journal.history(limit=10_000)
        assert {i.state for i in every} <= {IntentState.INTENDED, IntentState.SENT}
        assert len(every) >= len(reported)
        assert sum(i.state is IntentState.INTENDED for i in every) <= 1
