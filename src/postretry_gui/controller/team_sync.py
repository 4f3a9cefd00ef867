"""One syncer per workspace across the team: the leader reads the provider, the others read
PostgreSQL.

Every instance runs one ``TeamSync``. It asks for the workspace's leader lock every
``poll_interval_s``. The instance that holds it loads and refreshes the posts through its own
session (its syncer, its pacer) and publishes every post its session shows as changed; the
others take the leader's posts in from ``shared_posts`` and hear of each change by
``LISTEN/NOTIFY``, so the team reads the provider's list once, not once per operator. When
the leader quits or dies its lock goes with its connection, and the next follower to ask (at
most ``poll_interval_s`` later) leads.

Each instance still settles its own retries (its settler polls them): a retry it watches
never depends on which instance leads. The leader also settles, before each refresh, the
retries an instance left unfinished when it died (no live claim on them: the session's
``reconcile_orphans``), so none stays pending in the team's history; a new leader finds them
at its first refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol

from postretry_gui.controller.events import NoticeLevel, RetryReport, SessionListener, SyncState
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import Post
from postretry_gui.store.team import (
    LeaderElection,
    PostChangeListener,
    SharedPosts,
    TeamDatabase,
    TeamStoreUnavailable,
)

DEFAULT_POLL_INTERVAL_S = 1.0  # a follower leads within this (plus a round trip) of a death


class SyncedSession(Protocol):
    """What the team's syncer needs of the workspace session."""

    async def refresh(self) -> None: ...

    async def reconcile_orphans(self) -> None: ...

    async def read_account_health(self) -> None: ...

    def take_in(self, posts: Iterable[Post]) -> None: ...


class PublishingListener:
    """The window's listener, with the posts it is told of also offered to ``publish``
    (the team's syncer shares them while this instance leads)."""

    def __init__(self, listener: SessionListener, publish: Callable[[Sequence[Post]], None]):
        self._listener = listener
        self._publish = publish

    def posts_changed(self, posts: Sequence[Post]) -> None:
        self._publish(posts)
        self._listener.posts_changed(posts)

    def sync_changed(self, state: SyncState) -> None:
        self._listener.sync_changed(state)

    def retry_finished(self, report: RetryReport) -> None:
        self._listener.retry_finished(report)

    def notice(self, level: NoticeLevel, text: str) -> None:
        self._listener.notice(level, text)


class TeamSync:
    """``session``: this instance's workspace session (set with ``attach`` when the session is
    built after this object, since its listener publishes here). ``on_role(leading)`` hears
    each change of role (the status bar, the worker's log)."""

    def __init__(
        self,
        database: TeamDatabase,
        workspace_id: str,
        link: TeamLink,
        *,
        refresh_interval_s: float = 60.0,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        on_role: Callable[[bool], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._database = database
        self._shared = SharedPosts(database, workspace_id)
        self._election = LeaderElection(database, workspace_id, poll_interval_s=poll_interval_s)
        self._workspace_id = workspace_id
        self._link = link
        self._refresh_interval_s = refresh_interval_s
        self._poll_interval_s = poll_interval_s
        self._on_role = on_role or (lambda leading: None)
        self._sleep = sleep
        self._session: SyncedSession | None = None
        self._role = False
        self._health_read = False
        self._pending: dict[str, Post] = {}
        self._pending_ready = asyncio.Event()
        self._seen_change = 0
        # Wall time when this instance last took a leader's posts in (a benchmark's probe).
        self.last_taken_in: float | None = None

    @property
    def leading(self) -> bool:
        return self._election.leading

    def attach(self, session: SyncedSession) -> None:
        self._session = session

    def wrap(self, listener: SessionListener) -> PublishingListener:
        """The listener to build the session with: what it shows, the leader publishes."""
        return PublishingListener(listener, self._offer)

    def _offer(self, posts: Sequence[Post]) -> None:
        if not self._election.leading:
            return
        for post in posts:
            self._pending[post.post_id] = post
        self._pending_ready.set()

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Lead or follow until cancelled; an outage is waited out (the link says so)."""
        if self._session is None:
            raise RuntimeError("attach the session before running the team's syncer")
        try:
            while True:
                try:
                    if await self._election.try_lead():
                        self._set_role(True)
                        await self._lead(self._session)
                    else:
                        await self._follow(self._session)
                except TeamStoreUnavailable as error:
                    self._set_role(False)
                    self._link.lost(error)
                    await self._link.wait_up()
        finally:
            await self._election.resign()
            self._set_role(False)

    def _set_role(self, leading: bool) -> None:
        if leading != self._role:
            self._role = leading
            self._on_role(leading)

    async def _lead(self, session: SyncedSession) -> None:
        """Refresh and publish while the lock is ours; returns when it is not (raises
        ``TeamStoreUnavailable`` when the lock's connection broke)."""
        publisher = asyncio.create_task(self._publish_forever(), name="team-publish")
        try:
            next_refresh = 0.0
            while await self._election.try_lead():
                if time.monotonic() >= next_refresh:
                    # Before the read, as alone: the rows it shows are locked already.
                    await session.reconcile_orphans()
                    await session.refresh()
                    next_refresh = time.monotonic() + self._refresh_interval_s
                await self._sleep(self._poll_interval_s)
            self._set_role(False)
        finally:
            await _stop(publisher)

    async def _publish_forever(self) -> None:
        while True:
            await self._pending_ready.wait()
            self._pending_ready.clear()
            batch, self._pending = list(self._pending.values()), {}
            try:
                await self._shared.publish(batch)
            except TeamStoreUnavailable as error:
                # Put them back: published once the server is back (newer versions win).
                for post in batch:
                    self._pending.setdefault(post.post_id, post)
                self._link.lost(error)
                await self._link.wait_up()
                self._pending_ready.set()

    async def _follow(self, session: SyncedSession) -> None:
        """Take the leader's posts in, at each notice, until this instance leads."""
        async with PostChangeListener(self._database, self._workspace_id) as listener:
            heard = asyncio.Event()
            ear = asyncio.create_task(self._hear(listener, heard), name="team-listen")
            try:
                if not self._health_read:
                    # The leader's load reads health for itself only: eligibility (reconnect
                    # verdicts) must agree, or two instances would retry different units.
                    self._health_read = True
                    await session.read_account_health()
                await self._take_in(session)  # what was said before we listened
                while not await self._election.try_lead():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(heard.wait(), self._poll_interval_s)
                    if ear.done():
                        ear.result()  # the listener's connection broke: raise its error
                    if heard.is_set():
                        heard.clear()
                        await self._take_in(session)
            finally:
                await _stop(ear)

    async def _hear(self, listener: PostChangeListener, heard: asyncio.Event) -> None:
        async for change in listener.changes():
            if change.change_seq > self._seen_change:
                heard.set()

    async def _take_in(self, session: SyncedSession) -> None:
        changed = await self._shared.changed_since(self._seen_change)
        self._seen_change = changed.change_seq
        if changed.posts:
            session.take_in(changed.posts)
            self.last_taken_in = time.time()


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TeamStoreUnavailable):
        await task
