"""Every rate window a service has, counted on this side: the minute, the hour, the day.

A response's headers describe one window only (the services report the one nearest to
exhaustion, or always the shortest), so the hour and the day have to be counted here: a job
of 2,000 requests fits every minute window one by one and still runs out of the hour. The
ledger counts each request in every window, takes the server's word whenever a response
describes a window, and answers the two questions the app asks before and while it spends
the operator's budget: how much may leave now, and how long a job of N requests will take.

Windows are fixed, opening with the first request after the previous one closed, as the
services document and the simulator enforces. Times are wall-clock seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowSpec:
    limit: int
    length_s: float
    # How the window is named in a sentence: "this minute", "this hour", "these 5 minutes".
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowUse:
    spec: WindowSpec
    used: int
    # When the open window closes; None: no window is open (nothing counted in it yet).
    resets_at: float | None

    def remaining(self, now: float) -> int:
        if self.resets_at is None or now >= self.resets_at:
            return self.spec.limit
        return max(0, self.spec.limit - self.used)

    def describe(self, now: float) -> str:
        return f"{self.remaining(now):,} of {self.spec.limit:,} {self.spec.label}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    requests: int
    # Seconds until the last of the requests may leave, sending as fast as the windows allow.
    seconds: float
    # Windows the job does not fit in what is left of them (it waits for them to reopen).
    spills: tuple[WindowSpec, ...]

    def spills_past(self, length_s: float) -> tuple[WindowSpec, ...]:
        """The spilled windows at least ``length_s`` long: an hour or a day to wait for."""
        return tuple(w for w in self.spills if w.length_s >= length_s)


def scaled(specs: Sequence[WindowSpec], factor: float) -> tuple[WindowSpec, ...]:
    """The same windows with every length times ``factor`` (a simulator whose time runs
    faster by the same factor: the benchmark)."""
    return tuple(
        WindowSpec(limit=s.limit, length_s=s.length_s * factor, label=s.label) for s in specs
    )


def does_not_fit(estimate: Estimate, ledger_uses: Sequence[WindowUse], now: float) -> str | None:
    """Why a job must be asked about before it starts: "about 2.1 hours: more than the 870
    requests left this hour". None when it fits in what is left of every window an hour or
    longer (a full minute only makes it wait a minute)."""
    long_spills = estimate.spills_past(3600.0)
    if not long_spills:
        return None
    # The longest window overrun says the most: the day outranks the hour.
    spec = max(long_spills, key=lambda w: w.length_s)
    left = next((u.remaining(now) for u in ledger_uses if u.spec == spec), spec.limit)
    return (
        f"{describe_duration(estimate.seconds)}: more than the {left:,} requests left {spec.label}"
    )


class BudgetLedger:
    """The use of every window of one budget (an API key, or a key and profile)."""

    def __init__(self, specs: Sequence[WindowSpec]) -> None:
        if not specs:
            raise ValueError("a budget needs at least one window")
        self._specs = tuple(sorted(specs, key=lambda s: s.length_s))
        self._used = [0] * len(self._specs)
        self._resets_at: list[float | None] = [None] * len(self._specs)

    @property
    def specs(self) -> tuple[WindowSpec, ...]:
        return self._specs

    def record(self, now: float, count: int = 1) -> None:
        """``count`` requests left at ``now``: each counts in every window."""
        for i, spec in enumerate(self._specs):
            resets_at = self._resets_at[i]
            if resets_at is None or now >= resets_at:
                self._resets_at[i] = now + spec.length_s
                self._used[i] = 0
            self._used[i] += count

    def observe(self, *, limit: int, remaining: int, reset_at: float | None, now: float) -> None:
        """A response described one window: take its word for the window of that limit.

        The window is matched by its limit (the services' limits differ per window); a limit
        this ledger does not know says nothing about the others and is ignored. The server's
        count wins over ours in both directions: requests from other instances on the same
        key raise it, a window that reset earlier than we thought lowers it.
        """
        for i, spec in enumerate(self._specs):
            if spec.limit != limit:
                continue
            self._used[i] = max(0, min(limit, limit - remaining))
            if reset_at is not None and reset_at > now:
                self._resets_at[i] = reset_at
            elif self._resets_at[i] is None or now >= (self._resets_at[i] or 0.0):
                self._resets_at[i] = now + spec.length_s
            return

    def uses(self, now: float) -> tuple[WindowUse, ...]:
        return tuple(
            WindowUse(spec=spec, used=self._used[i], resets_at=self._resets_at[i])
            for i, spec in enumerate(self._specs)
        )

    def room(self, now: float) -> int:
        """How many requests may leave now without exceeding any window."""
        return min(use.remaining(now) for use in self.uses(now))

    def next_opening(self, now: float) -> float:
        """When a request may next leave: now if there is room, else when the last full
        window that blocks reopens."""
        blocked = [u.resets_at for u in self.uses(now) if u.remaining(now) == 0]
        return max((t for t in blocked if t is not None), default=now)

    def estimate(self, requests: int, now: float) -> Estimate:
        """How long ``requests`` take at full allowance, and which windows they overrun."""
        seconds = 0.0
        spills: list[WindowSpec] = []
        for use in self.uses(now):
            left = use.remaining(now)
            if requests <= left:
                continue
            spills.append(use.spec)
            beyond = requests - left
            opens_in = (
                use.resets_at - now
                if use.resets_at is not None and use.resets_at > now
                else use.spec.length_s
            )
            windows_after = math.ceil(beyond / use.spec.limit) - 1
            seconds = max(seconds, opens_in + windows_after * use.spec.length_s)
        return Estimate(requests=requests, seconds=seconds, spills=tuple(spills))

    def describe(self, now: float) -> str:
        """For the status bar: "41 of 60 this minute · 870 of 1,000 this hour"."""
        return " · ".join(use.describe(now) for use in self.uses(now))


def describe_duration(seconds: float) -> str:
    """ "under a minute", "about 4 minutes", "about 2 hours": an estimate, said as one."""
    if seconds < 60:
        return "under a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute" + ("" if minutes == 1 else "s")
    hours = round(seconds / 3600, 1)
    text = f"{hours:g}"
    return f"about {text} hour" + ("" if text == "1" else "s")
