"""Decide when to poll posts whose retried destinations have not settled yet.

The poller owns only the schedule: which posts, how often, and how much of the rate limit
it may use. Reading a post and judging whether it settled is the session's job, passed in
as ``poll_round``. Intervals adapt: start near 2 s, stretch ×1.5 up to ~15 s while nothing
changes, snap back on change. Polls never eat into the half of the rate-limit window kept
for the operator's own actions: with ``remaining`` at or below that reserve a round is
skipped.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from postretry_gui.controller.clock import Clock
from postretry_gui.controller.tasks import TaskSet
from postretry_gui.providers.pacing import Priority, RatePacer


@dataclass(frozen=True, slots=True)
class PollSettings:
    initial_interval_s: float = 2.0
    backoff: float = 1.5
    max_interval_s: float = 15.0
    # Rounds that read a list whose answers are cached (Ayrshare's history) come no faster
    # than this; None: the provider's own cache age (``ChangeFeed.min_interval_s``).
    list_min_interval_s: float | None = None


PollRound = Callable[[Sequence[str]], Awaitable[bool]]


class Poller:
    """Polls watched posts in rounds until none is left.

    ``poll_round(post_ids)`` reads those posts and returns whether anything changed; it
    calls ``unwatch`` for the posts that settled. ``pacer`` is the provider's rate policy.
    """

    def __init__(
        self,
        poll_round: PollRound,
        pacer: RatePacer,
        clock: Clock,
        tasks: TaskSet,
        settings: PollSettings | None = None,
    ) -> None:
        self._poll_round = poll_round
        self._pacer = pacer
        self._clock = clock
        self._tasks = tasks
        self.settings = settings or PollSettings()
        # post_id -> monotonic time of its last poll; the longest-waiting go first when the
        # budget cannot cover them all.
        self._watched: dict[str, float] = {}
        self._interval = self.settings.initial_interval_s
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self.rounds = 0
        self.rounds_skipped = 0

    @property
    def watched(self) -> frozenset[str]:
        return frozenset(self._watched)

    @property
    def interval_s(self) -> float:
        return self._interval

    def watch(self, post_id: str) -> None:
        """Poll ``post_id`` from the next round; a new watch resets the interval."""
        if self._stopped:
            return
        self._watched.setdefault(post_id, -math.inf)
        self._interval = self.settings.initial_interval_s
        if (self._task is None or self._task.done()) and not self._tasks.closed:
            self._task = self._tasks.start(self._run(), name="poller")

    def unwatch(self, post_id: str) -> None:
        self._watched.pop(post_id, None)

    def stop(self) -> None:
        """Stop polling for good (the key was rejected, or the session closes)."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()

    async def wait_idle(self) -> None:
        """Wait until no round is scheduled (every watched post settled, or stopped)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def _run(self) -> None:
        settings = self.settings
        while self._watched and not self._stopped:
            await self._clock.sleep(self._interval)
            if not self._watched:
                return
            order = sorted(self._watched, key=self._watched.__getitem__)
            budget = self._pacer.allowance(Priority.BACKGROUND, len(order))
            if budget <= 0:
                self.rounds_skipped += 1
                self._interval = min(self._interval * settings.backoff, settings.max_interval_s)
                continue
            chosen = order[:budget]
            now = self._clock.monotonic()
            for post_id in chosen:
                self._watched[post_id] = now
            self.rounds += 1
            changed = await self._poll_round(chosen)
            if changed:
                self._interval = settings.initial_interval_s
            else:
                self._interval = min(self._interval * settings.backoff, settings.max_interval_s)
