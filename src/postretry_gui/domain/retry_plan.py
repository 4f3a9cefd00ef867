"""A retry plan: the fewest requests that retry exactly the ticked (post, account) pairs.

The operator's API budget is the scarce thing, so the selection is turned into requests
before anything is journalled or sent, and the confirmation names the plan. Two request
shapes exist:

- ``POST``: one post, the accounts named (PostEverywhere's ``/posts/{id}/retry`` with
  ``account_ids``; Ayrshare's and other whole-post retries, where the accounts are all the
  post's failed ones).
- ``BULK``: one account, up to ``bulk_max_posts`` posts (PostEverywhere's
  ``/posts/retry-failed`` with ``account_id`` and ``post_ids``, whose filters combine, so it
  re-queues exactly those pairs and costs one rate-limit hit).

Every ticked pair is covered by exactly one request and nothing else is: a pair retried
twice is a duplicate post; a pair retried unticked is a surprise.

Choosing the cheapest mix is a small cover problem. An account whose pairs go in bulk costs
``ceil(pairs / bulk_max_posts)`` requests; every post with a pair on an account left out of
bulk costs one single-post request, which then carries all that post's pairs on the non-bulk
accounts. The search starts from "no account in bulk" and "every account in bulk" and moves
one account at a time while the cost strictly drops, so that a tie keeps the single-post
request (acknowledged per post, the path every provider has). With the handful of accounts a
workspace has this finds the optimum in practice; the property tests check it never does
worse than either pure strategy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class RequestShape(StrEnum):
    POST = "post"  # one post, the accounts named
    BULK = "bulk"  # one account, many posts


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRequest:
    shape: RequestShape
    # POST: exactly one post. BULK: up to the provider's limit, in selection order.
    post_ids: tuple[str, ...]
    # POST: the accounts retried on that post. BULK: exactly one account.
    account_ids: tuple[str, ...]

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every (post id, account id) this request re-queues."""
        return frozenset((p, a) for p in self.post_ids for a in self.account_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanOptions:
    # Posts one bulk request may name; 0: the provider has no bulk route (or the workspace
    # was told to use single-post retries only).
    bulk_max_posts: int = 0


@dataclass(frozen=True, slots=True)
class RetryPlan:
    requests: tuple[PlannedRequest, ...]

    @property
    def destinations(self) -> int:
        return sum(len(r.post_ids) * len(r.account_ids) for r in self.requests)

    @property
    def posts(self) -> int:
        return len({p for r in self.requests for p in r.post_ids})

    @property
    def request_count(self) -> int:
        return len(self.requests)

    @property
    def bulk_requests(self) -> tuple[PlannedRequest, ...]:
        return tuple(r for r in self.requests if r.shape is RequestShape.BULK)

    def describe(self) -> str:
        """The confirmation's first sentence: "408 destinations in 199 posts: 16 requests"."""
        return (
            f"{_count(self.destinations, 'destination')} in {_count(self.posts, 'post')}: "
            f"{_count(self.request_count, 'request')}"
        )


def plan_retry(selection: Mapping[str, Iterable[str]], options: PlanOptions) -> RetryPlan:
    """The fewest requests that retry exactly ``selection`` (post id -> account ids).

    The selection is what will really be retried: eligibility and whole-post expansion are
    decided before (``retry_unit``). Posts with no accounts are left out. The order is stable:
    bulk requests by account in first-seen order, then single-post requests in selection
    order, so the same selection always gives the same plan (and the same journal).
    """
    ticked = {post_id: tuple(dict.fromkeys(ids)) for post_id, ids in selection.items()}
    ticked = {post_id: ids for post_id, ids in ticked.items() if ids}
    if options.bulk_max_posts <= 0:
        return RetryPlan(tuple(_single(post_id, ids) for post_id, ids in ticked.items()))
    bulk = _cheapest_bulk_accounts(ticked, options.bulk_max_posts)
    requests: list[PlannedRequest] = []
    for account_id in _accounts_in_order(ticked):
        if account_id not in bulk:
            continue
        posts = [post_id for post_id, ids in ticked.items() if account_id in ids]
        for start in range(0, len(posts), options.bulk_max_posts):
            chunk = tuple(posts[start : start + options.bulk_max_posts])
            requests.append(
                PlannedRequest(shape=RequestShape.BULK, post_ids=chunk, account_ids=(account_id,))
            )
    for post_id, ids in ticked.items():
        rest = tuple(a for a in ids if a not in bulk)
        if rest:
            requests.append(_single(post_id, rest))
    return RetryPlan(tuple(requests))


def _single(post_id: str, account_ids: tuple[str, ...]) -> PlannedRequest:
    return PlannedRequest(shape=RequestShape.POST, post_ids=(post_id,), account_ids=account_ids)


def _accounts_in_order(ticked: Mapping[str, tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(a for ids in ticked.values() for a in ids))


def _cheapest_bulk_accounts(
    ticked: Mapping[str, tuple[str, ...]], bulk_max_posts: int
) -> frozenset[str]:
    accounts = _accounts_in_order(ticked)
    bit = {account_id: 1 << i for i, account_id in enumerate(accounts)}
    masks = [sum(bit[a] for a in ids) for ids in ticked.values()]
    pairs_of = {account_id: 0 for account_id in accounts}
    for ids in ticked.values():
        for account_id in ids:
            pairs_of[account_id] += 1
    bulk_cost = [math.ceil(pairs_of[a] / bulk_max_posts) for a in accounts]

    def cost(chosen: int) -> int:
        bulk = sum(c for i, c in enumerate(bulk_cost) if chosen >> i & 1)
        return bulk + sum(1 for mask in masks if mask & ~chosen)

    def descend(chosen: int) -> int:
        best = cost(chosen)
        improved = True
        while improved:
            improved = False
            for i in range(len(accounts)):
                candidate = chosen ^ (1 << i)
                candidate_cost = cost(candidate)
                # Strictly cheaper, or as cheap with fewer bulk accounts: ties go single.
                if candidate_cost < best or (
                    candidate_cost == best and candidate.bit_count() < chosen.bit_count()
                ):
                    chosen, best, improved = candidate, candidate_cost, True
        return chosen

    everyone = (1 << len(accounts)) - 1
    starts = (descend(0), descend(everyone))
    chosen = min(starts, key=lambda c: (cost(c), c.bit_count()))
    return frozenset(a for a in accounts if chosen & bit[a])


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
