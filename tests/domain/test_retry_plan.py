"""The retry plan: exactly the ticked pairs, each once, in as few requests as the API allows."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from postretry_gui.domain.retry_plan import (
    PlanOptions,
    RequestShape,
    RetryPlan,
    plan_retry,
)

PE = PlanOptions(bulk_max_posts=200)
SINGLE_ONLY = PlanOptions()


def covered(plan: RetryPlan) -> list[tuple[str, str]]:
    return [pair for request in plan.requests for pair in sorted(request.pairs)]


def ticked_pairs(selection: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    return {(p, a) for p, ids in selection.items() for a in ids}


def test_one_post_is_one_single_post_request_with_its_accounts() -> None:
    plan = plan_retry({"p1": ["a1", "a2"]}, PE)
    assert [(r.shape, r.post_ids, r.account_ids) for r in plan.requests] == [
        (RequestShape.POST, ("p1",), ("a1", "a2"))
    ]
    assert plan.describe() == "2 destinations in 1 post: 1 request"


def test_many_posts_on_few_accounts_go_in_bulk_one_request_per_account() -> None:
    selection = {f"p{i}": ["a1", "a2"] if i % 2 else ["a1"] for i in range(150)}
    plan = plan_retry(selection, PE)
    assert plan.request_count == 2
    assert {r.account_ids for r in plan.requests} == {("a1",), ("a2",)}
    assert all(r.shape is RequestShape.BULK for r in plan.requests)
    assert plan.describe() == "225 destinations in 150 posts: 2 requests"


def test_a_bulk_request_names_at_most_the_providers_limit_of_posts() -> None:
    selection = {f"p{i}": ["a1"] for i in range(450)}
    plan = plan_retry(selection, PE)
    assert [len(r.post_ids) for r in plan.requests] == [200, 200, 50]


def test_a_rare_account_stays_on_single_post_requests_when_that_is_cheaper() -> None:
    # a1 on 300 posts: two bulk requests. a2 on one of them: a single-post request for that
    # pair costs one, a bulk request for a2 costs one too; the tie keeps the single post.
    selection = {f"p{i}": ["a1"] for i in range(300)}
    selection["p7"] = ["a1", "a2"]
    plan = plan_retry(selection, PE)
    assert plan.request_count == 3
    assert [r.shape for r in plan.requests].count(RequestShape.POST) == 1
    single = next(r for r in plan.requests if r.shape is RequestShape.POST)
    assert single.post_ids == ("p7",)
    assert single.account_ids == ("a2",)


def test_without_a_bulk_route_every_post_is_one_request() -> None:
    selection = {f"p{i}": ["a1", "a2"] for i in range(5)}
    plan = plan_retry(selection, SINGLE_ONLY)
    assert plan.request_count == 5
    assert all(r.shape is RequestShape.POST for r in plan.requests)


def test_posts_with_nothing_ticked_cost_nothing() -> None:
    assert plan_retry({"p1": [], "p2": ()}, PE).requests == ()
    assert plan_retry({}, PE).describe() == "0 destinations in 0 posts: 0 requests"


def test_the_same_selection_gives_the_same_plan() -> None:
    selection = {f"p{i}": [f"a{i % 3}", f"a{(i * 7) % 5}"] for i in range(40)}
    assert plan_retry(selection, PE) == plan_retry(dict(selection), PE)


def test_a_thousand_posts_over_sixteen_accounts_fit_in_few_requests() -> None:
    selection = {f"p{i}": sorted({f"a{i % 16}", f"a{(i * 5 + 3) % 16}"}) for i in range(1000)}
    plan = plan_retry(selection, PE)
    pairs = ticked_pairs({p: frozenset(a) for p, a in selection.items()})
    assert set(covered(plan)) == pairs
    # Every account has about 125 posts: one bulk request each, 16 in all.
    assert plan.request_count == 16
    assert plan.request_count / len(selection) <= 0.15


selections = st.dictionaries(
    st.text(alphabet="pq0123456789", min_size=1, max_size=4),
    st.frozensets(st.sampled_from([f"a{i}" for i in range(6)]), max_size=6),
    max_size=60,
)


@given(selections, st.integers(min_value=0, max_value=8))
def test_every_ticked_pair_is_retried_exactly_once_and_nothing_else(
    selection: dict[str, frozenset[str]], bulk_max: int
) -> None:
    plan = plan_retry(selection, PlanOptions(bulk_max_posts=bulk_max))
    pairs = covered(plan)
    assert len(pairs) == len(set(pairs)), "a pair in two requests would be sent twice"
    assert set(pairs) == ticked_pairs(selection)
    assert plan.destinations == len(pairs)
    for request in plan.requests:
        if request.shape is RequestShape.BULK:
            assert len(request.account_ids) == 1
            assert 1 <= len(request.post_ids) <= bulk_max
        else:
            assert len(request.post_ids) == 1
            assert request.account_ids


@given(selections, st.integers(min_value=1, max_value=8))
def test_the_plan_never_costs_more_than_either_pure_strategy(
    selection: dict[str, frozenset[str]], bulk_max: int
) -> None:
    plan = plan_retry(selection, PlanOptions(bulk_max_posts=bulk_max))
    all_single = sum(1 for ids in selection.values() if ids)
    per_account: dict[str, int] = {}
    for ids in selection.values():
        for account_id in ids:
            per_account[account_id] = per_account.get(account_id, 0) + 1
    all_bulk = sum(math.ceil(n / bulk_max) for n in per_account.values())
    assert plan.request_count <= min(all_single, all_bulk)
