"""Open a workspace and check a key: the use-cases that need a provider.

The window never builds a provider: the composition root (``app.py``) hands it
``WorkspaceOpener.open`` and ``check_key`` as callbacks. An opened workspace shows its
offline cache at once and syncs behind it; every changed post goes back to the cache.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from postretry_gui.controller.budgeted_provider import BudgetedProvider
from postretry_gui.controller.events import (
    NoticeLevel,
    RetryReport,
    SessionListener,
    SyncState,
)
from postretry_gui.controller.journal_guard import retries_off_text
from postretry_gui.controller.session import WorkspaceSession
from postretry_gui.controller.tasks import ErrorCallback
from postretry_gui.controller.team_opener import TeamOptions, TeamWorkspace, build_team
from postretry_gui.controller.unopened_journal import UnopenedJournal
from postretry_gui.controller.workspaces import KeyCheck, KeyVerdict
from postretry_gui.domain import Post
from postretry_gui.domain.errors import ProviderError, TransportError, Unauthorized
from postretry_gui.domain.triage import CauseTable
from postretry_gui.providers.base import Provider
from postretry_gui.providers.registry import CATALOG, create_provider
from postretry_gui.store import (
    PostCache,
    RetryJournal,
    StoreDirs,
    StoreError,
    StoreUnavailable,
    Workspace,
    WorkspaceSecrets,
)

# What a team workspace's instance says when its role changes.
LEADING = "This instance now syncs the list for the team."
FOLLOWING = "Another instance syncs the list for the team; showing what it reads."

# A check is one cheap request; an operator waits for it with the dialog open.
KEY_CHECK_TIMEOUT_S = 15.0

ProviderFactory = Callable[[Workspace, WorkspaceSecrets], Provider]


# -- building a provider and checking a key ----------------------------------------------------


def build_provider(workspace: Workspace, secrets: WorkspaceSecrets) -> Provider:
    """The provider client for ``workspace`` with its secrets (raises ``ProviderError`` for a
    missing or unsendable key; the message names the secret, never its value)."""
    by_name = {kind.value: value for kind, value in secrets.items()}
    return create_provider(workspace.provider, workspace.base_url, by_name)


def cause_table(kind: str) -> CauseTable | None:
    """How provider ``kind`` triages its failures (None for a kind this build does not know:
    the session then goes by the phrases every network uses)."""
    return CATALOG.spec(kind).causes if kind in CATALOG else None


async def check_key(
    workspace: Workspace,
    secrets: WorkspaceSecrets,
    *,
    factory: ProviderFactory = build_provider,
    timeout_s: float = KEY_CHECK_TIMEOUT_S,
) -> KeyCheck:
    """Ask the server for the key's accounts (PostEverywhere ``GET /accounts``, Ayrshare
    ``GET /user``): one cheap request that says whether the key works and what it sees.
    Never raises for a provider error; cancelling it (Esc) cancels the request."""
    try:
        provider = factory(workspace, secrets)
    except Unauthorized as error:  # a key no HTTP header can carry
        return KeyCheck(KeyVerdict.REJECTED, f"Key rejected: {error.message}")
    except ProviderError as error:
        return KeyCheck(KeyVerdict.FAILED, error.message)
    try:
        async with asyncio.timeout(timeout_s):
            accounts = await provider.accounts()
    except Unauthorized:
        return KeyCheck(
            KeyVerdict.REJECTED,
            "Key rejected: the server answered 401. Check the key (and the Profile-Key).",
        )
    except TimeoutError:
        return KeyCheck(
            KeyVerdict.UNREACHABLE,
            f"Server unreachable: no answer within {timeout_s:g} s. Check the base URL.",
        )
    except TransportError as error:
        return KeyCheck(KeyVerdict.UNREACHABLE, f"Server unreachable: {error.message}")
    except ProviderError as error:
        return KeyCheck(KeyVerdict.FAILED, f"The server answered with an error: {error.message}")
    finally:
        await provider.aclose()
    count = len(accounts)
    noun = "account" if count == 1 else "accounts"
    return KeyCheck(KeyVerdict.ACCEPTED, f"Key accepted: {count} {noun}.", accounts=count)


# -- an open workspace: session, provider, cache and journal ------------------------------------


# Posts per cache transaction when a load's held-back posts are written. Encoding a batch is
# one C call that keeps the GIL (~6 us a post): 500 posts keep the window waiting at most ~3 ms.
_RELEASE_BATCH = 500
_RELEASE_PACE_S = 0.02


def _upsert(batch: tuple[Post, ...]) -> Callable[[PostCache], object]:
    return lambda cache: cache.upsert(batch)


class _CachingListener:
    """Passes the session's events to the window and writes what they carry to the cache:
    every changed post, and the start of each complete sync (the next ``updated_after``).

    The writes run on one worker thread, off the event loop: encoding and committing a page
    costs about 5 ms, which on the loop thread added up to half of a large list's load time
    and to stalls of the window. One worker keeps them in order, so an older version of a
    post never lands after a newer one; ``flush()`` waits for what is queued.
    """

    def __init__(self, inner: SessionListener, cache: PostCache | None) -> None:
        self.inner = inner
        self.cache = cache
        self.session: WorkspaceSession | None = None
        self.seeding = False
        self._recorded: datetime | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postretry-cache")
        # Posts of a full load in progress, written when it ends (see sync_changed).
        self._held: list[Post] | None = None
        # Writes waiting their turn after a load's held posts, handed to the writer one every
        # _RELEASE_PACE_S (see _release_held), in order.
        self._backlog: deque[Callable[[PostCache], object]] = deque()
        self._draining: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _write(self, action: Callable[[PostCache], object]) -> None:
        """Queue ``action`` after everything queued before it."""
        if self._backlog:
            self._backlog.append(action)
        else:
            self._submit(action)

    def _drain(self) -> None:
        self._draining = None
        if self._backlog:
            self._submit(self._backlog.popleft())
        if self._backlog:
            loop = asyncio.get_running_loop()
            self._draining = loop.call_later(_RELEASE_PACE_S, self._drain)

    def _submit(self, action: Callable[[PostCache], object]) -> None:
        cache = self.cache
        if cache is None:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        loop = self._loop

        def write() -> None:
            try:
                action(cache)
            except StoreError as error:
                loop.call_soon_threadsafe(self._cache_failed, cache, error)
                return
            if cache.notice:
                notice, cache.notice = cache.notice, None
                loop.call_soon_threadsafe(self.inner.notice, NoticeLevel.WARNING, notice)

        self._writer.submit(write)

    def _cache_failed(self, cache: PostCache, error: StoreError) -> None:
        # The cache is a convenience: losing it must not stop the workspace.
        if self.cache is cache:
            self.cache = None
            self.inner.notice(NoticeLevel.WARNING, f"The offline cache stopped working: {error}")

    async def flush(self) -> None:
        """Write what a load held back, wait for every queued write, then stop the writer."""
        self._release_held()
        if self._draining is not None:
            self._draining.cancel()
            self._draining = None
        while self._backlog:
            self._submit(self._backlog.popleft())
        await asyncio.get_running_loop().run_in_executor(None, self._writer.shutdown, True)

    def posts_changed(self, posts: Sequence[Post]) -> None:
        if not self.seeding and self.cache is not None:
            if self._held is not None:
                self._held.extend(posts)
            else:
                batch = tuple(posts)
                self._write(lambda cache: cache.upsert(batch))
        self.inner.posts_changed(posts)

    def _release_held(self) -> None:
        """Queue what a load held back, in order and in batches (one transaction each), before
        anything that comes after it. The batches go to the writer one every
        _RELEASE_PACE_S rather than all at once: 20,000 posts written back to back kept the
        GIL from the window for a quarter of a second just as the operator starts to work."""
        held, self._held = self._held, None
        for first in range(0, len(held or ()), _RELEASE_BATCH):
            batch = tuple(held[first : first + _RELEASE_BATCH]) if held else ()
            self._backlog.append(_upsert(batch))
        if self._backlog and self._draining is None:
            self._drain()

    def sync_changed(self, state: SyncState) -> None:
        # While a full load streams in, its pages are held back from the cache and written
        # when it ends. The writer thread holds the GIL while it encodes, and during a
        # 200-page load it took a quarter of a second from the window. Held posts are
        # queued BEFORE the sync time below: a crash in between loses posts and the sync
        # time together, never the posts alone (the next start would then skip them).
        if state.loading and self._held is None and not self.seeding:
            self._held = []
        elif not state.loading and self._held is not None:
            self._release_held()
        synced_from = self.session.synced_from if self.session is not None else None
        if not self.seeding and synced_from is not None and synced_from != self._recorded:
            self._recorded = synced_from
            self._write(lambda cache: cache.set_last_synced_at(synced_from))
        self.inner.sync_changed(state)

    def retry_finished(self, report: RetryReport) -> None:
        self.inner.retry_finished(report)

    def notice(self, level: NoticeLevel, text: str) -> None:
        self.inner.notice(level, text)


@dataclass
class OpenedWorkspace:
    """A workspace in use. ``start()`` shows the cache and refreshes behind it;
    ``aclose()`` ends its work and closes its files."""

    workspace: Workspace
    session: WorkspaceSession
    provider: Provider
    cache: PostCache | None = None
    journal: RetryJournal | None = None
    # Sentences for the window: a cache or journal set aside, a file that could not open.
    notices: list[str] = field(default_factory=list)
    cached_posts: int = 0
    # When the cached posts were read (the start of the sync that wrote them).
    cached_at: datetime | None = None
    # Team mode: the shared side (its syncer replaces this session's own syncing).
    team: TeamWorkspace | None = None
    _listener: _CachingListener | None = None
    _closed: bool = False

    def start(self, *, background: bool = True) -> asyncio.Task[None]:
        """Seed the session with the cached posts (at once, no request), then sync: only
        what changed since the cached sync when there is one, else a full load. Returns
        the task of that first sync (done when it has ended, well or not)."""
        listener = self._listener
        if listener is not None:
            for text in self.notices:
                listener.inner.notice(NoticeLevel.WARNING, text)
        posts: list[Post] = []
        synced: datetime | None = None
        if self.cache is not None:
            try:
                posts = self.cache.load()
                synced = self.cache.last_synced_at() if posts else None
            except StoreError as error:
                self.notices.append(f"The offline cache could not be read: {error}")
            if self.cache.notice and listener is not None:
                listener.inner.notice(NoticeLevel.WARNING, self.cache.notice)
                self.cache.notice = None
        self.cached_posts = len(posts)
        self.cached_at = synced
        if listener is not None:
            listener.seeding = True
        try:
            self.session.seed(posts, synced)
        finally:
            if listener is not None:
                listener.seeding = False
        if self.team is not None:
            # The leader syncs for the team; a follower shows what it publishes.
            return self.session.spawn(self.team.run(), name="team-sync")
        synced_task = self.session.spawn(self._first_sync(resume=synced is not None), name="sync")
        if background:
            self.session.start_background()
        return synced_task

    async def _first_sync(self, *, resume: bool) -> None:
        if resume:
            await self.session.refresh()
        else:
            await self.session.load()
            await self.session.wait_loaded()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.session.aclose()
        finally:
            if self.team is not None:
                await self.team.aclose()
            await self.provider.aclose()
            if self._listener is not None:
                await self._listener.flush()
            for closable in (self.cache, self.journal):
                if closable is not None:
                    closable.close()


class WorkspaceOpener:
    """Opens workspaces: their provider (from ``factory``), offline cache and retry journal
    under ``dirs``, and a session reporting to the window's listener."""

    def __init__(
        self,
        dirs: StoreDirs,
        *,
        factory: ProviderFactory = build_provider,
        on_error: ErrorCallback | None = None,
        refresh_interval_s: float = 60.0,
        team_options: Callable[[TeamOptions], TeamOptions] = lambda options: options,
        remember_single_post: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.dirs = dirs
        self.factory = factory
        self.on_error = on_error
        self.refresh_interval_s = refresh_interval_s
        # Adjusts how a team workspace takes part (tests shorten its intervals).
        self.team_options = team_options
        # Where a workspace's single-post setting is kept (workspace id, on).
        self.remember_single_post = remember_single_post

    def _rememberer(self, workspace_id: str) -> Callable[[bool], None] | None:
        remember = self.remember_single_post
        if remember is None:
            return None
        return lambda on: remember(workspace_id, on)

    def open(
        self, workspace: Workspace, secrets: WorkspaceSecrets, listener: SessionListener
    ) -> OpenedWorkspace:
        """Raises ``ProviderError`` when the secrets cannot make a client (no key)."""
        provider = self.factory(workspace, secrets)
        notices: list[str] = []
        cache: PostCache | None = None
        journal: RetryJournal | None = None
        journal_unavailable: UnopenedJournal | None = None
        try:
            cache = PostCache.for_workspace(self.dirs, workspace.workspace_id)
            if cache.notice:
                notices.append(cache.notice)
                cache.notice = None
        except StoreUnavailable as error:
            notices.append(f"No offline cache this time: {error}")
        try:
            journal = RetryJournal.for_workspace(self.dirs, workspace.workspace_id)
            if journal.notice:
                notices.append(journal.notice)
        except StoreUnavailable as error:
            if workspace.team is None:  # the local journal is the write-ahead record
                journal_path = self.dirs.journal_path(workspace.workspace_id)
                journal_unavailable = UnopenedJournal(path=journal_path, error=error)
                notices.append(retries_off_text(error))
            else:  # team mode records its retries in the team's journal, not this file
                notices.append(f"No retry journal this time: {error}")
        caching = _CachingListener(listener, cache)
        team = self._team_of(workspace, secrets, caching)
        if team is not None:
            provider = BudgetedProvider(provider, team.coordination)
        session = WorkspaceSession(
            provider,
            caching if team is None else team.sync.wrap(caching),
            journal=journal,
            workspace_id=workspace.workspace_id,
            on_error=self.on_error,
            refresh_interval_s=self.refresh_interval_s,
            team=team,
            causes=cause_table(workspace.provider),
            single_post_retries=workspace.single_post_retries,
            remember_single_post=self._rememberer(workspace.workspace_id),
            journal_unavailable=journal_unavailable,
        )
        caching.session = session
        if team is not None:
            team.sync.attach(session)
        return OpenedWorkspace(
            workspace, session, provider, cache, journal, notices, team=team, _listener=caching
        )

    def _team_of(
        self, workspace: Workspace, secrets: WorkspaceSecrets, listener: SessionListener
    ) -> TeamWorkspace | None:
        if workspace.team is None:
            return None

        def link_changed(up: bool, said: str) -> None:
            listener.notice(NoticeLevel.INFO if up else NoticeLevel.ERROR, said)

        def role_changed(leading: bool) -> None:
            listener.notice(NoticeLevel.INFO, LEADING if leading else FOLLOWING)

        # The team shares one budget per key: the provider's published windows (none for a
        # provider that publishes none, whose answers' headers alone then pace each instance).
        known = workspace.provider in CATALOG
        options = TeamOptions(
            api_key=secrets.api_key or "",
            budget_windows=CATALOG.spec(workspace.provider).rate_windows if known else (),
            profile=secrets.profile_key or "",
            refresh_interval_s=self.refresh_interval_s,
        )
        return build_team(
            workspace.team,
            secrets.team_db_password,
            workspace.workspace_id,
            workspace.provider,
            self.team_options(options),
            on_link=link_changed,
            on_role=role_changed,
        )
