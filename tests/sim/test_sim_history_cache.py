"""Ayrshare's ``/history`` with ``limit`` above 25 comes from a cache up to a minute old."""

from __future__ import annotations

import httpx
from sim_helpers import ayr_client, wait_for

BIG = {"status": "error", "lastDays": 0, "limit": 1000}


def retryable_error_post(client: httpx.Client) -> dict:
    """An error post without X (no app keys needed) that a retry can publish."""
    posts = client.get("/history", params={**BIG, "limit": 25}).json()["history"]
    return next(
        p
        for p in posts
        if "twitter" not in p["platforms"]
        and not {e["code"] for e in p["errors"]} & {156, 161, 272, 110, 107}
    )


def ids(answer: httpx.Response) -> set[str]:
    return {p["id"] for p in answer.json()["history"]}


def test_big_pages_are_a_snapshot_small_pages_are_fresh(make_sim):
    # A minute scaled to 0.5 s; the retried post is pending until long after it.
    sim = make_sim(ayrshare_posts=200, rate_time_scale=0.5 / 60, queued_s=30.0)
    with ayr_client(sim) as client:
        post = retryable_error_post(client)
        before = client.get("/history", params=BIG)
        assert post["id"] in ids(before)
        assert client.put("/post/retry", json={"id": post["id"]}).status_code == 200
        cached = client.get("/history", params=BIG)
        fresh = client.get("/history", params={**BIG, "limit": 25})
        assert cached.content == before.content  # the same answer, lastUpdated included
        assert post["id"] in ids(cached)  # still "error" there
        assert post["id"] not in ids(fresh)  # pending now
        renewed = wait_for(
            lambda: post["id"] not in ids(r := client.get("/history", params=BIG)) and r
        )
    assert renewed.json()["lastUpdated"] > before.json()["lastUpdated"]
    assert renewed.json()["nextUpdate"] > renewed.json()["lastUpdated"]


def test_the_cache_is_per_query_and_can_be_switched_off(make_sim):
    sim = make_sim(ayrshare_posts=200, queued_s=30.0)
    with ayr_client(sim) as client:
        post = retryable_error_post(client)
        client.get("/history", params=BIG)
        client.put("/post/retry", json={"id": post["id"]})
        other_query = client.get("/history", params={**BIG, "limit": 999})
        assert post["id"] not in ids(other_query)
        assert post["id"] in ids(client.get("/history", params=BIG))
        sim.configure(history_cache_s=0)
        assert post["id"] not in ids(client.get("/history", params=BIG))


def test_limit_is_accepted_up_to_1000(make_sim):
    sim = make_sim(ayrshare_posts=1200)
    with ayr_client(sim) as client:
        page = client.get("/history", params={"lastDays": 0, "limit": 1000})
        too_many = client.get("/history", params={"lastDays": 0, "limit": 1001})
    assert page.status_code == 200
    assert len(page.json()["history"]) == 1000
    assert too_many.status_code == 400
