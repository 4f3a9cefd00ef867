"""Acceptance, failover: the leader is killed with SIGKILL in the middle of its syncing, ten
times. Each time the follower leads within 10 s, and the retries it watches all settle."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest
from team_processes import WAIT_S, settling_sim, start, stop
from team_testkit import PgServer

from postretry_gui.controller.workspace_opener import LEADING
from postretry_gui.sim import SimServer

TRIALS = 10
TOTAL = 400
RETRIED = 5
LEAD_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    # Reading the list is slow (30 ms a page) and the leader refreshes every 0.3 s, so a
    # kill lands mid-sync; retried destinations fail again at once and settle quickly.
    config = settling_sim(17, TOTAL, slow_route="GET /posteverywhere/api/v1/posts", latency_ms=30.0)
    with SimServer(config, port=0) as server:
        yield server


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_follower_leads_within_ten_seconds_of_a_kill_and_settles_its_retries(
    sim: SimServer, pg_server: PgServer, team_url: str
) -> None:
    loop = asyncio.get_running_loop()
    took: list[float] = []
    for trial in range(TRIALS):
        base = {
            "base_url": sim.posteverywhere_url, "team_url": team_url,
            "password": pg_server.password, "workspace_id": f"failover-{trial}",
            "total": TOTAL, "refresh_interval_s": 0.3, "poll_interval_s": 0.2,
        }  # fmt: skip
        leader = await start({**base, "operator": "leader", "retry": False})
        follower = None
        try:
            async with asyncio.timeout(WAIT_S):
                await leader.until_notice(LEADING)
                follower = await start({
                    **base, "operator": "follower", "first": trial * RETRIED,
                    "count": RETRIED, "settle": True,
                })  # fmt: skip
                await follower.until("ready")
                assert follower.selection is not None
                await follower.go(follower.selection)
                leader.process.send_signal(signal.SIGKILL)
                killed_at = loop.time()
                await follower.until_notice(LEADING)
                took.append(loop.time() - killed_at)
                await follower.until("done")
        finally:
            await stop([p for p in (leader, follower) if p is not None], grace_s=WAIT_S)
        assert follower.report == {"retried": RETRIED}, f"trial {trial}"
    assert max(took) < LEAD_WITHIN_S, took
