"""Rate-limit manners of a bulk job, against the simulator's real 429s: a 429 is re-sent
with the same Idempotency-Key only after its Retry-After; repeated 429s pause the job with
a message, and resume or cancel decide what happens next. Nothing is ever applied twice."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from bulk_child import (
    API_KEY,
    FAST_POLLS,
    WORKSPACE,
    applied_twice,
    journal_dir,
    retryable_selection,
)

from postretry_gui.controller import NullListener, WorkspaceSession
from postretry_gui.controller.bulk import BulkSettings
from postretry_gui.controller.bulk_events import JobState, SummaryGroup
from postretry_gui.domain import Outcome as Word
from postretry_gui.domain.errors import TooManyRateLimits
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import IntentState, RetryJournal


@dataclass
class Sent:
    at: float
    post_id: str
    key: str
    status: int


class RecordingTransport(httpx.AsyncBaseTransport):
    """Every retry request as it leaves and how it was answered."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        at = time.monotonic()
        response = await self._inner.handle_async_request(request)
        path = request.url.path
        if request.method == "POST" and path.endswith("/retry"):
            post_id = path.rsplit("/", 2)[-2]
            self.sent.append(
                Sent(at, post_id, request.headers.get("idempotency-key", ""), response.status_code)
            )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Rig:
    sim: SimServer
    session: WorkspaceSession
    journal: RetryJournal
    transport: RecordingTransport


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    config = SimConfig(seed=8, posts=60, rate_limit=None, queued_s=0.01, publishing_s=0.01)
    with SimServer(config, port=0) as server:
        yield server


@pytest_asyncio.fixture
async def rig(sim: SimServer) -> AsyncIterator[Rig]:
    with journal_dir() as folder:
        journal = RetryJournal(folder / "journal.sqlite3", operator="rates")
        transport = RecordingTransport()
        provider = PostEverywhereProvider(
            sim.posteverywhere_url,
            API_KEY,
            transport=transport,
            pacer=RatePacer(jitter_s=0.0),
        )
        session = WorkspaceSession(
            provider,
            NullListener(),
            journal=journal,
            workspace_id=WORKSPACE,
            poll_settings=FAST_POLLS,
            # These manners are per request; one post per request makes them countable.
            single_post_retries=True,
        )
        await session.load()
        await session.wait_loaded()
        sim.reset_stats()
        yield Rig(sim, session, journal, transport)
        sim.configure(burst_429=0)
        await session.aclose()
        await provider.aclose()
        journal.close()


async def _until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.005)


@pytest.mark.asyncio
async def test_a_429_is_resent_after_retry_after_with_the_same_key(rig: Rig) -> None:
    selection = retryable_selection(rig.session, 3)
    rig.sim.configure(burst_429=2)  # the next two requests get 429 with Retry-After: 1

    job = rig.session.retry(selection)
    await job

    sent = rig.transport.sent
    first = sent[0]
    assert [s.status for s in sent[:3]] == [429, 429, 200]
    # The same intent, the same key, each time; and never before the wait was over.
    assert {s.key for s in sent[:3]} == {first.key}
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(sent[:3]))
    intents = {i.intent_id: i for i in rig.journal.history(limit=100)}
    assert first.key in intents
    assert len(intents) == len(selection)  # one intent per post, 429s or not
    stats = rig.sim.stats()
    assert applied_twice(stats) == {}
    assert all(n == 1 for a in stats["retries_applied_by_intent"].values() for n in a.values())
    assert job.progress.rate_limited == 2
    assert job.state is JobState.DONE


@pytest.mark.asyncio
async def test_repeated_429s_pause_the_job_until_resumed(rig: Rig) -> None:
    selection = retryable_selection(rig.session, 4)
    rig.sim.configure(burst_429=50)
    settings = BulkSettings(concurrency=2, pause_after_429s=2, max_sends_per_intent=10)
    job = rig.session.retry(selection, settings=settings)
    task = job.task

    await _until(lambda: job.state is JobState.PAUSED)
    assert job.progress.message == TooManyRateLimits.default_message
    paused_at = len(rig.transport.sent)
    assert paused_at == 2  # slow start: one request, then a second after the first 429
    rig.sim.configure(burst_429=0)
    job.resume()
    await task

    assert job.state is JobState.DONE
    assert job.summary is not None
    assert job.summary.posts[SummaryGroup.RETRIED] == len(selection)
    assert applied_twice(rig.sim.stats()) == {}


@pytest.mark.asyncio
async def test_cancel_while_paused_sends_nothing_more(rig: Rig) -> None:
    selection = retryable_selection(rig.session, 5)
    rig.sim.configure(burst_429=50)
    settings = BulkSettings(concurrency=2, pause_after_429s=2, max_sends_per_intent=10)
    job = rig.session.retry(selection, settings=settings)
    task = job.task
    await _until(lambda: job.state is JobState.PAUSED)
    sent_before = len(rig.transport.sent)

    job.cancel()
    report = await task

    assert len(rig.transport.sent) == sent_before
    assert job.state is JobState.CANCELLED
    assert rig.sim.stats()["retries_applied"] == {}
    # The intents that met 429s were refused, not applied: settled, never left open.
    await rig.session.journal_written()
    intents = rig.journal.history(limit=100)
    assert intents
    assert all(i.state is IntentState.SETTLED and i.outcome is Word.REJECTED for i in intents)
    assert job.summary is not None
    assert job.summary.posts[SummaryGroup.NOT_SENT] == len(selection) - len(intents)
    assert report.requests_sent == len(intents)
