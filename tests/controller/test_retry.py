from __future__ import annotations

import asyncio

import pytest
from controller_fakes import (
    WHOLE_POST_ONCE,
    FakeClock,
    FakeProvider,
    RecordingJournal,
    RecordingListener,
    dest,
    post,
    until,
)

from postretry_gui.controller import PostMark, WorkspaceSession
from postretry_gui.domain import Account, AccountHealth, Outcome, Status, Verdict
from postretry_gui.domain.errors import (
    NotFound,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    Unauthorized,
    Unreachable,
)


def _posts() -> list:
    return [
        post(
            "a",
            dest("1"),
            dest("2"),
            dest("3", Status.PUBLISHED),
            dest("4", error="Token expired. Please reconnect your LinkedIn account."),
            dest("5"),  # its account's health says reconnect
        ),
        post("b", dest("1"), dest("2")),
        post("c", dest("1")),
    ]


_HEALTH = [Account("5", "x", health=AccountHealth("5", needs_reconnection=True))]


async def _session(
    provider: FakeProvider, **kw: object
) -> tuple[WorkspaceSession, RecordingListener]:
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, clock=FakeClock(), **kw)  # type: ignore[arg-type]
    await session.load()
    await session.wait_loaded()
    return session, listener


@pytest.mark.asyncio
async def test_one_request_per_post_with_only_the_eligible_ticked_account_ids() -> None:
    provider = FakeProvider(_posts(), accounts=_HEALTH)
    session, listener = await _session(provider)
    provider.gates["results"] = asyncio.Event()  # no poll reads before the checks below

    report = await session.retry(
        {"a": frozenset({"1", "3", "4", "5"}), "b": frozenset({"2"}), "c": frozenset()}
    )

    sent = {c.args[0]: c.args[1] for c in provider.calls_to("retry")}
    # published (3), reconnect by error text (4) and by account health (5) never leave
    assert sent == {"a": ("1",), "b": ("2",)}
    assert report.counts == {Outcome.RETRIED: 2, Outcome.SKIPPED: 1}
    assert [o.post_id for o in report.outcomes] == ["a", "b", "c"]
    assert listener.reports == [report]
    # Rows turn queued from the response at once, before any poll.
    a = session.posts["a"]
    assert a.destination("1").status is Status.QUEUED  # type: ignore[union-attr]
    assert a.destination("2").status is Status.FAILED  # type: ignore[union-attr]
    assert session.eligibility_of(a, a.destination("4")).verdict is Verdict.RECONNECT_REQUIRED  # type: ignore[arg-type]
    await session.aclose()


@pytest.mark.asyncio
async def test_reconnect_required_alone_is_skipped_with_the_reason() -> None:
    provider = FakeProvider(_posts(), accounts=_HEALTH)
    session, _ = await _session(provider)

    report = await session.retry({"a": frozenset({"4"})})

    assert provider.calls_to("retry") == []
    outcome = report.of("a")
    assert outcome is not None
    assert outcome.outcome is Outcome.SKIPPED
    assert "Reconnect" in outcome.message
    await session.aclose()


@pytest.mark.asyncio
async def test_a_whole_post_provider_gets_every_eligible_destination_once() -> None:
    provider = FakeProvider(
        _posts(),
        capabilities=WHOLE_POST_ONCE,
        accounts=_HEALTH,
        progress=(Status.PUBLISHING, Status.FAILED),
    )
    session, _ = await _session(provider)

    await session.retry({"a": frozenset({"1"})})
    await session.wait_settled()

    assert [c.args[1] for c in provider.calls_to("retry")] == [("1", "2")]
    # Failed again, but this provider allows no second retry of the post.
    a = session.posts["a"]
    assert a.destination("1").status is Status.FAILED  # type: ignore[union-attr]
    assert session.eligibility_of(a, a.destinations[0]).verdict is Verdict.ALREADY_RETRIED
    again = await session.retry({"a": frozenset({"1", "2"})})
    assert again.counts == {Outcome.SKIPPED: 1}
    assert len(provider.calls_to("retry")) == 1
    await session.aclose()


@pytest.mark.asyncio
async def test_a_second_ctrl_r_while_the_first_is_pending_sends_nothing_twice() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    provider.gates["retry"] = gate = asyncio.Event()
    selection = {"a": frozenset({"1", "2"}), "b": frozenset({"1", "2"})}

    first = session.retry(selection)
    await until(lambda: len(provider.calls_to("retry")) == 1)
    assert session.locked("b", "1")  # locked before its request has even left
    second = await session.retry(selection)
    gate.set()
    first_report = await first

    assert second.counts == {Outcome.SKIPPED: 2}
    assert first_report.counts == {Outcome.RETRIED: 2}
    assert [c.args[0] for c in provider.calls_to("retry")] == ["a", "b"]
    await session.wait_settled()
    assert provider.applied == {("a", "1"): 1, ("a", "2"): 1, ("b", "1"): 1, ("b", "2"): 1}
    await session.aclose()


@pytest.mark.asyncio
async def test_404_marks_the_post_gone() -> None:
    provider = FakeProvider(_posts())
    session, listener = await _session(provider)
    del provider.server["b"]

    report = await session.retry({"b": frozenset({"1"})})

    assert report.counts == {Outcome.GONE: 1}
    assert session.mark("b") is PostMark.GONE
    b = session.posts["b"]
    assert not session.eligibility_of(b, b.destinations[0]).retryable
    assert not session.locked("b", "1")
    assert listener.batches[-1][0].post_id == "b"
    await session.aclose()


@pytest.mark.asyncio
async def test_409_re_reads_the_post_and_reports_nothing_to_retry() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    provider.server["c"] = post("c", dest("1", Status.PUBLISHED))  # published meanwhile

    report = await session.retry({"c": frozenset({"1"})})

    assert report.counts == {Outcome.NOTHING_TO_RETRY: 1}
    assert [c.args for c in provider.calls_to("get_post")] == [("c",)]
    assert session.posts["c"].destinations[0].status is Status.PUBLISHED
    assert not session.locked("c", "1")
    await session.aclose()


@pytest.mark.asyncio
async def test_outcome_unknown_re_reads_instead_of_resending_and_stays_locked() -> None:
    provider = FakeProvider(_posts())
    journal = RecordingJournal()
    session, _ = await _session(provider, journal=journal)
    provider.retry_errors["c"] = OutcomeUnknown()
    provider.gates["results"] = asyncio.Event()  # keep the poll from settling it yet

    report = await session.retry({"c": frozenset({"1"})})

    assert report.counts == {Outcome.OUTCOME_UNKNOWN: 1}
    assert session.mark("c") is PostMark.OUTCOME_UNKNOWN
    assert [c.args for c in provider.calls_to("get_post")] == [("c",)]
    assert session.locked("c", "1")
    again = await session.retry({"c": frozenset({"1"})})
    assert again.counts == {Outcome.SKIPPED: 1}
    assert len(provider.calls_to("retry")) == 1
    assert session.retries_sent("c") == 1
    await session.journal_written()
    assert ("unknown", "j1") in journal.events
    # Reads keep showing failed with no new attempt: the lost retry never ran; unlocked.
    provider.gates["results"].set()
    await session.wait_settled()
    assert session.mark("c") is None
    assert not session.locked("c", "1")
    await session.journal_written()
    assert journal.events[-1] == ("settle", "j1", "offered_again")
    await session.aclose()


@pytest.mark.asyncio
async def test_outcome_unknown_that_did_apply_is_followed_to_the_end() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)

    real_retry = provider.retry

    async def applied_then_lost(p, ids, *, idempotency_key=None, priority=None):  # type: ignore[no-untyped-def]
        await real_retry(p, ids, idempotency_key=idempotency_key)
        raise OutcomeUnknown()

    provider.retry = applied_then_lost  # type: ignore[method-assign]
    report = await session.retry({"c": frozenset({"1"})})
    await session.wait_settled()

    assert report.counts == {Outcome.OUTCOME_UNKNOWN: 1}
    assert session.posts["c"].destinations[0].status is Status.PUBLISHED
    assert session.mark("c") is None
    assert provider.applied == {("c", "1"): 1}
    await session.aclose()


@pytest.mark.asyncio
async def test_a_gateway_5xx_is_treated_as_outcome_unknown_not_resent() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    provider.retry_errors["c"] = ServerError(http_status=504)

    report = await session.retry({"c": frozenset({"1"})})

    assert report.counts == {Outcome.OUTCOME_UNKNOWN: 1}
    assert len(provider.calls_to("retry")) == 1
    await session.aclose()


@pytest.mark.asyncio
async def test_401_stops_the_batch_and_all_background_requests() -> None:
    provider = FakeProvider(_posts())
    session, listener = await _session(provider)
    provider.retry_errors["a"] = Unauthorized()

    report = await session.retry({"a": frozenset({"1"}), "b": frozenset({"1"})})

    assert report.counts == {Outcome.KEY_REJECTED: 2}
    assert [c.args[0] for c in provider.calls_to("retry")] == ["a"]
    assert session.sync_state.key_rejected
    assert [level for level, _ in listener.notices] == ["error"]
    assert not session.locked("b", "1")
    reads = len(provider.calls)
    await session.refresh()
    assert len(provider.calls) == reads
    later = await session.retry({"c": frozenset({"1"})})
    assert later.counts == {Outcome.KEY_REJECTED: 1}
    assert len(provider.calls) == reads
    await session.aclose()


@pytest.mark.asyncio
async def test_unreachable_stops_the_batch_and_unlocks() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    provider.retry_errors["a"] = Unreachable()

    report = await session.retry({"a": frozenset({"1"}), "b": frozenset({"1"})})

    assert report.counts == {Outcome.UNREACHABLE: 2}
    assert report.requests_sent == 0
    assert not session.sync_state.online
    assert not session.locked("a", "1")
    assert session.eligibility_of(session.posts["a"], session.posts["a"].destinations[0]).retryable
    await session.aclose()


@pytest.mark.asyncio
async def test_other_errors_are_reported_readably_per_post() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    provider.retry_errors["a"] = RateLimited(request_id="req_9")

    report = await session.retry({"a": frozenset({"1"}), "c": frozenset({"1"})})

    assert report.counts == {Outcome.REJECTED: 1, Outcome.RETRIED: 1}
    rejected = report.of("a")
    assert rejected is not None
    assert "Rate limit" in rejected.message
    assert "req_9" in rejected.message
    assert not session.locked("a", "1")
    await session.aclose()


@pytest.mark.asyncio
async def test_the_journal_sees_intent_before_the_request_and_the_outcome_after() -> None:
    provider = FakeProvider(_posts())
    journal = RecordingJournal()
    session, _ = await _session(provider, journal=journal)
    seen_at_send: list[list[tuple[str, ...]]] = []
    provider.on_call = lambda call: (
        seen_at_send.append(list(journal.events)) if call.method == "retry" else None
    )

    await session.retry({"b": frozenset({"2", "1"})})
    await session.wait_settled()
    await session.journal_written()

    # Write-ahead: the intent is in before the request leaves. "sent" is queued as it leaves
    # (a crash that loses it leaves the intent "intended", which the next open reads back
    # as maybe sent), so the request may or may not find it written yet.
    (at_send,) = seen_at_send
    assert at_send[0] == ("intend", "j1", "b", "1,2")
    assert at_send[1:] in ([], [("sent", "j1")])
    assert provider.calls_to("retry")[0].kwargs["idempotency_key"] == "j1"
    assert journal.events[1:] == [
        ("sent", "j1"),
        ("ack", "j1", "retried"),
        ("settle", "j1", "published"),
    ]
    await session.aclose()


@pytest.mark.asyncio
async def test_404_while_polling_marks_the_post_gone_and_unlocks() -> None:
    provider = FakeProvider(_posts())
    session, _ = await _session(provider)
    await session.retry({"c": frozenset({"1"})})
    provider.errors["results"] = [NotFound()]

    await session.wait_settled()

    assert session.mark("c") is PostMark.GONE
    assert not session.locked("c", "1")
    await session.aclose()
