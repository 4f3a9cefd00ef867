"""How fast a follower hears of the leader's changes through LISTEN/NOTIFY, and how fast a
follower takes over a killed leader.

Run inside a throwaway server (no Qt; about five seconds):
``scripts/with-postgres .venv-3.11/bin/python benchmarks/team_notify.py``
(or set POSTRETRY_TEST_PG_URL / POSTRETRY_TEST_PG_PASSWORD to a server of your own: the
benchmark makes a database of its own there and drops it after).

- notify: the leader publishes one changed post 200 times, one after another; each latency is
  from just before ``publish`` is called to the moment the follower has read the changed
  post back (notice heard, ``changed_since`` read, post decoded): what a follower's row update
  waits for. p50 and p99 over the 200.
- failover: a leader in a child process is killed with SIGKILL five times; each figure is
  from the kill to the moment a waiting follower (polling every 0.1 s) holds the lead.

Last line: ``team_notify: changes=200 notify_p50_ms=<a> notify_p99_ms=<b>
failover_max_s=<f>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Iterator

import psycopg
from psycopg import sql

from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.store.team import (
    LeaderElection,
    PostChangeListener,
    SharedPosts,
    TeamDatabase,
    TeamSettings,
)

CHANGES = 200
FAILOVER_TRIALS = 5
POLL_S = 0.1
WORKSPACE = "bench"
LEADER_CHILD = """
import asyncio, os, sys
from postretry_gui.store.team import LeaderElection, TeamDatabase, TeamSettings
async def main():
    db = TeamDatabase(TeamSettings(sys.argv[1], "leader"), os.environ.get("PGBENCH_PW"))
    election = LeaderElection(db, sys.argv[2])
    assert await election.try_lead()
    print("leading", flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure_notify(url: str, password: str) -> list[float]:
    leader_db = TeamDatabase(TeamSettings(url, "leader"), password)
    follower_db = TeamDatabase(TeamSettings(url, "follower"), password)
    await leader_db.migrate()
    leader = SharedPosts(leader_db, WORKSPACE)
    follower = SharedPosts(follower_db, WORKSPACE)
    post = Post(
        post_id="post-1",
        destinations=(Destination("acc-1", "twitter", Status.FAILED, error="Rate limited"),),
        status=PostStatus.FAILED,
    )
    latencies: list[float] = []
    seen = await follower.latest_change()
    async with PostChangeListener(follower_db, WORKSPACE) as listener:
        changes = listener.changes()
        for n in range(CHANGES):
            changed = dataclasses.replace(post, content=f"edit {n}")
            started = time.perf_counter()
            await leader.publish([changed])
            notice = await asyncio.wait_for(anext(changes), 10)
            read = await follower.changed_since(seen)
            latencies.append(time.perf_counter() - started)
            assert read.posts[-1] == changed
            assert read.change_seq == notice.change_seq
            seen = read.change_seq
        await changes.aclose()
    await leader_db.close()
    await follower_db.close()
    return latencies


async def measure_failover(url: str, password: str) -> list[float]:
    database = TeamDatabase(TeamSettings(url, "follower"), password)
    figures: list[float] = []
    environment = {**os.environ, "PGBENCH_PW": password, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(FAILOVER_TRIALS):
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LEADER_CHILD, url, WORKSPACE,
            stdout=asyncio.subprocess.PIPE, env=environment,
        )  # fmt: skip
        assert child.stdout is not None
        assert (await asyncio.wait_for(child.stdout.readline(), 30)).strip() == b"leading"
        follower = LeaderElection(database, WORKSPACE, poll_interval_s=POLL_S)
        assert not await follower.try_lead()
        child.send_signal(signal.SIGKILL)
        killed = time.perf_counter()
        assert await follower.wait_to_lead(timeout_s=30)
        figures.append(time.perf_counter() - killed)
        await child.wait()
        await follower.resign()
    await database.close()
    return figures


@contextlib.contextmanager
def scratch_database() -> Iterator[tuple[str, str]]:
    """(URL, password) of a database made for this run on the server scripts/with-postgres
    started (or POSTRETRY_TEST_PG_URL names), dropped after it."""
    url = os.environ.get("POSTRETRY_TEST_PG_URL")
    password = os.environ.get("POSTRETRY_TEST_PG_PASSWORD", "")
    if not url:
        sys.exit("Run inside scripts/with-postgres (or set POSTRETRY_TEST_PG_URL).")
    name = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, password=password, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name, password
    finally:
        with psycopg.connect(url, password=password, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


async def main() -> None:
    with scratch_database() as (bench_url, password):
        latencies = [s * 1000 for s in await measure_notify(bench_url, password)]
        failovers = await measure_failover(bench_url, password)
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    print(f"notify: {CHANGES} changes, min {min(latencies):.2f} ms, p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, max {max(latencies):.2f} ms")  # fmt: skip
    print(f"failover after SIGKILL ({FAILOVER_TRIALS} trials, poll {POLL_S} s): "
          + ", ".join(f"{f:.3f}" for f in failovers) + " s")  # fmt: skip
    print(f"team_notify: changes={CHANGES} notify_p50_ms={p50:.2f} notify_p99_ms={p99:.2f} "
          f"failover_max_s={max(failovers):.3f}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
