"""Client-side rate pacing: one ``RatePacer`` per workspace key, shared by all its requests.

The server's budget headers are the truth, but they arrive only with answers, so the pacer
counts requests still on their way against the remaining budget: twenty concurrent callers
cannot spend a budget of five. Before the first answer of a window the budget is unknown,
and only one request may be in flight (slow start) until an answer says how much is left.

Interactive requests (an operator pressed something) may spend the whole budget;
background ones (polling, refreshes, bulk jobs) leave a reserve for them and yield to any
waiting interactive request.

It also owns what a 429 answer means for the next requests (``RateLimitPolicy``): the
clients only report each answer (``answered``) and ask whether a read may be repeated.

Provider-neutral: it reads only the domain's ``RateLimitState``.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from enum import IntEnum

from postretry_gui.domain import RateLimitState
from postretry_gui.domain.budget import Estimate, WindowSpec
from postretry_gui.domain.errors import RateLimited, TooManyRateLimits
from postretry_gui.providers.window_budget import WindowBudget

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Two observations whose resets differ by less than this describe the same window: the
# header has whole-second resolution, and answers can arrive out of order.
_SAME_WINDOW_S = 1.0


class Priority(IntEnum):
    """Who is waiting for the answer. Lower goes first."""

    INTERACTIVE = 0  # the operator pressed something and watches the screen
    BACKGROUND = 1  # polling, background refresh, bulk jobs


# Requests a background caller always leaves in the window for the operator.
MIN_RESERVE = 2

# The share of the window a batch of background requests decided at once (a poll round)
# may use; the rest stays the operator's (``RatePacer.allowance``).
ROUND_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """What 429 answers mean for the requests after them. Each client brings its provider's
    policy; the pacer of the key applies it to every answer."""

    # The wait after a 429 that names none (a Retry-After always wins), doubled with each
    # further 429 in a row.
    backoff_s: float = 1.0
    # How many times a read (idempotent) is sent again after a 429; then TooManyRateLimits.
    repeats: int = 3
    # 429s in a row, over every request of the key, after which nothing is sent for
    # ``cooldown_s`` (None: never stop). Only an answer that is not a 429 ends a run, so
    # after the cool-down one probe goes, not another volley.
    stop_after: int | None = None
    cooldown_s: float = 60.0
    # Why stopping matters, for the operator (``stop_after`` set).
    stop_reason: str = "the service suspends keys that keep hitting the limit"


class RatePacer:
    """Decides when a request may leave, from the latest budget and the requests in flight.

    ``clock`` is wall-clock unix seconds (reset headers are absolute times); ``sleep`` waits.
    Both are injectable so tests run on a fake clock. ``windows``: the provider's published
    windows (minute, hour, day), counted here as requests leave (``WindowBudget``); none: the
    headers alone pace the key.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        reserve_fraction: float = 0.01,
        jitter_s: float = 0.05,
        max_in_flight: int = 8,
        max_wait_s: float = 65.0,
        unknown_window_s: float = 1.0,
        rng: Callable[[], float] = random.random,
        windows: Sequence[WindowSpec] = (),
    ) -> None:
        if not 0.0 <= reserve_fraction < 1.0:
            raise ValueError("reserve_fraction must be in [0, 1)")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self._reserve_fraction = reserve_fraction
        self._jitter_s = max(jitter_s, 0.0)
        self._max_in_flight = max_in_flight
        self._max_wait_s = max_wait_s
        self._unknown_window_s = unknown_window_s
        self._rng = rng
        self._state = RateLimitState()
        self._seen_answer = False
        self._in_flight = 0
        self._interactive_waiting = 0
        self._changed = asyncio.Event()
        self._rate_limits_in_a_row = 0
        self._stopped_until: float | None = None
        self._stop_policy = RateLimitPolicy()
        self._windows = WindowBudget(windows)

    def __repr__(self) -> str:
        return f"RatePacer(in_flight={self._in_flight}, state={self._state!r})"

    @property
    def state(self) -> RateLimitState:
        """The budget as the answers so far describe it (what the UI shows as requests left)."""
        return self._state

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- what answers tell us ---------------------------------------------------------------

    def observe(self, fresh: RateLimitState) -> None:
        """Take in the budget headers of one answer (any status, in any arrival order)."""
        self._seen_answer = True
        self._state = _merge(self._state, fresh)
        self._windows.observe(fresh)
        self._notify()

    def hold_until(self, until: float) -> None:
        """Send nothing before ``until`` (a 429 that named no wait gets a backoff this way)."""
        current = self._state.retry_after_until
        if current is None or until > current:
            self._state = replace(self._state, retry_after_until=until)
        self._notify()

    # -- sending ----------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self, priority: Priority = Priority.INTERACTIVE) -> AsyncIterator[None]:
        """Hold a place in flight for one request: ``async with pacer.slot(p): send()``.

        Call ``observe`` inside the block, so the fresh budget is known before the place is
        given back.
        """
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, priority: Priority = Priority.INTERACTIVE) -> None:
        """Wait until a request may leave, then count it in flight.

        Raises ``RateLimited`` instead of waiting longer than ``max_wait_s``: the caller
        shows the wait rather than freezing.
        """
        self.raise_if_stopped()
        interactive = priority is Priority.INTERACTIVE
        if interactive:
            self._interactive_waiting += 1
        try:
            while True:
                wait = self._wait_before_send(priority, self._clock())
                if wait is None:
                    await self._changed.wait()
                    continue
                if wait <= 0.0:
                    self._in_flight += 1
                    self._windows.sent(self._clock())
                    return
                if wait > self._max_wait_s:
                    raise RateLimited(
                        f"Rate limit reached: the next request may leave in {math.ceil(wait)} s.",
                        retry_after=wait,
                        http_status=None,
                    )
                # Jitter spreads the callers that all waited for the same reset.
                await self._sleep(wait + self._jitter_s * self._rng())
        finally:
            if interactive:
                self._interactive_waiting -= 1
                self._notify()

    def release(self) -> None:
        self._in_flight = max(self._in_flight - 1, 0)
        self._notify()

    def wait_before_send(self, priority: Priority = Priority.INTERACTIVE) -> float | None:
        """What ``acquire`` would decide right now, without taking a place: 0 = it may
        leave, > 0 = seconds until the budget allows it, None = wait for an answer.

        A bulk job asks this before it journals a retry, so a cancel while the job waits
        for the budget leaves nothing written as sent that has not left."""
        return self._wait_before_send(priority, self._clock())

    # -- 429 answers: one policy for every client -------------------------------------------

    @property
    def rate_limits_in_a_row(self) -> int:
        return self._rate_limits_in_a_row

    def answered(
        self, status: int, *, named_wait: bool, policy: RateLimitPolicy
    ) -> TooManyRateLimits | None:
        """Count one answer (any status, any request of the key). A 429 that names no wait
        holds every request for the policy's back-off; at ``stop_after`` 429s in a row the
        key stops for the cool-down, and the answer is the ``TooManyRateLimits`` to raise."""
        if status != 429:
            self._rate_limits_in_a_row = 0
            return None
        self._rate_limits_in_a_row += 1
        now = self._clock()
        if policy.stop_after is not None and self._rate_limits_in_a_row >= max(
            policy.stop_after, 1
        ):
            cooldown = max(policy.cooldown_s, 0.0)
            self._stopped_until = now + cooldown
            self._stop_policy = policy
            self.hold_until(now + cooldown)
            return self._stopped(math.ceil(cooldown))
        if not named_wait:
            backoff = max(policy.backoff_s, 0.0)
            self.hold_until(now + backoff * 2 ** (self._rate_limits_in_a_row - 1))
        return None

    def may_repeat(self, repeats_so_far: int, policy: RateLimitPolicy) -> bool:
        """Whether a read that has just had a 429 may be sent once more."""
        return repeats_so_far < max(policy.repeats, 0)

    def raise_if_stopped(self) -> None:
        """``TooManyRateLimits`` instead of sending while the key is stopped."""
        until = self._stopped_until
        now = self._clock()
        if until is not None and now < until:
            raise self._stopped(math.ceil(until - now))

    def _stopped(self, seconds: int) -> TooManyRateLimits:
        return TooManyRateLimits(
            f"Stopped after {self._rate_limits_in_a_row} rate-limit answers in a row: "
            f"{self._stop_policy.stop_reason}. Nothing more is sent for {seconds} s; try again "
            "after that.",
            http_status=429,
        )

    # -- the rule ---------------------------------------------------------------------------

    def _wait_before_send(self, priority: Priority, now: float) -> float | None:
        """0: go now; > 0: seconds until the budget allows it; None: wait for an answer."""
        state = self._state
        if state.retry_after_until is not None and now < state.retry_after_until:
            return state.retry_after_until - now
        if priority is Priority.BACKGROUND and self._interactive_waiting > 0:
            return None
        if self._in_flight >= self._max_in_flight:
            return None
        if state.remaining is None and self._seen_answer:
            # The server answers without budget headers: only max_in_flight paces us.
            return 0.0
        budget = self._budget(now)
        if budget is None:
            # Slow start: one request learns the budget for the others.
            return self._within_windows(priority, now) if self._in_flight == 0 else None
        if budget - self._in_flight > self._reserve(priority):
            return self._within_windows(priority, now)
        if self._in_flight > 0:
            return None  # their answers bring fresh numbers
        # Spent (or down to the reserve) and nothing in flight: wait for the next window.
        return max(self._window_end() - now, 0.001)

    def _within_windows(self, priority: Priority, now: float) -> float | None:
        """The headers allow a request: do the windows counted here (the hour, the day)?
        Requests in flight are counted in them already."""
        keep = self._window_keep(priority, share=1.0)
        if self._windows.room(now, keep) > 0:
            return 0.0
        if self._in_flight > 0:
            return None  # an answer may say the server counted fewer
        return max(self._windows.next_opening(now, keep) - now, 0.001)

    def _window_keep(self, priority: Priority, *, share: float) -> Callable[[int, bool], int]:
        """What a request of ``priority`` leaves in a window of ``limit``: the operator's
        reserve, and for a batch decided at once the part of the shortest window beyond
        ``share``."""

        def keep(limit: int, shortest: bool) -> int:
            if priority is Priority.INTERACTIVE:
                return 0
            reserve = max(MIN_RESERVE, math.ceil(limit * self._reserve_fraction))
            if shortest and share < 1.0:
                reserve = max(reserve, math.ceil(limit * (1.0 - share)))
            return reserve

        return keep

    def _budget(self, now: float) -> int | None:
        """Requests left in the current window, or None when unknown (no answer yet, or the
        window has ended and no answer has described the next one)."""
        state = self._state
        if state.remaining is None or now >= self._window_end():
            return None
        return state.remaining

    def _window_end(self) -> float:
        state = self._state
        if state.reset_at is not None:
            return state.reset_at
        return state.observed_at + self._unknown_window_s

    def _reserve(self, priority: Priority) -> int:
        if priority is Priority.INTERACTIVE or self._state.limit is None:
            return 0
        # A small reserve is enough for an operator's clicks (two at 60/min, three at
        # 300/10 s); a larger one would cap a bulk job well below the server's speed limit.
        return max(MIN_RESERVE, math.ceil(self._state.limit * self._reserve_fraction))

    def _notify(self) -> None:
        # Wake every waiter; each re-checks the rule. A fresh event for the next round.
        self._changed.set()
        self._changed = asyncio.Event()

    # -- batches decided at once ------------------------------------------------------------

    def allowance(self, priority: Priority, wanted: int) -> int:
        """How many of ``wanted`` requests of ``priority`` may leave now without eating the
        reserve kept for the operator (a poll round asks before it picks its posts).

        A batch of background reads chosen together takes at most ``ROUND_SHARE`` of what
        the window allows: unlike a bulk job's requests, which ask one by one, a round is
        decided all at once and would otherwise spend the budget in a burst. An unknown
        budget (no answer yet, or the window is over) holds nothing back."""
        if wanted <= 0:
            return 0
        now = self._clock()
        state = self._state
        if state.wait_s(now) > 0:
            return 0
        if self._headers_pace():
            keep = self._window_keep(priority, share=ROUND_SHARE)
            wanted = max(0, min(wanted, self._windows.room(now, keep)))
        budget = self._budget(now)
        if budget is None:
            return wanted
        left = budget - self._in_flight
        if priority is Priority.INTERACTIVE:
            return max(0, min(wanted, left))
        if state.limit is not None:
            reserve = self._reserve(priority)
            if self._windows.is_shortest(state.limit):
                # The share is of the shortest window; the hour only keeps the reserve.
                reserve = max(reserve, math.ceil(state.limit * (1.0 - ROUND_SHARE)))
            return max(0, min(wanted, left - reserve))
        # Limit unknown: take at most the share of what is left.
        return max(0, min(wanted, math.floor(left * ROUND_SHARE)))

    # -- the budget as the operator sees it -------------------------------------------------

    def describe_budget(self) -> str | None:
        """ "41 of 60 this minute · 870 of 1,000 this hour", or None when the windows are not
        counted here (the headers' one window is all that is known)."""
        return self._windows.describe(self._clock()) if self._headers_pace() else None

    def estimate(self, requests: int) -> Estimate | None:
        """How long ``requests`` take at the full allowance of every window, and which
        windows they overrun (None when the windows are not counted here)."""
        return self._windows.estimate(requests, self._clock()) if self._headers_pace() else None

    def does_not_fit(self, estimate: Estimate) -> str | None:
        """ "about 2.1 hours: more than the 870 requests left this hour", or None when the
        job fits in what is left of the hour and the day (``domain.budget.does_not_fit``)."""
        return self._windows.does_not_fit(estimate, self._clock())

    def _headers_pace(self) -> bool:
        """False once answers have come and none carried budget headers: a server that keeps
        no budget (a local test server) is paced by ``max_in_flight`` alone, windows and all."""
        return not (self._seen_answer and self._state.remaining is None)


def _merge(old: RateLimitState, new: RateLimitState) -> RateLimitState:
    """Fold one answer's headers into the state, trusting the most cautious reading.

    Answers to concurrent requests arrive in any order: within one window the smallest
    ``remaining`` is the true one. A Retry-After stays in force until it has passed.
    """
    retry_after_until = new.retry_after_until
    if old.retry_after_until is not None and old.retry_after_until > new.observed_at:
        retry_after_until = max(old.retry_after_until, retry_after_until or 0.0)
    if not new.known:
        return replace(old, retry_after_until=retry_after_until)
    remaining = new.remaining
    reset_at = new.reset_at
    if _same_window(old, new) and old.remaining is not None and remaining is not None:
        remaining = min(old.remaining, remaining)
        reset_at = old.reset_at if reset_at is None else reset_at
    return RateLimitState(
        limit=new.limit if new.limit is not None else old.limit,
        remaining=remaining,
        reset_at=reset_at,
        retry_after_until=retry_after_until,
        observed_at=new.observed_at,
    )


def _same_window(old: RateLimitState, new: RateLimitState) -> bool:
    if old.reset_at is None or new.observed_at >= old.reset_at:
        return False
    return new.reset_at is None or abs(new.reset_at - old.reset_at) < _SAME_WINDOW_S
