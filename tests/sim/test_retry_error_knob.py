"""The ``retry_error`` knob: retries answered with a chosen error, in each API's own shape,
before anything is applied — set at start, at run time, over HTTP or from the CLI."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import ayr_client, pe_client

from postretry_gui.sim import SimConfig, SimConfigError, cli

X_KEYS = {"X-Twitter-OAuth1-Api-Key": "xk", "X-Twitter-OAuth1-Api-Secret": "xs"}
RELINK_X = {"status": 400, "code": 272, "platform": "twitter", "message": "Relink X/Twitter."}


def ayr_error_ids(sim) -> list[str]:
    return [p.id for p in sim._context().ayr.posts if p.status == "error"]


def pe_failed_ids(sim) -> list[str]:
    return [
        p.post_id
        for p in sim._context().pe.posts
        if any(d.status == "failed" for d in p.destinations)
    ]


def test_an_ayrshare_retry_gets_the_chosen_body_and_nothing_is_applied(make_sim):
    sim = make_sim(ayrshare_posts=40, retry_error=RELINK_X)
    post_id = ayr_error_ids(sim)[0]
    with ayr_client(sim, **X_KEYS) as client:
        r = client.put("/post/retry", json={"id": post_id}, headers={"Idempotency-Key": "k"})
        after = client.get(f"/post/{post_id}").json()
        sim.configure(retry_error=None)
        # The key was not stored with the error: once the knob is off, the retry applies.
        applied = client.put("/post/retry", json={"id": post_id}, headers={"Idempotency-Key": "k"})
    assert r.status_code == 400
    assert r.json() == {
        "action": "post",
        "status": "error",
        "code": 272,
        "message": "Relink X/Twitter.",
        "platform": "twitter",
    }
    assert after["status"] == "error"
    assert applied.status_code == 200
    stats = sim.stats()
    assert stats["faults"]["retry_error"] == 1
    assert stats["ayrshare"]["retries_applied"] == {post_id: 1}
    assert stats["idempotent_replays"] == 0


@pytest.mark.parametrize("status", [402, 504])
def test_an_ayrshare_status_alone_gets_a_coded_error(make_sim, status):
    sim = make_sim(ayrshare_posts=40)
    sim.configure(retry_error={"status": status})
    with ayr_client(sim, **X_KEYS) as client:
        r = client.put("/post/retry", json={"id": ayr_error_ids(sim)[0]})
    assert r.status_code == status
    body = r.json()
    assert (body["action"], body["status"], body["code"]) == ("post", "error", status)
    assert body["message"]
    assert "platform" not in body
    assert sim.stats()["ayrshare"]["retries_applied"] == {}


@pytest.mark.parametrize(("status", "code"), [(402, "payment_required"), (403, "forbidden")])
def test_a_posteverywhere_retry_gets_the_envelope_error(make_sim, status, code):
    sim = make_sim(posts=40, queued_s=30)
    sim.configure(retry_error={"status": status})
    post_id = pe_failed_ids(sim)[0]
    with pe_client(sim) as client:
        r = client.post(f"/posts/{post_id}/retry")
        bulk = client.post("/posts/retry-failed", json={"platform": "x"})
        after = client.get(f"/posts/{post_id}").json()["data"]
    for answer in (r, bulk):
        assert answer.status_code == status
        assert answer.json()["data"] is None
        assert answer.json()["error"]["code"] == code
        assert answer.json()["error"]["message"]
    assert "failed" in {d["status"] for d in after["destinations"]}
    stats = sim.stats()
    assert stats["retries_applied"] == {}
    assert stats["faults"]["retry_error"] == 2


def test_post_ids_limit_the_knob_to_those_posts(make_sim):
    sim = make_sim(posts=40, ayrshare_posts=40, queued_s=30)
    chosen_ayr, other_ayr = ayr_error_ids(sim)[:2]
    chosen_pe, other_pe = pe_failed_ids(sim)[:2]
    sim.configure(retry_error={"status": 403, "code": "quota", "post_ids": [chosen_ayr, chosen_pe]})
    with ayr_client(sim, **X_KEYS) as ayr, pe_client(sim) as pe:
        refused_ayr = ayr.put("/post/retry", json={"id": chosen_ayr})
        applied_ayr = ayr.put("/post/retry", json={"id": other_ayr})
        refused_pe = pe.post(f"/posts/{chosen_pe}/retry")
        refused_bulk = pe.post("/posts/retry-failed", json={"post_ids": [other_pe, chosen_pe]})
        applied_pe = pe.post("/posts/retry-failed", json={"post_ids": [other_pe]})
    assert refused_ayr.json()["code"] == "quota"
    assert refused_pe.json()["error"]["code"] == "quota"
    assert refused_ayr.status_code == refused_pe.status_code == refused_bulk.status_code == 403
    assert applied_ayr.status_code == applied_pe.status_code == 200
    stats = sim.stats()
    assert stats["ayrshare"]["retries_applied"] == {other_ayr: 1}
    assert {key.split("|")[0] for key in stats["retries_applied"]} == {other_pe}


def test_api_limits_the_knob_to_one_surface(make_sim):
    sim = make_sim(posts=40, ayrshare_posts=40, queued_s=30)
    sim.configure(retry_error={"status": 402, "api": "posteverywhere"})
    with ayr_client(sim, **X_KEYS) as ayr, pe_client(sim) as pe:
        assert ayr.put("/post/retry", json={"id": ayr_error_ids(sim)[0]}).status_code == 200
        assert pe.post(f"/posts/{pe_failed_ids(sim)[0]}/retry").status_code == 402


def test_reads_are_never_answered_with_the_chosen_error(make_sim):
    sim = make_sim(posts=10, ayrshare_posts=10, retry_error={"status": 402})
    with ayr_client(sim) as ayr, pe_client(sim) as pe:
        assert ayr.get("/history").status_code == 200
        assert pe.get("/posts").status_code == 200
    assert sim.stats()["faults"]["retry_error"] == 0


def test_the_knob_over_http_round_trips_and_bad_values_are_named(make_sim):
    sim = make_sim(posts=10, ayrshare_posts=10)
    r = httpx.post(sim.url + "/_sim/config", json={"retry_error": RELINK_X})
    assert r.status_code == 200
    shown = httpx.get(sim.url + "/_sim/config").json()["retry_error"]
    assert shown == {**RELINK_X, "post_ids": [], "api": None}
    assert sim.config.retry_error is not None
    assert sim.config.retry_error.code == 272
    bad = httpx.post(sim.url + "/_sim/config", json={"retry_error": {"status": 200}})
    assert bad.status_code == 400
    assert "retry_error.status" in bad.json()["error"]
    off = httpx.post(sim.url + "/_sim/config", json={"retry_error": None})
    assert off.json()["retry_error"] is None


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"status": 302}, "retry_error.status"),
        ({"code": 272}, "retry_error.status"),
        ({"status": True}, "retry_error.status"),
        ({"status": 402, "code": False}, "retry_error.code"),
        ({"status": 402, "message": 7}, "retry_error.message"),
        ({"status": 402, "post_ids": "abc"}, "retry_error.post_ids"),
        ({"status": 402, "post_ids": [1]}, "retry_error.post_ids"),
        ({"status": 402, "api": "buffer"}, "retry_error.api"),
        ({"status": 402, "body": {}}, "unknown key"),
        ([402], "retry_error must be an object"),
    ],
)
def test_bad_retry_errors_are_refused_at_start_and_at_run_time(make_sim, value, named):
    with pytest.raises(SimConfigError, match=named):
        SimConfig(retry_error=value)
    sim = make_sim(posts=5, ayrshare_posts=5)
    with pytest.raises(SimConfigError, match=named):
        sim.configure(retry_error=value)
    assert sim.config.retry_error is None


def test_the_cli_takes_the_knob_as_json():
    parser = cli.build_parser()
    config = cli.config_from_args(parser.parse_args(["--retry-error", '{"status": 402}']))
    assert config.retry_error is not None
    assert config.retry_error.status == 402
    with pytest.raises(SimConfigError, match="JSON"):
        cli.config_from_args(parser.parse_args(["--retry-error", "{402"]))
