"""What the session says about a retry it is watching, as reads settle it.

A retry job's summary follows its destinations after the job has ended: a retry the server
acknowledged is "retried" until polling sees it publish or fail again, and a lost answer is
"outcome unknown" until a read explains it. The session reports each such step to whoever
follows its watches (``WorkspaceSession.follow_watches``), one event per watch and read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class WatchFate(StrEnum):
    """What a read showed about one watched destination."""

    # A retry whose answer was lost did reach the server: it is queued or publishing now.
    APPLIED = "applied"
    # Settled: the retry published the destination.
    PUBLISHED = "published"
    # Settled: the retry ran and the destination failed again (or still reads failed).
    FAILED_AGAIN = "failed_again"
    # Settled: the answer was lost and reads prove the retry never ran; retryable again.
    NOT_APPLIED = "not_applied"
    # Settled: the post was deleted at the provider while it was watched.
    GONE = "gone"

    @property
    def settled(self) -> bool:
        """Whether nothing more will be reported for the destination by this watch."""
        return self is not WatchFate.APPLIED


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One watch of ``post_id`` moved: each of its destinations (account id) and its fate."""

    post_id: str
    fates: Mapping[str, WatchFate]


# Called on the loop thread, synchronously, from inside a poll round or a retry: it must
# return quickly and never await.
WatchFollower = Callable[[WatchEvent], None]
