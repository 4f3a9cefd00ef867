"""Acceptance, one budget per key: three processes run bulk jobs on disjoint selections at
the real per-minute allowance (60 a minute; single-post mode, every post one request; the
simulator's windows scaled to 15 s, so the header's whole-second reset costs what it costs
in a real minute).
Together they draw no 429 and use at least 0.9 of the allowance while they send (more than
1.0 is possible: fixed windows let the start of the next window follow the end of one)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from team_processes import WAIT_S, start, stop
from team_testkit import PgServer

from postretry_gui.sim import SimConfig, SimServer

ALLOWANCE = 60  # PostEverywhere's requests per minute
SCALE = 0.25  # a minute of the simulator lasts 15 s
WINDOW_S = 60.0 * SCALE
PER_INSTANCE = 40
TOTAL = 1500
WORKSPACE = "budget"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    config = SimConfig(
        seed=19, posts=TOTAL, rate_limit=ALLOWANCE, rate_time_scale=SCALE,
        queued_s=0.01, publishing_s=0.01, success_odds=0.0,
    )  # fmt: skip
    with SimServer(config, port=0) as server:
        yield server


@pytest.mark.slow
@pytest.mark.asyncio
async def test_three_instances_share_the_key_s_allowance_without_a_429(
    sim: SimServer, pg_server: PgServer, team_url: str
) -> None:
    windows = [
        {"limit": ALLOWANCE, "length_s": WINDOW_S, "label": "this minute"},
        {"limit": 1_000, "length_s": 3600.0 * SCALE, "label": "this hour"},
    ]
    base = {
        "base_url": sim.posteverywhere_url, "team_url": team_url,
        "password": pg_server.password, "workspace_id": WORKSPACE, "total": TOTAL,
        "count": PER_INSTANCE, "budget_windows": windows, "refresh_interval_s": 600.0,
        # One request per post, so the jobs have enough requests to fill the allowance (bulk
        # requests would send 40 posts in a handful).
        "single_post": True,
    }  # fmt: skip
    instances = [
        await start({**base, "operator": name, "first": n * TOTAL // 3})
        for n, name in enumerate(("alice", "bob", "carol"))
    ]
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(*(i.until("ready") for i in instances))
            selections = [i.selection or {} for i in instances]
            assert len({p for s in selections for p in s}) == 3 * PER_INSTANCE  # disjoint
            before = sim.stats()
            started = loop.time()
            await asyncio.gather(*(i.go(s) for i, s in zip(instances, selections, strict=True)))
            await asyncio.gather(*(i.until('{"report"') for i in instances))
            ended = loop.time()
            after = sim.stats()
    finally:
        await stop(instances)

    assert after["rate_limited"] == 0
    for instance in instances:
        assert instance.report == {"retried": PER_INSTANCE}
    used = after["requests_total"] - before["requests_total"]
    share = used / (ALLOWANCE * (ended - started) / WINDOW_S)
    print(f"budget: {used} requests in {ended - started:.1f} s, {share:.2f} of the allowance")
    assert share >= 0.9
