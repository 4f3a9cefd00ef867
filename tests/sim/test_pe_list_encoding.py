"""PostEverywhere list pages are built from each post's cached JSON bytes: they must read
exactly like the single-post answers, in the same compact encoding, and follow every change
(a retry moving destinations through queued -> publishing -> published/failed)."""

from __future__ import annotations

import json

import httpx
from sim_helpers import all_posts, pe_client, wait_for

from postretry_gui.sim import SimConfig
from postretry_gui.sim.pe_model import Post
from postretry_gui.sim.pe_store import PeStore, PostQuery

ANCHOR = 1_790_000_000.0


def listed_post(client: httpx.Client, post_id: str) -> dict:
    return next(p for p in all_posts(client) if p["post_id"] == post_id)


def single_post(client: httpx.Client, post_id: str) -> dict:
    r = client.get(f"/posts/{post_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def retryable_post_id(client: httpx.Client) -> str:
    """A failed post whose accounts can all post (its retry is not doomed by a reconnect)."""
    accounts = client.get("/accounts").json()["data"]["accounts"]
    broken = {a["account_id"] for a in accounts if not a["health"]["can_post"]}
    failed = all_posts(client, status="failed")
    return next(p["post_id"] for p in failed if not set(p["account_ids"]) & broken)


def test_a_list_page_reads_exactly_like_each_post_read_alone(pe):
    page = pe.get("/posts", params={"limit": 100, "offset": 25}).json()["data"]["posts"]
    assert len(page) == 100
    assert [single_post(pe, p["post_id"]) for p in page] == page


def test_answers_keep_the_compact_encoding_with_keys_in_contract_order(pe):
    """The bytes on the wire are what ``json.dumps(separators=(",", ":"),
    ensure_ascii=False)`` makes of the same data: no spaces, keys in contract order."""
    for path in ("/posts?limit=100", "/posts?limit=3&status=failed"):
        r = pe.get(path)
        assert r.content == json.dumps(r.json(), separators=(",", ":"), ensure_ascii=False).encode()
    post = r.json()["data"]["posts"][0]
    assert list(post) == [
        "post_id",
        "id",
        "status",
        "content",
        "account_ids",
        "scheduled_for",
        "timezone",
        "media",
        "destinations",
        "created_at",
        "updated_at",
        "published_at",
    ]
    single = pe.get(f"/posts/{post['post_id']}")
    assert (
        single.content
        == json.dumps(single.json(), separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert r.headers["content-type"] == single.headers["content-type"] == "application/json"


def test_a_retry_shows_queued_in_the_listing_and_the_single_read(make_sim):
    with pe_client(make_sim(posts=150, success_odds=1.0, queued_s=30.0)) as client:
        post_id = retryable_post_id(client)
        before = listed_post(client, post_id)  # read (and cached) before the change
        assert {d["status"] for d in before["destinations"]} == {"failed"}
        assert client.post(f"/posts/{post_id}/retry").status_code == 200
        after = listed_post(client, post_id)
        assert after["status"] == "publishing"
        assert {d["status"] for d in after["destinations"]} == {"queued"}
        assert all(d["error"] is None for d in after["destinations"])
        assert [d["attempts"] for d in after["destinations"]] == [
            d["attempts"] + 1 for d in before["destinations"]
        ]
        assert single_post(client, post_id) == after
        queued = all_posts(client, status="publishing")
        assert post_id in {p["post_id"] for p in queued}


def test_a_retry_shows_publishing_then_published_in_the_listing(make_sim):
    sim = make_sim(posts=150, success_odds=1.0, queued_s=0.05, publishing_s=1.0)
    with pe_client(sim) as client:
        post_id = retryable_post_id(client)
        assert client.post(f"/posts/{post_id}/retry").status_code == 200

        def in_listing(status: str) -> dict | None:
            post = listed_post(client, post_id)
            return post if {d["status"] for d in post["destinations"]} == {status} else None

        publishing = wait_for(lambda: in_listing("publishing"))
        assert publishing["status"] == "publishing"
        published = wait_for(lambda: in_listing("published"))
        assert published["status"] == "published"
        assert all(d["platform_post_id"] and d["published_at"] for d in published["destinations"])
        assert published["updated_at"] > publishing["updated_at"]
        assert single_post(client, post_id) == published


def healthy_failed_post(store: PeStore) -> Post:
    return next(
        p
        for p in store.posts
        if p.status == "failed"
        and all(store.accounts_by_id[d.account_id].can_post(ANCHOR) for d in p.destinations)
    )


def test_the_stores_cached_json_follows_every_step_of_a_retry():
    """On the store's own clock: every transition is seen in the cached bytes at once."""
    config = SimConfig(posts=80, success_odds=0.0, queued_s=10.0, publishing_s=20.0)
    store = PeStore(config, ANCHOR)
    post = healthy_failed_post(store)
    first = post.as_json()
    assert store.retry(post, None, ANCHOR + 1, config)

    def statuses(at: float) -> set[str]:
        store.advance(at)
        listed_again = next(p for p in store.query(PostQuery()) if p is post)
        return {d["status"] for d in json.loads(listed_again.encoded())["destinations"]}

    assert statuses(ANCHOR + 2) == {"queued"}
    assert statuses(ANCHOR + 12) == {"publishing"}
    assert statuses(ANCHOR + 32) == {"failed"}
    settled = post.as_json()
    assert settled["status"] == "failed"
    assert settled["updated_at"] > first["updated_at"]
    assert [d["attempts"] for d in settled["destinations"]] == [
        d["attempts"] + 1 for d in first["destinations"]
    ]
