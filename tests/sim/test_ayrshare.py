"""The Ayrshare surface (contract section 2) over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import ayr_client, wait_for

from postretry_gui.sim import DEMO_PE_KEY

ALREADY = {
    "action": "post",
    "status": "error",
    "code": 329,
    "message": "This post was already retried and cannot be retried again.",
}
X_KEYS = {"X-Twitter-OAuth1-Api-Key": "xk", "X-Twitter-OAuth1-Api-Secret": "xs"}
FAST = {"queued_s": 0.05, "publishing_s": 0.05}


def error_posts(client: httpx.Client) -> list[dict]:
    answer = client.get("/history", params={"status": "error", "lastDays": 0, "limit": 1000})
    return answer.json()["history"]


def error_post(client: httpx.Client, *, twitter: bool, relink: bool | None = None) -> dict:
    for post in error_posts(client):
        codes = {e["code"] for e in post["errors"]}
        if ("twitter" in post["platforms"]) != twitter:
            continue
        if relink is True and not codes & {156, 161, 272}:
            continue
        if relink is False and codes & {156, 161, 272, 110, 107}:
            continue
        return post
    raise AssertionError("no such post in the seeded data")  # pragma: no cover


@pytest.fixture
def ayr_sim(make_sim):
    return make_sim(ayrshare_posts=120, **FAST)


@pytest.mark.parametrize("key", [None, DEMO_PE_KEY, "ayr_live_real"])
def test_keys_other_than_test_keys_get_401(ayr_sim, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(ayr_sim.ayrshare_url + "/history", headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == "error"
    assert set(body) >= {"action", "code", "message"}


def test_history_items_carry_the_contract_fields_in_their_variants(ayr_sim):
    with ayr_client(ayr_sim) as client:
        history = client.get("/history", params={"lastDays": 0, "limit": 1000}).json()["history"]
    deleted = [p for p in ayr_sim._context().ayr.posts if p.status == "deleted"]
    assert deleted, "the seeded data has deleted posts"
    assert len(history) == 120 - len(deleted)
    assert {p["status"] for p in history} == {
        "success",
        "error",
        "pending",
        "processing",
        "paused",
        "awaiting approval",
    }
    keys = {k for p in history for k in ("created", "createDate", "create_date") if k in p}
    assert keys == {"created", "createDate", "create_date"}
    assert {type(p["scheduleDate"]).__name__ for p in history} == {"dict", "str"}
    stamp = next(p["scheduleDate"] for p in history if isinstance(p["scheduleDate"], dict))
    assert set(stamp) == {"_seconds", "_nanoseconds", "utc"}
    for p in history:
        assert p["platforms"]
        for pid in p["postIds"]:
            assert set(pid) >= {"platform", "status", "id", "postUrl"}
        for e in p["errors"]:
            assert e["status"] == "error"
            assert set(e) >= {"action", "code", "message", "platform"}
    codes = {e["code"] for p in history for e in p["errors"]}
    assert codes & {156, 161, 272}
    assert codes & {110, 107}
    assert any(e.get("retryAvailable") for p in history for e in p["errors"])
    assert all(p["errors"] for p in history if p["status"] == "error")


def test_history_filters_and_limits(ayr_sim):
    with ayr_client(ayr_sim) as client:
        assert len(client.get("/history", params={"lastDays": 0}).json()["history"]) == 25
        limited = client.get("/history", params={"lastDays": 0, "limit": 7}).json()["history"]
        assert len(limited) == 7
        assert client.get("/history", params={"limit": 1001}).status_code == 400
        recent = client.get("/history", params={"lastDays": 7, "limit": 1000}).json()["history"]
        every = client.get("/history", params={"lastDays": 0, "limit": 1000}).json()["history"]
        assert 0 < len(recent) < len(every)
        twitter = client.get(
            "/history", params=[("platforms[]", "twitter"), ("lastDays", 0), ("limit", 1000)]
        ).json()["history"]
        assert twitter
        assert all("twitter" in p["platforms"] for p in twitter)
        errors = error_posts(client)
        assert {p["status"] for p in errors} == {"error"}
        assert client.get("/history", params={"status": "bogus"}).status_code == 400
        middle = every[len(every) // 2]
        created = next(middle[k] for k in ("created", "createDate", "create_date") if k in middle)
        older = client.get(
            "/history", params={"endDate": created, "lastDays": 0, "limit": 1000}
        ).json()["history"]
        assert 0 < len(older) < len(every)


def test_deleted_posts_are_in_history_only_when_a_status_filter_asks_for_them(ayr_sim):
    every = {"lastDays": 0, "limit": 1000}
    expected = {p.id for p in ayr_sim._context().ayr.posts if p.status == "deleted"}
    with ayr_client(ayr_sim) as client:
        unfiltered = client.get("/history", params=every).json()["history"]
        asked = client.get("/history", params={**every, "status": "deleted"}).json()["history"]
        mixed = client.get("/history", params={**every, "status": "deleted,error"}).json()
    assert expected
    assert not expected & {p["id"] for p in unfiltered}
    assert {p["id"] for p in asked} == expected
    assert expected <= {p["id"] for p in mixed["history"]}


def test_history_as_a_bare_list(make_sim):
    with ayr_client(make_sim(history_shape="list")) as client:
        body = client.get("/history", params={"limit": 3, "lastDays": 0}).json()
    assert isinstance(body, list)
    assert len(body) == 3


def test_get_post_and_404(ayr_sim):
    with ayr_client(ayr_sim) as client:
        first = client.get("/history", params={"limit": 1}).json()["history"][0]
        post = client.get(f"/post/{first['id']}").json()
        assert post["id"] == first["id"]
        missing = client.get("/post/nope")
    assert missing.status_code == 404
    assert missing.json()["status"] == "error"
    assert isinstance(missing.json()["code"], int)


def test_retry_once_then_329_and_the_post_settles(ayr_sim):
    ayr_sim.configure(success_odds=1.0)
    with ayr_client(ayr_sim) as client:
        post = error_post(client, twitter=False, relink=False)
        r = client.put("/post/retry", json={"id": post["id"]})
        assert r.status_code == 200
        assert r.json() == {"status": "pending", "id": post["id"]}
        assert client.get(f"/post/{post['id']}").json()["status"] == "pending"
        again = client.put("/post/retry", json={"id": post["id"]})
        assert again.status_code == 400
        assert again.json() == ALREADY
        done = wait_for(
            lambda: (p := client.get(f"/post/{post['id']}").json())["status"] != "pending" and p
        )
        assert done["status"] == "success"
        assert done["errors"] == []
        assert {p["platform"] for p in done["postIds"]} == set(post["platforms"])
        # Settling does not make a second retry possible.
        assert client.put("/post/retry", json={"id": post["id"]}).json() == ALREADY
    assert ayr_sim.stats()["ayrshare"]["retries_applied"] == {post["id"]: 1}


def test_relink_errors_fail_again(ayr_sim):
    ayr_sim.configure(success_odds=1.0)
    with ayr_client(ayr_sim, **X_KEYS) as client:
        post = error_post(client, twitter=False, relink=True)
        client.put("/post/retry", json={"id": post["id"]})
        done = wait_for(
            lambda: (p := client.get(f"/post/{post['id']}").json())["status"] != "pending" and p
        )
        history = {p["id"]: p for p in error_posts(client)}
    assert done["status"] == "error"
    assert {e["code"] for e in done["errors"]} & {156, 161, 272}
    assert post["id"] in history


def test_only_error_posts_can_be_retried(ayr_sim):
    with ayr_client(ayr_sim, **X_KEYS) as client:
        success = client.get("/history", params={"status": "success", "lastDays": 0}).json()
        r = client.put("/post/retry", json={"id": success["history"][0]["id"]})
        assert r.status_code == 400
        assert r.json()["status"] == "error"
        assert client.put("/post/retry", json={"id": "missing"}).status_code == 404
        assert client.put("/post/retry", json={}).status_code == 400
        assert client.put("/post/retry", content=b"{").status_code == 400


def test_twitter_posts_need_the_x_headers(ayr_sim):
    with ayr_client(ayr_sim) as client:
        post = error_post(client, twitter=True)
        r = client.put("/post/retry", json={"id": post["id"]})
        assert r.status_code == 400
        assert "X-Twitter-OAuth1-Api-Key" in r.json()["message"]
        assert isinstance(r.json()["code"], int)
        ok = client.put("/post/retry", json={"id": post["id"]}, headers=X_KEYS)
        assert ok.status_code == 200
    present = ayr_sim.stats()["ayrshare"]["headers_present"]
    assert present["x_twitter_oauth1_api_key"]["true"] == 1
    assert present["x_twitter_oauth1_api_secret"]["true"] == 1
    assert present["profile_key"]["true"] == 0
    assert "xk" not in str(ayr_sim.stats())


def test_basic_plan_cannot_retry(make_sim):
    with ayr_client(make_sim(ayrshare_plan="basic"), **X_KEYS) as client:
        post = error_posts(client)[0]
        r = client.put("/post/retry", json={"id": post["id"]})
    assert r.status_code == 403
    assert isinstance(r.json()["code"], int)


def test_idempotency_key_replays_an_ayrshare_retry(ayr_sim):
    with ayr_client(ayr_sim, **X_KEYS) as client:
        post = error_posts(client)[0]
        headers = {"Idempotency-Key": "ayr-intent"}
        first = client.put("/post/retry", json={"id": post["id"]}, headers=headers)
        again = client.put("/post/retry", json={"id": post["id"]}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    stats = ayr_sim.stats()["ayrshare"]
    assert stats["retries_applied"] == {post["id"]: 1}
    assert stats["retries_applied_by_intent"] == {"ayr-intent": {post["id"]: 1}}


def test_drop_after_apply_on_ayrshare_retry(make_sim):
    sim = make_sim(drop_after_apply_odds=1.0)
    with ayr_client(sim, **X_KEYS) as client:
        post = error_posts(client)[0]
        with pytest.raises(httpx.RemoteProtocolError):
            client.put("/post/retry", json={"id": post["id"]})
        assert client.get(f"/post/{post['id']}").json()["status"] == "pending"
    assert sim.stats()["dropped_connections"] == 1


def test_profiles_walk_with_cursor_and_user(ayr_sim):
    with ayr_client(ayr_sim) as client:
        titles = []
        cursor = None
        for _ in range(10):
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            body = client.get("/profiles", params=params).json()
            titles += [p["title"] for p in body["profiles"]]
            assert all("profileKey" not in p for p in body["profiles"])
            if not body["pagination"]["hasMore"]:
                assert body["pagination"]["nextCursor"] is None
                break
            cursor = body["pagination"]["nextCursor"]
        assert len(titles) == len(set(titles)) == 7
        assert client.get("/profiles", params={"cursor": "!!"}).status_code == 400
        user = client.get("/user").json()
        assert user["activeSocialAccounts"]
        assert set(user["displayNames"][0]) == {"platform", "displayName", "username", "profileUrl"}
        other = client.get("/user", headers={"Profile-Key": "PK-1"}).json()
        assert other["title"] != user["title"]
    assert ayr_sim.stats()["ayrshare"]["headers_present"]["profile_key"]["true"] == 1


def test_new_rate_limit_headers_and_429_without_retry_after(make_sim):
    sim = make_sim(ayrshare_rate_limit=2, ayrshare_header_style="new")
    with ayr_client(sim) as client:
        answers = [client.get("/user") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert [r.headers["x-ratelimit-count"] for r in answers] == ["1", "2", "2"]
    assert {r.headers["x-ratelimit-max"] for r in answers} == {"2"}
    assert "retry-after" not in answers[2].headers
    assert answers[2].json()["status"] == "error"


def test_old_rate_limit_headers_count_milliseconds(make_sim):
    sim = make_sim(ayrshare_rate_limit=5, ayrshare_rate_window_s=300, ayrshare_header_style="old")
    with ayr_client(sim) as client:
        r = client.get("/user")
    assert r.headers["x-ratelimit-remaining"] == "4"
    assert 299_000 <= int(r.headers["x-ratelimit-reset"]) <= 300_000
    assert "x-ratelimit-max" not in r.headers


def test_rate_limit_is_per_profile(make_sim):
    sim = make_sim(ayrshare_rate_limit=1)
    with ayr_client(sim) as client:
        assert client.get("/user").status_code == 200
        assert client.get("/user").status_code == 429
        assert client.get("/user", headers={"Profile-Key": "PK-2"}).status_code == 200


def test_faults_reach_ayrshare_too(make_sim):
    sim = make_sim(malformed_odds=1.0, malformed_kinds=("wrong_types",))
    with ayr_client(sim) as client:
        assert client.get("/history").json()["history"] == "oops"
        sim.configure(malformed_odds=0.0, error_5xx_odds=1.0)
        # Ayrshare's gateways answer 504 too (seeded dice: the same 40 answers every run).
        statuses = {client.get("/history").status_code for _ in range(40)}
    assert statuses == {500, 502, 503, 504}
