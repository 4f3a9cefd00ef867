"""Where each destination of a retry job is: the facts behind its summary, kept live.

The summary is per destination: it follows the settling of watches
(``WatchSettler.follow_watches``) after the job ends, so a retried destination moves to
"published" or "failed again" as polling settles it, and a lost answer to wherever its
read puts it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from postretry_gui.controller.bulk_events import (
    BulkObserver,
    BulkProgress,
    BulkSummary,
    DestinationKey,
    SummaryGroup,
)
from postretry_gui.controller.events import PostMark, PostOutcome
from postretry_gui.controller.watch_events import WatchEvent, WatchFate, WatchFollower
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import Outcome, Verdict
from postretry_gui.domain.errors import ProviderError, ReconnectRequired

# Where a watched destination goes when a read moves it on.
_FATE_GROUPS = {
    WatchFate.APPLIED: SummaryGroup.RETRIED,
    WatchFate.PUBLISHED: SummaryGroup.PUBLISHED,
    WatchFate.FAILED_AGAIN: SummaryGroup.FAILED_AGAIN,
    WatchFate.NOT_APPLIED: SummaryGroup.NOT_APPLIED,
    WatchFate.GONE: SummaryGroup.GONE,
}
# Refusals whose request reached the server; a stop for being offline sent nothing.
_REFUSED = (Outcome.REJECTED, Outcome.ALREADY_RETRIED, Outcome.KEY_REJECTED)

Follow = Callable[[WatchFollower], Callable[[], None]]


class JobSummary:
    """The destinations of one job (``selection_order``: its posts as ticked) and their
    groups; ``observer`` hears of every change after the job has ended, as
    ``follow_watches`` (the settler's) reports reads."""

    def __init__(
        self,
        state: WorkspaceState,
        follow_watches: Follow,
        selection_order: Sequence[str],
        job_id: int,
        observer: BulkObserver | None,
    ) -> None:
        self._state = state
        self._follow_watches = follow_watches
        self._rank = {post_id: index for index, post_id in enumerate(selection_order)}
        self._job_id = job_id
        self._observer = observer
        # Where each destination is now, reads that came in before the answer they settle
        # (a lost answer is read before its outcome returns), and the destinations a watch
        # may still move.
        self._where: dict[DestinationKey, SummaryGroup] = {}
        self._early: dict[DestinationKey, WatchFate] = {}
        self._followed: set[DestinationKey] = set()
        self._unfollow: Callable[[], None] | None = None
        self._unsent_posts: set[str] = set()
        self._requeued = 0
        self._messages: dict[SummaryGroup, str] = {}
        self._progress = BulkProgress(total_posts=len(self._rank))
        self._elapsed_s = 0.0
        self._summary: BulkSummary | None = None
        self._summary_stale = False
        self._publish_pending = False

    @property
    def requeued(self) -> int:
        """Destinations the server re-queued for the job."""
        return self._requeued

    @property
    def following(self) -> bool:
        """Whether a read may still move one of the job's destinations."""
        return bool(self._followed)

    def not_sent(self, post_id: str) -> bool:
        return post_id in self._unsent_posts

    @property
    def current(self) -> BulkSummary | None:
        """Where every destination is now (None until ``finish``)."""
        if self._summary is not None and self._summary_stale:
            self._summary = self._snapshot()
            self._summary_stale = False
        return self._summary

    def follow(self, post_id: str, unit: Iterable[str]) -> None:
        """The job will send ``unit`` of ``post_id``: a watch may move it later."""
        self._followed.update((post_id, a) for a in unit)
        if self._unfollow is None:
            self._unfollow = self._follow_watches(self._watch_event)

    def finish(self, progress: BulkProgress, elapsed_s: float) -> BulkSummary:
        self._progress = progress
        self._elapsed_s = elapsed_s
        self._summary = self._snapshot()
        self._summary_stale = False
        if not self._followed:
            self.stop_following()
        return self._summary

    def stop_following(self) -> None:
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None

    # -- placing -----------------------------------------------------------------------------

    def place_answer(
        self, outcome: PostOutcome, unit: frozenset[str], error: ProviderError | None
    ) -> None:
        """Put the destinations of a post the job tried to send where its answer says."""
        post_id, kind = outcome.post_id, outcome.outcome
        if kind is Outcome.RETRIED:
            for account_id in unit:
                key = (post_id, account_id)
                # The settler watches what the server re-queued (locked until it settles);
                # a destination the ack left out had not failed any more: nothing to retry.
                if self._state.locked(post_id, account_id) or key in self._early:
                    self._requeued += 1
                    self._place_watched(key, SummaryGroup.RETRIED)
                else:
                    self.place_group(post_id, (account_id,), SummaryGroup.NOTHING_TO_RETRY)
            return
        if kind is Outcome.OUTCOME_UNKNOWN:
            for account_id in unit:
                self._place_watched((post_id, account_id), SummaryGroup.OUTCOME_UNKNOWN)
            return
        if kind is Outcome.NOTHING_TO_RETRY:
            group = SummaryGroup.NOTHING_TO_RETRY
        elif kind is Outcome.GONE:
            group = SummaryGroup.GONE
        elif kind is Outcome.REJECTED and isinstance(error, ReconnectRequired):
            group = SummaryGroup.RECONNECT_REQUIRED
        elif kind in _REFUSED:
            group = SummaryGroup.REFUSED
        else:
            # Offline (the connection failed before the request left) or the journal could
            # not record the intent: nothing was sent.
            self._unsent_posts.add(post_id)
            group = SummaryGroup.NOT_SENT
        self.place_group(post_id, unit, group, outcome.message)

    def place_skipped(self, post_id: str, account_ids: frozenset[str], message: str) -> None:
        """Ticked destinations the job did not send: why, one by one."""
        state = self._state
        post = state.posts.get(post_id)
        gone = state.mark(post_id) is PostMark.GONE
        for account_id in account_ids:
            destination = post.destination(account_id) if post is not None else None
            if gone:
                group = SummaryGroup.GONE
            elif (
                post is not None
                and destination is not None
                and state.eligibility_of(post, destination).verdict is Verdict.RECONNECT_REQUIRED
            ):
                group = SummaryGroup.RECONNECT_REQUIRED
            else:
                group = SummaryGroup.NOT_SENT
            self.place_group(post_id, (account_id,), group, message)

    def place_never_sent(self, post_id: str, account_ids: Iterable[str], message: str) -> None:
        """A post planned but never sent (cancel, a stop, the workspace closing)."""
        self._unsent_posts.add(post_id)
        self.place_group(post_id, account_ids, SummaryGroup.NOT_SENT, message)

    def mark_not_sent(self, post_id: str) -> None:
        self._unsent_posts.add(post_id)

    def place_group(
        self,
        post_id: str,
        account_ids: Iterable[str],
        group: SummaryGroup,
        message: str = "",
    ) -> None:
        """Destinations whose place is final: no watch will move them."""
        for account_id in account_ids:
            key = (post_id, account_id)
            self._followed.discard(key)
            self._where[key] = group
        if message and group not in self._messages:
            self._messages[group] = message

    def _place_watched(self, key: DestinationKey, group: SummaryGroup) -> None:
        """A destination the settler is watching; a read may already have moved it."""
        early = self._early.pop(key, None)
        self._where[key] = _FATE_GROUPS[early] if early is not None else group

    # -- following the watches ---------------------------------------------------------------

    def _watch_event(self, event: WatchEvent) -> None:
        """A read moved a watch on: move the job's destinations with it."""
        moved = False
        for account_id, fate in event.fates.items():
            key = (event.post_id, account_id)
            if key not in self._followed:
                continue  # not this job's, or already settled (a later retry's watch)
            if fate.settled:
                self._followed.discard(key)
            if key not in self._where:
                self._early[key] = fate  # read before the answer returned to the job
                continue
            group = _FATE_GROUPS[fate]
            if self._where[key] is not group:
                self._where[key] = group
                moved = True
        if self._summary is None:
            return  # still running: the summary is made at the end
        if moved:
            self._summary_stale = True
            self._schedule_publish()
        if not self._followed:
            self.stop_following()

    def _schedule_publish(self) -> None:
        """One summary for the window per burst of reads (a poll round settles many)."""
        if self._publish_pending or self._observer is None:
            return
        self._publish_pending = True
        asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        self._publish_pending = False
        summary = self.current
        if summary is not None and self._observer is not None:
            self._observer.summary_changed(summary)

    def _snapshot(self) -> BulkSummary:
        rank = self._rank
        members: dict[SummaryGroup, list[DestinationKey]] = {}
        for key, group in self._where.items():
            members.setdefault(group, []).append(key)
        groups: dict[SummaryGroup, tuple[DestinationKey, ...]] = {}
        posts: dict[SummaryGroup, int] = {}
        for group in SummaryGroup:
            keys = members.get(group)
            if not keys:
                continue
            keys.sort(key=lambda k: (rank.get(k[0], 0), len(k[1]), k[1]))
            groups[group] = tuple(keys)
            posts[group] = len({post_id for post_id, _ in keys})
        return BulkSummary(
            groups=groups,
            posts=posts,
            progress=self._progress,
            elapsed_s=self._elapsed_s,
            messages={g: m for g, m in self._messages.items() if g in groups},
            job_id=self._job_id,
        )
