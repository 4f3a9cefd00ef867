"""Team mode against separate instances: API requests per minute, how fast a follower's rows
follow the leader's read, failover, 429s and duplicates.

Run inside a throwaway server (no Qt; about a minute):
``scripts/with-postgres .venv-3.11/bin/python benchmarks/team.py``

- requests: five instances of one shared workspace (one leads and reads the list, four
  follow through LISTEN/NOTIFY) against five independent instances of the same key (the
  baseline, same run, same simulator), each refreshing every ``REFRESH_S``; the simulator
  counts the requests over ``MEASURE_S`` after every instance has loaded. Ratio: baseline
  requests per minute over the team's.
- notify: in both runs a separate client retries failed posts (so the list changes): the same
  stream of changes in both runs, through its own key, so it neither draws on the instances'
  allowance nor is slowed by it (sharing their key made it slower under five independent
  instances, so the baseline saw fewer changes and read fewer pages: the ratio then measured
  the changer, not the instances); its requests are not counted. Each latency is from the
  leader session's row update (its read of the changed post) to a follower session's row
  update for the same post version. p50 and p99 over every pair. All five sessions and the
  simulator share this one process.
- failover: ``team_notify.measure_failover`` (a leader process killed with SIGKILL).
- rejected_429: 429 answers during the team run (the simulator at PostEverywhere's 60 a
  minute, windows scaled by ``SCALE``); duplicates: (post, account) pairs applied twice.

Last line: ``team: instances=5 requests_ratio=<r> notify_p50_ms=<a> notify_p99_ms=<b>
failover_s=<f> rejected_429=<z> duplicates=<d>``.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from team_notify import _percentile, measure_failover, scratch_database

from postretry_gui.controller import NullListener
from postretry_gui.controller.workspace_opener import OpenedWorkspace, WorkspaceOpener
from postretry_gui.domain import Post
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.store import StoreDirs, Workspace, WorkspaceSecrets
from postretry_gui.store.workspace_team import team_settings

INSTANCES = 5
POSTS = 600
REFRESH_S = 2.0
MEASURE_S = 30.0
CHANGE_EVERY_S = 0.2
SCALE = 0.1  # the simulator's minute lasts 6 s: 60 requests per 6 s
# The simulator takes any ``pe_test_*`` key for the same posts and limits each key apart.
CHANGER_KEY = "pe_test_bench_changer"


class Stamps(NullListener):
    """When this session showed each version of each post."""

    def __init__(self) -> None:
        self.seen: dict[Post, float] = {}
        self.loaded = 0

    def posts_changed(self, posts: Sequence[Post]) -> None:
        now = time.perf_counter()
        for post in posts:
            self.seen.setdefault(post, now)


def _open(
    scratch: Path, n: int, base_url: str, team_url: str | None, password: str, listener: Stamps
) -> OpenedWorkspace:
    windows = (WindowSpec(limit=60, length_s=60 * SCALE, label="this minute"),)
    team = team_settings(team_url, f"operator-{n}") if team_url else None
    workspace = Workspace("bench" if team else f"solo-{n}", f"Bench {n}", "posteverywhere",
                          base_url, team=team)  # fmt: skip
    opener = WorkspaceOpener(
        StoreDirs.under(scratch / str(n)),
        refresh_interval_s=REFRESH_S,
        team_options=lambda o: replace(o, budget_windows=windows, poll_interval_s=0.5),
    )
    secrets = WorkspaceSecrets(api_key=DEMO_PE_KEY, team_db_password=password)
    return opener.open(workspace, secrets, listener)


async def _run(
    sim: SimServer, team_url: str | None, password: str
) -> tuple[float, list[Stamps], int, float]:
    """Requests per minute of five instances (team or independent), their listeners, the
    changes made meanwhile and when they began."""
    stamps = [Stamps() for _ in range(INSTANCES)]
    changes = 0
    with tempfile.TemporaryDirectory(prefix="postretry-bench-team-") as scratch:
        opened = [
            _open(Path(scratch), n, sim.posteverywhere_url, team_url, password, stamps[n])
            for n in range(INSTANCES)
        ]
        try:
            for instance in opened:
                instance.start()
                await asyncio.sleep(0.2)  # the first one leads
            while min(len(o.session.posts) for o in opened) < POSTS:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            changer = PostEverywhereProvider(sim.posteverywhere_url, CHANGER_KEY)
            first = sim.stats()["requests_total"]
            started = time.perf_counter()
            failed = [p for p in opened[0].session.posts.values()
                      if opened[0].session.eligible_account_ids(p)]  # fmt: skip
            while time.perf_counter() - started < MEASURE_S:
                if changes < len(failed):
                    post = failed[changes]
                    ids = sorted(opened[0].session.eligible_account_ids(post))
                    await changer.retry(post, ids, idempotency_key=uuid.uuid4().hex)
                    changes += 1
                await asyncio.sleep(CHANGE_EVERY_S)
            used = sim.stats()["requests_total"] - first - changes
            await changer.aclose()
        finally:
            for instance in opened:
                await instance.aclose()
    return used * 60.0 / MEASURE_S, stamps, changes, started


def _latencies(stamps: list[Stamps], first_change: float) -> list[float]:
    """Per post version shown after the changes began: every later showing's delay after the
    first (the leader's own read is necessarily the first)."""
    shown: dict[Post, list[float]] = {}
    for listener in stamps:
        for post, at in listener.seen.items():
            if at >= first_change:
                shown.setdefault(post, []).append(at)
    latencies = []
    for times in shown.values():
        if len(times) == INSTANCES:  # the leader's read and every follower's update
            read = min(times)
            latencies.extend((at - read) * 1000 for at in times if at != read)
    return latencies


async def main() -> None:
    config = SimConfig(seed=23, posts=POSTS, rate_limit=60, rate_time_scale=SCALE,
                       queued_s=0.5, publishing_s=0.5, success_odds=0.0)  # fmt: skip
    with scratch_database() as (bench_url, password), SimServer(config, port=0) as sim:
        baseline, _, _, _ = await _run(sim, None, password)
        sim.reset_stats()
        team, stamps, changes, began = await _run(sim, bench_url, password)
        stats = sim.stats()
        failovers = await measure_failover(bench_url, password)
    latencies = _latencies(stamps, began)
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    duplicates = sum(1 for n in stats["retries_applied"].values() if n > 1)
    ratio = baseline / team
    print(
        f"requests per minute: independent {baseline:.0f}, team {team:.0f} "
        f"({INSTANCES} instances, refresh every {REFRESH_S:g} s, {MEASURE_S:g} s measured)"
    )
    print(
        f"notify: {len(latencies)} row updates after {changes} changes, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"team: instances={INSTANCES} requests_ratio={ratio:.2f} notify_p50_ms={p50:.1f} "
          f"notify_p99_ms={p99:.1f} failover_s={max(failovers):.3f} "
          f"rejected_429={stats['rate_limited']} duplicates={duplicates}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
