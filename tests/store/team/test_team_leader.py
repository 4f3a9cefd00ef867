"""Leader election on a real PostgreSQL: one leader, and a takeover when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from team_testkit import OpenDatabase, PgServer

from postretry_gui.store.team import LeaderElection

CHILD = Path(__file__).with_name("team_leader_child.py")
FAILOVER_TARGET_S = 10.0
CHILD_START_TIMEOUT_S = 30.0


@pytest.mark.asyncio
async def test_one_instance_leads_and_the_lead_passes_on_resigning(
    open_database: OpenDatabase,
) -> None:
    alice = LeaderElection(await open_database("alice"), "ws1")
    bob = LeaderElection(await open_database("bob"), "ws1")
    other_workspace = LeaderElection(await open_database("bob"), "ws2")
    async with LeaderElection(await open_database("carol"), "ws1") as carol:
        assert await carol.try_lead()
    assert await alice.try_lead()
    assert await alice.try_lead()  # still leading
    assert not await bob.try_lead()
    assert await other_workspace.try_lead()  # one leader per workspace
    await alice.resign()
    assert await bob.try_lead()
    assert not await alice.try_lead()
    for election in (alice, bob, other_workspace):
        await election.resign()


@pytest.mark.asyncio
async def test_a_follower_takes_over_when_the_leader_is_killed(
    pg_server: PgServer, team_url: str, open_database: OpenDatabase
) -> None:
    database = await open_database("follower")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    leader = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        team_url,
        "ws1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=environment,
    )
    assert leader.stdout is not None
    try:
        said = await asyncio.wait_for(leader.stdout.readline(), CHILD_START_TIMEOUT_S)
        assert said.strip() == b"leading"
        follower = LeaderElection(database, "ws1", poll_interval_s=0.05)
        assert not await follower.try_lead()
        assert await follower.holder_pid() is not None

        leader.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        took_over = await follower.wait_to_lead(timeout_s=FAILOVER_TARGET_S)
        failover_s = time.monotonic() - killed_at
    finally:
        if leader.returncode is None:
            leader.kill()
        await leader.wait()
    assert took_over, f"no takeover within {FAILOVER_TARGET_S} s"
    print(f"failover after SIGKILL: {failover_s:.3f} s")
    assert failover_s < FAILOVER_TARGET_S
    await follower.resign()
