"""Every post's rows, the per-tab counts and the ticks, without Qt.

``DestinationModel`` is the Qt adapter over this store: it decides what the view shows and
tells the view what changed; the store only keeps rows, counts and ticks true as posts
arrive, change and get ticked.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from postretry_gui.domain import Post, Status
from postretry_gui.ui.rows import DestinationRow, PostRow, RowOracle, StatusTab

_FAILED = Status.FAILED
_PUBLISHED = Status.PUBLISHED
IN_FLIGHT = frozenset({Status.QUEUED, Status.PUBLISHING})


class RowStore:
    """Post rows in arrival order, found by post id or by uid, with their counts and ticks."""

    def __init__(self, oracle: RowOracle) -> None:
        self._oracle = oracle
        self._uids = itertools.count(1)
        self.posts: list[PostRow] = []
        self.by_post_id: dict[str, PostRow] = {}
        self.by_uid: dict[int, PostRow] = {}
        self._failed = 0
        self._in_flight = 0
        self.destinations = 0
        self._partial_posts: set[int] = set()
        self.ticked = 0
        # Posts with at least one tick, so reading the selection never walks 20,000 posts.
        self._ticked_posts: set[int] = set()
        # Rows built by ``stage`` for posts not shown yet, with their status counts:
        # post_id -> (post_row, failed, published, in_flight).
        self._staged: dict[str, tuple[PostRow, int, int, int]] = {}

    def clear(self) -> None:
        self.posts = []
        self.by_post_id = {}
        self.by_uid = {}
        self._failed = self._in_flight = self.destinations = 0
        self._partial_posts = set()
        self.ticked = 0
        self._ticked_posts = set()
        self._staged = {}

    # -- reading ---------------------------------------------------------------------------

    def counts(self) -> dict[StatusTab, int]:
        """Per tab: failed destinations, partially failed posts, destinations in flight,
        all destinations."""
        return {
            StatusTab.FAILED: self._failed,
            StatusTab.PARTIAL: len(self._partial_posts),
            StatusTab.IN_FLIGHT: self._in_flight,
            StatusTab.ALL: self.destinations,
        }

    def selection(self) -> dict[str, frozenset[str]]:
        """The ticks as the controller's retry takes them: post_id -> account ids."""
        chosen: dict[str, frozenset[str]] = {}
        for uid in self._ticked_posts:
            post_row = self.by_uid[uid]
            ticked = post_row.ticked_ids()
            if ticked:
                chosen[post_row.post_id] = ticked
        return chosen

    def ticked_count(self) -> tuple[int, int]:
        """(destinations ticked, posts they belong to)."""
        return self.ticked, len(self._ticked_posts)

    # -- posts arriving and changing -------------------------------------------------------

    def stage(self, posts: Sequence[Post]) -> None:
        """Build the rows of posts not known yet, ahead of their ``add``."""
        known = self.by_post_id
        staged = self._staged
        for post in posts:
            if post.post_id not in known:
                staged[post.post_id] = self._build(post)

    def add(self, post: Post) -> PostRow:
        """A post not known yet: its rows (staged ones if still current) join the counts."""
        staged = self._staged.pop(post.post_id, None)
        if staged is None or staged[0].post is not post:
            staged = self._build(post)
        post_row, failed, published, in_flight = staged
        self.destinations += len(post_row.children)
        self._failed += failed
        self._in_flight += in_flight
        if failed and published:
            self._partial_posts.add(post_row.uid)
        self.posts.append(post_row)
        self.by_post_id[post.post_id] = post_row
        self.by_uid[post_row.uid] = post_row
        return post_row

    def _build(self, post: Post) -> tuple[PostRow, int, int, int]:
        # Hot while 100k destinations stream in: locals, no helper calls per destination.
        post_row = PostRow(uid=next(self._uids), post=post)
        changed_at = post.updated_at
        children = post_row.children
        by_account = post_row.by_account
        failed = published = in_flight = 0
        for destination in post.destinations:
            child = DestinationRow(post_row, destination, changed_at)
            children.append(child)
            by_account[destination.account_id] = child
            status = destination.status
            if status is _FAILED:
                failed += 1
            elif status is _PUBLISHED:
                published += 1
            elif status in IN_FLIGHT:
                in_flight += 1
        return post_row, failed, published, in_flight

    def update(self, post_row: PostRow, post: Post, now: datetime) -> list[DestinationRow]:
        """Rewrite a known post's rows in place; returns the destinations it gained."""
        post_row.post = post
        post_row.invalidate()
        added: list[DestinationRow] = []
        for destination in post.destinations:
            child = post_row.by_account.get(destination.account_id)
            if child is None:
                child = DestinationRow(post_row, destination, now)
                post_row.children.append(child)
                post_row.by_account[destination.account_id] = child
                self._count(child, +1)
                added.append(child)
                continue
            if child.destination.status is not destination.status:
                self._count(child, -1)
                child.destination = destination
                child.changed_at = now
                self._count(child, +1)
            else:
                child.destination = destination
        for child in post_row.children:
            if child.ticked and not child.retryable(self._oracle):
                child.ticked = False
                self.ticked -= 1
        if not any(c.ticked for c in post_row.children):
            self._ticked_posts.discard(post_row.uid)
        if post_row.partially_failed():
            self._partial_posts.add(post_row.uid)
        else:
            self._partial_posts.discard(post_row.uid)
        return added

    def _count(self, row: DestinationRow, sign: int) -> None:
        status = row.destination.status
        self.destinations += sign
        if status is Status.FAILED:
            self._failed += sign
        elif status in IN_FLIGHT:
            self._in_flight += sign

    # -- ticks -----------------------------------------------------------------------------

    def set_ticks(self, post_row: PostRow, account_ids: frozenset[str]) -> bool:
        """Tick exactly the retryable ones of ``account_ids``; True when a tick changed."""
        changed = False
        oracle = self._oracle
        for child in post_row.children:
            want = child.account_id in account_ids and child.retryable(oracle)
            if child.ticked != want:
                child.ticked = want
                self.ticked += 1 if want else -1
                changed = True
        if any(c.ticked for c in post_row.children):
            self._ticked_posts.add(post_row.uid)
        else:
            self._ticked_posts.discard(post_row.uid)
        return changed

    def tick_destination(self, row: DestinationRow, checked: bool) -> bool:
        """The box of one destination: with a whole-post provider, ticking one ticks the
        post's retry unit and unticking one unticks them all. True when a tick changed."""
        post_row = row.post_row
        if checked:
            wanted = post_row.ticked_ids() | {row.account_id}
            unit = self._oracle.retry_unit_of(post_row.post, wanted)
        elif self._oracle.capabilities.per_destination_retry:
            unit = post_row.ticked_ids() - {row.account_id}
        else:
            # The provider retries the whole post: one unticked means none will be sent.
            unit = frozenset()
        return self.set_ticks(post_row, unit)

    def tick_post(self, post_row: PostRow, checked: bool) -> bool:
        """The box of a post row: every eligible destination of it, or none."""
        eligible = post_row.eligible_ids(self._oracle)
        unit = self._oracle.retry_unit_of(post_row.post, eligible) if checked else frozenset()
        return self.set_ticks(post_row, unit)

    def tick_all(self, visible: Sequence[PostRow]) -> list[PostRow]:
        """Tick every retryable destination shown (``PostRow.visible``) whose cause a retry
        can fix (temporary, unknown: ``Eligibility.ticked_by_tick_all``); returns the posts
        whose ticks changed."""
        oracle = self._oracle
        touched: list[PostRow] = []
        for post_row in visible:
            wanted = frozenset(
                c.account_id for c in post_row.visible if c.eligibility(oracle).ticked_by_tick_all
            )
            if not wanted:
                continue
            unit = oracle.retry_unit_of(post_row.post, wanted | post_row.ticked_ids())
            if self.set_ticks(post_row, unit):
                touched.append(post_row)
        return touched

    def clear_ticks(self) -> list[PostRow]:
        """Untick everything; returns the posts that had ticks."""
        touched = [self.by_uid[uid] for uid in list(self._ticked_posts)]
        for post_row in touched:
            self.set_ticks(post_row, frozenset())
        return touched
