"""``POST /posts/retry-failed``, the call a budget-aware client leans on: one rate-limit hit
for up to 200 posts, its filters combined, its Idempotency-Key honoured."""

from __future__ import annotations

from collections import Counter

import httpx
from sim_helpers import all_posts, pe_client

SLOW = {"queued_s": 30.0}


def failed_pairs(client: httpx.Client) -> dict[str, set[int]]:
    """Every post with failed destinations: post id -> the failed destinations' accounts."""
    return {
        p["post_id"]: {d["account_id"] for d in p["destinations"] if d["status"] == "failed"}
        for p in all_posts(client, status="failed,partially_failed")
    }


def busiest_account(pairs: dict[str, set[int]]) -> int:
    """An account failed in many posts that also failed elsewhere (so a filter can show)."""
    counts = Counter(a for accounts in pairs.values() if len(accounts) > 1 for a in accounts)
    return counts.most_common(1)[0][0]


def test_post_ids_with_account_id_retry_exactly_those_pairs(make_sim):
    sim = make_sim(**SLOW)
    with pe_client(sim) as client:
        pairs = failed_pairs(client)
        account = busiest_account(pairs)
        named = [post for post, accounts in pairs.items() if account in accounts][:20]
        answer = client.post("/posts/retry-failed", json={"post_ids": named, "account_id": account})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    retried = {(d["post_id"], d["account_id"]) for d in data["destinations"]}
    assert retried == {(post, account) for post in named}
    assert data["retried_count"] == len(named)
    assert all(d["status"] == "queued" for d in data["destinations"])
    assert set(sim.stats()["retries_applied"]) == {f"{p}|{account}" for p in named}


def test_platform_and_a_failure_window_combine(make_sim):
    with pe_client(make_sim(**SLOW)) as client:
        before_any = client.post(
            "/posts/retry-failed",
            json={"platform": "tiktok", "failed_before": "2000-01-01T00:00:00Z"},
        )
        assert before_any.json()["data"]["retried_count"] == 0
        since_ever = client.post(
            "/posts/retry-failed",
            json={"platform": "tiktok", "failed_after": "2000-01-01T00:00:00Z", "max_attempts": 99},
        )
    data = since_ever.json()["data"]
    assert data["retried_count"] > 0
    assert {d["platform"] for d in data["destinations"]} == {"tiktok"}


def test_a_bulk_retry_is_one_rate_limit_hit_however_many_posts(make_sim):
    sim = make_sim(rate_limit=100, **SLOW)
    with pe_client(sim) as client:
        pairs = failed_pairs(client)
        first = client.get("/accounts")
        bulk = client.post("/posts/retry-failed", json={"post_ids": list(pairs)[:200]})
    assert bulk.json()["data"]["retried_count"] > 50
    left_before = int(first.headers["x-ratelimit-remaining"])
    assert int(bulk.headers["x-ratelimit-remaining"]) == left_before - 1


def test_a_bulk_retry_honours_its_idempotency_key(make_sim):
    sim = make_sim(**SLOW)
    with pe_client(sim) as client:
        named = list(failed_pairs(client))[:5]
        headers = {"Idempotency-Key": "bulk-1"}
        first = client.post("/posts/retry-failed", json={"post_ids": named}, headers=headers)
        again = client.post("/posts/retry-failed", json={"post_ids": named}, headers=headers)
        other = client.post("/posts/retry-failed", json={"post_ids": named[:1]}, headers=headers)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    stats = sim.stats()
    assert set(stats["retries_applied"].values()) == {1}
    assert stats["retries_applied_by_intent"]["bulk-1"] == stats["retries_applied"]
    assert stats["idempotent_replays"] == 1


def test_the_ignored_account_id_fault_requeues_every_failed_destination_of_the_posts(make_sim):
    sim = make_sim(ignore_retry_failed_account_id=True, **SLOW)
    with pe_client(sim) as client:
        pairs = failed_pairs(client)
        account = busiest_account(pairs)
        named = [p for p, accounts in pairs.items() if account in accounts and len(accounts) > 1]
        answer = client.post("/posts/retry-failed", json={"post_ids": named, "account_id": account})
    retried = {(d["post_id"], d["account_id"]) for d in answer.json()["data"]["destinations"]}
    assert retried == {(p, a) for p in named for a in pairs[p]}
    assert retried > {(p, account) for p in named}  # wider than asked: what a client must see
    assert sim.stats()["faults"]["ignored_account_id"] == 1


def test_a_silent_answer_leaves_out_the_destinations_but_applies_them(make_sim):
    sim = make_sim(omit_retry_failed_destinations=True, **SLOW)
    with pe_client(sim) as client:
        pairs = failed_pairs(client)
        account = busiest_account(pairs)
        named = [p for p, accounts in pairs.items() if account in accounts][:10]
        answer = client.post("/posts/retry-failed", json={"post_ids": named, "account_id": account})
    data = answer.json()["data"]
    assert "destinations" not in data
    assert data["retried_count"] == len(named)
    assert set(sim.stats()["retries_applied"]) == {f"{p}|{account}" for p in named}


def test_a_5xx_after_apply_answers_an_error_for_a_retry_it_applied(make_sim):
    sim = make_sim(error_5xx_after_apply_odds=1.0, **SLOW)
    with pe_client(sim) as client:
        pairs = failed_pairs(client)
        account = busiest_account(pairs)
        named = [p for p, accounts in pairs.items() if account in accounts][:3]
        answer = client.post(
            "/posts/retry-failed",
            json={"post_ids": named, "account_id": account},
            headers={"Idempotency-Key": "lost-1"},
        )
    assert answer.status_code in (500, 502, 503)
    stats = sim.stats()
    assert stats["faults"]["error_5xx_after_apply"] == 1
    assert set(stats["retries_applied_by_intent"]["lost-1"]) == {f"{p}|{account}" for p in named}
