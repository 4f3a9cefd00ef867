"""One open workspace: its posts, its retries and its background work, without Qt.

A thin facade that wires the units for the window: ``WorkspaceState`` (what is known: no
I/O), ``Syncer`` (load, refresh, background refresh), ``RetryStep`` (one journalled send)
and ``WatchSettler`` (polling retried posts until they settle). The window creates one
:class:`WorkspaceSession` per workspace (provider + key), passes itself (or an adapter) as
the :class:`~postretry_gui.controller.events.SessionListener`, and then only calls the
methods below. Typical wiring::

    session = WorkspaceSession(provider, listener)
    session.start_load()            # first failures page arrives at once, the rest behind it
    session.start_background()      # refresh every 60 s
    ...
    job = session.retry({"p1": frozenset({"2285", "2286"})})   # Ctrl+R
    report = await job              # or follow job.progress; job.cancel() on Esc
    ...
    await session.aclose()          # on aboutToQuit / closing the workspace

Provider errors never escape as exceptions from ``load``/``refresh``/``retry``: they become
``SyncState`` (offline, key rejected, last error), notices and per-post outcomes. Anything
else (a bug) reaches ``on_error`` through the task set.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from postretry_gui.controller.bulk import BulkRetryJob, BulkSettings
from postretry_gui.controller.bulk_events import BulkObserver
from postretry_gui.controller.bulk_ports import JobPorts
from postretry_gui.controller.bulk_step import BulkStep
from postretry_gui.controller.clock import Clock, SystemClock
from postretry_gui.controller.coordination import Coordination, SoloCoordination
from postretry_gui.controller.events import NoticeLevel, PostMark, SessionListener, SyncState
from postretry_gui.controller.filter_check import WidenedFilterCheck
from postretry_gui.controller.journal_guard import UnopenedJournalLink, retries_off_text
from postretry_gui.controller.journal_port import JournalLink, RetryJournal
from postretry_gui.controller.plan_text import RetryConfirmation, confirmation_for
from postretry_gui.controller.poller import PollSettings
from postretry_gui.controller.retry_planning import preview_plan
from postretry_gui.controller.retry_step import RetryStep
from postretry_gui.controller.settler import WatchSettler
from postretry_gui.controller.shared_journal import AsyncHistory, SharedJournalLink
from postretry_gui.controller.syncer import Syncer
from postretry_gui.controller.tasks import ErrorCallback, TaskSet
from postretry_gui.controller.team_opener import TeamWorkspace
from postretry_gui.controller.unopened_journal import UnopenedJournal
from postretry_gui.controller.watch_events import WatchFollower
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import (
    AccountHealth,
    Destination,
    Eligibility,
    Post,
    ProviderCapabilities,
)
from postretry_gui.domain.errors import ProviderError
from postretry_gui.domain.retry_plan import RetryPlan
from postretry_gui.domain.triage import Cause, CauseTable
from postretry_gui.providers.base import Provider
from postretry_gui.store.journal import current_operator

T = TypeVar("T")

# What a retry selection looks like: post_id -> the ticked destinations' account ids.
Selection = Mapping[str, frozenset[str]]


class WorkspaceSession:
    """The window's one object per workspace.

    ``refresh_interval_s``: the background refresh period (``start_background``).
    ``clock``: time source and sleep (tests pass a fake one).
    ``journal``: optional write-ahead retry journal (``store.journal.RetryJournal``), with
    ``workspace_id`` the workspace its intents belong to. With it, each retry is recorded
    before it leaves (and not sent if that fails), a post's earlier retries count toward
    ``max_retries_per_post``, and intents left unfinished by a previous run are reconciled
    at load: their destinations stay locked until a read shows what happened.
    ``retries_sent``: retries of each post known from elsewhere (without a journal).
    ``poll_settings``: the poller's intervals.
    ``on_error``: where an unexpected exception in a background task goes
    (default ``sys.excepthook``).
    ``bulk_settings``: concurrency and rate-limit manners of retry jobs (``controller.bulk``).
    ``team``: the workspace's team side (``controller.team_opener``): its coordination
    (claims, shared budget) before each send and its journal in place of ``journal``.
    ``coordination``: who else retries in this workspace, when not the team's (default:
    this instance alone, every claim granted).
    ``causes``: the provider's cause table (``ProviderSpec.causes``) that triages failures;
    without it, only the phrases every network uses.
    ``single_post_retries``: retry one post per request (no bulk request), as the workspace
    was set; ``remember_single_post`` is told when the setting changes (the operator's
    choice, or the app's after a bulk retry re-queued more than it was asked to).
    ``journal_unavailable``: the workspace has a local journal but it could not be opened:
    where, and why. Every retry is then refused, saying why and what to do
    (``SyncState.retries_off``), and Ctrl+H reads it read-only (``SyncState.unopened_journal``),
    while reading goes on; unlike ``journal=None`` alone (no journal configured: tests and
    tools), which sends unrecorded. Ignored in team mode, whose journal is the team's.
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
        team: TeamWorkspace | None = None,
        coordination: Coordination | None = None,
        causes: CauseTable | None = None,
        single_post_retries: bool = False,
        remember_single_post: Callable[[bool], None] | None = None,
        journal_unavailable: UnopenedJournal | None = None,
    ) -> None:
        clock = clock or SystemClock()
        self._provider = provider
        self._tasks = TaskSet(on_error)
        self._bulk = bulk_settings or BulkSettings()
        self.coordination: Coordination = coordination or SoloCoordination(current_operator())
        self._team_history: AsyncHistory | None = None
        self._journal = JournalLink(journal, workspace_id, self._journal_failed)
        unopened = journal_unavailable if team is None else None
        retries_off = None if unopened is None else retries_off_text(unopened.error)
        if retries_off is not None:
            self._journal = UnopenedJournalLink(retries_off, workspace_id, self._journal_failed)
        self._shared_journal: SharedJournalLink | None = None
        self._lease_s = 0.0
        if team is not None:
            self.coordination = team.coordination
            self._team_history = team.journal
            self._shared_journal = SharedJournalLink(
                team.journal, team.link, workspace_id, self._journal_failed, self._team_counted
            )
            self._journal = self._shared_journal
            self._lease_s = team.options.lease_s
        self._state = WorkspaceState(
            listener,
            provider.capabilities,
            lambda: provider.rate_limit,
            known_retries=self._journal.retries_sent,
            retries_sent=retries_sent,
            causes=causes,
            budget=provider.pacer.describe_budget,
            single_post_retries=single_post_retries,
            remember_single_post=remember_single_post,
            retries_off=retries_off,
            unopened_journal=unopened,
        )
        self._settler = WatchSettler(
            provider,
            self._state,
            self._journal,
            clock,
            self._tasks,
            loaded=lambda: self._syncer.loaded,
            poll_settings=poll_settings,
        )
        self._syncer = Syncer(
            provider,
            self._state,
            clock,
            spawn=lambda coro, name: self.spawn(coro, name=name),
            reconcile=self._settler.reconcile,
            page_size=page_size,
            refresh_interval_s=refresh_interval_s,
        )
        step = RetryStep(self._state, self._settler, self._journal, self.coordination)
        check = WidenedFilterCheck(self._state)
        bulk_step = BulkStep(self._state, self._settler, self._journal, check, self.coordination)
        self._ports = JobPorts(
            provider, self._state, step, self._settler, clock, self._tasks, bulk_step, check
        )

    def _journal_failed(self, text: str) -> None:
        self._state.notice(NoticeLevel.WARNING, text)

    def _team_counted(self, post_id: str, retries: int) -> None:
        """The team's journal counted this post's retries (read in the background)."""
        if retries > self._state.retries_sent(post_id):
            self._state.count_retries(post_id, retries)
            self._state.emit(post_id)

    # -- reading state (synchronous, cheap: the UI calls these while painting) ---------------

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._state.capabilities

    @property
    def posts(self) -> Mapping[str, Post]:
        """Every post loaded so far, by post_id (a read-only view)."""
        return self._state.posts

    @property
    def journal(self) -> RetryJournal | None:
        """The retry journal this session writes (the window's Ctrl+H history reads it)."""
        return self._journal.journal

    async def journal_written(self) -> None:
        """Wait until every journal write asked for so far is in: they are made off the
        event loop, in order, so a read right after a retry may not show the latest yet."""
        await self._journal.written()

    @property
    def history_source(self) -> RetryJournal | AsyncHistory | None:
        """What the window's Ctrl+H reads: the team's journal in team mode, else the local."""
        return self._team_history if self._team_history is not None else self.journal

    @property
    def sync_state(self) -> SyncState:
        return self._state.sync_state

    @property
    def polling(self) -> frozenset[str]:
        """The post ids being polled until their retried destinations settle."""
        return self._settler.polling

    def locked(self, post_id: str, account_id: str) -> bool:
        """True while a retry of this destination is on its way or its outcome is unknown."""
        return self._state.locked(post_id, account_id)

    def mark(self, post_id: str) -> PostMark | None:
        """GONE (deleted at the provider) or OUTCOME_UNKNOWN, else None."""
        return self._state.mark(post_id)

    def retries_sent(self, post_id: str) -> int:
        """Retries of this post sent (or possibly sent) by this app, this run or before."""
        return self._state.retries_sent(post_id)

    def health_of(self, account_id: str) -> AccountHealth | None:
        return self._state.health_of(account_id)

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        return self._state.eligibility_of(post, destination)

    def eligible_account_ids(self, post: Post) -> frozenset[str]:
        return self._state.eligible_account_ids(post)

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        return self._state.cause_of(post, destination)

    def count_causes(self, posts_at_most: int) -> Counter[Cause] | None:
        return self._state.count_causes(posts_at_most)

    def tick_all_ids(self, post: Post) -> frozenset[str]:
        return self._state.tick_all_ids(post)

    def confirmations(self, post: Post, ticked: frozenset[str]) -> tuple[str, ...]:
        return self._state.confirmations(post, ticked)

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]:
        return self._state.retry_unit_of(post, ticked)

    # -- load and refresh (``Syncer``) -------------------------------------------------------

    async def load(self) -> None:
        await self._syncer.load()

    async def refresh(self) -> None:
        await self._syncer.refresh()

    def seed(self, posts: Iterable[Post], synced_from: datetime | None) -> None:
        """Show posts read in an earlier run (the offline cache) before any request."""
        self._syncer.seed(posts, synced_from)

    async def read_account_health(self) -> None:
        """Read the accounts' health once (for an instance that takes its posts from another
        and so never loads): reconnect verdicts then agree across the team."""
        try:
            accounts = await self._provider.accounts()
        except ProviderError as error:
            self._state.notice(NoticeLevel.WARNING, f"Account health unavailable: {error}")
            return
        self._state.set_health(accounts)
        self._state.emit_all(self._state.posts)

    async def reconcile_orphans(self) -> None:
        """Team mode, while this instance leads: retries that instances which stopped left
        unfinished (no live claim on them) are locked and settled here by reading their
        posts, never resent. One round trip; nothing without a team."""
        if self._shared_journal is not None:
            self._settler.adopt_orphans(await self._shared_journal.orphaned(self._lease_s))

    def take_in(self, posts: Iterable[Post]) -> None:
        """Show posts another instance read (team mode's leader), as if this one had."""
        self._state.ingest(posts)

    @property
    def synced_from(self) -> datetime | None:
        return self._syncer.synced_from

    async def wait_loaded(self) -> None:
        """Wait until the background part of ``load()`` has finished (or failed)."""
        await self._syncer.wait_loaded()

    def start_load(self) -> asyncio.Task[None]:
        return self.spawn(self.load(), name="load")

    def start_refresh(self) -> asyncio.Task[None]:
        return self.spawn(self.refresh(), name="refresh")

    def start_background(self) -> None:
        self._syncer.start_background()

    @property
    def background_active(self) -> bool:
        return self._syncer.background_active

    # -- retry: the one way a retry starts ---------------------------------------------------

    @property
    def single_post_retries(self) -> bool:
        """Whether this workspace retries one post per request (no bulk request)."""
        return self._state.single_post_retries

    def set_single_post_retries(self, on: bool) -> None:
        """The operator's setting (Workspace menu): remembered for the workspace."""
        self._state.set_single_post_retries(on)

    def plan_retry(self, selection: Selection) -> RetryPlan:
        """The requests a retry of ``selection`` would send now (nothing is locked)."""
        return preview_plan(self._state, selection)

    def confirmation(self, selection: Selection) -> RetryConfirmation:
        """What the Ctrl+R confirmation says about retrying ``selection``."""
        return confirmation_for(self.plan_retry(selection), self._ports.provider.pacer)

    def retry(
        self,
        selection: Selection,
        *,
        observer: BulkObserver | None = None,
        settings: BulkSettings | None = None,
    ) -> BulkRetryJob:
        """Retry the ticked destinations: one request per post, naming the account ids the
        domain's eligibility allows (widened by ``retry_unit``), as one job started at once
        as a session task. Destinations are locked before any request leaves, so a second
        call while this one runs sends nothing twice. What was acknowledged is polled until
        it settles. ``await`` the job for its report (also given to
        ``listener.retry_finished``); provider errors become per-post outcomes, never
        exceptions. Raises RuntimeError after ``aclose()``."""
        return BulkRetryJob(
            self._ports, selection, observer=observer, settings=settings or self._bulk
        )

    def follow_watches(self, follower: WatchFollower) -> Callable[[], None]:
        return self._settler.follow_watches(follower)

    async def wait_settled(self) -> None:
        """Wait until the poller has nothing left to watch (for tests and the demo)."""
        await self._settler.wait_settled()

    # -- lifecycle ---------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` as a session task: kept alive, cancelled by ``aclose()``.
        Raises RuntimeError after ``aclose()``."""
        return self._tasks.start(coro, name=name)

    async def aclose(self) -> None:
        """Cancel every task of this session (load, refresh, polls, retries) and wait for
        them to end. Does not close the provider: its owner does. Idempotent."""
        self._settler.stop()
        await self._tasks.aclose()
        await self._journal.flush()
