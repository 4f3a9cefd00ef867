"""The settling of watches: after a retry, read its post until every retried destination has
published or failed again, then give the journal its final word and unlock the rows.

A watch is one acknowledged (or lost) retry of a post. The poller decides when to read;
this module reads, judges what the read proves and settles. Beyond a handful of watched
posts a round reads the provider's list of what changed (``ChangeReader``): a watched post
the list does not hold has not changed, and is judged on what is known of it, as a read of
it would be. A post quiet for several list rounds is read on its own (a deleted post never
shows in a list). Retries a
previous run left unfinished are watched the same way (``reconcile``), never resent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from postretry_gui.controller.change_reader import ChangeReader
from postretry_gui.controller.clock import Clock
from postretry_gui.controller.events import NoticeLevel
from postretry_gui.controller.journal_port import JournalIntent, JournalLink
from postretry_gui.controller.poller import Poller, PollSettings
from postretry_gui.controller.tasks import TaskSet
from postretry_gui.controller.watch_events import WatchEvent, WatchFate, WatchFollower
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import Destination, Outcome, Post, Status
from postretry_gui.domain.errors import NotFound, ProviderError, Unauthorized
from postretry_gui.providers.base import Provider

# A retried destination that still reads "failed" with the same attempt count may be a read
# that raced the retry. Only after this many such reads in a row is it taken as settled.
STALE_FAILED_READS = 2

# How far the server's clock may run behind ours when comparing its ``updated_at`` with the
# time an intent was written.
CLOCK_SKEW = timedelta(seconds=30)

# Up to this many watched posts a round reads each one (cheaper than a list); beyond, a list.
PER_POST_READS_UP_TO = 3
# A watched post a list has not shown for this many rounds is read on its own.
QUIET_LIST_ROUNDS = 5


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
    # When the intent was written, for a watch reconciled before its post was read (so with
    # no attempt counts from before the retry), or adopted from an instance that stopped
    # (the counts known here may already include the retry).
    since: datetime | None = None


class WatchSettler:
    """Watches by post, the poller that reads them, and who follows them.

    ``loaded()``: whether the workspace's load has finished (a reconciled watch waits for
    it before judging a post read with no ``updated_at``).
    """

    def __init__(
        self,
        provider: Provider,
        state: WorkspaceState,
        journal: JournalLink,
        clock: Clock,
        tasks: TaskSet,
        *,
        loaded: Callable[[], bool],
        poll_settings: PollSettings | None = None,
    ) -> None:
        self._provider = provider
        self._state = state
        self._journal = journal
        self._loaded = loaded
        # post_id -> one watch per acknowledged (or lost) retry of it still settling
        self._watches: dict[str, list[_Watch]] = {}
        # Told as reads settle watches (a retry job's live summary follows them).
        self._followers: list[WatchFollower] = []
        # Clear while a retry job is sending: poll rounds wait for it, so the job's budget is
        # its own, and what it acknowledged (rows already show queued) is polled right after.
        self._jobs_sending = 0
        self._no_job_sending = asyncio.Event()
        self._no_job_sending.set()
        self._poller = Poller(self._poll_round, provider.pacer, clock, tasks, poll_settings)
        feed = provider.capabilities.change_feed
        self._changes = (
            None
            if feed is None
            else ChangeReader(
                provider, feed, clock, min_interval_s=self._poller.settings.list_min_interval_s
            )
        )
        # post_id -> list rounds in a row that did not show the post
        self._quiet: dict[str, int] = {}
        state.on_key_rejected(self._poller.stop)

    @property
    def polling(self) -> frozenset[str]:
        """The post ids being polled until their retried destinations settle."""
        return self._poller.watched

    def stop(self) -> None:
        self._poller.stop()

    async def wait_settled(self) -> None:
        """Wait until the poller has nothing left to watch (for tests and the demo)."""
        await self._poller.wait_idle()

    # -- what starts a watch -----------------------------------------------------------------

    def watch_retry(
        self,
        post_id: str,
        account_ids: frozenset[str],
        attempts_before: Mapping[str, int],
        entry_id: str | None,
        *,
        unknown: bool = False,
    ) -> None:
        """Poll ``post_id`` until the retried ``account_ids`` settle (``unknown``: the
        answer was lost, so the retry may or may not have run)."""
        self._watch(post_id, _Watch(account_ids, attempts_before, entry_id, unknown=unknown))

    def reconcile(self) -> None:
        """Retries a previous run left unfinished (a crash, a closed window) may have been
        applied: lock their destinations and poll them like a lost answer, never resend."""
        self._adopt(self._journal.unfinished(), "the last run", by_time=False)

    def adopt_orphans(self, intents: Iterable[JournalIntent]) -> None:
        """Team mode's leader: retries another instance left unfinished when it stopped
        (``TeamJournal.orphaned``), watched as ``reconcile`` watches, never resent. The posts
        shown here may have been read after such a retry ran, so a destination counts as run
        again when its attempts grew since or the post changed after the intent."""
        self._adopt(intents, "an instance that stopped", by_time=True)

    def _adopt(self, intents: Iterable[JournalIntent], left_by: str, *, by_time: bool) -> None:
        state = self._state
        reconciled = 0
        for intent in intents:
            if any(w.entry_id == intent.intent_id for w in self._watches.get(intent.post_id, ())):
                continue
            unit = frozenset(intent.account_ids)
            post = state.posts.get(intent.post_id)
            attempts = {
                d.account_id: d.attempts
                for d in (post.destinations if post else ())
                if d.account_id in unit
            }
            acknowledged = intent.state == "acknowledged"
            state.lock(intent.post_id, unit)
            if not acknowledged:
                state.mark_outcome_unknown(intent.post_id, True)
            watch = _Watch(
                unit,
                attempts,
                intent.intent_id,
                unknown=not acknowledged,
                since=intent.created_at if post is None or by_time else None,
            )
            self._watch(intent.post_id, watch)
            reconciled += 1
        if reconciled:
            state.notice(
                NoticeLevel.INFO,
                f"{reconciled} retr{'y' if reconciled == 1 else 'ies'} left unfinished by "
                f"{left_by}: reading the posts to settle them. Nothing is resent.",
            )

    def _watch(self, post_id: str, watch: _Watch) -> None:
        if self._changes is not None:
            self._changes.watch_started(watch.since)
        self._watches.setdefault(post_id, []).append(watch)
        self._poller.watch(post_id)
        self._state.update_sync(polling_posts=len(self._watches))

    # -- who follows -------------------------------------------------------------------------

    def follow_watches(self, follower: WatchFollower) -> Callable[[], None]:
        """Call ``follower`` each time a read moves a watched retry on: a lost answer proved
        applied, or a watch settled (published, failed again, not applied, gone). Returns
        the function that stops it."""
        self._followers.append(follower)

        def stop() -> None:
            if follower in self._followers:
                self._followers.remove(follower)

        return stop

    def _tell_followers(self, post_id: str, fates: Mapping[str, WatchFate]) -> None:
        if fates and self._followers:
            event = WatchEvent(post_id, MappingProxyType(dict(fates)))
            for follower in list(self._followers):
                follower(event)

    def job_sending(self, sending: bool) -> None:
        """A retry job started or stopped sending (paused, finished): polls wait meanwhile."""
        self._jobs_sending = max(self._jobs_sending + (1 if sending else -1), 0)
        if self._jobs_sending:
            self._no_job_sending.clear()
        else:
            self._no_job_sending.set()

    # -- reading -----------------------------------------------------------------------------

    async def reread(self, post_id: str) -> None:
        """GET the post after an answer that leaves its state in doubt."""
        state = self._state
        try:
            fresh = await self._provider.get_post(post_id)
        except NotFound:
            self._gone(post_id)
            return
        except ProviderError as error:
            state.read_failed(error)
            return
        state.read_succeeded()
        state.ingest((fresh,), force=True)
        if self._judge_all(post_id):
            state.emit(post_id)

    async def _poll_round(self, post_ids: Sequence[str]) -> bool:
        await self._no_job_sending.wait()
        changed: list[str] = []
        if self._changes is not None and len(self._watches) > PER_POST_READS_UP_TO:
            await self._list_round(self._changes, changed)
        else:
            await self._read_each(post_ids, changed)
        self._state.emit_all(changed)
        self._state.update_sync()
        return bool(changed)

    async def _list_round(self, reader: ChangeReader, changed: list[str]) -> None:
        """One list read for every watched post, then each judged as after a read of it."""
        if not reader.ready():
            return  # the list is cached: an earlier answer is all a read could say
        state = self._state
        watched = tuple(self._watches)
        try:
            found = await reader.read(frozenset(watched))
        except Unauthorized as error:
            state.key_rejected(error)
            return
        except ProviderError as error:
            state.read_failed(error)
            return
        state.read_succeeded()
        for post_id in watched:
            post = found.get(post_id)
            if post is None:
                self._quiet[post_id] = self._quiet.get(post_id, 0) + 1
            else:
                self._quiet.pop(post_id, None)
                if self._merge_result(post_id, post):
                    changed.append(post_id)
            if self._judge_all(post_id):
                changed.append(post_id)
        quiet = [p for p, n in self._quiet.items() if n >= QUIET_LIST_ROUNDS and p in self._watches]
        for post_id in quiet[:PER_POST_READS_UP_TO]:
            self._quiet[post_id] = 0
        await self._read_each(quiet[:PER_POST_READS_UP_TO], changed)

    async def _read_each(self, post_ids: Sequence[str], changed: list[str]) -> None:
        """Read each post on its own (``results``) and judge its watches."""
        state = self._state
        for post_id in post_ids:
            if post_id not in self._watches:
                self._poller.unwatch(post_id)
                continue
            try:
                result = await self._provider.results(post_id)
            except NotFound:
                self._gone(post_id)
                changed.append(post_id)
                continue
            except Unauthorized as error:
                state.key_rejected(error)
                break
            except ProviderError as error:
                state.read_failed(error)
                # Offline or throttled: the next round (later, as intervals stretch) retries.
                break
            state.read_succeeded()
            if self._merge_result(post_id, result):
                changed.append(post_id)
            if self._judge_all(post_id):
                changed.append(post_id)

    def _gone(self, post_id: str) -> None:
        self._state.mark_gone(post_id)
        self._drop_watches(post_id, Outcome.GONE)

    def _merge_result(self, post_id: str, result: Post) -> bool:
        """Fold a light-weight results read into the post; True if anything changed."""
        old = self._state.posts.get(post_id)
        if old is None:
            self._state.put(result)
            return True
        new = old.merged(result.destinations)
        if result.status.value != "unknown":
            new = replace(new, status=result.status)
        if new == old:
            return False
        self._state.put(new)
        return True

    # -- judging -----------------------------------------------------------------------------

    def _judge_all(self, post_id: str) -> bool:
        changed = False
        for watch in list(self._watches.get(post_id, ())):
            changed = self._judge(post_id, watch) or changed
        return changed

    def _judge(self, post_id: str, watch: _Watch) -> bool:
        """Look at the watched destinations after a read; settle the watch when every one has
        published or failed again. Returns True when the verdict changed what rows show."""
        state = self._state
        post = state.posts.get(post_id)
        if post is None:
            self._drop_watches(post_id, Outcome.GONE)
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
            state.notice(NoticeLevel.INFO, f"Post {post_id}: the retry did reach the server.")
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
            state.notice(
                NoticeLevel.WARNING,
                f"Post {post_id}: the retry whose answer was lost was not applied. "
                "Its destinations can be retried again.",
            )
        statuses = {d.status for d in post.destinations if d.account_id in watch.account_ids}
        verdict = Outcome.PUBLISHED if statuses <= {Status.PUBLISHED} else Outcome.FAILED_AGAIN
        # A lost retry that never ran is left to the operator to send again.
        self._drop_watch(post_id, watch, Outcome.OFFERED_AGAIN if watch.unknown else verdict)
        return True

    def _ran_again(self, post: Post, destination: Destination, watch: _Watch) -> bool | None:
        """Whether the destination ran again since the retry; None: cannot tell yet."""
        before = watch.attempts_before.get(destination.account_id)
        if before is not None and destination.attempts > before:
            return True
        if watch.since is None:
            return before is None and destination.attempts > 0
        # Reconciled, the count from before the retry unknown (or read after it may have
        # run): a post the server has not changed since the intent was written cannot have
        # run it. A poll may read the post before the load brings its updated_at: wait for it.
        if post.updated_at is None:
            return None if not self._loaded() else False
        return post.updated_at >= watch.since - CLOCK_SKEW

    # -- settling ----------------------------------------------------------------------------

    def _drop_watch(self, post_id: str, watch: _Watch, outcome: Outcome) -> None:
        watches = self._watches.get(post_id, [])
        if watch in watches:
            watches.remove(watch)
            self._journal.settle(watch.entry_id, outcome)
            self._state.unlock(post_id, watch.account_ids)
            self._tell_followers(post_id, self._fates(post_id, watch, outcome))
        if not watches:
            self._watches.pop(post_id, None)
            self._quiet.pop(post_id, None)
            self._poller.unwatch(post_id)
        self._update_mark(post_id)
        self._state.update_sync(polling_posts=len(self._watches))

    def _fates(self, post_id: str, watch: _Watch, outcome: Outcome) -> dict[str, WatchFate]:
        """Each destination's fate as a settled watch leaves it: the journal keeps one word
        per intent, the summary counts destinations (one may publish, another fail)."""
        if outcome is Outcome.GONE:
            return dict.fromkeys(watch.account_ids, WatchFate.GONE)
        if outcome is Outcome.OFFERED_AGAIN:
            return dict.fromkeys(watch.account_ids, WatchFate.NOT_APPLIED)
        post = self._state.posts.get(post_id)
        fates: dict[str, WatchFate] = {}
        for account_id in watch.account_ids:
            destination = post.destination(account_id) if post is not None else None
            published = destination is not None and destination.status is Status.PUBLISHED
            fates[account_id] = WatchFate.PUBLISHED if published else WatchFate.FAILED_AGAIN
        return fates

    def _drop_watches(self, post_id: str, outcome: Outcome) -> None:
        for watch in list(self._watches.get(post_id, ())):
            self._drop_watch(post_id, watch, outcome)

    def _update_mark(self, post_id: str) -> None:
        unknown = any(w.unknown for w in self._watches.get(post_id, ()))
        self._state.mark_outcome_unknown(post_id, unknown)
