"""A leader in a process of its own, for the failover test: takes the lead of a workspace,
says "leading" on stdout and then holds it until it is killed (or its stdin closes).

Usage: python team_leader_child.py URL WORKSPACE   (the password in POSTRETRY_TEST_PG_PASSWORD)
"""

from __future__ import annotations

import asyncio
import os
import sys

from postretry_gui.store.team import LeaderElection, TeamDatabase, TeamSettings


async def main(url: str, workspace_id: str) -> None:
    database = TeamDatabase(TeamSettings(url, "leader"), os.environ["POSTRETRY_TEST_PG_PASSWORD"])
    election = LeaderElection(database, workspace_id)
    if not await election.try_lead():
        print("follower", flush=True)
        return
    print("leading", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until killed
    await election.resign()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
