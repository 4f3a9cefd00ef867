"""From a ticked selection to the requests a retry job sends (``domain.retry_plan``).

The workspace decides two things the pure planner cannot: which ticked destinations may
really go (eligibility, widened to whole posts where the provider retries whole posts) and
whether bulk requests may be used at all (the provider's ``bulk_max_posts``, unless the
workspace retries one post per request). The confirmation and the job both plan here, so
what the operator is asked about is what is sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from postretry_gui.controller.events import PostMark
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import ProviderCapabilities
from postretry_gui.domain.retry_plan import PlanOptions, RetryPlan, plan_retry

Units = Mapping[str, frozenset[str]]


def account_order(account_ids: frozenset[str]) -> tuple[str, ...]:
    """A stable order (numeric ids by value): request bodies and journals read the same
    way every time."""
    return tuple(sorted(account_ids, key=lambda a: (len(a), a)))


def plan_options(capabilities: ProviderCapabilities, *, single_post: bool) -> PlanOptions:
    return PlanOptions(bulk_max_posts=0 if single_post else capabilities.bulk_max_posts)


def plan_units(units: Units, options: PlanOptions) -> RetryPlan:
    """The plan for ``units`` (post id -> what will really be retried), in their order."""
    return plan_retry({post_id: account_order(ids) for post_id, ids in units.items()}, options)


def preview_plan(state: WorkspaceState, selection: Units) -> RetryPlan:
    """The plan a retry of ``selection`` would send now; nothing is locked."""
    units: dict[str, frozenset[str]] = {}
    for post_id, ticked in selection.items():
        post = state.posts.get(post_id)
        if post is None or state.mark(post_id) is PostMark.GONE:
            continue
        unit = state.retry_unit_of(post, ticked)
        if unit:
            units[post_id] = unit
    options = plan_options(state.capabilities, single_post=state.single_post_retries)
    return plan_units(units, options)
