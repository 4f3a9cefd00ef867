"""The local journal's writes run on one writer thread, in order, never on the event loop (the
window's thread): the intent is still on disk before a request leaves, and closing a
workspace waits (within a bound) for the outcomes still queued."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from controller_fakes import (
    FakeClock,
    FakeIntent,
    FakeProvider,
    RecordingJournal,
    RecordingListener,
    dest,
    post,
    until,
)

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.journal_port import JournalLink, JournalWriteFailed
from postretry_gui.domain import Outcome
from postretry_gui.store.journal import Intent, IntentState
from postretry_gui.store.journal import RetryJournal as StoreJournal

# Long enough for any sound machine; a test that meets it has failed anyway.
WAIT_S = 10.0


class StuckDiskJournal(RecordingJournal):
    """A recording journal whose disk stops at "sent" until ``disk`` is set; it notes the
    thread of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.disk = threading.Event()
        self.threads: set[int] = set()

    def intend(self, workspace_id: str, post_id: str, account_ids: object) -> FakeIntent:
        self.threads.add(threading.get_ident())
        return super().intend(workspace_id, post_id, account_ids)  # type: ignore[arg-type]

    def mark_sent(self, intent_id: str) -> None:
        self.threads.add(threading.get_ident())
        assert self.disk.wait(WAIT_S), "the test never let the disk go on"
        super().mark_sent(intent_id)


@pytest.mark.asyncio
async def test_writes_leave_the_event_loop_and_land_in_the_order_asked() -> None:
    journal = StuckDiskJournal()
    failures: list[str] = []
    link = JournalLink(journal, "ws1", failures.append)
    try:
        first = await link.record_intent("a", ["1"])
        assert journal.events == [("intend", "j1", "a", "1")]  # on disk before it returns

        # The disk stalls on "sent": the calls still return at once, the window goes on.
        link.mark_sent(first)
        link.acknowledge(first, "queued")
        link.settle(first, Outcome.PUBLISHED)
        second = asyncio.create_task(link.record_intent("b", ["2"]))
        for _ in range(20):
            await asyncio.sleep(0)
        # Nothing jumps the queue: not the next intent, not the outcome before "sent".
        assert not second.done()
        assert journal.events == [("intend", "j1", "a", "1")]

        journal.disk.set()
        assert await asyncio.wait_for(second, WAIT_S) == "j2"
        await asyncio.wait_for(link.written(), WAIT_S)
        assert journal.events == [
            ("intend", "j1", "a", "1"),
            ("sent", "j1"),
            ("ack", "j1", "retried"),
            ("settle", "j1", "published"),
            ("intend", "j2", "b", "2"),
        ]
        # One writer thread, and not the loop's.
        assert len(journal.threads) == 1
        assert threading.get_ident() not in journal.threads
        assert failures == []
    finally:
        journal.disk.set()
        await link.flush()


class BrokenSettle(RecordingJournal):
    def settle(self, intent_id: str, outcome: str, detail: str = "") -> None:
        raise OSError("disk gone")


@pytest.mark.asyncio
async def test_a_failed_intent_refuses_the_send_and_a_failed_outcome_is_told() -> None:
    failures: list[str] = []
    journal = BrokenSettle()
    link = JournalLink(journal, "ws1", failures.append)
    journal.fail_intend = True
    with pytest.raises(JournalWriteFailed, match="so it was not sent: disk full"):
        await link.record_intent("a", ["1"])
    assert failures == []  # refusing the send is the caller's to tell

    link.settle("j1", Outcome.PUBLISHED)  # the request already left: told, not raised
    await until(lambda: bool(failures), timeout_s=WAIT_S)
    assert failures == ["Could not update the retry journal: disk gone"]
    await link.flush()


@pytest.mark.asyncio
async def test_closing_a_stuck_disk_waits_no_longer_than_its_bound() -> None:
    journal = StuckDiskJournal()
    link = JournalLink(journal, "ws1", lambda text: None)
    entry = await link.record_intent("a", ["1"])
    link.mark_sent(entry)
    link.settle(entry, Outcome.PUBLISHED)
    try:
        await asyncio.wait_for(link.flush(timeout_s=0.1), WAIT_S)
    finally:
        journal.disk.set()
    # Let go of, the queued settle never lands: the intent stays unfinished, as after a
    # crash, for the next open to settle by reading.
    assert ("settle", "j1", "published") not in journal.events


class StuckSettleJournal(StoreJournal):
    """The store's journal, its disk stuck on settling until ``disk`` is set."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, operator="tester")
        self.disk = threading.Event()

    def settle(self, intent_id: str, outcome: Outcome | str, detail: str = "") -> Intent:
        assert self.disk.wait(WAIT_S), "the test never let the disk go on"
        return super().settle(intent_id, outcome, detail)


@pytest.mark.asyncio
async def test_closing_a_workspace_writes_its_settled_outcomes_first(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    provider = FakeProvider([post("a", dest("1"))])
    journal = StuckSettleJournal(path)
    session = WorkspaceSession(
        provider, RecordingListener(), clock=FakeClock(), journal=journal, workspace_id="ws1"
    )
    await session.load()
    await session.wait_loaded()
    report = await session.retry({"a": frozenset({"1"})})
    assert report.counts == {Outcome.RETRIED: 1}
    await session.wait_settled()  # published: its settle is queued, the disk holds it

    closing = asyncio.create_task(session.aclose())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not closing.done()  # closing waits for the queue
    journal.disk.set()
    await asyncio.wait_for(closing, WAIT_S)
    journal.close()

    with StoreJournal(path, operator="next start") as reopened:
        (intent,) = reopened.history()
        assert intent.state is IntentState.SETTLED
        assert intent.outcome is Outcome.PUBLISHED
        assert reopened.unfinished() == []
