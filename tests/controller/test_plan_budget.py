"""The confirmation names how long a plan takes, and asks when it overruns the hour or day."""

from __future__ import annotations

from postretry_gui.controller.plan_text import confirmation_for
from postretry_gui.domain import RateLimitState
from postretry_gui.domain.retry_plan import PlanOptions, plan_retry
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.posteverywhere.spec import RATE_WINDOWS

NOW = 1_800_000_000.0


def pacer_with_hour_left(left: int) -> RatePacer:
    pacer = RatePacer(clock=lambda: NOW, windows=RATE_WINDOWS)
    pacer.observe(
        RateLimitState(limit=1000, remaining=left, reset_at=NOW + 1800.0, observed_at=NOW)
    )
    return pacer


def single_post_plan(posts: int) -> str:
    return f"{posts:,} destinations in {posts:,} posts: {posts:,} requests"


def test_a_job_that_fits_says_how_long_and_asks_nothing() -> None:
    plan = plan_retry({f"p{i}": ["1"] for i in range(30)}, PlanOptions())
    confirmation = confirmation_for(plan, pacer_with_hour_left(870))
    assert confirmation.question == f"{single_post_plan(30)}, under a minute"
    assert confirmation.warning is None


def test_a_job_past_the_hour_warns_with_its_estimate() -> None:
    plan = plan_retry({f"p{i}": ["1"] for i in range(2000)}, PlanOptions())
    confirmation = confirmation_for(plan, pacer_with_hour_left(870))
    assert confirmation.question == f"{single_post_plan(2000)}, about 1.5 hours"
    assert confirmation.warning == (
        "This job takes about 1.5 hours: more than the 870 requests left this hour. "
        "Start it anyway?"
    )
