"""What the retry confirmation (Ctrl+R) says about a plan, in one place.

The window shows these sentences and decides nothing from them. The plan's own sentence
("408 destinations in 199 posts: 16 requests") comes first; what the budget adds (how long,
whether it fits in what is left of the hour or day) joins it here, so the confirmation and
the benchmark speak of the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from postretry_gui.domain.retry_plan import RetryPlan
from postretry_gui.providers.pacing import RatePacer

_NEVER_RESENT = "A retry can publish again: it is never resent on its own."


@dataclass(frozen=True, slots=True)
class RetryConfirmation:
    # The question's first line: "408 destinations in 199 posts: 16 requests".
    question: str
    # How the requests go, and the promise about resending.
    detail: str
    # A sentence that must be read before saying yes (the job does not fit the budget left);
    # None: nothing to warn about.
    warning: str | None = None


def confirmation_for(plan: RetryPlan, pacer: RatePacer) -> RetryConfirmation:
    """The confirmation of ``plan``, sent through ``pacer`` (the key's budget)."""
    del pacer  # the budget's estimate and warning come from it
    if plan.bulk_requests:
        how = (
            "Bulk requests retry one account on many posts; the rest go one request per "
            "post. Each names exactly the ticked destinations."
        )
    else:
        how = "One retry request per post, naming exactly the ticked destinations."
    return RetryConfirmation(question=plan.describe(), detail=f"{how} {_NEVER_RESENT}")
