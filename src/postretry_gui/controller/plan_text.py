"""What the retry confirmation (Ctrl+R) says about a plan, in one place.

The window shows these sentences and decides nothing from them. The plan's own sentence
("408 destinations in 199 posts: 16 requests") comes first; what the budget adds (how long,
whether it fits in what is left of the hour or day) joins it here, so the confirmation and
the benchmark speak of the same plan.
"""

from __future__ import annotations

from postretry_gui.controller.confirmation import RetryConfirmation as RetryConfirmation
from postretry_gui.domain.budget import describe_duration
from postretry_gui.domain.retry_plan import RetryPlan
from postretry_gui.providers.pacing import RatePacer

_NEVER_RESENT = "A retry can publish again: it is never resent on its own."


def confirmation_for(plan: RetryPlan, pacer: RatePacer) -> RetryConfirmation:
    """The confirmation of ``plan``, sent through ``pacer`` (the key's budget): the plan's
    sentence with how long it takes (", about 4 minutes"), and a warning when it does not
    fit in what is left of the hour or the day."""
    question = plan.describe()
    warning: str | None = None
    estimate = pacer.estimate(plan.request_count)
    if estimate is not None:
        question = f"{question}, {describe_duration(estimate.seconds)}"
        warning = pacer.does_not_fit(estimate)
        if warning is not None:
            warning = f"This job takes {warning}. Start it anyway?"
    if plan.bulk_requests:
        how = (
            "Bulk requests retry one account on many posts; the rest go one request per "
            "post. Each names exactly the ticked destinations."
        )
    else:
        how = "One retry request per post, naming exactly the ticked destinations."
    return RetryConfirmation(question=question, detail=f"{how} {_NEVER_RESENT}", warning=warning)
