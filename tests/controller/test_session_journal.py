"""The retry journal hook: write-ahead, counts across runs, reconciling what a crash left."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from controller_fakes import (
    WHOLE_POST_ONCE,
    FakeClock,
    FakeIntent,
    FakeProvider,
    RecordingJournal,
    RecordingListener,
    dest,
    post,
)

from postretry_gui.controller import PostMark, WorkspaceSession
from postretry_gui.domain import Outcome, Status, Verdict
from postretry_gui.domain.errors import Unreachable
from postretry_gui.store.journal import IntentState
from postretry_gui.store.journal import RetryJournal as StoreJournal


async def _loaded(provider: FakeProvider, journal: object) -> WorkspaceSession:
    session = WorkspaceSession(
        provider,
        RecordingListener(),
        clock=FakeClock(),
        journal=journal,  # type: ignore[arg-type]
        workspace_id="ws1",
    )
    await session.load()
    await session.wait_loaded()
    return session


@pytest.mark.asyncio
async def test_a_retry_the_journal_cannot_record_is_not_sent() -> None:
    provider = FakeProvider([post("a", dest("1"))])
    journal = RecordingJournal()
    journal.fail_intend = True
    session = await _loaded(provider, journal)

    report = await session.retry({"a": frozenset({"1"})})

    assert provider.calls_to("retry") == []
    outcome = report.of("a")
    assert outcome is not None
    assert outcome.outcome is Outcome.SKIPPED
    assert "not sent" in outcome.message
    assert not session.locked("a", "1")
    await session.aclose()


@pytest.mark.asyncio
async def test_retries_recorded_in_an_earlier_run_count_toward_the_limit() -> None:
    provider = FakeProvider([post("a", dest("1"))], capabilities=WHOLE_POST_ONCE)
    session = await _loaded(provider, RecordingJournal(sent=1))
    a = session.posts["a"]

    assert session.eligibility_of(a, a.destinations[0]).verdict is Verdict.ALREADY_RETRIED
    report = await session.retry({"a": frozenset({"1"})})
    assert report.counts == {Outcome.SKIPPED: 1}
    assert provider.calls_to("retry") == []
    await session.aclose()


@pytest.mark.asyncio
async def test_an_intent_left_unfinished_by_a_crash_is_locked_and_polled_not_resent() -> None:
    provider = FakeProvider([post("a", dest("1"), dest("2"))])
    left = FakeIntent("old1", "ws1", "a", ("1",), state="sent")
    other_workspace = FakeIntent("old2", "ws2", "a", ("2",), state="sent")
    journal = RecordingJournal(unfinished=[left, other_workspace])
    provider.gates["results"] = gate = asyncio.Event()
    session = await _loaded(provider, journal)

    assert session.mark("a") is PostMark.OUTCOME_UNKNOWN
    assert session.locked("a", "1")
    assert not session.locked("a", "2")
    report = await session.retry({"a": frozenset({"1", "2"})})
    assert [c.args[1] for c in provider.calls_to("retry")] == [("2",)]
    assert report.counts == {Outcome.RETRIED: 1}

    gate.set()
    await session.wait_settled()
    await session.journal_written()
    # Read twice, still failed, no new attempt: that old retry never ran.
    assert ("settle", "old1", "offered_again") in journal.events
    assert not session.locked("a", "1")
    assert session.mark("a") is None
    await session.aclose()


@pytest.mark.asyncio
async def test_with_the_real_store_journal(tmp_path: Path) -> None:
    provider = FakeProvider([post("a", dest("1"), dest("2")), post("b", dest("1"))])
    with StoreJournal(tmp_path / "journal.sqlite3", operator="tester") as journal:
        session = await _loaded(provider, journal)

        await session.retry({"a": frozenset({"1", "2"}), "b": frozenset({"1"})})
        await session.wait_settled()
        await session.journal_written()

        history = {i.post_id: i for i in journal.history()}
        assert set(history) == {"a", "b"}
        assert history["a"].account_ids == ("1", "2")
        assert all(i.state is IntentState.SETTLED for i in history.values())
        assert {str(i.outcome) for i in history.values()} == {"published"}
        keys = {c.kwargs["idempotency_key"] for c in provider.calls_to("retry")}
        assert keys == {i.intent_id for i in history.values()}
        assert journal.retries_sent("a", workspace_id="ws1") == 1
        assert session.posts["a"].destination("2").status is Status.PUBLISHED  # type: ignore[union-attr]
        await session.aclose()


@pytest.mark.asyncio
async def test_a_refused_connection_does_not_use_up_a_once_only_retry(tmp_path: Path) -> None:
    """Connection refused means the request never left: after a restart the Ayrshare-style
    post must still be retryable (counting it would lock the post for good)."""
    provider = FakeProvider([post("a", dest("1"))], capabilities=WHOLE_POST_ONCE)
    provider.retry_errors["a"] = Unreachable()
    path = tmp_path / "journal.sqlite3"
    with StoreJournal(path, operator="tester") as journal:
        session = await _loaded(provider, journal)
        report = await session.retry({"a": frozenset({"1"})})
        assert report.counts == {Outcome.UNREACHABLE: 1}
        await session.journal_written()
        [intent] = journal.history()
        assert intent.state is IntentState.SETTLED
        assert str(intent.outcome) == "unreachable"
        await session.aclose()

    del provider.retry_errors["a"]
    with StoreJournal(path, operator="tester") as journal:
        restarted = await _loaded(provider, journal)
        a = restarted.posts["a"]
        assert restarted.retries_sent("a") == 0
        assert restarted.eligibility_of(a, a.destinations[0]).retryable
        report = await restarted.retry({"a": frozenset({"1"})})
        assert report.counts == {Outcome.RETRIED: 1}
        await restarted.aclose()
