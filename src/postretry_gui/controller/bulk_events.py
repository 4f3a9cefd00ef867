"""What a bulk retry job tells the window: progress, its end, and the summary groups.

Kept apart from ``controller/bulk.py`` on purpose: the window may import this module (plain
dataclasses, no provider), while the job itself reaches the providers, which the UI never
may (import-linter's contract).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class JobState(StrEnum):
    RUNNING = "running"
    # Stopped sending after repeated 429s; ``resume()`` goes on, ``cancel()`` ends it.
    PAUSED = "paused"
    # Cancel asked: nothing new leaves; requests already sent are answered and recorded.
    CANCELLING = "cancelling"
    DONE = "done"
    CANCELLED = "cancelled"
    # Ended early because nothing more could be sent (key rejected, server unreachable).
    STOPPED = "stopped"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.CANCELLED, JobState.STOPPED)


class SummaryGroup(StrEnum):
    """Where each post of a job ended, as the summary shows it (one clickable filter each)."""

    RETRIED = "retried"  # the server re-queued the destinations
    NOTHING_TO_RETRY = "nothing_to_retry"  # 409: already queued, publishing or published
    GONE = "gone"  # 404: the post was deleted
    RECONNECT_REQUIRED = "reconnect_required"  # retrying cannot help until a reconnect
    OUTCOME_UNKNOWN = "outcome_unknown"  # sent, answer lost: being read, never resent
    FAILED_AGAIN = "failed_again"  # refused for another reason (4xx, 5xx, rate limit)
    NOT_SENT = "not_sent"  # cancelled, paused out, or the job stopped before it


GROUP_TITLES: Mapping[SummaryGroup, str] = {
    SummaryGroup.RETRIED: "Retried",
    SummaryGroup.NOTHING_TO_RETRY: "Nothing to retry",
    SummaryGroup.GONE: "Gone",
    SummaryGroup.RECONNECT_REQUIRED: "Reconnect required",
    SummaryGroup.OUTCOME_UNKNOWN: "Outcome unknown",
    SummaryGroup.FAILED_AGAIN: "Failed again",
    SummaryGroup.NOT_SENT: "Not sent",
}

# A destination of a post: (post_id, account_id).
DestinationKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """One snapshot of a running job; every field counts posts unless it says otherwise."""

    total_posts: int
    done_posts: int = 0
    # Destinations the server re-queued.
    destinations_retried: int = 0
    # Posts the server refused (404, 409, reconnect, other 4xx/5xx, rate limit given up).
    refused: int = 0
    # Posts whose answer was lost: being read to settle them, never resent.
    unknown: int = 0
    not_sent: int = 0
    in_flight: int = 0
    # Requests the job sent, including re-sends after a 429, and 429s it got.
    requests_sent: int = 0
    rate_limited: int = 0
    state: JobState = JobState.RUNNING
    # One sentence for the operator (why it paused, stopped...), or "".
    message: str = ""


@dataclass(frozen=True, slots=True)
class BulkSummary:
    """How a job ended: each group's destinations, the final counters and state."""

    groups: Mapping[SummaryGroup, tuple[DestinationKey, ...]]
    # Posts per group (a post is in exactly one group).
    posts: Mapping[SummaryGroup, int]
    progress: BulkProgress
    elapsed_s: float = 0.0
    messages: Mapping[SummaryGroup, str] = field(default_factory=dict)

    @property
    def state(self) -> JobState:
        return self.progress.state

    def destinations(self, group: SummaryGroup) -> tuple[DestinationKey, ...]:
        return tuple(self.groups.get(group, ()))

    def count(self, group: SummaryGroup) -> int:
        return len(self.groups.get(group, ()))

    def line(self) -> str:
        """A status-bar sentence: "Retried 388 · Gone 2 · Not sent 10"."""
        parts = [f"{GROUP_TITLES[g]} {self.count(g)}" for g in SummaryGroup if self.groups.get(g)]
        return " · ".join(parts) if parts else "Nothing was sent."


class BulkObserver(Protocol):
    """The window's side of a job; called on the loop thread, must return quickly."""

    def job_progress(self, progress: BulkProgress) -> None: ...

    def job_finished(self, summary: BulkSummary) -> None: ...


class JobControl(Protocol):
    """What the window may do with a running job."""

    @property
    def progress(self) -> BulkProgress: ...

    def cancel(self) -> None:
        """Send nothing new; requests already sent complete and are recorded."""
        ...

    def resume(self) -> None:
        """Go on after a pause for repeated rate limits."""
        ...
