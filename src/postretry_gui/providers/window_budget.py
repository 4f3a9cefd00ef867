"""The pacer's view of every rate window of a key: the provider's published windows counted
here (``domain.budget.BudgetLedger``), corrected by each answer that describes one of them.

An answer's headers describe one window only (the one nearest to exhaustion; its Limit says
which), so the hour and the day are counted on this side as requests leave. When an answer
names a limit that none of the published windows has, the server is not the one the windows
describe (a plan with other numbers, a test server): counting against numbers it does not
keep would only stall requests it would take, so from then on the headers alone pace the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from postretry_gui.domain import RateLimitState
from postretry_gui.domain.budget import BudgetLedger, Estimate, WindowSpec, does_not_fit

log = logging.getLogger(__name__)

# What ``room`` says when no window is counted here: the headers alone decide.
UNLIMITED = 2**31


class WindowBudget:
    """Every published window of one key, or nothing once the server disowned them."""

    def __init__(self, windows: Sequence[WindowSpec]) -> None:
        self._ledger = BudgetLedger(windows) if windows else None

    def sent(self, now: float) -> None:
        """One request left at ``now``: it counts in every window."""
        if self._ledger is not None:
            self._ledger.record(now)

    def observe(self, state: RateLimitState) -> None:
        """Take one answer's word for the window its Limit names."""
        ledger = self._ledger
        if ledger is None or state.limit is None or state.remaining is None:
            return
        if all(spec.limit != state.limit for spec in ledger.specs):
            log.info(
                "the server's limit %d is none of the published windows: pacing by its "
                "headers alone",
                state.limit,
            )
            self._ledger = None
            return
        ledger.observe(
            limit=state.limit,
            remaining=state.remaining,
            reset_at=state.reset_at,
            now=state.observed_at,
        )

    def is_shortest(self, limit: int | None) -> bool:
        """Whether ``limit`` is the shortest window's (or no window is counted here)."""
        ledger = self._ledger
        return ledger is None or limit is None or ledger.specs[0].limit == limit

    def room(self, now: float, keep: Callable[[int, bool], int]) -> int:
        """Requests that may leave now in every window, each window keeping
        ``keep(limit, shortest)`` back (the operator's reserve; for a poll round, also the
        share of the shortest window a burst would empty). ``UNLIMITED``: nothing counted."""
        ledger = self._ledger
        if ledger is None:
            return UNLIMITED
        return min(
            use.remaining(now) - keep(use.spec.limit, i == 0)
            for i, use in enumerate(ledger.uses(now))
        )

    def next_opening(self, now: float, keep: Callable[[int, bool], int]) -> float:
        """When the last window that has no room beyond ``keep`` reopens."""
        ledger = self._ledger
        if ledger is None:
            return now
        blocked = [
            use.resets_at
            for i, use in enumerate(ledger.uses(now))
            if use.resets_at is not None and use.remaining(now) - keep(use.spec.limit, i == 0) <= 0
        ]
        return max(blocked, default=now)

    def estimate(self, requests: int, now: float) -> Estimate | None:
        return None if self._ledger is None else self._ledger.estimate(requests, now)

    def does_not_fit(self, estimate: Estimate, now: float) -> str | None:
        ledger = self._ledger
        return None if ledger is None else does_not_fit(estimate, ledger.uses(now), now)

    def describe(self, now: float) -> str | None:
        return None if self._ledger is None else self._ledger.describe(now)
