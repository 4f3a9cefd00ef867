"""The control surface (/_sim), server lifecycle and the standalone CLI."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading

import httpx
import pytest
from sim_helpers import pe_client, wait_for

from postretry_gui.sim import DEMO_AYR_KEY, DEMO_PE_KEY, SimConfig, SimServer, cli


def test_demo_keys_and_urls(make_sim):
    assert DEMO_PE_KEY == "pe_test_demo"
    assert DEMO_AYR_KEY == "ayr_test_demo"
    sim = make_sim()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
    assert sim.port > 0
    assert sim.posteverywhere_url == sim.url + "/posteverywhere/api/v1"
    assert sim.ayrshare_url == sim.url + "/ayrshare/api"


def test_stats_count_requests_by_route_template_and_status(make_sim):
    sim = make_sim()
    with pe_client(sim) as client:
        client.get("/posts")
        client.get("/posts")
        client.get("/posts/nope")
        client.get("/posts/other")
    httpx.get(sim.posteverywhere_url + "/posts")
    over_http = httpx.get(sim.url + "/_sim/stats").json()
    requests = over_http["requests"]
    assert requests["GET /posteverywhere/api/v1/posts"] == {"200": 2, "401": 1}
    assert requests["GET /posteverywhere/api/v1/posts/{post_id}"] == {"404": 2}
    assert over_http["requests_total"] == 5
    assert sim.stats()["requests"] == requests
    httpx.post(sim.url + "/_sim/reset-stats")
    assert sim.stats()["requests"] == {}
    with pe_client(sim) as client:
        client.get("/accounts")
    sim.reset_stats()
    assert sim.stats()["requests_total"] == 0


def test_control_routes_need_no_key_and_are_never_limited_or_faulted(make_sim):
    sim = make_sim(rate_limit=1, error_5xx_odds=1.0)
    answers = [httpx.get(sim.url + "/_sim/stats") for _ in range(3)]
    assert {r.status_code for r in answers} == {200}


def test_config_over_http(make_sim):
    sim = make_sim()
    r = httpx.post(sim.url + "/_sim/config", json={"latency_ms": 5, "fault_routes": ["/x"]})
    assert r.status_code == 200
    assert r.json()["latency_ms"] == 5
    assert sim.config.latency_ms == 5
    assert sim.config.fault_routes == ("/x",)
    assert httpx.get(sim.url + "/_sim/config").json()["fault_routes"] == ["/x"]
    bad = httpx.post(sim.url + "/_sim/config", json={"success_odds": -1})
    assert bad.status_code == 400
    assert "success_odds" in bad.json()["error"]
    assert httpx.post(sim.url + "/_sim/config", content=b"[").status_code == 400


def test_stop_is_quick_frees_the_port_and_leaves_no_thread():
    sim = SimServer(SimConfig(), port=0).start()
    port = sim.port
    assert httpx.get(sim.url + "/_sim/stats").status_code == 200
    with httpx.Client() as keep_alive:  # an open keep-alive connection must not hold stop()
        keep_alive.get(sim.url + "/_sim/stats")
        sim.stop()
    assert not sim.running
    assert not any(t.name == "postretry-sim" and t.is_alive() for t in threading.enumerate())
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    again = SimServer(SimConfig(), port=port).start()
    try:
        assert again.port == port
    finally:
        again.stop()


def test_standalone_cli_prints_where_it_listens_and_serves():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "postretry_gui.sim.cli",
            "--port",
            "0",
            "--posts",
            "30",
            "--seed",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        base = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert base, lines
        assert "/posteverywhere/api/v1" in lines[1]
        assert DEMO_PE_KEY in lines[1]
        assert "/ayrshare/api" in lines[2]
        assert DEMO_AYR_KEY in lines[2]
        url = base.group(0) + "/posteverywhere/api/v1/posts"
        answer = wait_for(
            lambda: httpx.get(url, headers={"Authorization": f"Bearer {DEMO_PE_KEY}"})
        )
        assert answer.json()["data"]["pagination"]["total"] == 30
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


def test_cli_refuses_bad_knobs(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--success-odds", "3", "--port", "0"])
    assert exited.value.code == 2
    assert "success_odds" in capsys.readouterr().err
