"""How a retry ended: one vocabulary for the session, the bulk job, the journal and the window.

The words are the journal's stored words, so a journal written by an earlier version reads
the same. Each member says what the server saw, which decides whether a once-only provider's
retry was used up (``sent``).
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How the retry of one post ended, as one machine word; the human detail goes beside it."""

    RETRIED = "retried"  # the server re-queued the destinations
    NOTHING_TO_RETRY = "nothing_to_retry"  # nothing was failed any more (409 and the like)
    GONE = "gone"  # the post no longer exists (404)
    # Sent, and the answer was lost: settled by reading the post, never by resending.
    OUTCOME_UNKNOWN = "outcome_unknown"
    RECONNECT_REQUIRED = "reconnect_required"
    ALREADY_RETRIED = "already_retried"  # the provider allows no further retry of the post
    KEY_REJECTED = "key_rejected"  # 401: refused (or not sent); background work stops
    REJECTED = "rejected"  # any other refusal the server answered with (4xx)
    # Refused, and the server says it re-sent nothing: a once-only post keeps its retry.
    NOT_RETRIED = "not_retried"
    FAILED_AGAIN = "failed_again"  # retried, and failed again on the network
    PUBLISHED = "published"  # retried, and published
    OFFERED_AGAIN = "offered_again"  # the outcome is left to the operator to retry again
    # Never reached the server: refused connection, no route, offline. It does not count
    # against a once-only provider.
    UNREACHABLE = "unreachable"
    # Intended but never sent: cancelled, or the app stopped first.
    NOT_SENT = "not_sent"
    # Never intended: nothing eligible, already in flight, or an unknown post.
    SKIPPED = "skipped"

    @property
    def sent(self) -> bool:
        """Whether a request for this post may have reached the server."""
        return self not in _NEVER_SENT


# KEY_REJECTED: a 401 applies nothing, and the posts after it in a job are not sent at all.
_NEVER_SENT = frozenset(
    {Outcome.SKIPPED, Outcome.NOT_SENT, Outcome.UNREACHABLE, Outcome.KEY_REJECTED}
)
