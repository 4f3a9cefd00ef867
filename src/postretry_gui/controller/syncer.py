"""Reading the workspace's posts: the three-pass load, the refresh of what changed since, the
periodic background refresh and the seed from the offline cache.

Provider errors never escape as exceptions from ``load``/``refresh``: they become the
``SyncState`` (offline, key rejected, last error) and notices of the workspace state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

from postretry_gui.controller.clock import Clock, wall_datetime
from postretry_gui.controller.events import NoticeLevel
from postretry_gui.controller.loader import (
    EVERYTHING_FILTER,
    FAILURES_FILTER,
    NOT_FAILURES_FILTER,
    PageWalk,
    iterate_pages,
)
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import Post
from postretry_gui.domain.errors import ProviderError, Unauthorized
from postretry_gui.providers.base import Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority

# ``updated_after`` reaches back this far before the last sync when only our clock dated it
# (the answers carried no server time, or the sync came from the offline cache): the server's
# clock and ours may disagree, and reading a post twice costs nothing (unchanged posts are not
# re-emitted) but a page.
SYNC_OVERLAP = timedelta(minutes=2)

# When the answers carry the server's time (PostEverywhere's ``meta.timestamp``), the next
# refresh reaches back only this far before the earliest answer of the last sync: every change
# after that answer has a later ``updated_at`` on the same clock. The margin covers the
# timestamps' millisecond rounding. With the two-minute overlap a refresh every minute read
# three minutes of changes; now it reads one (measured: benchmarks/team.py).
SERVER_MARK_MARGIN = timedelta(seconds=1)

# A sync whose answers named a server time not to be believed (see ``_note_server_time``).
_DOUBTFUL = datetime.min.replace(tzinfo=UTC)

Spawn = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]


class Syncer:
    """Loads and refreshes the posts of ``state`` from ``provider``.

    ``reconcile()``: run before a load reads anything and after a seed (the settling of
    retries a previous run left unfinished). ``spawn(coro, name)`` starts a workspace task.
    """

    def __init__(
        self,
        provider: Provider,
        state: WorkspaceState,
        clock: Clock,
        *,
        spawn: Spawn,
        reconcile: Callable[[], None],
        page_size: int = 100,
        refresh_interval_s: float = 60.0,
    ) -> None:
        if refresh_interval_s <= 0:
            raise ValueError("refresh_interval_s must be positive")
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        self._provider = provider
        self._state = state
        self._clock = clock
        self._spawn = spawn
        self._reconcile = reconcile
        self._page_size = page_size
        self._refresh_interval_s = refresh_interval_s
        # Wall time (unix s) at the start of the last complete sync: the next updated_after.
        self._synced_from: float | None = None
        # The server's time of the earliest answer of the last complete sync (None: the
        # answers did not say): when known, the next updated_after instead of our clock.
        self._server_mark: datetime | None = None
        # The same for the sync under way.
        self._reading_mark: datetime | None = None
        self._loaded = asyncio.Event()
        self._refreshing = False
        self._background: asyncio.Task[None] | None = None
        state.on_key_rejected(self._stop_background)

    @property
    def loaded(self) -> bool:
        """Whether the background part of the last load has finished (or failed)."""
        return self._loaded.is_set()

    @property
    def synced_from(self) -> datetime | None:
        """When the last complete sync started (the next ``updated_after``); None before one.
        The offline cache records it beside the posts."""
        if self._synced_from is None:
            return None
        return datetime.fromtimestamp(self._synced_from, tz=UTC)

    @property
    def background_active(self) -> bool:
        """Whether the periodic refresh is scheduled (False after a rejected key)."""
        return self._background is not None and not self._background.done()

    async def wait_loaded(self) -> None:
        await self._loaded.wait()

    # -- load --------------------------------------------------------------------------------

    async def load(self) -> None:
        """Ask for failures first and hand the first page over at once; returns as soon as
        the first page is delivered. The remaining failure pages, then the other statuses
        (for the "All" tab), keep loading in a workspace task; ``sync_state.loading`` is true
        until they are in. Also reads ``provider.accounts()`` once for health."""
        state = self._state
        if state.sync_state.key_rejected or state.sync_state.loading:
            return
        self._loaded.clear()
        started = self._clock.time()
        self._reading_mark = None
        self._reconcile()
        state.update_sync(loading=True, failures_loaded=False)
        try:
            await self._load_health()
            failures_walk = PageWalk()
            pages = iterate_pages(
                self._provider, FAILURES_FILTER, page_size=self._page_size, walk=failures_walk
            )
            first = await anext(pages)
        except ProviderError as error:
            state.read_failed(error)
            self._finish_load(None)
            return
        state.read_succeeded()
        self._note_server_time(first)
        state.ingest(first.posts)
        self._spawn(self._load_rest(pages, failures_walk, started), "load-rest")

    async def _load_health(self) -> None:
        try:
            accounts = await self._provider.accounts()
        except Unauthorized:
            raise
        except ProviderError as error:
            # Health only sharpens the reconnect verdict; the posts are worth showing anyway.
            self._state.notice(NoticeLevel.WARNING, f"Account health unavailable: {error}")
            return
        self._state.set_health(accounts)

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
        state = self._state
        try:
            # aclosing: the generator was started in load(); close it here even if cancelled.
            async with aclosing(pages):
                async for page in pages:
                    self._note_server_time(page)
                    state.ingest(page.posts)
            state.update_sync(failures_loaded=True)
            if failures_walk.proven:
                rest_walk = PageWalk()
                await self._read_pass(NOT_FAILURES_FILTER, rest_walk)
                if rest_walk.proven and await self._passes_cover_the_list(failures_walk, rest_walk):
                    state.read_succeeded()
                    self._finish_load(started)
                    return
            await self._read_pass(EVERYTHING_FILTER, PageWalk())
        except ProviderError as error:
            state.read_failed(error)
            self._finish_load(None)
            return
        state.read_succeeded()
        self._finish_load(started)

    async def _read_pass(self, post_filter: PostFilter, walk: PageWalk | None = None) -> None:
        async for page in iterate_pages(
            self._provider,
            post_filter,
            page_size=self._page_size,
            priority=Priority.BACKGROUND,
            walk=walk,
        ):
            self._note_server_time(page)
            self._state.ingest(page.posts)

    def _note_server_time(self, page: Page) -> None:
        """Keep the earliest server time of the sync's answers (pages may arrive side by
        side, so the first to arrive is not necessarily the first answered).

        A time further ahead of our clock than the overlap is not believed: a mark in the
        future would skip every change until it passed. Such a sync's next refresh falls
        back to our clock less the overlap, as without a server time."""
        at = page.server_time
        if at is None or self._reading_mark is _DOUBTFUL:
            return
        if at > wall_datetime(self._clock) + SYNC_OVERLAP:
            self._reading_mark = _DOUBTFUL
        elif self._reading_mark is None or at < self._reading_mark:
            self._reading_mark = at

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
            self._server_mark = self._believed_mark()
            self._state.update_sync(loading=False, last_sync_at=wall_datetime(self._clock))
        else:
            self._state.update_sync(loading=False)
        self._loaded.set()

    # -- the offline cache -------------------------------------------------------------------

    def seed(self, posts: Iterable[Post], synced_from: datetime | None) -> None:
        """Show posts read in an earlier run (the offline cache) before any request.

        ``synced_from``: when the sync that wrote them started. With it, ``refresh()`` asks
        only for posts updated since then (less the overlap) instead of a full load, so a
        restart costs a request or two. Retries a previous run left unfinished are
        reconciled against these posts, as ``load()`` would."""
        self._state.ingest(posts)
        self._reconcile()
        if synced_from is not None:
            self._synced_from = synced_from.timestamp()
            self._server_mark = None  # the cache records our clock only
            self._state.update_sync(last_sync_at=synced_from)

    # -- refresh -----------------------------------------------------------------------------

    async def refresh(self) -> None:
        """One sync: posts updated after the last successful sync, all statuses. Before any
        complete load (offline at start, say) it runs the load instead; while one runs, or
        another refresh does, it does nothing."""
        state = self._state
        if state.sync_state.key_rejected or state.sync_state.loading or self._refreshing:
            return
        if self._synced_from is None:
            await self.load()
            return
        self._refreshing = True
        started = self._clock.time()
        self._reading_mark = None
        since = self._refresh_since(self._synced_from)
        try:
            if not state.health_loaded:
                # Seeded from the cache, no load ran: health still decides reconnects.
                await self._load_health()
            await self._read_pass(PostFilter(updated_after=since))
        except ProviderError as error:
            state.read_failed(error)
            return
        finally:
            self._refreshing = False
        self._synced_from = started
        self._server_mark = self._believed_mark()
        state.read_succeeded()
        state.update_sync(last_sync_at=wall_datetime(self._clock))

    def _believed_mark(self) -> datetime | None:
        mark = self._reading_mark
        return None if mark is _DOUBTFUL else mark

    def _refresh_since(self, synced_from: float) -> datetime:
        """The ``updated_after`` of a refresh: the last sync's server time when the answers
        told it, else our clock's start of it less the overlap."""
        if self._server_mark is not None:
            return self._server_mark - SERVER_MARK_MARGIN
        return datetime.fromtimestamp(synced_from, tz=UTC) - SYNC_OVERLAP

    def start_background(self) -> None:
        """Refresh every ``refresh_interval_s`` until the workspace closes or its key is
        rejected. Calling it again while it runs does nothing."""
        if self._background is None or self._background.done():
            self._background = self._spawn(self._refresh_forever(), "background-refresh")

    async def _refresh_forever(self) -> None:
        while not self._state.sync_state.key_rejected:
            await self._clock.sleep(self._refresh_interval_s)
            await self.refresh()

    def _stop_background(self) -> None:
        if self._background is not None and self._background is not asyncio.current_task():
            self._background.cancel()
