"""Every window of the real limits: PostEverywhere's minute, hour and day per key, Ayrshare's
five minutes per profile, one time-scale knob for all of them, and 429s counted by window."""

from __future__ import annotations

import time

import httpx
import pytest
from sim_helpers import ayr_client, pe_client, wait_for

from postretry_gui.sim import SimConfig, SimConfigError, cli
from postretry_gui.sim.ratelimit import FixedWindowLimiter, Window

MINUTE = Window("minute", 3, 60.0)
HOUR = Window("hour", 5, 3_600.0)


def test_the_defaults_are_the_real_services_allowances():
    config = SimConfig()
    assert (config.rate_limit, config.rate_window_s) == (60, 60.0)
    assert (config.rate_limit_hour, config.rate_limit_day) == (1_000, 10_000)
    assert (config.ayrshare_rate_limit, config.ayrshare_rate_window_s) == (300, 300.0)
    assert config.rate_time_scale == 1.0


def test_a_request_needs_room_in_every_window_and_counts_in_all():
    limiter = FixedWindowLimiter()
    verdicts = [limiter.hit("k", (MINUTE, HOUR), 1_000.0 + i) for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [w.remaining for w in verdicts[2].windows] == [0, 2]
    # The refusal used up nothing: after the minute the hour still has two left.
    after_minute = [limiter.hit("k", (MINUTE, HOUR), 1_061.0 + i) for i in range(3)]
    assert [v.allowed for v in after_minute] == [True, True, False]
    assert after_minute[-1].blocking.kind == "hour"


def test_headers_report_the_window_nearest_to_exhaustion_ties_to_the_first_reset():
    limiter = FixedWindowLimiter()
    first = limiter.hit("k", (Window("day", 10, 86_400.0), MINUTE), 0.0)
    assert (first.reported.kind, first.reported.remaining, first.reported.limit) == ("minute", 2, 3)
    tie = limiter.hit("t", (Window("hour", 3, 3_600.0), Window("minute", 3, 60.0)), 0.0)
    assert tie.reported.kind == "minute"
    assert tie.reset_header == 60


def test_retry_after_waits_for_the_exhausted_window_that_reopens_last():
    limiter = FixedWindowLimiter()
    tight = (Window("minute", 1, 60.0), Window("hour", 1, 3_600.0))
    limiter.hit("k", tight, 0.0)
    refused = limiter.hit("k", tight, 10.0)
    assert not refused.allowed
    assert refused.blocking.kind == "hour"
    assert refused.retry_after(10.0) == 3_590


def test_posteverywhere_enforces_minute_and_hour_with_the_real_headers(make_sim):
    # A minute of 0.3 s and an hour of 18 s: the allowances are real, the clock is not.
    sim = make_sim(rate_limit=3, rate_limit_hour=5, rate_limit_day=None, rate_time_scale=0.005)
    with pe_client(sim) as client:
        minute = [client.get("/accounts") for _ in range(4)]
        assert [r.status_code for r in minute] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in minute[:3]] == ["2", "1", "0"]
        assert minute[-1].headers["retry-after"] == "1"  # 0.3 s, in whole seconds
        reopened = wait_for(lambda: (r := client.get("/accounts")).status_code == 200 and r)
        # Four counted in the hour now, one left; the minute has two: the hour is reported.
        assert reopened.headers["x-ratelimit-limit"] == "5"
        assert reopened.headers["x-ratelimit-remaining"] == "1"
        assert client.get("/accounts").status_code == 200
        hour = client.get("/accounts")
    assert hour.status_code == 429
    assert 15 <= int(hour.headers["retry-after"]) <= 18
    reset = int(hour.headers["x-ratelimit-reset"])
    assert abs(reset - (time.time() + int(hour.headers["retry-after"]))) <= 2
    by_window = sim.stats()["rate_limited_by_window"]
    assert by_window["hour"] == 1
    assert by_window["minute"] >= 1  # wait_for may have met the minute more than once
    assert by_window["day"] == 0


def test_the_day_window_counts_too(make_sim):
    sim = make_sim(rate_limit=100, rate_limit_day=2)
    with pe_client(sim) as client:
        answers = [client.get("/accounts") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert answers[1].headers["x-ratelimit-limit"] == "2"
    assert int(answers[2].headers["retry-after"]) > 86_000
    assert sim.stats()["rate_limited_by_window"]["day"] == 1


def test_ayrshare_window_follows_the_time_scale(make_sim):
    sim = make_sim(ayrshare_rate_limit=2, rate_time_scale=0.001)  # five minutes = 0.3 s
    with ayr_client(sim) as client:
        answers = [client.get("/user") for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 429]
        wait_for(lambda: client.get("/user").status_code == 200)
    assert sim.stats()["rate_limited_by_window"]["five_minutes"] >= 1


def test_burst_429_is_counted_apart_from_the_windows(make_sim):
    sim = make_sim(rate_limit=100, burst_429=1)
    with pe_client(sim) as client:
        assert client.get("/accounts").status_code == 429
    assert sim.stats()["rate_limited_by_window"]["burst_429"] == 1
    assert sim.stats()["rate_limited_by_window"]["minute"] == 0


def test_stats_count_requests_by_route(make_sim):
    sim = make_sim()
    with pe_client(sim) as client:
        client.get("/accounts")
        client.get("/posts", params={"limit": 1})
        client.get("/posts", params={"limit": 2})
    # Over HTTP: a request is counted once its answer is sent, which the client may beat.
    assert httpx.get(f"{sim.url}/_sim/stats").json()["requests_by_route"] == {
        "GET /posteverywhere/api/v1/accounts": 1,
        "GET /posteverywhere/api/v1/posts": 2,
    }


def test_new_knobs_on_the_cli_and_the_control_endpoint(make_sim):
    args = cli.build_parser().parse_args(
        [
            "--rate-limit-hour",
            "7",
            "--rate-limit-day",
            "0",
            "--rate-time-scale",
            "0.01",
            "--history-cache-s",
            "5",
            "--ignore-retry-failed-account-id",
        ]
    )
    config = cli.config_from_args(args)
    assert (config.rate_limit_hour, config.rate_limit_day) == (7, 0)
    assert (config.rate_time_scale, config.history_cache_s) == (0.01, 5.0)
    assert config.ignore_retry_failed_account_id is True
    assert cli.config_from_args(cli.build_parser().parse_args([])) == SimConfig()
    sim = make_sim()
    changes = {"rate_time_scale": 0.5, "rate_limit_hour": 9, "ignore_retry_failed_account_id": True}
    answer = httpx.post(f"{sim.url}/_sim/config", json=changes)
    assert answer.status_code == 200
    assert {k: answer.json()[k] for k in changes} == changes
    refused = httpx.post(f"{sim.url}/_sim/config", json={"rate_time_scale": 0})
    assert refused.status_code == 400
    assert "rate_time_scale" in refused.json()["error"]


@pytest.mark.parametrize(
    "knobs",
    [
        {"rate_time_scale": -1.0},
        {"rate_limit_hour": -1},
        {"rate_limit_day": 1.5},
        {"history_cache_s": -1.0},
        {"ignore_retry_failed_account_id": "yes"},
    ],
)
def test_bad_new_knobs_are_refused(knobs):
    with pytest.raises(SimConfigError):
        SimConfig(**knobs)
