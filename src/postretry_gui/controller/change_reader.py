"""Reading what changed by list: one settling round costs about ceil(changed / page size)
requests, however many posts are watched.

With a provider that filters by update time (PostEverywhere) a round asks for the posts
updated after a mark, newest change first, and the mark moves to the server's time of the
round's first answer (every later change has a later ``updated_at``). Without one (Ayrshare)
a round reads the list whole, newest first, until every watched post has been seen, and no
faster than the list's cache refreshes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from postretry_gui.controller.clock import Clock, wall_datetime
from postretry_gui.domain import Post
from postretry_gui.domain.change_feed import ChangeFeed
from postretry_gui.providers.base import Page, PostFilter, Provider
from postretry_gui.providers.pacing import Priority

# The post statuses a retried destination moves through: publishing, then published,
# partially failed or failed again. Drafts and scheduled posts cannot hold a settling retry.
SETTLING_STATUSES = ("publishing", "published", "partially_failed", "failed")

# How far the server's clock may run behind ours when a mark is taken from our clock.
CLOCK_SKEW = timedelta(seconds=30)

# A walk never reads more pages than this in one round (a hostile ``has_more``).
MAX_PAGES = 1_000


class ChangeReader:
    """The list reads of one workspace, and the mark (the previous answer's server time)."""

    def __init__(
        self,
        provider: Provider,
        feed: ChangeFeed,
        clock: Clock,
        *,
        min_interval_s: float | None = None,
    ) -> None:
        self._provider = provider
        self._feed = feed
        self._clock = clock
        self._min_interval_s = feed.min_interval_s if min_interval_s is None else min_interval_s
        self._mark: datetime | None = None
        # The earliest start of a watch begun since the last read: changes after it matter.
        self._floor: datetime | None = None
        self._last_read: float | None = None
        self.requests = 0

    @property
    def mark(self) -> datetime | None:
        return self._mark

    def watch_started(self, since: datetime | None = None) -> None:
        """A watch began (or, reconciled, began at ``since``): the next read reaches back to
        it, whatever the mark says."""
        start = (since or wall_datetime(self._clock)) - CLOCK_SKEW
        if self._floor is None or start < self._floor:
            self._floor = start

    def ready(self) -> bool:
        """Whether a list read now could learn anything its last one did not."""
        last = self._last_read
        return last is None or self._clock.monotonic() - last >= self._min_interval_s

    async def read(self, watched: Collection[str]) -> Mapping[str, Post]:
        """The watched posts that changed since the mark (every watched post the list holds,
        without an update filter). Raises the provider's errors; the mark moves only after a
        whole walk succeeded."""
        self._last_read = self._clock.monotonic()
        if self._feed.filters_by_update:
            return await self._read_changed(watched)
        return await self._read_whole(watched)

    async def _read_changed(self, watched: Collection[str]) -> Mapping[str, Post]:
        since = self._since()
        post_filter = PostFilter(statuses=SETTLING_STATUSES, updated_after=since, by_update=True)
        found: dict[str, Post] = {}
        next_mark: datetime | None = None
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._list(post_filter, cursor)
            if next_mark is None:
                next_mark = page.server_time
            older = False
            for post in page.posts:
                if since is not None and post.updated_at is not None and post.updated_at < since:
                    older = True  # the server ignored the filter: the rest is older still
                    continue
                if post.post_id in watched:
                    found.setdefault(post.post_id, post)
            cursor = page.next_cursor
            if cursor is None or older:
                break
        # No server time: keep the old reach (reading some changes twice costs a page, missing
        # one would strand a watch).
        if next_mark is not None:
            self._mark = next_mark
            self._floor = None
        return found

    async def _read_whole(self, watched: Collection[str]) -> Mapping[str, Post]:
        found: dict[str, Post] = {}
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._list(PostFilter(), cursor)
            for post in page.posts:
                if post.post_id in watched:
                    found.setdefault(post.post_id, post)
            cursor = page.next_cursor
            if cursor is None or len(found) >= len(watched):
                break
        return found

    async def _list(self, post_filter: PostFilter, cursor: str | None) -> Page:
        self.requests += 1
        return await self._provider.list_posts(
            post_filter, cursor, self._feed.page_size, priority=Priority.BACKGROUND
        )

    def _since(self) -> datetime | None:
        marks = [m for m in (self._mark, self._floor) if m is not None]
        return min(marks) if marks else None
