"""Rate limiting and fault injection, seen from a client over real HTTP."""

from __future__ import annotations

import json
import math
import time

import httpx
import pytest
from sim_helpers import pe_client, wait_for

from postretry_gui.sim import SimConfigError


def first_failed(client: httpx.Client) -> dict:
    answer = client.get("/posts", params={"status": "failed", "limit": 1})
    return answer.json()["data"]["posts"][0]


def test_every_answer_carries_rate_limit_headers_and_the_budget_runs_out(make_sim):
    with pe_client(make_sim(rate_limit=3, rate_window_s=60)) as client:
        answers = [client.get("/posts", params={"limit": 1}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["x-ratelimit-limit"] for r in answers} == {"3"}
    limited = answers[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited.json()["data"] is None
    retry_after = int(limited.headers["retry-after"])
    reset = int(limited.headers["x-ratelimit-reset"])
    assert 55 <= retry_after <= 60
    assert abs(reset - (time.time() + retry_after)) <= 2


def test_reset_is_rounded_up_so_waiting_until_it_never_arrives_early(make_sim):
    with pe_client(make_sim(rate_limit=1, rate_window_s=0.3)) as client:
        client.get("/posts", params={"limit": 1})
        limited = client.get("/posts", params={"limit": 1})
        assert limited.status_code == 429
        reset = int(limited.headers["x-ratelimit-reset"])
        assert int(limited.headers["retry-after"]) == 1  # 0.3 s rounds up to a whole second
        assert reset >= math.ceil(time.time())
        wait_for(lambda: time.time() >= reset, timeout=3)
        assert client.get("/posts", params={"limit": 1}).status_code == 200


def test_limits_are_per_key(make_sim):
    sim = make_sim(rate_limit=1)
    with pe_client(sim, "pe_test_one") as one, pe_client(sim, "pe_test_two") as two:
        assert one.get("/accounts").status_code == 200
        assert one.get("/accounts").status_code == 429
        assert two.get("/accounts").status_code == 200


def test_zero_rate_limit_disables_limiting(make_sim):
    with pe_client(make_sim(rate_limit=0)) as client:
        answers = [client.get("/accounts") for _ in range(5)]
    assert {r.status_code for r in answers} == {200}
    assert "x-ratelimit-limit" not in answers[0].headers


def test_burst_429_answers_the_next_n_requests(make_sim):
    sim = make_sim(rate_limit=100)
    with pe_client(sim) as client:
        assert client.get("/accounts").status_code == 200
        sim.configure(burst_429=2)
        answers = [client.get("/accounts") for _ in range(3)]
    assert [r.status_code for r in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "1"
    assert sim.stats()["rate_limited"] == 2


def test_latency_is_added_server_side(make_sim):
    sim = make_sim()
    with pe_client(sim) as client:
        client.get("/accounts")
        sim.configure(latency_ms=150)
        started = time.perf_counter()
        client.get("/accounts")
        assert time.perf_counter() - started >= 0.15


def test_5xx_faults_come_before_anything_is_applied(make_sim):
    sim = make_sim(error_5xx_odds=1.0)
    with pe_client(sim) as client:
        answers = [client.post("/posts/retry-failed", json={"platform": "x"}) for _ in range(12)]
    assert {r.status_code for r in answers} <= {500, 502, 503}
    kinds = {r.headers["content-type"].split(";")[0] for r in answers}
    assert kinds == {"text/html", "application/json"}
    enveloped = next(r for r in answers if r.headers["content-type"] == "application/json")
    assert enveloped.json()["data"] is None
    assert sim.stats()["retries_applied"] == {}


def test_drop_after_apply_applies_the_retry_and_breaks_the_answer(make_sim):
    sim = make_sim(drop_after_apply_odds=1.0, queued_s=30)
    with pe_client(sim) as client:
        post = first_failed(client)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(f"/posts/{post['post_id']}/retry")
        # Reading is never dropped, and shows the retry went through.
        after = client.get(f"/posts/{post['post_id']}").json()["data"]
    assert {d["status"] for d in after["destinations"]} == {"queued"}
    stats = sim.stats()
    assert stats["dropped_connections"] == 1
    assert len(stats["retries_applied"]) == len(post["destinations"])
    route = "POST /posteverywhere/api/v1/posts/{post_id}/retry"
    assert stats["requests"][route] == {"dropped": 1}


def test_dropped_retry_resent_with_the_same_key_is_replayed(make_sim):
    sim = make_sim(drop_after_apply_odds=1.0, queued_s=30)
    with pe_client(sim) as client:
        post = first_failed(client)
        url = f"/posts/{post['post_id']}/retry"
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(url, headers={"Idempotency-Key": "k1"})
        sim.configure(drop_after_apply_odds=0.0)
        replay = client.post(url, headers={"Idempotency-Key": "k1"})
    assert replay.status_code == 200
    assert replay.json()["data"]["retried_count"] == len(post["destinations"])
    assert all(n == 1 for n in sim.stats()["retries_applied"].values())


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("html_200", 200),
        ("html_502", 502),
        ("truncated_json", 200),
        ("wrong_types", 200),
        ("data_list", 200),
    ],
)
def test_malformed_answers(make_sim, kind, status):
    sim = make_sim(malformed_odds=1.0, malformed_kinds=(kind,))
    with pe_client(sim) as client:
        r = client.get("/posts", params={"limit": 2})
    assert r.status_code == status
    if kind.startswith("html"):
        assert r.headers["content-type"].startswith("text/html")
        assert r.text.lstrip().startswith("<")
    elif kind == "truncated_json":
        with pytest.raises(json.JSONDecodeError):
            r.json()
    elif kind == "wrong_types":
        assert r.json()["data"]["posts"] == "oops"
    else:
        assert r.json()["data"] == []
    assert sim.stats()["faults"]["malformed"] == 1


def test_wrong_types_on_a_retry_answer(make_sim):
    sim = make_sim(malformed_odds=1.0, malformed_kinds=("wrong_types",), queued_s=30)
    with pe_client(sim) as client:
        sim.configure(malformed_odds=0.0)
        post = first_failed(client)
        sim.configure(malformed_odds=1.0)
        r = client.post(f"/posts/{post['post_id']}/retry")
    assert r.json()["data"]["destinations"] == "oops"


def test_fault_routes_scope_the_faults(make_sim):
    sim = make_sim(error_5xx_odds=1.0, fault_routes=("POST /posteverywhere/api/v1/posts/",))
    with pe_client(sim) as client:
        assert client.get("/accounts").status_code == 200
        assert client.get("/posts").status_code == 200
        assert client.post("/posts/whatever/retry").status_code >= 500


def test_bad_knobs_are_refused_with_a_clear_error(make_sim):
    sim = make_sim()
    with pytest.raises(SimConfigError, match="success_odds"):
        sim.configure(success_odds=2)
    with pytest.raises(SimConfigError, match="seed"):
        sim.configure(seed=3)
    with pytest.raises(SimConfigError, match="unknown"):
        sim.configure(no_such_knob=1)
    with pytest.raises(SimConfigError, match="malformed_kinds"):
        sim.configure(malformed_kinds=["nope"])
