"""The causes of a failed destination: what will fix it, in the operator's words.

Its own module so that the eligibility rule (which ``triage`` builds on) can read a cause
without importing the classification.
"""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    TEMPORARY = "temporary"
    RECONNECT = "reconnect"
    CONTENT = "content"
    REFUSED = "refused"
    MAY_BE_LIVE = "may_be_live"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def advice(self) -> str:
        """One sentence: what will fix it."""
        return _ADVICE[self]

    @property
    def ticked_by_tick_all(self) -> bool:
        """Whether "tick all retryable" takes it: only where a retry is the likely fix."""
        return self in (Cause.TEMPORARY, Cause.UNKNOWN)

    @property
    def needs_confirmation(self) -> bool:
        """Ticking it by hand asks first: the retry will probably fail again, or duplicate."""
        return self in (Cause.CONTENT, Cause.MAY_BE_LIVE, Cause.REFUSED)


_LABELS = {
    Cause.TEMPORARY: "Temporary",
    Cause.RECONNECT: "Reconnect",
    Cause.CONTENT: "Content",
    Cause.REFUSED: "Refused by the platform",
    Cause.MAY_BE_LIVE: "May already be live",
    Cause.UNKNOWN: "Unknown",
}

_ADVICE = {
    Cause.TEMPORARY: "A passing failure: a retry should fix it.",
    Cause.RECONNECT: "Reconnect the account first; a retry fails again until then.",
    Cause.CONTENT: "The network refused the post itself: change it, then publish it again.",
    Cause.REFUSED: "The platform refused it for good (policy): a retry will not change that.",
    Cause.MAY_BE_LIVE: (
        "The network reported a failure but gave the post an address: check the live post "
        "before retrying, or it may go out twice."
    ),
    Cause.UNKNOWN: "The error says too little to tell: a retry may help.",
}
