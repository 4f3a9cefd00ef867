"""One retry job for a ticked selection, of any size: the only way a retry leaves the app.

``WorkspaceSession.retry`` (Ctrl+R) starts a :class:`BulkRetryJob`; a single post is a job
of one. The job owns the orchestration, ``RetryStep`` the per-post step that journals
(intend -> mark_sent -> request -> acknowledge / mark_unknown / settle), so there is one
journalled retry path however many posts go. The posts become a ``RetryPlan``
(``retry_planning``): where the provider has a bulk retry, one request per account names
many posts, sent through ``BulkStep`` (a journalled intent per pair, one key per request);
the rest go one request per post as before. When the server is found to re-queue more than
a bulk request named (``filter_check``), the requests not sent yet are planned again, one
per post, and the workspace stays with single-post retries.

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
- Progress snapshots and a summary by group for the window (``bulk_events``), kept live
  after the job ends by ``bulk_summary.JobSummary``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from postretry_gui.controller.bulk_events import BulkObserver, BulkProgress, BulkSummary, JobState
from postretry_gui.controller.bulk_ports import BulkSettings as BulkSettings
from postretry_gui.controller.bulk_ports import JobPorts
from postretry_gui.controller.bulk_queue import JobQueue
from postretry_gui.controller.bulk_rate import InFlightTarget
from postretry_gui.controller.bulk_summary import JobSummary
from postretry_gui.controller.coordination import CoordinationRefused
from postretry_gui.controller.events import NoticeLevel, PostOutcome, RetryReport
from postretry_gui.controller.retry_planning import plan_options
from postretry_gui.controller.retry_step import Fence, StopSending
from postretry_gui.domain import BulkRetryAck, Outcome, Post, RetryAck
from postretry_gui.domain.errors import (
    ProviderError,
    RateLimited,
    TooManyRateLimits,
    Unauthorized,
)
from postretry_gui.domain.retry_plan import PlannedRequest, RequestShape
from postretry_gui.providers.pacing import Priority

T = TypeVar("T")


_NOT_SENT_CANCELLED = "Cancelled before it was sent: nothing was sent for this post."

_JOB_IDS = itertools.count(1)


class BulkRetryJob:
    """Retry ``selection`` (post_id -> ticked account ids) as one job, started at once as a
    workspace task (``task``). Await the job for its ``RetryReport``."""

    def __init__(
        self,
        ports: JobPorts,
        selection: Mapping[str, frozenset[str]],
        *,
        observer: BulkObserver | None = None,
        settings: BulkSettings | None = None,
    ) -> None:
        self._ports = ports
        self._selection = {post_id: frozenset(ids) for post_id, ids in selection.items()}
        self._observer = observer
        self.job_id = next(_JOB_IDS)
        self.settings = settings or BulkSettings()
        self._priority = Priority.BACKGROUND
        self._queue = JobQueue(self._selection)
        self._bulk_checked = False
        self._errors: dict[str, ProviderError] = {}
        self._stop: StopSending | None = None
        self._cancelled = False
        self._paused = False
        self._in_flight = 0
        self._target = InFlightTarget(self.settings.concurrency, self.settings.pause_after_429s)
        self._changed = asyncio.Event()
        self._progress = BulkProgress(total_posts=len(self._selection))
        self._sending = False
        self._summary = JobSummary(
            ports.state, ports.settler.follow_watches, list(self._selection), self.job_id, observer
        )
        self.task: asyncio.Task[RetryReport] = ports.tasks.start(self._run(), name="retry-job")

    def __await__(self) -> Generator[Any, None, RetryReport]:
        return self.task.__await__()

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
        return self._summary.current

    @property
    def following(self) -> bool:
        """Whether a read may still move one of the job's destinations."""
        return self._summary.following

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
        self._target.restart()
        self._set(state=JobState.RUNNING, message="")
        self._set_sending(True)
        self._notify()

    # -- the run -----------------------------------------------------------------------------

    async def _run(self) -> RetryReport:
        ports = self._ports
        state, summary = ports.state, self._summary
        started = ports.clock.monotonic()
        units = self._plan()
        if len(units) <= self.settings.interactive_up_to:
            self._priority = Priority.INTERACTIVE
        options = plan_options(state.capabilities, single_post=state.single_post_retries)
        self._queue.fill(units, options)
        if units:
            state.emit_all(units)
        if state.sync_state.key_rejected:
            self._stop = StopSending(Outcome.KEY_REJECTED, Unauthorized.default_message)
        elif state.sync_state.retries_off is not None:  # no journal: nothing may leave
            self._stop = StopSending(Outcome.SKIPPED, state.sync_state.retries_off)
        self._set(**self._counts())
        self._set_sending(bool(units))
        stop_checking = ports.check.on_widened(self._to_single_posts)
        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(min(self.settings.concurrency, len(units))):
                    workers.create_task(self._worker())
        except BaseException:
            summary.stop_following()  # cancelled with its workspace: no summary follows
            raise
        finally:
            stop_checking()
            self._set_sending(False)
            self._unlock_unsent(units)
        report = RetryReport(tuple(self._queue.report()))
        if self._cancelled:
            final = JobState.CANCELLED
        elif self._stop is not None:
            final = JobState.STOPPED
        else:
            final = JobState.DONE
        message = self._stop.message if self._stop is not None and not self._cancelled else ""
        self._set(state=final, message=message, **self._counts())
        finished = summary.finish(self._progress, ports.clock.monotonic() - started)
        state.update_sync()
        state.retry_finished(report)
        if self._observer is not None:
            self._observer.job_finished(finished)
        return report

    def _plan(self) -> dict[str, frozenset[str]]:
        """Lock every destination of the job and return what each post will really retry.
        It runs without a break (no await), so all are locked before any other task (a
        second Ctrl+R) can look at them."""
        ports = self._ports
        state, summary = ports.state, self._summary
        units: dict[str, frozenset[str]] = {}
        for post_id, ticked in self._selection.items():
            planned = ports.step.plan(post_id, ticked)
            if isinstance(planned, PostOutcome):
                self._queue.record(planned)
                summary.mark_not_sent(post_id)
                summary.place_skipped(post_id, ticked, planned.message)
            else:
                units[post_id] = planned
        for post_id, unit in units.items():
            summary.follow(post_id, unit)
            # Ticked but not in the request (not eligible): say why, per destination.
            outside = self._selection[post_id] - unit
            if outside:
                summary.place_skipped(
                    post_id, outside, state.why_not(state.posts[post_id], outside)
                )
        return units

    def _to_single_posts(self) -> None:
        """The server re-queued more than a bulk request named: what is not sent yet goes
        one post per request."""
        if self._queue.to_single_posts():
            self._notify()

    def _unlock_unsent(self, units: Mapping[str, frozenset[str]]) -> None:
        """Requests never sent are unlocked whatever ended the job (cancel, a stop, or the
        workspace closing and cancelling this task)."""
        state, queue = self._ports.state, self._queue
        for request in queue.drain():
            for post_id in request.post_ids:
                state.unlock(post_id, request.account_ids)
                if self._stop is not None:
                    stop = self._stop
                    never = PostOutcome(post_id, stop.outcome, message=stop.message)
                else:
                    never = PostOutcome(post_id, Outcome.SKIPPED, message=_NOT_SENT_CANCELLED)
                queue.record(never)
                self._summary.place_never_sent(post_id, request.account_ids, never.message)
        # Sent but never answered: only when this task itself was cancelled.
        for request in queue.in_flight:
            for post_id in request.post_ids:
                state.unlock(post_id, request.account_ids)
        state.emit_all(units)

    async def _worker(self) -> None:
        while await self._admit():
            request = self._queue.take()
            self._in_flight += 1
            self._set(in_flight=self._in_flight)
            try:
                outcomes = await self._send_request(request)
            except StopSending as stop:
                decided = {o.post_id: o for o in stop.decided}
                outcomes = [
                    decided.get(p) or PostOutcome(p, stop.outcome, message=stop.message)
                    for p in request.post_ids
                ]
                if self._stop is None:
                    self._stop = stop
            finally:
                self._in_flight -= 1
                self._target.request_done()
                self._notify()
            self._queue.answered(request, outcomes)
            unit = frozenset(request.account_ids)
            for outcome in outcomes:
                self._summary.place_answer(outcome, unit, self._errors.get(outcome.post_id))
            self._set(**self._counts())

    async def _send_request(self, request: PlannedRequest) -> list[PostOutcome]:
        ports = self._ports
        if request.shape is RequestShape.BULK:
            # The job's first bulk request checks a silent answer by reading (see BulkStep).
            verify, self._bulk_checked = not self._bulk_checked, True
            return await ports.bulk_step.send(request, self._send_bulk, verify=verify)
        (post_id,) = request.post_ids
        unit = frozenset(request.account_ids)
        return [await ports.step.send(ports.state.posts[post_id], unit, self._send)]

    async def _admit(self) -> bool:
        """Wait until this worker may take the next post; False when none may go."""
        while True:
            if not self._queue or self._stop is not None or self._cancelled:
                return False
            # Slow start: until one answer is in, one request learns the budget for all.
            if self._paused or self._in_flight >= self._target.now:
                await self._wait_change(None)
                continue
            # The pacer's rule, asked before anything is journalled: 0 = go, > 0 = seconds to
            # wait, None = wait for answers still on their way (ours announce themselves;
            # others' do not, so look again shortly as well).
            wait = self._ports.provider.pacer.wait_before_send(self._priority)
            if wait is None:
                await self._wait_change(self.settings.recheck_s)
                continue
            if wait > 0:
                await self._wait_change(wait)
                continue
            return True

    async def _wait_change(self, at_most_s: float | None) -> None:
        """Wait for a change of the job (an answer, cancel, resume) or ``at_most_s`` seconds."""
        changed = asyncio.ensure_future(self._changed.wait())
        if at_most_s is None:
            try:
                await changed
            finally:
                changed.cancel()
            return
        sleeper = asyncio.ensure_future(self._ports.clock.sleep(at_most_s))
        try:
            await asyncio.wait({changed, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            sleeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(changed, sleeper, return_exceptions=True)

    def _set_sending(self, sending: bool) -> None:
        """Tell the settler whether this job is sending (its polls wait meanwhile)."""
        if sending != self._sending:
            self._sending = sending
            self._ports.settler.job_sending(sending)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- one request, and what a 429 means ---------------------------------------------------

    async def _send(
        self, post: Post, account_ids: Sequence[str], *, idempotency_key: str, fence: Fence
    ) -> RetryAck:
        """The request of one post's intent (see ``_with_429s``)."""
        return await self._with_429s(
            lambda: self._ports.provider.retry(
                post, account_ids, idempotency_key=idempotency_key, priority=self._priority
            ),
            (post.post_id,),
            fence,
        )

    async def _send_bulk(
        self, account_id: str, post_ids: Sequence[str], *, idempotency_key: str, fence: Fence
    ) -> BulkRetryAck:
        """The bulk request of one account on many posts (see ``_with_429s``)."""
        return await self._with_429s(
            lambda: self._ports.provider.retry_bulk(
                account_id, post_ids, idempotency_key=idempotency_key, priority=self._priority
            ),
            post_ids,
            fence,
        )

    async def _with_429s(
        self, call: Callable[[], Awaitable[T]], post_ids: Sequence[str], fence: Fence
    ) -> T:
        """The request of one intent, re-sent after a 429 with the same key.

        Re-sending after a 429 with the SAME Idempotency-Key is safe, and a new key would
        not be: a 429 is the server refusing the request before doing anything with it (its
        limiter stands in front of the handler), so nothing was applied and the retry is
        still owed. Should a server ever apply a request and still answer 429, the unchanged
        key makes it replay the first result instead of applying the retry a second time;
        a fresh key would turn that into a second publish. The intent stays one journal row
        (``sent``) throughout, so a crash between the sends leaves it to be settled by
        reading the post, as for any sent intent.

        Each re-send first asks ``fence`` whether the claim on its destinations still holds
        (team mode: the wait may outlast the lease, and someone else may be retrying them).
        """
        sends = 0
        refused: RateLimited | None = None
        while True:
            if refused is not None:
                try:
                    await fence()
                except CoordinationRefused:  # nothing applied: it ends as the 429 it got
                    self._errors.update(dict.fromkeys(post_ids, refused))
                    raise refused from None
            sends += 1
            self._set(requests_sent=self._progress.requests_sent + 1)
            try:
                answer = await call()
            except RateLimited as error:
                self._rate_limited()
                refused = error
                if (
                    sends < self.settings.max_sends_per_intent
                    and not self._cancelled
                    and await self._wait_after_429(error, sends)
                ):
                    continue
                self._errors.update(dict.fromkeys(post_ids, error))
                raise
            except ProviderError as error:
                self._errors.update(dict.fromkeys(post_ids, error))
                self._target.answered()
                raise
            self._target.answered()
            return answer

    def _rate_limited(self) -> None:
        """Slow down on every 429; pause after too many in a row."""
        self._set(rate_limited=self._progress.rate_limited + 1)
        if self._target.rate_limited() and not self._paused:
            self._paused = True
            message = TooManyRateLimits.default_message
            self._set(state=JobState.PAUSED, message=message)
            self._set_sending(False)
            self._ports.state.notice(NoticeLevel.WARNING, f"Bulk retry paused. {message}")

    async def _wait_after_429(self, error: RateLimited, sends: int) -> bool:
        """Wait what the 429 asked (the pacer holds every request until then as well) and
        while the job is paused. False when the job was cancelled meanwhile."""
        wait = error.retry_after
        if wait is None or wait <= 0:
            wait = self.settings.backoff_s * 2 ** (sends - 1)
        clock = self._ports.clock
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
        counts = self._queue.counts(self._summary.not_sent)
        return {**counts, "destinations_retried": self._summary.requeued}
