"""``GET /posts`` with ``updated_after``: a client polling what changed since its last answer
sees every state a retried destination passes through."""

from __future__ import annotations

import httpx
from sim_helpers import all_posts, pe_client, wait_for

CHANGED = {
    "sort": "updated_at",
    "order": "desc",
    "status": "publishing,published,partially_failed,failed",
    "limit": 100,
}


def a_failed_post_id(client: httpx.Client) -> str:
    return all_posts(client, status="failed")[0]["post_id"]


def test_polling_what_changed_since_the_last_answer_sees_every_state(make_sim):
    sim = make_sim(queued_s=0.15, publishing_s=0.15)
    with pe_client(sim) as client:
        post_id = a_failed_post_id(client)
        retry = client.post(f"/posts/{post_id}/retry").json()
        retried = {d["account_id"] for d in retry["data"]["destinations"]}
        phases = [frozenset(d["status"] for d in retry["data"]["destinations"])]
        since = retry["meta"]["timestamp"]

        def poll() -> bool:
            nonlocal since
            answer = client.get("/posts", params={**CHANGED, "updated_after": since}).json()
            since = answer["meta"]["timestamp"]
            for post in answer["data"]["posts"]:
                if post["post_id"] == post_id:
                    phase = {
                        d["status"] for d in post["destinations"] if d["account_id"] in retried
                    }
                    phases.append(frozenset(phase))
            return phases[-1] <= {"published", "failed"}

        wait_for(poll)
    assert phases[0] == {"queued"}
    assert frozenset({"publishing"}) in phases
    assert phases.index(frozenset({"publishing"})) < len(phases) - 1


def test_a_retry_that_settles_at_once_still_shows_as_changed(make_sim):
    # queued_s = publishing_s = 0: the retry answer says "queued" and the post has settled
    # by the next read; its updated_at must still move past the answer's timestamp.
    sim = make_sim(queued_s=0.0, publishing_s=0.0, success_odds=1.0)
    with pe_client(sim) as client:
        post_id = a_failed_post_id(client)
        retry = client.post(f"/posts/{post_id}/retry")
        since = retry.json()["meta"]["timestamp"]
        changed = client.get("/posts", params={**CHANGED, "updated_after": since})
    posts = {p["post_id"]: p for p in changed.json()["data"]["posts"]}
    assert post_id in posts
    assert posts[post_id]["updated_at"] > since
    assert {d["status"] for d in posts[post_id]["destinations"]} <= {"published", "failed"}
