"""The Ctrl+R confirmation's sentences come from the plan."""

from __future__ import annotations

from postretry_gui.controller.plan_text import confirmation_for
from postretry_gui.domain.retry_plan import PlanOptions, plan_retry
from postretry_gui.providers.pacing import RatePacer


def test_the_confirmation_names_the_plan_and_how_its_requests_go() -> None:
    selection = {f"p{n}": ("1", "2") for n in range(5)}
    bulk = plan_retry(selection, PlanOptions(bulk_max_posts=200))
    single = plan_retry(selection, PlanOptions(bulk_max_posts=0))

    by_bulk = confirmation_for(bulk, RatePacer())
    one_by_one = confirmation_for(single, RatePacer())

    assert by_bulk.question == "10 destinations in 5 posts: 2 requests"
    assert "Bulk requests" in by_bulk.detail
    assert one_by_one.question == "10 destinations in 5 posts: 5 requests"
    assert one_by_one.detail.startswith("One retry request per post")
    assert "never resent" in by_bulk.detail
    assert by_bulk.warning is None
