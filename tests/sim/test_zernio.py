"""The Zernio surface (contract section 4) as any client sees it: shapes, every
``errorCategory`` in the demo data, its errors, the whole-post retry in both readings, the
team's per-minute limit with its headers, the per-account publishing limit, faults and the
stats."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sim_helpers import wait_for, zer_client

from postretry_gui.sim import SimServer

RETRY = "POST /zernio/api/v1/posts/{post_id}/retry"
CATEGORIES = {
    "auth_expired", "account_issue", "user_content", "media_error", "user_abuse",
    "platform_rejected", "platform_error", "platform_rate_limit", "rate_limited",
    "quota_exhausted", "system_error", "system", "unknown",
}  # fmt: skip
HOPELESS = {"auth_expired", "account_issue", "user_content", "media_error", "user_abuse",
            "platform_rejected"}  # fmt: skip


def every_post(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = client.get("/posts", params={**params, "page": page, "limit": 25})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        posts += body["posts"]
        if page >= body["pagination"]["pages"]:
            return posts
        page += 1


def account_of(target: dict[str, Any]) -> str:
    account = target["accountId"]
    return str(account["_id"] if isinstance(account, dict) else account)


def a_post_to_retry(client: httpx.Client, *, hopeless: bool = False) -> dict[str, Any]:
    for post in every_post(client, status="failed"):
        categories = {t.get("errorCategory") for t in post["platforms"] if t["status"] == "failed"}
        if hopeless == bool(categories & HOPELESS) and (hopeless or categories <= CATEGORIES):
            return post
    raise AssertionError("no such post in the seeded data")


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=5, zernio_posts=80, success_odds=1.0)


def test_posts_come_by_one_status_paged_with_every_category_and_both_account_forms(
    sim: SimServer,
) -> None:
    with zer_client(sim) as client:
        failed = every_post(client, status="failed")
        partial = every_post(client, status="partial")
        everything = every_post(client)
    assert {p["status"] for p in failed} == {"failed"}
    assert {p["status"] for p in partial} == {"partial"}
    assert len(everything) == 80
    targets = [t for p in failed + partial for t in p["platforms"] if t["status"] == "failed"]
    assert {t["errorCategory"] for t in targets} == CATEGORIES
    assert all(t["errorMessage"] and t["errorSource"] for t in targets)
    forms = {type(t["accountId"]) for p in everything for t in p["platforms"]}
    assert forms == {dict, str}
    assert {p["_id"] for p in everything} == {p["_id"] for p in everything if len(p["_id"]) == 24}


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"status": "failed,partial"}, "status"),
        ({"limit": "501"}, "limit"),
        ({"updatedAfter": "2026-01-01"}, "updatedAfter"),
        ({"dateFrom": "soon"}, "dateFrom"),
        ({"page": "0"}, "page"),
    ],
)
def test_a_bad_or_unknown_parameter_is_a_400_naming_it(
    sim: SimServer, params: dict[str, str], word: str
) -> None:
    with zer_client(sim) as client:
        answer = client.get("/posts", params=params)
    assert answer.status_code == 400
    assert word in answer.json()["error"]


def test_errors_have_the_contract_s_shapes(sim: SimServer) -> None:
    with zer_client(sim) as client:
        missing = client.get("/posts/000000000000000000000000")
        wrong_key = client.get("/posts", headers={"Authorization": "Bearer zrk_nope"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not found", "code": "NOT_FOUND"}
    assert wrong_key.status_code == 401
    assert wrong_key.json()["code"] == "invalid_credentials"
    assert wrong_key.headers["x-request-id"]


def test_a_retry_publishes_in_the_request_and_a_second_finds_nothing_to_retry(
    sim: SimServer,
) -> None:
    with zer_client(sim) as client:
        post = a_post_to_retry(client)
        first = client.post(f"/posts/{post['_id']}/retry")
        second = client.post(f"/posts/{post['_id']}/retry")
    assert first.status_code == 200
    after = first.json()["post"]
    assert after["status"] == "published"
    assert all(t["status"] == "published" and t["platformPostUrl"] for t in after["platforms"])
    assert all(t["publishAttempts"] == 1 for t in after["platforms"] if t["status"] != "pending")
    assert second.status_code == 400
    assert "Invalid state" in second.json()["error"]
    assert sim.stats()["zernio"]["retries_applied"] == {post["_id"]: 1}


def test_what_a_retry_cannot_fix_fails_again_with_a_207(sim: SimServer) -> None:
    with zer_client(sim) as client:
        post = a_post_to_retry(client, hopeless=True)
        answer = client.post(f"/posts/{post['_id']}/retry")
    assert answer.status_code == 207
    body = answer.json()
    assert body["message"]
    assert body["error"]
    assert body["post"]["status"] in ("failed", "partial")
    again = [t for t in body["post"]["platforms"] if t.get("errorCategory") in HOPELESS]
    assert again
    assert {t["status"] for t in again} == {"failed"}


def test_the_async_reading_answers_at_once_and_a_retry_meanwhile_is_a_409(
    make_sim: Callable[..., SimServer],
) -> None:
    sim = make_sim(seed=5, zernio_posts=40, zernio_retry_mode="async", queued_s=0.2)
    with zer_client(sim) as client:
        post = a_post_to_retry(client)
        first = client.post(f"/posts/{post['_id']}/retry")
        meanwhile = client.post(f"/posts/{post['_id']}/retry")
        assert first.status_code == 200
        assert first.json()["post"]["status"] == "publishing"
        assert meanwhile.status_code == 409
        assert meanwhile.json()["error"] == "Post is currently publishing"
        settled = wait_for(
            lambda: (
                (p := client.get(f"/posts/{post['_id']}").json()["post"])["status"] != "publishing"
                and p
            )
        )
    assert settled["status"] in ("published", "partial", "failed")
    assert sim.stats()["zernio"]["retries_applied"] == {post["_id"]: 1}


def test_the_per_minute_limit_is_the_team_s_with_headers_and_retry_after(
    make_sim: Callable[..., SimServer],
) -> None:
    sim = make_sim(seed=5, zernio_posts=10, zernio_rate_limit=3)
    with zer_client(sim) as client, zer_client(sim, key="sk_test_other") as other:
        answers = [client.get("/accounts"), other.get("/profiles"), client.get("/posts")]
        refused = other.get("/accounts")
    remaining = [int(a.headers["x-ratelimit-remaining"]) for a in answers]
    assert remaining == [2, 1, 0]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    reset = int(answers[-1].headers["x-ratelimit-reset"])
    assert math.isclose(reset, time.time() + 60, abs_tol=3)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert sim.stats()["rate_limited_by_window"]["minute"] == 1


def test_an_account_publishes_at_most_its_hourly_limit(
    make_sim: Callable[..., SimServer],
) -> None:
    sim = make_sim(seed=5, zernio_posts=80, zernio_publish_per_hour=1, success_odds=0.0)
    with zer_client(sim) as client:
        posts = every_post(client, status="failed")
        by_account: dict[str, list[str]] = {}
        for post in posts:
            for target in post["platforms"]:
                by_account.setdefault(account_of(target), []).append(post["_id"])
        post_ids = next(ids for ids in by_account.values() if len(ids) >= 2)
        first = client.post(f"/posts/{post_ids[0]}/retry")
        second = client.post(f"/posts/{post_ids[1]}/retry")
    assert first.status_code in (200, 207)
    assert second.status_code == 429
    assert second.json()["details"]["reason"] == "velocity"
    assert "retry-after" not in second.headers


def test_retry_error_knob_and_faults_reach_the_zernio_surface(sim: SimServer) -> None:
    with zer_client(sim) as client:
        post = a_post_to_retry(client)
        sim.configure(retry_error={"status": 403, "code": "ACCOUNT_DISCONNECTED", "api": "zernio"})
        refused = client.post(f"/posts/{post['_id']}/retry")
        sim.configure(retry_error=None, drop_after_apply_odds=1.0, fault_routes=["POST /zernio"])
        with pytest.raises(httpx.HTTPError):
            client.post(f"/posts/{post['_id']}/retry")
        sim.configure(drop_after_apply_odds=0.0)
        reread = client.get(f"/posts/{post['_id']}").json()["post"]
    assert refused.status_code == 403
    assert refused.json()["code"] == "ACCOUNT_DISCONNECTED"
    assert reread["status"] == "published", "the dropped retry was applied"
    stats = sim.stats()
    assert stats["faults"]["retry_error"] == 1
    assert stats["faults"]["drop_after_apply"] == 1
    assert stats["zernio"]["retries_applied"] == {post["_id"]: 1}
    # Counted after the answer has left (or the connection broke): wait for both.
    wait_for(lambda: sum(sim.stats()["requests"][RETRY].values()) >= 2)
    assert sim.stats()["requests"][RETRY] == {"403": 1, "dropped": 1}


def test_accounts_health_and_profiles(sim: SimServer) -> None:
    with zer_client(sim) as client:
        accounts = client.get("/accounts").json()
        health = client.get("/accounts/health").json()
        dead = next(a for a in accounts["accounts"] if a["needsReconnection"])
        one = client.get(f"/accounts/{dead['_id']}/health").json()
        profiles = client.get("/profiles").json()["profiles"]
    assert health["summary"]["needsReconnect"] == 1
    assert one["tokenStatus"]["valid"] is False
    assert one["permissions"]["canPost"] is False
    assert sum(p["accountCount"] for p in profiles) == len(accounts["accounts"])
    platforms = [a["platform"] for a in accounts["accounts"]]
    assert platforms.count("twitter") == 2, "two accounts of one platform"
