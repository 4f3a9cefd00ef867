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
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from postretry_gui.controller.clock import Clock, SystemClock
from postretry_gui.controller.events import PostMark, RetryReport, SessionListener, SyncState
from postretry_gui.controller.journal_port import RetryJournal
from postretry_gui.controller.tasks import ErrorCallback, TaskSet
from postretry_gui.domain import (
    AccountHealth,
    Destination,
    Eligibility,
    Post,
    ProviderCapabilities,
)
from postretry_gui.providers.base import Provider

T = TypeVar("T")

# What a retry selection looks like: post_id -> the ticked destinations' account ids.
Selection = Mapping[str, frozenset[str]]


class WorkspaceSession:
    """Posts by post_id, the locks of destinations in flight, sync state and tasks.

    ``refresh_interval_s``: the background refresh period (``start_background``).
    ``clock``: time source and sleep (tests pass a fake one).
    ``journal``: optional write-ahead retry journal.
    ``retries_sent``: retries of each post recorded before this session (from the journal),
    so a provider's ``max_retries_per_post`` holds across restarts.
    ``on_error``: where an unexpected exception in a background task goes
    (default ``sys.excepthook``).
    """

    def __init__(
        self,
        provider: Provider,
        listener: SessionListener,
        *,
        refresh_interval_s: float = 60.0,
        clock: Clock | None = None,
        journal: RetryJournal | None = None,
        retries_sent: Mapping[str, int] | None = None,
        page_size: int = 100,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self._provider = provider
        self._listener = listener
        self._refresh_interval_s = refresh_interval_s
        self._clock = clock or SystemClock()
        self._journal = journal
        self._retries_sent = dict(retries_sent or {})
        self._page_size = page_size
        self._tasks = TaskSet(on_error)
        self._posts: dict[str, Post] = {}

    # -- reading state (synchronous, cheap: the UI calls these while painting) ---------------

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._provider.capabilities

    @property
    def posts(self) -> Mapping[str, Post]:
        """Every post loaded so far, by post_id (a read-only view)."""
        raise NotImplementedError

    @property
    def sync_state(self) -> SyncState:
        raise NotImplementedError

    def locked(self, post_id: str, account_id: str) -> bool:
        """True while a retry of this destination is on its way or its outcome is unknown."""
        raise NotImplementedError

    def mark(self, post_id: str) -> PostMark | None:
        """GONE (deleted at the provider) or OUTCOME_UNKNOWN, else None."""
        raise NotImplementedError

    def retries_sent(self, post_id: str) -> int:
        """Retries of this post sent (or possibly sent) by this app."""
        raise NotImplementedError

    def health_of(self, account_id: str) -> AccountHealth | None:
        """The account's health as ``provider.accounts()`` reported at load (None: unknown)."""
        raise NotImplementedError

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        """The domain's verdict for one row, with this session's locks, health and counts."""
        raise NotImplementedError

    def eligible_account_ids(self, post: Post) -> frozenset[str]:
        """The account ids of ``post`` that may be retried now (for "tick all retryable")."""
        raise NotImplementedError

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]:
        """What a retry of ``post`` with ``ticked`` would really touch; for a provider that
        retries whole posts, ticking one failed destination ticks them all."""
        raise NotImplementedError

    # -- work (async; or start_* to run it as a session task) --------------------------------

    async def load(self) -> None:
        """Ask for failures first and hand the first page over at once; returns as soon as
        the first page is delivered. The remaining failure pages, then the other statuses
        (for the "All" tab), keep loading in a session task; ``sync_state.loading`` is true
        until they are in. Also reads ``provider.accounts()`` once for health."""
        raise NotImplementedError

    async def wait_loaded(self) -> None:
        """Wait until the background part of ``load()`` has finished (or failed)."""
        raise NotImplementedError

    async def refresh(self) -> None:
        """One sync: posts updated after the last successful sync, all statuses."""
        raise NotImplementedError

    async def retry(self, selection: Selection) -> RetryReport:
        """Retry the ticked destinations: one request per post, naming the account ids the
        domain's eligibility allows (widened by ``retry_unit``). Destinations are locked
        before any request leaves, so a second call while this one runs sends nothing
        twice. Starts polling what was acknowledged. Never raises for a provider error:
        each post's outcome is in the report, also given to ``listener.retry_finished``."""
        raise NotImplementedError

    def start_load(self) -> asyncio.Task[None]:
        return self.spawn(self.load(), name="load")

    def start_refresh(self) -> asyncio.Task[None]:
        return self.spawn(self.refresh(), name="refresh")

    def start_retry(self, selection: Selection) -> asyncio.Task[RetryReport]:
        return self.spawn(self.retry(selection), name="retry")

    def start_background(self) -> None:
        """Refresh every ``refresh_interval_s`` until ``aclose()`` or a rejected key."""
        raise NotImplementedError

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Run ``coro`` as a session task: kept alive, cancelled by ``aclose()``."""
        return self._tasks.start(coro, name=name)

    async def aclose(self) -> None:
        """Cancel every task of this session (load, refresh, polls, retries) and wait for
        them to end. Does not close the provider: its owner does."""
        raise NotImplementedError
