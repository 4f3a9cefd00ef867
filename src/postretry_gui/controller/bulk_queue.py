"""The requests of one retry job still to send, and what each post's requests came to.

A job plans its posts' units (what will really be retried) into requests
(``domain.retry_plan``): a post may be covered by several (a bulk request per account, or
a bulk request for some accounts and its own request for the rest), so the report, which
has one entry per post, merges the outcomes of a post's requests once all have answered.
If the job must stop using bulk requests (the server re-queued more than a bulk request
named), the requests not sent yet are planned again, one per post.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence

from postretry_gui.controller.events import PostOutcome
from postretry_gui.controller.retry_planning import plan_units
from postretry_gui.domain import Outcome
from postretry_gui.domain.retry_plan import PlannedRequest, PlanOptions, RequestShape

# When a post's requests ended differently, the report names the outcome that most needs the
# operator's eye; what is not listed ranks after these.
_MERGE_ORDER = (
    Outcome.KEY_REJECTED,
    Outcome.UNREACHABLE,
    Outcome.OUTCOME_UNKNOWN,
    Outcome.REJECTED,
    Outcome.GONE,
    Outcome.ALREADY_RETRIED,
    Outcome.NOTHING_TO_RETRY,
    Outcome.SKIPPED,
)


def merge_outcomes(outcomes: Sequence[PostOutcome]) -> PostOutcome:
    """One post's outcome from the outcomes of its requests (one: itself)."""
    if len(outcomes) == 1:
        return outcomes[0]
    rank = {outcome: index for index, outcome in enumerate(_MERGE_ORDER)}
    worst = min(outcomes, key=lambda o: rank.get(o.outcome, len(rank)))
    return PostOutcome(
        worst.post_id,
        worst.outcome,
        frozenset().union(*(o.account_ids for o in outcomes)),
        " ".join(dict.fromkeys(o.message for o in outcomes if o.message)),
    )


class JobQueue:
    """Requests waiting, requests in flight, and the outcomes of each post so far."""

    def __init__(self, order: Iterable[str]) -> None:
        self._rank = {post_id: index for index, post_id in enumerate(order)}
        self._queue: deque[PlannedRequest] = deque()
        self._in_flight: list[PlannedRequest] = []
        self._outcomes: dict[str, list[PostOutcome]] = {}
        # Requests queued or in flight per post: its outcome is final at zero.
        self._open: dict[str, int] = {}

    def fill(self, units: Mapping[str, frozenset[str]], options: PlanOptions) -> None:
        """Plan ``units`` (post id -> account ids, locked) and queue the requests."""
        for request in plan_units(units, options).requests:
            self._push(request)

    def _push(self, request: PlannedRequest) -> None:
        self._queue.append(request)
        for post_id in request.post_ids:
            self._open[post_id] = self._open.get(post_id, 0) + 1

    def __bool__(self) -> bool:
        return bool(self._queue)

    @property
    def planned_posts(self) -> int:
        return len(self._open)

    def take(self) -> PlannedRequest:
        request = self._queue.popleft()
        self._in_flight.append(request)
        return request

    def answered(self, request: PlannedRequest, outcomes: Iterable[PostOutcome]) -> None:
        """``request`` (taken) ended with one outcome per post."""
        self._in_flight.remove(request)
        for post_id in request.post_ids:
            self._open[post_id] -= 1
        for outcome in outcomes:
            self.record(outcome)

    def record(self, outcome: PostOutcome) -> None:
        self._outcomes.setdefault(outcome.post_id, []).append(outcome)

    def to_single_posts(self) -> int:
        """Plan the requests not sent yet again, one per post; returns how many were bulk."""
        waiting = list(self._queue)
        bulk = sum(1 for r in waiting if r.shape is RequestShape.BULK)
        if not bulk:
            return 0
        self._queue.clear()
        units: dict[str, set[str]] = {}
        for request in waiting:
            for post_id in request.post_ids:
                self._open[post_id] -= 1
                units.setdefault(post_id, set()).update(request.account_ids)
        ordered = sorted(units, key=lambda p: self._rank.get(p, 0))
        self.fill({p: frozenset(units[p]) for p in ordered}, PlanOptions(bulk_max_posts=0))
        return bulk

    def drain(self) -> list[PlannedRequest]:
        """The requests never sent (cancel, a stop, the workspace closing)."""
        waiting = list(self._queue)
        self._queue.clear()
        for request in waiting:
            for post_id in request.post_ids:
                self._open[post_id] -= 1
        return waiting

    @property
    def in_flight(self) -> tuple[PlannedRequest, ...]:
        """Requests taken and never answered (only when the job itself was cancelled)."""
        return tuple(self._in_flight)

    def finished_posts(self) -> list[PostOutcome]:
        """The merged outcome of every post whose requests have all ended."""
        return [
            merge_outcomes(outcomes)
            for post_id, outcomes in self._outcomes.items()
            if self._open.get(post_id, 0) == 0
        ]

    def report(self) -> list[PostOutcome]:
        """Every post's merged outcome, in selection order."""
        merged = [merge_outcomes(outcomes) for outcomes in self._outcomes.values()]
        return sorted(merged, key=lambda o: self._rank.get(o.post_id, 0))

    def counts(self, not_sent: Callable[[str], bool]) -> dict[str, int]:
        """The progress bar's post counts (``not_sent``: whether the job never sent a post)."""
        refused = unknown = unsent = 0
        finished = self.finished_posts()
        for outcome in finished:
            if not_sent(outcome.post_id):
                unsent += 1
            elif outcome.outcome is Outcome.OUTCOME_UNKNOWN:
                unknown += 1
            elif outcome.outcome is not Outcome.RETRIED:
                refused += 1
        return {
            "done_posts": len(finished),
            "refused": refused,
            "unknown": unknown,
            "not_sent": unsent,
        }
