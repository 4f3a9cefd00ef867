"""A real fixed-window rate limiter with several windows per key (the API key, plus the profile
for Ayrshare): PostEverywhere counts a minute, an hour and a day at once. A window opens with
the first request after the previous one closed.

A request is allowed only when every window has room, and then counts in all of them; a
refused request uses up nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """One allowance: ``limit`` requests per ``length_s`` seconds, named by ``kind``."""

    kind: str  # "minute", "hour", "day", "five_minutes": the stats count 429s by it
    limit: int
    length_s: float


@dataclass(frozen=True, slots=True)
class WindowState:
    kind: str
    limit: int
    remaining: int
    reset_at: float  # exact unix time the window closes

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    windows: tuple[WindowState, ...]  # never empty

    @classmethod
    def refused_for(cls, kind: str, limit: int, reset_at: float) -> Verdict:
        """A refusal that no counted window made (the burst_429 fault)."""
        return cls(False, (WindowState(kind, limit, 0, reset_at),))

    @property
    def reported(self) -> WindowState:
        """The window the headers describe: the nearest to exhaustion (least remaining; on a
        tie the one that resets first, whose number changes soonest)."""
        return min(self.windows, key=lambda w: (w.remaining, w.reset_at))

    @property
    def blocking(self) -> WindowState:
        """The window a refused request must wait for: of the exhausted ones, the one that
        reopens last (only then does every window have room again)."""
        exhausted = [w for w in self.windows if w.exhausted] or list(self.windows)
        return max(exhausted, key=lambda w: w.reset_at)

    @property
    def reset_header(self) -> int:
        """The reported window's close in unix seconds rounded UP: a client that waits until
        then never arrives early."""
        return math.ceil(self.reported.reset_at)

    def retry_after(self, now: float) -> int:
        """Whole seconds until the blocking window reopens, rounded up, at least 1."""
        return max(1, math.ceil(self.blocking.reset_at - now))


class FixedWindowLimiter:
    _MAX_KEYS = 10_000

    def __init__(self) -> None:
        # (key, window kind) -> (window start, requests counted)
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def hit(self, key: str, windows: tuple[Window, ...], now: float) -> Verdict:
        """Count one request for ``key`` in every window if each has room; ``windows`` must
        not be empty (no windows means no limit: the caller does not ask)."""
        current: list[tuple[Window, float, int]] = []
        for window in windows:
            start, used = self._windows.get((key, window.kind), (now, 0))
            if now >= start + window.length_s:
                start, used = now, 0
            current.append((window, start, used))
        allowed = all(used < window.limit for window, _, used in current)
        if len(self._windows) >= self._MAX_KEYS and (key, windows[0].kind) not in self._windows:
            self._windows.clear()  # a flood of throw-away keys must not grow memory
        states = []
        for window, start, used in current:
            if allowed:  # a refusal opens no window either
                used += 1
                self._windows[(key, window.kind)] = (start, used)
            remaining = max(0, window.limit - used)
            states.append(
                WindowState(window.kind, window.limit, remaining, start + window.length_s)
            )
        return Verdict(allowed, tuple(states))

    def clear(self) -> None:
        self._windows.clear()
