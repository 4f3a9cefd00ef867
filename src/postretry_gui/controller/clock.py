"""The time source and sleep every controller uses, injectable so intervals are testable.

Two kinds of time matter: a monotonic clock for intervals (never jumps with the wall clock)
and wall time (unix seconds) for what the server understands: ``updated_after`` and the
rate-limit ``reset_at`` in :class:`~postretry_gui.domain.RateLimitState`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that only moves forward; for intervals."""
        ...

    def time(self) -> float:
        """Wall time, unix seconds; compared with the server's times and reset headers."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``; cancellable."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.time`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


def wall_datetime(clock: Clock) -> datetime:
    """The clock's wall time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), tz=UTC)
