"""A real fixed-window rate limiter, one window per key (the API key, plus the profile for
Ayrshare). A window opens with the first request after the previous one closed."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # exact unix time the window closes

    @property
    def reset_header(self) -> int:
        """Unix seconds rounded UP: a client that waits until then never arrives early."""
        return math.ceil(self.reset_at)

    def retry_after(self, now: float) -> int:
        """Whole seconds rounded up, at least 1."""
        return max(1, math.ceil(self.reset_at - now))


class FixedWindowLimiter:
    _MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, limit: int, window_s: float, now: float) -> Verdict:
        """Count one request for ``key``; rejected requests do not use up the budget."""
        start, used = self._windows.get(key, (now, 0))
        if now >= start + window_s:
            start, used = now, 0
        allowed = used < limit
        if allowed:
            used += 1
        if len(self._windows) >= self._MAX_KEYS and key not in self._windows:
            self._windows.clear()  # a flood of throw-away keys must not grow memory
        self._windows[key] = (start, used)
        return Verdict(allowed, limit, max(0, limit - used), start + window_s)

    def clear(self) -> None:
        self._windows.clear()
