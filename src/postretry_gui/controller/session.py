"""One open workspace: its posts, its retries and its background work, without Qt.

The window creates one :class:`WorkspaceSession` per workspace (provider + key), passes
itself (or an adapter) as the :class:`~postretry_gui.controller.events.SessionListener`,
and then only calls the methods below. Typical wiring::

    session = WorkspaceSession(provider, listener)
    session.start_load()            # first failures page arrives at once, the rest behind it
    session.start_background()      # refresh every 60 s
    ...
    session.start_retry({"p1": frozenset({"2285", "2286"})})   # Ctrl+R
    ...
    await session.aclose()          # on aboutToQuit / closing the workspace

Provider errors never escape as exceptions from ``load``/``refresh``/``retry``: they become
``SyncState`` (offline, key rejected, last error), notices and per-post outcomes. Anything
else (a bug) reaches ``on_error`` through the task set.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, TypeVar

from postretry_gui.controller import journal_port as jw
from postretry_gui.controller.bulk import BulkRetryJob, BulkSettings, RetrySend, StopSending
from postretry_gui.controller.bulk_events import BulkObserver
from postretry_gui.controller.clock import Clock, SystemClock, wall_datetime
from postretry_gui.controller.events import (
    NoticeLevel,
    PostMark,
    PostOutcome,
    RetryReport,
    SessionListener,
    SyncState,
)
from postretry_gui.controller.journal_port import JournalLink, JournalWriteFailed, RetryJournal
from postretry_gui.controller.loader import (
    EVERYTHING_FILTER,
    FAILURES_FILTER,
    NOT_FAILURES_FILTER,
    PageWalk,
    iterate_pages,
)
from postretry_gui.controller.poller import Poller, PollSettings
from postretry_gui.controller.tasks import ErrorCallback, TaskSet
from postretry_gui.controller.watch_events import WatchEvent, WatchFate, WatchFollower
from postretry_gui.domain import (
    AccountHealth,
    Destination,
    Eligibility,
    Outcome,
    Post,
    ProviderCapabilities,
    Status,
    Verdict,
    eligibility,
    retry_unit,
)
from postretry_gui.domain.errors import (
    AlreadyRetried,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    ProviderError,
    ReconnectRequired,
    ServerError,
    TimedOut,
    TransportError,
    Unauthorized,
)
from postretry_gui.providers.base import Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority

T = TypeVar("T")

# What a retry selection looks like: post_id -> the ticked destinations' account ids.
Selection = Mapping[str, frozenset[str]]

# ``updated_after`` reaches back this far before the last sync: the server's clock and ours
# may disagree, and reading a post twice costs nothing (unchanged posts are not re-emitted).
SYNC_OVERLAP = timedelta(minutes=2)

# A retried destination that still reads "failed" with the same attempt count may be a read
# that raced the retry. Only after this many such reads in a row is it taken as settled.
STALE_FAILED_READS = 2

# How far the server's clock may run behind ours when comparing its ``updated_at`` with the
# time an intent was written.
CLOCK_SKEW = timedelta(seconds=30)


# eq=False: two retries of the same destinations are still two watches (identity).
@dataclass(slots=True, eq=False)
class _Watch:
    """A post whose retried destinations are being polled until they settle."""

    account_ids: frozenset[str]
    # Attempts of each destination before the retry: a higher count proves it ran again.
    attempts_before: Mapping[str, int]
    entry_id: str | None
    # True while a lost answer has not been explained by a read yet.
    unknown: bool = False
    stale_failed_reads: int = 0
    applied: bool = False
    # When the intent was written, for a watch reconciled after a restart before its post
    # was read (so with no attempt counts from before the retry).
    since: datetime | None = None


# The rest of a retry job must not be sent (key rejected, offline); the job catches it.
_StopSending = StopSending


class WorkspaceSession:
    """Posts by post_id, the locks of destinations in flight, sync state and tasks.

    ``refresh_interval_s``: the background refresh period (``start_background``).
    ``clock``: time source and sleep (tests pass a fake one).
    ``journal``: optional write-ahead retry journal (``store.journal.RetryJournal``), with
    ``workspace_id`` the workspace its intents belong to. With it, each retry is recorded
    before it leaves (and not sent if that fails), a post's earlier retries count toward
    ``max_retries_per_post``, and intents left unfinished by a previous run are reconciled
    at load: their destinations stay locked until a read shows what happened.
    ``retries_sent``: retries of each post known from elsewhere (without a journal).
    ``poll_settings``: the poller's intervals and its share of the rate limit.
    ``on_error``: where an unexpected exception in a background task goes
    (default ``sys.excepthook``).
    ``bulk_settings``: concurrency and rate-limit manners of retry jobs (``controller.bulk``).
    """

    def __init__(
        self,
        provider: Provider,
        listener: SessionListener,
        *,
        refresh_interval_s: float = 60.0,
        clock: Clock | None = None,
        journal: RetryJournal | None = None,
        workspace_id: str = "default",
        retries_sent: Mapping[str, int] | None = None,
        page_size: int = 100,
        poll_settings: PollSettings | None = None,
        on_error: ErrorCallback | None = None,
        bulk_settings: BulkSettings | None = None,
    ) -> None:
        if refresh_interval_s <= 0:
            raise ValueError("refresh_interval_s must be positive")
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        self._provider = provider
        self._listener = listener
        self._refresh_interval_s = refresh_interval_s
        self._clock: Clock = clock or SystemClock()
        self._journal = JournalLink(
            journal, workspace_id, lambda text: self._notice(NoticeLevel.WARNING, text)
        )
        self._retries_sent: dict[str, int] = dict(retries_sent or {})
        self._page_size = page_size
        self._bulk = bulk_settings or BulkSettings()
        # Clear while a retry job is sending: poll rounds wait for it, so the job's budget is
        # its own, and what it acknowledged (rows already show queued) is polled right after.
        self._jobs_sending = 0
        self._no_job_sending = asyncio.Event()
        self._no_job_sending.set()
        self._tasks = TaskSet(on_error)
        self._posts: dict[str, Post] = {}
        self._locks: dict[str, set[str]] = {}
        self._marks: dict[str, PostMark] = {}
        self._health: dict[str, AccountHealth] = {}
        self._health_loaded = False
        # post_id -> one watch per acknowledged (or lost) retry of it still settling
        self._watches: dict[str, list[_Watch]] = {}
        # Told as reads settle watches (a retry job's live summary follows them).
        self._watch_followers: list[WatchFollower] = []
        self._sync = SyncState()
        # Wall time (unix s) at the start of the last complete sync: the next updated_after.
        self._synced_from: float | None = None
        self._loaded = asyncio.Event()
        self._refreshing = False
        self._background: asyncio.Task[None] | None = None
        self._poller = Poller(
            self._poll_round, provider.pacer, self._clock, self._tasks, poll_settings
        )

    # -- reading state (synchronous, cheap: the UI calls these while painting) ---------------

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._provider.capabilities

    @property
    def posts(self) -> Mapping[str, Post]:
        """Every post loaded so far, by post_id (a read-only view)."""
        return MappingProxyType(self._posts)

    @property
    def journal(self) -> RetryJournal | None:
        """The retry journal this session writes (the window's Ctrl+H history reads it)."""
        return self._journal.journal

    @property
    def sync_state(self) -> SyncState:
        return self._sync

    @property
    def polling(self) -> frozenset[str]:
        """The post ids being polled until their retried destinations settle."""
        return self._poller.watched

    def locked(self, post_id: str, account_id: str) -> bool:
        """True while a retry of this destination is on its way or its outcome is unknown."""
        return account_id in self._locks.get(post_id, ())

    def mark(self, post_id: str) -> PostMark | None:
        """GONE (deleted at the provider) or OUTCOME_UNKNOWN, else None."""
        return self._marks.get(post_id)

    def retries_sent(self, post_id: str) -> int:
        """Retries of this post sent (or possibly sent) by this app, this run or before."""
        known = self._retries_sent.get(post_id)
        if known is None:
            # Asked once per post (the journal is SQLite: microseconds), then counted here.
            known = self._journal.retries_sent(post_id) or 0
            self._retries_sent[post_id] = known
        return known

    def health_of(self, account_id: str) -> AccountHealth | None:
        """The account's health as ``provider.accounts()`` reported at load (None: unknown)."""
        return self._health.get(account_id)

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        """The domain's verdict for one row, with this session's locks, health and counts."""
        if self._marks.get(post.post_id) is PostMark.GONE:
            return Eligibility(
                Verdict.NOT_FAILED,
                "The post was deleted at the provider: there is nothing left to retry.",
            )
        return eligibility(
            destination,
            post,
            self.capabilities,
            self._health.get(destination.account_id),
            retries_sent=self.retries_sent(post.post_id),
            locked=self.locked(post.post_id, destination.account_id),
        )

    def eligible_account_ids(self, post: Post) -> frozenset[str]:
        """The account ids of ``post`` that may be retried now (for "tick all retryable")."""
        return frozenset(
            d.account_id for d in post.destinations if self.eligibility_of(post, d).retryable
        )

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]:
        """What a retry of ``post`` with ``ticked`` would really touch; for a provider that
        retries whole posts, ticking one failed destination ticks them all."""
        return retry_unit(post, ticked, self.capabilities, self.eligible_account_ids(post))

    # -- load and refresh --------------------------------------------------------------------

    async def load(self) -> None:
        """Ask for failures first and hand the first page over at once; returns as soon as
        the first page is delivered. The remaining failure pages, then the other statuses
        (for the "All" tab), keep loading in a session task; ``sync_state.loading`` is true
        until they are in. Also reads ``provider.accounts()`` once for health."""
        if self._sync.key_rejected or self._sync.loading:
            return
        self._loaded.clear()
        started = self._clock.time()
        self._reconcile_journal()
        self._update_sync(loading=True, failures_loaded=False)
        try:
            await self._load_health()
            failures_walk = PageWalk()
            pages = iterate_pages(
                self._provider, FAILURES_FILTER, page_size=self._page_size, walk=failures_walk
            )
            first = await anext(pages)
        except ProviderError as error:
            self._read_failed(error)
            self._finish_load(None)
            return
        self._read_succeeded()
        self._ingest(first.posts)
        self.spawn(self._load_rest(pages, failures_walk, started), name="load-rest")

    def _reconcile_journal(self) -> None:
        """Retries a previous run left unfinished (a crash, a closed window) may have been
        applied: lock their destinations and poll them like a lost answer, never resend."""
        reconciled = 0
        for intent in self._journal.unfinished():
            if any(w.entry_id == intent.intent_id for w in self._watches.get(intent.post_id, ())):
                continue
            unit = frozenset(intent.account_ids)
            post = self._posts.get(intent.post_id)
            attempts = {
                d.account_id: d.attempts
                for d in (post.destinations if post else ())
                if d.account_id in unit
            }
            acknowledged = intent.state == "acknowledged"
            self._locks.setdefault(intent.post_id, set()).update(unit)
            if not acknowledged:
                self._marks[intent.post_id] = PostMark.OUTCOME_UNKNOWN
            since = getattr(intent, "created_at", None)
            self._watch(
                intent.post_id,
                _Watch(
                    unit,
                    attempts,
                    intent.intent_id,
                    unknown=not acknowledged,
                    since=since if post is None and isinstance(since, datetime) else None,
                ),
            )
            reconciled += 1
        if reconciled:
            self._notice(
                NoticeLevel.INFO,
                f"{reconciled} retr{'y' if reconciled == 1 else 'ies'} left unfinished by the "
                "last run: reading the posts to settle them. Nothing is resent.",
            )

    async def _load_health(self) -> None:
        try:
            accounts = await self._provider.accounts()
        except Unauthorized:
            raise
        except ProviderError as error:
            # Health only sharpens the reconnect verdict; the posts are worth showing anyway.
            self._notice(NoticeLevel.WARNING, f"Account health unavailable: {error}")
            return
        self._health = {a.account_id: a.health for a in accounts if a.health is not None}
        self._health_loaded = True

    async def _load_rest(
        self, pages: AsyncGenerator[Page, None], failures_walk: PageWalk, started: float
    ) -> None:
        """The rest of the failures, then the "All" tab (background work: the failures are
        already shown).

        The second pass reads only the other statuses when the failures' pages were proven
        to join up (see ``PageWalk``): each post is then read once. Otherwise, or when the
        second pass cannot prove itself, or when the two passes together found fewer posts
        than the unfiltered list holds (a status this client does not know), the whole list
        is read unfiltered, which costs the failures a second read but misses nothing."""
        try:
            # aclosing: the generator was started in load(); close it here even if cancelled.
            async with aclosing(pages):
                async for page in pages:
                    self._ingest(page.posts)
            self._update_sync(failures_loaded=True)
            if failures_walk.proven:
                rest_walk = PageWalk()
                await self._read_pass(NOT_FAILURES_FILTER, rest_walk)
                if rest_walk.proven and await self._passes_cover_the_list(failures_walk, rest_walk):
                    self._read_succeeded()
                    self._finish_load(started)
                    return
            await self._read_pass(EVERYTHING_FILTER, PageWalk())
        except ProviderError as error:
            self._read_failed(error)
            self._finish_load(None)
            return
        self._read_succeeded()
        self._finish_load(started)

    async def _read_pass(self, post_filter: PostFilter, walk: PageWalk) -> None:
        async for page in iterate_pages(
            self._provider,
            post_filter,
            page_size=self._page_size,
            priority=Priority.BACKGROUND,
            walk=walk,
        ):
            self._ingest(page.posts)

    async def _passes_cover_the_list(self, failures: PageWalk, rest: PageWalk) -> bool:
        """One small request: does the unfiltered list hold more posts than the two filtered
        passes counted? A post whose status is neither (a word added by the provider after
        this version) is in neither pass."""
        if failures.total is None or rest.total is None:
            return False
        probe = await self._provider.list_posts(
            EVERYTHING_FILTER, None, 1, priority=Priority.BACKGROUND
        )
        return probe.total is not None and probe.total <= failures.total + rest.total

    def _finish_load(self, synced_from: float | None) -> None:
        if synced_from is not None:
            self._synced_from = synced_from
            self._update_sync(loading=False, last_sync_at=wall_datetime(self._clock))
        else:
            self._update_sync(loading=False)
        self._loaded.set()

    # -- the offline cache -------------------------------------------------------------------

    def seed(self, posts: Iterable[Post], synced_from: datetime | None) -> None:
        """Show posts read in an earlier run (the offline cache) before any request.

        ``synced_from``: when the sync that wrote them started. With it, ``refresh()`` asks
        only for posts updated since then (less the overlap) instead of a full load, so a
        restart costs a request or two. Retries a previous run left unfinished are
        reconciled against these posts, as ``load()`` would."""
        self._ingest(posts)
        self._reconcile_journal()
        if synced_from is not None:
            self._synced_from = synced_from.timestamp()
            self._update_sync(last_sync_at=synced_from)

    @property
    def synced_from(self) -> datetime | None:
        """When the last complete sync started (the next ``updated_after``); None before one.
        The offline cache records it beside the posts."""
        if self._synced_from is None:
            return None
        return datetime.fromtimestamp(self._synced_from, tz=UTC)

    async def wait_loaded(self) -> None:
        """Wait until the background part of ``load()`` has finished (or failed)."""
        await self._loaded.wait()

    async def refresh(self) -> None:
        """One sync: posts updated after the last successful sync, all statuses. Before any
        complete load (offline at start, say) it runs the load instead; while one runs, or
        another refresh does, it does nothing."""
        if self._sync.key_rejected or self._sync.loading or self._refreshing:
            return
        if self._synced_from is None:
            await self.load()
            return
        self._refreshing = True
        started = self._clock.time()
        since = datetime.fromtimestamp(self._synced_from, tz=UTC) - SYNC_OVERLAP
        try:
            if not self._health_loaded:
                # Seeded from the cache, no load ran: health still decides reconnects.
                await self._load_health()
            async for page in iterate_pages(
                self._provider,
                PostFilter(updated_after=since),
                page_size=self._page_size,
                priority=Priority.BACKGROUND,
            ):
                self._ingest(page.posts)
        except ProviderError as error:
            self._read_failed(error)
            return
        finally:
            self._refreshing = False
        self._synced_from = started
        self._read_succeeded()
        self._update_sync(last_sync_at=wall_datetime(self._clock))

    def start_load(self) -> asyncio.Task[None]:
        return self.spawn(self.load(), name="load")

    def start_refresh(self) -> asyncio.Task[None]:
        return self.spawn(self.refresh(), name="refresh")

    def start_retry(self, selection: Selection) -> asyncio.Task[RetryReport]:
        return self.spawn(self.retry(selection), name="retry")

    def start_background(self) -> None:
        """Refresh every ``refresh_interval_s`` until ``aclose()`` or a rejected key.
        Calling it again while it runs does nothing."""
        if self._background is None or self._background.done():
            self._background = self.spawn(self._refresh_forever(), name="background-refresh")

    @property
    def background_active(self) -> bool:
        """Whether the periodic refresh is scheduled (False after a rejected key)."""
        return self._background is not None and not self._background.done()

    async def _refresh_forever(self) -> None:
        while not self._sync.key_rejected:
            await self._clock.sleep(self._refresh_interval_s)
            await self.refresh()

    # -- retry -------------------------------------------------------------------------------

    async def retry(self, selection: Selection) -> RetryReport:
        """Retry the ticked destinations: one request per post, naming the account ids the
        domain's eligibility allows (widened by ``retry_unit``). Destinations are locked
        before any request leaves, so a second call while this one runs sends nothing
        twice. Starts polling what was acknowledged. Never raises for a provider error:
        each post's outcome is in the report, also given to ``listener.retry_finished``.

        Runs as a :class:`~postretry_gui.controller.bulk.BulkRetryJob` (a job of one for a
        single post): one path, paced, journalled, however many posts are ticked."""
        return await self.bulk_job(selection).run()

    def bulk_job(
        self,
        selection: Selection,
        *,
        observer: BulkObserver | None = None,
        settings: BulkSettings | None = None,
    ) -> BulkRetryJob:
        """A retry job for ``selection``, not started: ``await job.run()``."""
        return BulkRetryJob(self, selection, observer=observer, settings=settings or self._bulk)

    def start_job(
        self,
        selection: Selection,
        *,
        observer: BulkObserver | None = None,
        settings: BulkSettings | None = None,
    ) -> BulkRetryJob:
        """Ctrl+R from the window: start a job as a session task and hand it back, for its
        progress, cancel (Esc) and resume. ``job.task`` is the running task."""
        job = self.bulk_job(selection, observer=observer, settings=settings)
        job.task = self.spawn(job.run(), name="retry-job")
        return job

    def _plan_one(
        self, post_id: str, ticked: frozenset[str], plan: list[tuple[Post, frozenset[str]]]
    ) -> PostOutcome | None:
        post = self._posts.get(post_id)
        if post is None:
            return PostOutcome(post_id, Outcome.SKIPPED, message="This post is not loaded.")
        if self._marks.get(post_id) is PostMark.GONE:
            return PostOutcome(post_id, Outcome.SKIPPED, message="The post was deleted.")
        unit = self.retry_unit_of(post, ticked)
        if not unit:
            return PostOutcome(post_id, Outcome.SKIPPED, message=self._why_not(post, ticked))
        self._locks.setdefault(post_id, set()).update(unit)
        plan.append((post, unit))
        return None

    def _why_not(self, post: Post, ticked: frozenset[str]) -> str:
        reasons = {
            self.eligibility_of(post, d).reason for d in post.destinations if d.account_id in ticked
        }
        return " ".join(sorted(reasons)) or "No destination of this post was selected."

    async def _retry_one(
        self, post: Post, unit: frozenset[str], *, send: RetrySend | None = None
    ) -> PostOutcome:
        """The one journalled step of every retry: intend, mark sent, send (through the
        job's ``send``, which paces it and re-sends a 429 with the same key), record."""
        post_id = post.post_id
        # A stable order: the request body and the journal read the same way every time.
        account_ids = sorted(unit, key=lambda a: (len(a), a))
        attempts = {d.account_id: d.attempts for d in post.destinations if d.account_id in unit}
        journal = self._journal
        sent_before = self.retries_sent(post_id)  # read before the new intent counts itself
        try:
            entry = journal.intend(post_id, account_ids)
        except JournalWriteFailed as error:
            self._unlock(post_id, unit)
            self._emit_post(post_id)
            return PostOutcome(post_id, Outcome.SKIPPED, message=str(error))
        journal.mark_sent(entry)
        try:
            ack = await (send or self._provider.retry)(
                post, account_ids, idempotency_key=entry or uuid.uuid4().hex
            )
        except NotFound as error:
            journal.settle(entry, jw.GONE, str(error))
            self._unlock(post_id, unit)
            self._mark_gone(post_id)
            return PostOutcome(post_id, Outcome.GONE, unit, NotFound.default_message)
        except NothingToRetry as error:
            journal.settle(entry, jw.NOTHING_TO_RETRY, str(error))
            self._unlock(post_id, unit)
            await self._reread(post_id)
            return PostOutcome(post_id, Outcome.NOTHING_TO_RETRY, unit, error.message)
        except AlreadyRetried as error:
            journal.settle(entry, jw.ALREADY_RETRIED, str(error))
            self._unlock(post_id, unit)
            limit = self.capabilities.max_retries_per_post
            self._retries_sent[post_id] = max(sent_before + 1, limit or 1)
            self._emit_post(post_id)
            return PostOutcome(post_id, Outcome.ALREADY_RETRIED, unit, error.message)
        except Unauthorized as error:
            journal.settle(entry, jw.REJECTED, str(error))
            self._unlock(post_id, unit)
            self._key_rejected(error)
            raise _StopSending(Outcome.KEY_REJECTED, error.message) from None
        except (OutcomeUnknown, TimedOut, ServerError) as error:
            # The request may have been applied (a timeout after sending, a gateway's 5xx):
            # never resend; keep the destinations locked and read what happened instead.
            self._retries_sent[post_id] = sent_before + 1
            return await self._outcome_unknown(post_id, unit, attempts, entry, error)
        except TransportError as error:
            # Connection refused or no network: the HTTP layer raises this for a retry only when
            # the connection failed before the request left, so nothing can have been applied
            # and it does not count as this post's retry (a once-only post stays retryable).
            journal.settle(entry, jw.UNREACHABLE, str(error))
            self._unlock(post_id, unit)
            self._read_failed(error)
            raise _StopSending(Outcome.UNREACHABLE, error.message) from None
        except ProviderError as error:
            word = jw.RECONNECT_REQUIRED if isinstance(error, ReconnectRequired) else jw.REJECTED
            journal.settle(entry, word, str(error))
            self._unlock(post_id, unit)
            self._emit_post(post_id)
            return PostOutcome(post_id, Outcome.REJECTED, unit, str(error))
        self._retries_sent[post_id] = sent_before + 1
        message = ack.message or f"Retry accepted: {ack.retried_count} destination(s) queued."
        journal.acknowledge(entry, message)
        self._read_succeeded()
        self._apply_ack(post_id, unit, ack.destinations)
        acked = frozenset(d.account_id for d in ack.destinations) & unit or unit
        self._unlock(post_id, unit - acked)
        self._watch(post_id, _Watch(acked, attempts, entry))
        self._emit_post(post_id)
        return PostOutcome(post_id, Outcome.RETRIED, unit, message)

    async def _outcome_unknown(
        self,
        post_id: str,
        unit: frozenset[str],
        attempts: Mapping[str, int],
        entry: str | None,
        error: ProviderError,
    ) -> PostOutcome:
        self._journal.mark_unknown(entry, str(error))
        self._marks[post_id] = PostMark.OUTCOME_UNKNOWN
        self._watch(post_id, _Watch(unit, attempts, entry, unknown=True))
        self._emit_post(post_id)
        self._notice(
            NoticeLevel.WARNING,
            f"Post {post_id}: the retry was sent but no answer came back. "
            "Re-reading the post instead of resending it.",
        )
        await self._reread(post_id)
        return PostOutcome(post_id, Outcome.OUTCOME_UNKNOWN, unit, OutcomeUnknown.default_message)

    def _apply_ack(
        self, post_id: str, unit: frozenset[str], destinations: Sequence[Destination]
    ) -> None:
        post = self._posts.get(post_id)
        if post is None:
            return
        updates = tuple(d for d in destinations if d.account_id in unit)
        if not updates:
            # The ack named no destinations (a whole-post retry): the unit is queued now.
            updates = tuple(
                d.with_status(Status.QUEUED) for d in post.destinations if d.account_id in unit
            )
        self._posts[post_id] = post.merged(updates)

    async def _reread(self, post_id: str) -> None:
        """GET the post after an answer that leaves its state in doubt."""
        try:
            fresh = await self._provider.get_post(post_id)
        except NotFound:
            self._mark_gone(post_id)
            self._drop_watches(post_id, jw.GONE)
            return
        except ProviderError as error:
            self._read_failed(error)
            return
        self._read_succeeded()
        self._ingest((fresh,), force=True)
        if self._judge_all(post_id):
            self._emit_post(post_id)

    # -- polling -----------------------------------------------------------------------------

    def _watch(self, post_id: str, watch: _Watch) -> None:
        self._watches.setdefault(post_id, []).append(watch)
        self._poller.watch(post_id)
        self._update_sync()

    def follow_watches(self, follower: WatchFollower) -> Callable[[], None]:
        """Call ``follower`` each time a read moves a watched retry on: a lost answer proved
        applied, or a watch settled (published, failed again, not applied, gone). Returns
        the function that stops it."""
        self._watch_followers.append(follower)

        def stop() -> None:
            if follower in self._watch_followers:
                self._watch_followers.remove(follower)

        return stop

    def _tell_followers(self, post_id: str, fates: Mapping[str, WatchFate]) -> None:
        if fates and self._watch_followers:
            event = WatchEvent(post_id, MappingProxyType(dict(fates)))
            for follower in list(self._watch_followers):
                follower(event)

    def _job_sending(self, sending: bool) -> None:
        """A retry job started or stopped sending (paused, finished)."""
        self._jobs_sending = max(self._jobs_sending + (1 if sending else -1), 0)
        if self._jobs_sending:
            self._no_job_sending.clear()
        else:
            self._no_job_sending.set()

    async def _poll_round(self, post_ids: Sequence[str]) -> bool:
        await self._no_job_sending.wait()
        changed: list[str] = []
        for post_id in post_ids:
            if post_id not in self._watches:
                self._poller.unwatch(post_id)
                continue
            try:
                result = await self._provider.results(post_id)
            except NotFound:
                self._mark_gone(post_id)
                self._drop_watches(post_id, jw.GONE)
                changed.append(post_id)
                continue
            except Unauthorized as error:
                self._key_rejected(error)
                break
            except ProviderError as error:
                self._read_failed(error)
                # Offline or throttled: the next round (later, as intervals stretch) retries.
                break
            self._read_succeeded()
            if self._merge_result(post_id, result):
                changed.append(post_id)
            if self._judge_all(post_id):
                changed.append(post_id)
        self._emit_posts(self._posts[p] for p in dict.fromkeys(changed) if p in self._posts)
        self._update_sync()
        return bool(changed)

    def _merge_result(self, post_id: str, result: Post) -> bool:
        """Fold a light-weight results read into the post; True if anything changed."""
        old = self._posts.get(post_id)
        if old is None:
            self._posts[post_id] = result
            return True
        new = old.merged(result.destinations)
        if result.status.value != "unknown":
            new = replace(new, status=result.status)
        if new == old:
            return False
        self._posts[post_id] = new
        return True

    def _judge_all(self, post_id: str) -> bool:
        changed = False
        for watch in list(self._watches.get(post_id, ())):
            changed = self._judge(post_id, watch) or changed
        return changed

    def _judge(self, post_id: str, watch: _Watch) -> bool:
        """Look at the watched destinations after a read; settle the watch when every one has
        published or failed again. Returns True when the verdict changed what rows show."""
        post = self._posts.get(post_id)
        if post is None:
            self._drop_watches(post_id, jw.GONE)
            return True
        pending = stale = False
        for account_id in watch.account_ids:
            destination = post.destination(account_id)
            if destination is None or destination.status is Status.UNKNOWN:
                continue  # vanished or a word we do not know: nothing more to learn here
            ran_again = self._ran_again(post, destination, watch)
            if destination.status.in_flight or destination.status is Status.PUBLISHED:
                watch.applied = True
                pending = pending or destination.status.in_flight
            elif ran_again:
                watch.applied = True
            elif ran_again is None:
                pending = True
            else:
                stale = True
        changed = False
        if watch.unknown and watch.applied:
            watch.unknown = False
            self._update_mark(post_id)
            changed = True
            self._notice(NoticeLevel.INFO, f"Post {post_id}: the retry did reach the server.")
            self._tell_followers(post_id, dict.fromkeys(watch.account_ids, WatchFate.APPLIED))
        if pending:
            watch.stale_failed_reads = 0
            return changed
        if stale:
            watch.stale_failed_reads += 1
            if watch.stale_failed_reads < STALE_FAILED_READS:
                return changed
        if watch.unknown:
            # Read twice, still failed with no new attempt: the lost retry never ran.
            self._notice(
                NoticeLevel.WARNING,
                f"Post {post_id}: the retry whose answer was lost was not applied. "
                "Its destinations can be retried again.",
            )
        statuses = {d.status for d in post.destinations if d.account_id in watch.account_ids}
        verdict = jw.PUBLISHED if statuses <= {Status.PUBLISHED} else jw.FAILED_AGAIN
        # A lost retry that never ran is left to the operator to send again.
        self._drop_watch(post_id, watch, jw.OFFERED_AGAIN if watch.unknown else verdict)
        return True

    def _ran_again(self, post: Post, destination: Destination, watch: _Watch) -> bool | None:
        """Whether the destination ran again since the retry; None: cannot tell yet."""
        before = watch.attempts_before.get(destination.account_id)
        if before is not None:
            return destination.attempts > before
        if watch.since is not None:
            # Reconciled after a restart, the count from before the retry unknown: a post the
            # server has not changed since the intent was written cannot have run it. A poll
            # may read the post before the load brings its updated_at: wait for the load.
            if post.updated_at is None:
                return None if not self._loaded.is_set() else False
            return post.updated_at >= watch.since - CLOCK_SKEW
        return destination.attempts > 0

    def _drop_watch(self, post_id: str, watch: _Watch, journal_outcome: str) -> None:
        watches = self._watches.get(post_id, [])
        if watch in watches:
            watches.remove(watch)
            self._journal.settle(watch.entry_id, journal_outcome)
            self._unlock(post_id, watch.account_ids)
            self._tell_followers(post_id, self._fates(post_id, watch, journal_outcome))
        if not watches:
            self._watches.pop(post_id, None)
            self._poller.unwatch(post_id)
        self._update_mark(post_id)
        self._update_sync()

    def _fates(self, post_id: str, watch: _Watch, journal_outcome: str) -> dict[str, WatchFate]:
        """Each destination's fate as a settled watch leaves it: the journal keeps one word
        per intent, the summary counts destinations (one may publish, another fail)."""
        if journal_outcome == jw.GONE:
            return dict.fromkeys(watch.account_ids, WatchFate.GONE)
        if journal_outcome == jw.OFFERED_AGAIN:
            return dict.fromkeys(watch.account_ids, WatchFate.NOT_APPLIED)
        post = self._posts.get(post_id)
        fates: dict[str, WatchFate] = {}
        for account_id in watch.account_ids:
            destination = post.destination(account_id) if post is not None else None
            published = destination is not None and destination.status is Status.PUBLISHED
            fates[account_id] = WatchFate.PUBLISHED if published else WatchFate.FAILED_AGAIN
        return fates

    def _drop_watches(self, post_id: str, journal_outcome: str) -> None:
        for watch in list(self._watches.get(post_id, ())):
            self._drop_watch(post_id, watch, journal_outcome)

    def _update_mark(self, post_id: str) -> None:
        """OUTCOME_UNKNOWN holds while any lost retry of the post is unexplained."""
        if any(w.unknown for w in self._watches.get(post_id, ())):
            if self._marks.get(post_id) is not PostMark.GONE:
                self._marks[post_id] = PostMark.OUTCOME_UNKNOWN
        elif self._marks.get(post_id) is PostMark.OUTCOME_UNKNOWN:
            del self._marks[post_id]

    async def wait_settled(self) -> None:
        """Wait until the poller has nothing left to watch (for tests and the demo)."""
        await self._poller.wait_idle()

    # -- bookkeeping -------------------------------------------------------------------------

    def _ingest(self, posts: Iterable[Post], *, force: bool = False) -> None:
        """Keep the newer of each post and emit the ones that changed, as one batch."""
        changed: list[Post] = []
        for post in posts:
            old = self._posts.get(post.post_id)
            if old is not None and not force and _older(post, old):
                continue
            if self._marks.get(post.post_id) is PostMark.GONE:
                self._marks.pop(post.post_id)  # it was listed again: not gone after all
            elif old == post:
                continue
            self._posts[post.post_id] = post
            changed.append(post)
        if changed:
            self._listener.posts_changed(changed)
        self._update_sync()

    def _emit_post(self, post_id: str) -> None:
        post = self._posts.get(post_id)
        if post is not None:
            self._listener.posts_changed([post])

    def _emit_posts(self, posts: Iterable[Post]) -> None:
        batch = list(posts)
        if batch:
            self._listener.posts_changed(batch)

    def _unlock(self, post_id: str, account_ids: Iterable[str]) -> None:
        locks = self._locks.get(post_id)
        if locks is None:
            return
        locks.difference_update(account_ids)
        if not locks:
            del self._locks[post_id]

    def _mark_gone(self, post_id: str) -> None:
        self._marks[post_id] = PostMark.GONE
        self._emit_post(post_id)
        self._notice(NoticeLevel.WARNING, f"Post {post_id} was deleted at the provider.")

    def _notice(self, level: NoticeLevel, text: str) -> None:
        self._listener.notice(level, text)

    def _read_succeeded(self) -> None:
        self._update_sync(online=True, last_error=None)

    def _read_failed(self, error: ProviderError) -> None:
        if isinstance(error, Unauthorized):
            self._key_rejected(error)
            return
        message = str(error)
        if isinstance(error, TransportError):
            if self._sync.online:
                self._notice(NoticeLevel.WARNING, f"Offline: {message} Showing the last data.")
            self._update_sync(online=False, last_error=message)
            return
        self._notice(NoticeLevel.ERROR, message)
        self._update_sync(last_error=message)

    def _key_rejected(self, error: ProviderError) -> None:
        """401: stop every background request; nothing more will work with this key."""
        if not self._sync.key_rejected:
            self._notice(NoticeLevel.ERROR, error.message)
        self._update_sync(key_rejected=True, online=True, last_error=error.message)
        self._poller.stop()
        if self._background is not None and self._background is not asyncio.current_task():
            self._background.cancel()

    def _update_sync(self, **changes: Any) -> None:
        rate = self._provider.rate_limit
        state = replace(
            self._sync,
            requests_left=rate.remaining,
            request_limit=rate.limit,
            polling_posts=len(self._watches),
            posts_loaded=len(self._posts),
            **changes,
        )
        if state != self._sync:
            self._sync = state
            self._listener.sync_changed(state)

    # -- lifecycle ---------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` as a session task: kept alive, cancelled by ``aclose()``.
        Raises RuntimeError after ``aclose()``."""
        return self._tasks.start(coro, name=name)

    async def aclose(self) -> None:
        """Cancel every task of this session (load, refresh, polls, retries) and wait for
        them to end. Does not close the provider: its owner does. Idempotent."""
        self._poller.stop()
        await self._tasks.aclose()


def _older(new: Post, old: Post) -> bool:
    return (
        new.updated_at is not None
        and old.updated_at is not None
        and new.updated_at < old.updated_at
    )
