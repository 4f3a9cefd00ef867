"""The bulk summary says what really happened, per destination, and keeps saying it after
the job: a retried destination moves to "published" or "failed again" as polling settles
it, a lost answer to wherever its read puts it. In-memory provider, fake clock."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from controller_fakes import (
    FakeClock,
    FakeProvider,
    RecordingJournal,
    RecordingListener,
    dest,
    post,
    until,
)

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.bulk_events import (
    BulkProgress,
    BulkSummary,
    DestinationKey,
    SummaryGroup,
)
from postretry_gui.domain import Status
from postretry_gui.domain.errors import (
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    ReconnectRequired,
    ServerError,
    Unreachable,
    ValidationFailed,
)

G = SummaryGroup
QUEUED, PUBLISHING = Status.QUEUED, Status.PUBLISHING
PUBLISHED, FAILED = Status.PUBLISHED, Status.FAILED


class SummaryRecorder:
    """The window's side of a job: every summary it was handed, in order."""

    def __init__(self) -> None:
        self.finished: list[BulkSummary] = []
        self.changed: list[BulkSummary] = []

    def job_progress(self, progress: BulkProgress) -> None:
        pass

    def job_finished(self, summary: BulkSummary) -> None:
        self.finished.append(summary)

    def summary_changed(self, summary: BulkSummary) -> None:
        self.changed.append(summary)

    @property
    def last(self) -> BulkSummary:
        return (self.finished + self.changed)[-1]


def where(summary: BulkSummary) -> dict[DestinationKey, SummaryGroup]:
    return {key: group for group in SummaryGroup for key in summary.destinations(group)}


async def _session(
    provider: FakeProvider, **kw: object
) -> tuple[WorkspaceSession, RecordingListener]:
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, clock=FakeClock(), **kw)  # type: ignore[arg-type]
    await session.load()
    await session.wait_loaded()
    return session, listener


def _settle_at_server(provider: FakeProvider, post_id: str, **statuses: Status) -> None:
    """The network ran the retry: each named destination (by account id) ends as given."""
    current = provider.server[post_id]
    updates = []
    for account_id, status in statuses.items():
        d = current.destination(account_id)
        assert d is not None
        updates.append(replace(d, status=status, attempts=d.attempts + 1))
    provider.server[post_id] = current.merged(updates)
    provider._retried.pop(post_id, None)


@pytest.mark.asyncio
async def test_retried_destinations_move_to_published_and_failed_again_after_the_job() -> None:
    # Retried destinations stay queued until the "network" decides; then one of post a
    # publishes and the other fails, as do both of post b.
    provider = FakeProvider(
        [post("a", dest("1"), dest("2")), post("b", dest("1"), dest("2"))], progress=(QUEUED,)
    )
    journal = RecordingJournal()
    session, _ = await _session(provider, journal=journal)
    recorder = SummaryRecorder()
    provider.gates["results"] = gate = asyncio.Event()

    job = session.retry({"a": frozenset({"1", "2"}), "b": frozenset({"1", "2"})}, observer=recorder)
    await job

    finished = recorder.finished[0]
    assert finished.total == 4
    assert finished.destinations(G.RETRIED) == (("a", "1"), ("a", "2"), ("b", "1"), ("b", "2"))
    assert finished.pending == 4
    assert not finished.settled
    assert job.following

    _settle_at_server(provider, "a", **{"1": PUBLISHED, "2": FAILED})
    _settle_at_server(provider, "b", **{"1": FAILED, "2": FAILED})
    gate.set()
    await session.wait_settled()
    await until(lambda: bool(recorder.changed) and recorder.last.settled)

    assert where(recorder.last) == {
        ("a", "1"): G.PUBLISHED,
        ("a", "2"): G.FAILED_AGAIN,
        ("b", "1"): G.FAILED_AGAIN,
        ("b", "2"): G.FAILED_AGAIN,
    }
    assert recorder.last.posts == {G.PUBLISHED: 1, G.FAILED_AGAIN: 2}
    assert job.summary == recorder.last
    assert not job.following
    # The journal, one word per intent, agrees: b failed again; a did not wholly publish.
    await session.journal_written()
    settled = {e[1]: e[2] for e in journal.events if e[0] == "settle"}
    assert sorted(settled.values()) == ["failed_again", "failed_again"]
    await session.aclose()


@pytest.mark.asyncio
async def test_a_lost_answer_stays_unknown_until_a_read_settles_it_published() -> None:
    provider = FakeProvider([post("c", dest("1"))], progress=(PUBLISHING, PUBLISHED))
    session, _ = await _session(provider)
    recorder = SummaryRecorder()
    real_retry = provider.retry

    async def applied_then_lost(p, ids, *, idempotency_key=None, priority=None):  # type: ignore[no-untyped-def]
        await real_retry(p, ids, idempotency_key=idempotency_key)
        raise OutcomeUnknown()

    provider.retry = applied_then_lost  # type: ignore[method-assign]
    # The read right after the lost answer fails too, and polls wait: unknown at the end.
    provider.errors["get_post"] = [ServerError(http_status=502)]
    provider.gates["results"] = gate = asyncio.Event()

    job = session.retry({"c": frozenset({"1"})}, observer=recorder)
    await job
    assert where(recorder.finished[0]) == {("c", "1"): G.OUTCOME_UNKNOWN}

    gate.set()
    await session.wait_settled()
    await until(lambda: bool(recorder.changed) and recorder.last.settled)

    assert where(recorder.last) == {("c", "1"): G.PUBLISHED}
    assert provider.applied == {("c", "1"): 1}
    assert len(provider.calls_to("retry")) == 1
    await session.aclose()


@pytest.mark.asyncio
async def test_a_lost_answer_read_at_once_as_applied_ends_the_job_as_retried() -> None:
    # The read inside the job already shows the retry running: not "unknown" at the end.
    provider = FakeProvider([post("c", dest("1"))], progress=(PUBLISHING, FAILED))
    session, _ = await _session(provider)
    recorder = SummaryRecorder()
    real_retry = provider.retry

    async def applied_then_lost(p, ids, *, idempotency_key=None, priority=None):  # type: ignore[no-untyped-def]
        await real_retry(p, ids, idempotency_key=idempotency_key)
        raise OutcomeUnknown()

    provider.retry = applied_then_lost  # type: ignore[method-assign]
    provider.gates["results"] = gate = asyncio.Event()

    await session.retry({"c": frozenset({"1"})}, observer=recorder)
    assert where(recorder.finished[0]) == {("c", "1"): G.RETRIED}

    gate.set()
    await session.wait_settled()
    await until(lambda: bool(recorder.changed) and recorder.last.settled)
    assert where(recorder.last) == {("c", "1"): G.FAILED_AGAIN}
    await session.aclose()


@pytest.mark.asyncio
async def test_a_lost_retry_that_never_ran_is_offered_again_not_counted_as_retried() -> None:
    provider = FakeProvider([post("c", dest("1"))])
    session, _ = await _session(provider)
    recorder = SummaryRecorder()
    provider.retry_errors["c"] = OutcomeUnknown()

    job = session.retry({"c": frozenset({"1"})}, observer=recorder)
    await job
    assert where(recorder.finished[0]) == {("c", "1"): G.OUTCOME_UNKNOWN}
    await session.wait_settled()
    await until(lambda: bool(recorder.changed))

    assert where(recorder.last) == {("c", "1"): G.NOT_APPLIED}
    assert session.eligibility_of(session.posts["c"], session.posts["c"].destinations[0]).retryable
    await session.aclose()


@pytest.mark.asyncio
async def test_refusals_land_in_their_own_groups_per_destination() -> None:
    posts = [
        post("ok", dest("1"), dest("2")),
        post("conflict", dest("1")),
        post("deleted", dest("1"), dest("2")),
        post("relink", dest("1")),
        post("invalid", dest("1")),
        # Ticked, but its token expired: never sent, "reconnect required".
        post("expired", dest("1", error="Token expired. Please reconnect your account.")),
        # One destination already published at the server: the ack leaves it out.
        post("partly", dest("1"), dest("2")),
    ]
    provider = FakeProvider(posts, progress=(QUEUED,))
    session, _ = await _session(provider)
    recorder = SummaryRecorder()
    provider.retry_errors["conflict"] = NothingToRetry()
    provider.retry_errors["deleted"] = NotFound()
    provider.retry_errors["relink"] = ReconnectRequired("Reconnect the TikTok account.")
    provider.retry_errors["invalid"] = ValidationFailed("The caption is too long.")
    _settle_at_server(provider, "partly", **{"2": PUBLISHED})
    provider.gates["results"] = asyncio.Event()  # nothing settles during this test

    await session.retry(
        {p.post_id: frozenset(d.account_id for d in p.destinations) for p in posts},
        observer=recorder,
    )

    summary = recorder.finished[0]
    assert where(summary) == {
        ("ok", "1"): G.RETRIED,
        ("ok", "2"): G.RETRIED,
        ("partly", "1"): G.RETRIED,
        ("partly", "2"): G.NOTHING_TO_RETRY,
        ("conflict", "1"): G.NOTHING_TO_RETRY,
        ("deleted", "1"): G.GONE,
        ("deleted", "2"): G.GONE,
        ("relink", "1"): G.RECONNECT_REQUIRED,
        ("expired", "1"): G.RECONNECT_REQUIRED,
        ("invalid", "1"): G.REFUSED,
    }
    assert summary.total == 10
    assert summary.posts[G.RETRIED] == 2
    assert summary.messages[G.REFUSED] == "The caption is too long."
    assert summary.line().startswith("10 destinations: ")
    await session.aclose()


@pytest.mark.asyncio
async def test_not_sent_when_the_server_cannot_be_reached() -> None:
    provider = FakeProvider([post("a", dest("1")), post("b", dest("1"))])
    session, _ = await _session(provider)
    recorder = SummaryRecorder()
    provider.retry_errors["a"] = Unreachable()

    await session.retry({"a": frozenset({"1"}), "b": frozenset({"1"})}, observer=recorder)

    # Connection refused before the request left: nothing reached the server, for either.
    assert where(recorder.finished[0]) == {("a", "1"): G.NOT_SENT, ("b", "1"): G.NOT_SENT}
    assert provider.applied == {}
    await session.aclose()


@pytest.mark.asyncio
async def test_a_later_retry_of_the_same_destination_does_not_move_the_first_summary() -> None:
    provider = FakeProvider([post("a", dest("1"))], progress=(PUBLISHING, FAILED))
    session, _ = await _session(provider)
    first = SummaryRecorder()
    await session.retry({"a": frozenset({"1"})}, observer=first)
    await session.wait_settled()
    await until(lambda: bool(first.changed))
    assert where(first.last) == {("a", "1"): G.FAILED_AGAIN}

    provider.progress = [PUBLISHING, PUBLISHED]
    second = SummaryRecorder()
    await session.retry({"a": frozenset({"1"})}, observer=second)
    await session.wait_settled()
    await until(lambda: bool(second.changed))

    assert where(second.last) == {("a", "1"): G.PUBLISHED}
    assert where(first.last) == {("a", "1"): G.FAILED_AGAIN}
    assert len(first.changed) == 1
    await session.aclose()
