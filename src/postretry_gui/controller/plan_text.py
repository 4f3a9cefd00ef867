"""What the retry confirmation (Ctrl+R) says about a plan, in one place.

The window shows these sentences and decides nothing from them. The plan's own sentence
("408 destinations in 199 posts: 16 requests") comes first; what the budget adds (how long,
whether it fits in what is left of the hour or day) joins it here, so the confirmation and
the benchmark speak of the same plan.
"""

from __future__ import annotations

from postretry_gui.controller.confirmation import RetryConfirmation as RetryConfirmation
from postretry_gui.domain.retry_plan import RetryPlan
from postretry_gui.providers.pacing import RatePacer

_NEVER_RESENT = "A retry can publish again: it is never resent on its own."


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
