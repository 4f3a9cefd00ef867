"""What a bulk retry job tells the window: progress, its end, and the summary groups,
which keep following the job's destinations as polling settles them.

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
    """Where each destination of a job is now, as the summary shows it (one clickable filter
    each). A destination is in exactly one group. The first four follow polling after the
    job has ended: "retried" and "outcome unknown" are waiting for a read to settle them.
    The order is the panel's."""

    PUBLISHED = "published"  # retried, and polling saw it publish
    FAILED_AGAIN = "failed_again"  # retried, and polling saw it fail again
    RETRIED = "retried"  # the server re-queued it; queued or publishing, being polled
    OUTCOME_UNKNOWN = "outcome_unknown"  # sent, answer lost: being read, never resent
    NOT_APPLIED = "not_applied"  # the lost retry provably never ran: retryable again
    NOTHING_TO_RETRY = "nothing_to_retry"  # 409, or not re-queued: it had not failed
    GONE = "gone"  # 404: the post was deleted
    RECONNECT_REQUIRED = "reconnect_required"  # retrying cannot help until a reconnect
    REFUSED = "refused"  # the server refused the request (another 4xx, the key, 429s)
    NOT_SENT = "not_sent"  # cancelled, offline, or the job stopped before it

    @property
    def pending(self) -> bool:
        """Whether a read will still move destinations out of this group."""
        return self in (SummaryGroup.RETRIED, SummaryGroup.OUTCOME_UNKNOWN)


GROUP_TITLES: Mapping[SummaryGroup, str] = {
    SummaryGroup.PUBLISHED: "Published",
    SummaryGroup.FAILED_AGAIN: "Failed again",
    SummaryGroup.RETRIED: "Retried, in flight",
    SummaryGroup.OUTCOME_UNKNOWN: "Outcome unknown",
    SummaryGroup.NOT_APPLIED: "Not applied",
    SummaryGroup.NOTHING_TO_RETRY: "Nothing to retry",
    SummaryGroup.GONE: "Gone (deleted)",
    SummaryGroup.RECONNECT_REQUIRED: "Reconnect required",
    SummaryGroup.REFUSED: "Refused by the server",
    SummaryGroup.NOT_SENT: "Not sent",
}

# What each group means, for the button's tooltip when the job has no message for it.
GROUP_HINTS: Mapping[SummaryGroup, str] = {
    SummaryGroup.PUBLISHED: "Retried, and the retry published.",
    SummaryGroup.FAILED_AGAIN: "Retried, and the retry failed again on the network.",
    SummaryGroup.RETRIED: (
        "The server re-queued these; they are queued or publishing and polled until they "
        "publish or fail again."
    ),
    SummaryGroup.OUTCOME_UNKNOWN: (
        "Sent, but the answer was lost: the posts are being read to learn what happened. "
        "Never resent."
    ),
    SummaryGroup.NOT_APPLIED: (
        "The answer was lost and the reads show the retry never ran: these can be retried again."
    ),
    SummaryGroup.NOTHING_TO_RETRY: (
        "The server had nothing to retry (409): already queued, publishing or published."
    ),
    SummaryGroup.GONE: "The post was deleted at the provider (404).",
    SummaryGroup.RECONNECT_REQUIRED: (
        "Retrying cannot help until the account is reconnected at the provider."
    ),
    SummaryGroup.REFUSED: "The server refused the retry request.",
    SummaryGroup.NOT_SENT: "Nothing was sent for these (cancelled, offline, or stopped).",
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
    """Where every destination of a job is, by group: a snapshot, made when the job ends
    and again each time polling moves one of its destinations (``summary_changed``)."""

    groups: Mapping[SummaryGroup, tuple[DestinationKey, ...]]
    # Posts with a destination in each group (a post may have destinations in several).
    posts: Mapping[SummaryGroup, int]
    progress: BulkProgress
    elapsed_s: float = 0.0
    messages: Mapping[SummaryGroup, str] = field(default_factory=dict)
    # Which job this is a snapshot of (a window follows one job at a time).
    job_id: int = 0

    @property
    def state(self) -> JobState:
        return self.progress.state

    @property
    def total(self) -> int:
        """Destinations in the job: every one the operator ticked or the retry touched."""
        return sum(len(keys) for keys in self.groups.values())

    @property
    def pending(self) -> int:
        """Destinations a read will still move (retried and publishing, outcome unknown)."""
        return sum(len(keys) for group, keys in self.groups.items() if group.pending)

    @property
    def settled(self) -> bool:
        return self.pending == 0

    def destinations(self, group: SummaryGroup) -> tuple[DestinationKey, ...]:
        return tuple(self.groups.get(group, ()))

    def count(self, group: SummaryGroup) -> int:
        return len(self.groups.get(group, ()))

    def line(self) -> str:
        """A status-bar sentence: "12 destinations: Published 9 · Failed again 2 · Gone 1"."""
        parts = [f"{GROUP_TITLES[g]} {self.count(g)}" for g in SummaryGroup if self.groups.get(g)]
        if not parts:
            return "Nothing was sent."
        total = self.total
        noun = "destination" if total == 1 else "destinations"
        return f"{total:,} {noun}: " + " · ".join(parts)


class BulkObserver(Protocol):
    """The window's side of a job; called on the loop thread, must return quickly."""

    def job_progress(self, progress: BulkProgress) -> None: ...

    def job_finished(self, summary: BulkSummary) -> None: ...

    def summary_changed(self, summary: BulkSummary) -> None:
        """After ``job_finished``: polling moved destinations between groups."""
        ...


class JobControl(Protocol):
    """What the window may do with a running job."""

    @property
    def progress(self) -> BulkProgress: ...

    @property
    def job_id(self) -> int: ...

    def cancel(self) -> None:
        """Send nothing new; requests already sent complete and are recorded."""
        ...

    def resume(self) -> None:
        """Go on after a pause for repeated rate limits."""
        ...
