"""One retry job for a ticked selection, of any size: the only way a retry leaves the app.

``WorkspaceSession.retry`` (Ctrl+R) runs a :class:`BulkRetryJob`; a single post is a job of
one. The job owns the orchestration, the session keeps the per-post step that journals
(``WorkspaceSession._retry_one``: intend -> mark_sent -> request -> acknowledge /
mark_unknown / settle), so there is one journalled retry path however many posts go.

What the job adds around that step:

- Bounded concurrency with a slow start: the first request goes alone (its answer tells the
  budget), then up to ``concurrency`` in flight; each 429 halves that, each answer adds one.
- Pacing from the rate-limit headers through the provider's ``RatePacer``: a post is
  journalled only once the pacer says a request of the job's priority may leave now, so a
  Retry-After, an exhausted ``Remaining`` before ``Reset`` or the reserve kept for the
  operator's interactive requests all hold the job *before* anything is written or sent.
  Big jobs go as BACKGROUND priority; a job of one is the operator's own click (INTERACTIVE).
- A 429 is re-sent after its wait with the SAME Idempotency-Key, a bounded number of times
  (see ``_send``); repeated 429s with no other answer in between pause the job with
  ``TooManyRateLimits``' message until the operator resumes or cancels it: never a storm.
- Cancel: nothing new is journalled or sent; requests already sent complete and are
  recorded; the posts never sent are unlocked and reported as not sent.
- Progress snapshots and a summary by group for the window (``bulk_events``). The summary
  is per destination and live: it follows the session's watches (``follow_watches``) after
  the job ends, so a retried destination moves to "published" or "failed again" as polling
  settles it, and a lost answer to wherever its read puts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from postretry_gui.controller.bulk_events import (
    BulkObserver,
    BulkProgress,
    BulkSummary,
    DestinationKey,
    JobState,
    SummaryGroup,
)
from postretry_gui.controller.events import (
    NoticeLevel,
    PostMark,
    PostOutcome,
    RetryReport,
)
from postretry_gui.controller.watch_events import WatchEvent, WatchFate
from postretry_gui.domain import Outcome, Post, RetryAck, Verdict
from postretry_gui.domain.errors import (
    ProviderError,
    RateLimited,
    ReconnectRequired,
    TooManyRateLimits,
    Unauthorized,
)
from postretry_gui.providers.pacing import Priority, RatePacer

if TYPE_CHECKING:
    from postretry_gui.controller.session import WorkspaceSession

RetrySend = Callable[..., Awaitable[RetryAck]]


class StopSending(Exception):
    """Raised by the per-post step: the rest of the job must not be sent (key rejected,
    offline). ``outcome`` is what every post not sent yet is reported as."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


@dataclass(frozen=True, slots=True)
class BulkSettings:
    # Requests of this job in flight at once (the pacer's own cap, 8 by default, still holds).
    concurrency: int = 6
    # Sends of one intent in all: the first and its re-sends after 429s (same key).
    max_sends_per_intent: int = 4
    # This many 429s in a row, with no other answer in between, pause the job.
    pause_after_429s: int = 8
    # The wait after a 429 that named none, doubled on each further 429 of the intent.
    backoff_s: float = 1.0
    # A job of at most this many posts is the operator's own click: INTERACTIVE priority.
    interactive_up_to: int = 1
    # How often a job held by the pacer for a reason no event announces looks again.
    recheck_s: float = 0.05

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.max_sends_per_intent < 1:
            raise ValueError("max_sends_per_intent must be at least 1")
        if self.pause_after_429s < 1:
            raise ValueError("pause_after_429s must be at least 1")


_NOT_SENT_CANCELLED = "Cancelled before it was sent: nothing was sent for this post."

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

_JOB_IDS = itertools.count(1)


class BulkRetryJob:
    """Retry ``selection`` (post_id -> ticked account ids) as one job. ``run()`` once."""

    def __init__(
        self,
        session: WorkspaceSession,
        selection: Mapping[str, frozenset[str]],
        *,
        observer: BulkObserver | None = None,
        settings: BulkSettings | None = None,
    ) -> None:
        self._session = session
        self._selection = {post_id: frozenset(ids) for post_id, ids in selection.items()}
        self._observer = observer
        self.job_id = next(_JOB_IDS)
        self.settings = settings or BulkSettings()
        provider = session._provider
        self._pacer: RatePacer = provider.pacer
        self._retry = provider.retry
        self._priority = Priority.BACKGROUND
        self._queue: deque[tuple[Post, frozenset[str]]] = deque()
        self._outcomes: list[PostOutcome] = []
        self._errors: dict[str, ProviderError] = {}
        self._stop: StopSending | None = None
        self._cancelled = False
        self._paused = False
        self._answered = False
        self._in_flight = 0
        self._target = self.settings.concurrency
        self._consecutive_429 = 0
        self._changed = asyncio.Event()
        self._progress = BulkProgress(total_posts=len(self._selection))
        self._started = False
        self._sending = False
        # The summary's facts, per destination: where each one is now, reads that came in
        # before the answer they settle (a lost answer is read before its outcome returns),
        # and the destinations a watch of the session may still move.
        self._units: dict[str, frozenset[str]] = {}
        self._where: dict[DestinationKey, SummaryGroup] = {}
        self._early: dict[DestinationKey, WatchFate] = {}
        self._followed: set[DestinationKey] = set()
        self._unfollow: Callable[[], None] | None = None
        self._unsent_posts: set[str] = set()
        self._requeued = 0
        self._messages: dict[SummaryGroup, str] = {}
        self._summary: BulkSummary | None = None
        self._summary_stale = False
        self._publish_pending = False
        self._elapsed_s = 0.0
        self.task: asyncio.Task[RetryReport] | None = None

    # -- what the window reads and does ------------------------------------------------------

    @property
    def progress(self) -> BulkProgress:
        return self._progress

    @property
    def state(self) -> JobState:
        return self._progress.state

    @property
    def priority(self) -> Priority:
        return self._priority

    @property
    def summary(self) -> BulkSummary | None:
        """Where every destination of the job is now (None until the job has ended); kept
        up to date as polling settles them."""
        if self._summary is not None and self._summary_stale:
            self._summary = self._snapshot()
            self._summary_stale = False
        return self._summary

    @property
    def following(self) -> bool:
        """Whether a read may still move one of the job's destinations."""
        return bool(self._followed)

    def cancel(self) -> None:
        """Send nothing new. Requests already sent are answered and recorded; posts not
        sent yet are unlocked and reported as not sent."""
        if self._cancelled or self.state.finished:
            return
        self._cancelled = True
        self._paused = False
        self._set(state=JobState.CANCELLING, message="Cancelling: nothing new is sent.")
        self._notify()

    def resume(self) -> None:
        """Go on after a pause for repeated rate limits, slowly (one request first)."""
        if not self._paused:
            return
        self._paused = False
        self._consecutive_429 = 0
        self._target = 1
        self._set(state=JobState.RUNNING, message="")
        self._set_sending(True)
        self._notify()

    # -- the run -----------------------------------------------------------------------------

    async def run(self) -> RetryReport:
        if self._started:
            raise RuntimeError("a BulkRetryJob runs once")
        self._started = True
        session = self._session
        clock = session._clock
        started = clock.monotonic()
        plan: list[tuple[Post, frozenset[str]]] = []
        # Everything up to the first await runs without a break: every destination of the job
        # is locked before any other task (a second Ctrl+R) can look at it.
        for post_id, ticked in self._selection.items():
            skipped = session._plan_one(post_id, ticked, plan)
            if skipped is not None:
                self._outcomes.append(skipped)
                self._unsent_posts.add(post_id)
                self._place_unsent(post_id, ticked, skipped.message)
        for post, unit in plan:
            self._units[post.post_id] = unit
            self._followed.update((post.post_id, a) for a in unit)
            # Ticked but not in the request (not eligible): say why, per destination.
            outside = self._selection[post.post_id] - unit
            if outside:
                self._place_unsent(post.post_id, outside, session._why_not(post, outside))
        self._unfollow = session.follow_watches(self._watch_event)
        if len(plan) <= self.settings.interactive_up_to:
            self._priority = Priority.INTERACTIVE
        self._queue.extend(plan)
        if plan:
            session._emit_posts(post for post, _ in plan)
        if session.sync_state.key_rejected:
            self._stop = StopSending(Outcome.KEY_REJECTED, Unauthorized.default_message)
        self._set(**self._counts())
        self._set_sending(bool(plan))
        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(min(self.settings.concurrency, len(plan))):
                    workers.create_task(self._worker())
        except BaseException:
            self._stop_following()  # cancelled with its session: no summary follows
            raise
        finally:
            self._set_sending(False)
            # Posts never sent: unlocked whatever ended the job (cancel, a stop, or the session
            # closing and cancelling this task).
            while self._queue:
                post, unit = self._queue.popleft()
                session._unlock(post.post_id, unit)
                if self._stop is not None:
                    stop = self._stop
                    never = PostOutcome(post.post_id, stop.outcome, message=stop.message)
                else:
                    never = PostOutcome(post.post_id, Outcome.SKIPPED, message=_NOT_SENT_CANCELLED)
                self._outcomes.append(never)
                self._unsent_posts.add(post.post_id)
                self._place_group(post.post_id, unit, SummaryGroup.NOT_SENT, never.message)
            done = {o.post_id for o in self._outcomes}
            for post, unit in plan:
                if post.post_id not in done:
                    session._unlock(post.post_id, unit)
            session._emit_posts(p for p, _ in plan if p.post_id in session._posts)
        rank = {post_id: index for index, post_id in enumerate(self._selection)}
        report = RetryReport(tuple(sorted(self._outcomes, key=lambda o: rank.get(o.post_id, 0))))
        if self._cancelled:
            final = JobState.CANCELLED
        elif self._stop is not None:
            final = JobState.STOPPED
        else:
            final = JobState.DONE
        message = self._stop.message if self._stop is not None and not self._cancelled else ""
        self._set(state=final, message=message, **self._counts())
        self._elapsed_s = clock.monotonic() - started
        self._summary = self._snapshot()
        self._summary_stale = False
        if not self._followed:
            self._stop_following()
        session._update_sync()
        session._listener.retry_finished(report)
        if self._observer is not None:
            self._observer.job_finished(self._summary)
        return report

    async def _worker(self) -> None:
        session = self._session
        while await self._admit():
            post, unit = self._queue.popleft()
            self._in_flight += 1
            self._set(in_flight=self._in_flight)
            try:
                outcome = await session._retry_one(post, unit, send=self._send)
            except StopSending as stop:
                outcome = PostOutcome(post.post_id, stop.outcome, message=stop.message)
                if self._stop is None:
                    self._stop = stop
            finally:
                self._in_flight -= 1
                self._answered = True
                self._notify()
            self._outcomes.append(outcome)
            self._place_answer(outcome, unit)
            self._set(**self._counts())

    async def _admit(self) -> bool:
        """Wait until this worker may take the next post; False when none may go."""
        while True:
            if not self._queue or self._stop is not None or self._cancelled:
                return False
            # Slow start: until one answer is in, one request learns the budget for all.
            target = self._target if self._answered else 1
            if self._paused or self._in_flight >= target:
                await self._wait_change(None)
                continue
            wait = self._rate_wait()
            if wait is None:
                # Held for answers still on their way (ours announce themselves; others'
                # do not), so look again shortly as well.
                await self._wait_change(self.settings.recheck_s)
                continue
            if wait > 0:
                await self._wait_change(wait)
                continue
            return True

    def _rate_wait(self) -> float | None:
        """0: a request of the job's priority may leave now; > 0: seconds to wait; None:
        wait for an answer. The pacer's own rule, asked before anything is journalled."""
        return self._pacer.wait_before_send(self._priority)

    async def _wait_change(self, at_most_s: float | None) -> None:
        """Wait for a change of the job (an answer, cancel, resume) or ``at_most_s`` seconds."""
        changed = asyncio.ensure_future(self._changed.wait())
        if at_most_s is None:
            try:
                await changed
            finally:
                changed.cancel()
            return
        sleeper = asyncio.ensure_future(self._session._clock.sleep(at_most_s))
        try:
            await asyncio.wait({changed, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            sleeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(changed, sleeper, return_exceptions=True)

    def _set_sending(self, sending: bool) -> None:
        """Tell the session whether this job is sending (its polls wait meanwhile)."""
        if sending != self._sending:
            self._sending = sending
            self._session._job_sending(sending)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- one request, and what a 429 means ---------------------------------------------------

    async def _send(
        self, post: Post, account_ids: Sequence[str], *, idempotency_key: str
    ) -> RetryAck:
        """The request of one intent, re-sent after a 429 with the same key.

        Re-sending after a 429 with the SAME Idempotency-Key is safe, and a new key would
        not be: a 429 is the server refusing the request before doing anything with it (its
        limiter stands in front of the handler), so nothing was applied and the retry is
        still owed. Should a server ever apply a request and still answer 429, the unchanged
        key makes it replay the first result instead of applying the retry a second time;
        a fresh key would turn that into a second publish. The intent stays one journal row
        (``sent``) throughout, so a crash between the sends leaves it to be settled by
        reading the post, as for any sent intent.
        """
        sends = 0
        while True:
            sends += 1
            self._set(requests_sent=self._progress.requests_sent + 1)
            try:
                ack = await self._retry(
                    post, account_ids, idempotency_key=idempotency_key, priority=self._priority
                )
            except RateLimited as error:
                self._rate_limited()
                if sends >= self.settings.max_sends_per_intent or self._cancelled:
                    self._errors[post.post_id] = error
                    raise
                if not await self._wait_after_429(error, sends):
                    self._errors[post.post_id] = error
                    raise
                continue
            except ProviderError as error:
                self._errors[post.post_id] = error
                self._answer_arrived()
                raise
            self._answer_arrived()
            return ack

    def _rate_limited(self) -> None:
        """Slow down on every 429; pause after too many in a row."""
        self._consecutive_429 += 1
        self._target = max(1, self._target // 2)
        self._set(rate_limited=self._progress.rate_limited + 1)
        if self._consecutive_429 >= self.settings.pause_after_429s and not self._paused:
            self._paused = True
            message = TooManyRateLimits.default_message
            self._set(state=JobState.PAUSED, message=message)
            self._set_sending(False)
            self._session._notice(NoticeLevel.WARNING, f"Bulk retry paused. {message}")

    def _answer_arrived(self) -> None:
        self._consecutive_429 = 0
        if self._target < self.settings.concurrency:
            self._target += 1

    async def _wait_after_429(self, error: RateLimited, sends: int) -> bool:
        """Wait what the 429 asked (the pacer holds every request until then as well) and
        while the job is paused. False when the job was cancelled meanwhile."""
        wait = error.retry_after
        if wait is None or wait <= 0:
            wait = self.settings.backoff_s * 2 ** (sends - 1)
        clock = self._session._clock
        deadline = clock.monotonic() + wait
        while not self._cancelled:
            left = deadline - clock.monotonic()
            if self._paused:
                await self._wait_change(None)
            elif left > 0:
                await self._wait_change(left)
            else:
                return True
        return False

    # -- bookkeeping -------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        fresh = replace(self._progress, **changes)
        if fresh != self._progress:
            self._progress = fresh
            if self._observer is not None:
                self._observer.job_progress(fresh)

    def _counts(self) -> dict[str, int]:
        """Progress counts posts, as the bar does; the summary counts destinations."""
        refused = unknown = not_sent = 0
        for outcome in self._outcomes:
            kind = outcome.outcome
            if outcome.post_id in self._unsent_posts:
                not_sent += 1
            elif kind is Outcome.OUTCOME_UNKNOWN:
                unknown += 1
            elif kind is not Outcome.RETRIED:
                refused += 1
        return {
            "done_posts": len(self._outcomes),
            "destinations_retried": self._requeued,
            "refused": refused,
            "unknown": unknown,
            "not_sent": not_sent,
        }

    # -- where each destination is -----------------------------------------------------------

    def _place_answer(self, outcome: PostOutcome, unit: frozenset[str]) -> None:
        """Put the destinations of a post the job tried to send where its answer says."""
        post_id, kind = outcome.post_id, outcome.outcome
        if kind is Outcome.RETRIED:
            for account_id in unit:
                key = (post_id, account_id)
                # The session watches what the server re-queued (locked until it settles);
                # a destination the ack left out had not failed any more: nothing to retry.
                if self._session.locked(post_id, account_id) or key in self._early:
                    self._requeued += 1
                    self._place_watched(key, SummaryGroup.RETRIED)
                else:
                    self._place_group(post_id, (account_id,), SummaryGroup.NOTHING_TO_RETRY)
            return
        if kind is Outcome.OUTCOME_UNKNOWN:
            for account_id in unit:
                self._place_watched((post_id, account_id), SummaryGroup.OUTCOME_UNKNOWN)
            return
        if kind is Outcome.NOTHING_TO_RETRY:
            group = SummaryGroup.NOTHING_TO_RETRY
        elif kind is Outcome.GONE:
            group = SummaryGroup.GONE
        elif kind is Outcome.REJECTED and isinstance(self._errors.get(post_id), ReconnectRequired):
            group = SummaryGroup.RECONNECT_REQUIRED
        elif kind in _REFUSED:
            group = SummaryGroup.REFUSED
        else:
            # Offline (the connection failed before the request left) or the journal could
            # not record the intent: nothing was sent.
            self._unsent_posts.add(post_id)
            group = SummaryGroup.NOT_SENT
        self._place_group(post_id, unit, group, outcome.message)

    def _place_unsent(self, post_id: str, account_ids: frozenset[str], message: str) -> None:
        """Ticked destinations the job did not send: why, one by one."""
        session = self._session
        post = session.posts.get(post_id)
        gone = session.mark(post_id) is PostMark.GONE
        for account_id in account_ids:
            destination = post.destination(account_id) if post is not None else None
            if gone:
                group = SummaryGroup.GONE
            elif (
                post is not None
                and destination is not None
                and session.eligibility_of(post, destination).verdict is Verdict.RECONNECT_REQUIRED
            ):
                group = SummaryGroup.RECONNECT_REQUIRED
            else:
                group = SummaryGroup.NOT_SENT
            self._place_group(post_id, (account_id,), group, message)

    def _place_group(
        self,
        post_id: str,
        account_ids: Iterable[str],
        group: SummaryGroup,
        message: str = "",
    ) -> None:
        """Destinations whose place is final: no watch of the session will move them."""
        for account_id in account_ids:
            key = (post_id, account_id)
            self._followed.discard(key)
            self._where[key] = group
        if message and group not in self._messages:
            self._messages[group] = message

    def _place_watched(self, key: DestinationKey, group: SummaryGroup) -> None:
        """A destination the session is watching; a read may already have moved it."""
        early = self._early.pop(key, None)
        self._where[key] = _FATE_GROUPS[early] if early is not None else group

    def _watch_event(self, event: WatchEvent) -> None:
        """The session's reads moved a watch on: move the job's destinations with it."""
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
            self._stop_following()

    def _schedule_publish(self) -> None:
        """One summary for the window per burst of reads (a poll round settles many)."""
        if self._publish_pending or self._observer is None:
            return
        self._publish_pending = True
        asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        self._publish_pending = False
        summary = self.summary
        if summary is not None and self._observer is not None:
            self._observer.summary_changed(summary)

    def _stop_following(self) -> None:
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None

    def _snapshot(self) -> BulkSummary:
        rank = {post_id: index for index, post_id in enumerate(self._selection)}
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
            job_id=self.job_id,
        )

