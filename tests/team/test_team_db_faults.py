"""Acceptance, database faults: PostgreSQL stops in the middle of a bulk job (PostEverywhere
bulk requests, one account on many posts each). The instance says so, sends nothing more (no
retry without a claim), and the job resumes by itself when the server is back: every pair
applied once, every intent settled in the team's history."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
from team_processes import WAIT_S, settling_sim, start, stop
from team_testkit import OpenDatabase, PgServer

from postretry_gui.sim import SimServer
from postretry_gui.store.journal import IntentState
from postretry_gui.store.team import TeamJournal

POSTS = 120
TOTAL = 600
WORKSPACE = "faults"
STOP_AFTER = 20  # pairs applied before the server stops
QUIET_S = 1.0  # how long nothing may be sent while the server is away
BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
POST_ROUTE = "POST /posteverywhere/api/v1/posts/{post_id}/retry"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    # Each retry takes 100 ms, so the job is still sending when the server stops.
    config = settling_sim(
        13, TOTAL, slow_route="POST /posteverywhere/api/v1/posts", latency_ms=100.0
    )
    with SimServer(config, port=0) as server:
        yield server


def _applied(sim: SimServer) -> int:
    return sum(sim.stats()["retries_applied"].values())


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_job_pauses_while_the_database_is_away_and_resumes_without_duplicates(
    sim: SimServer,
    pg_server: PgServer,
    team_url: str,
    open_database: OpenDatabase,
    server_control: Callable[[str], Awaitable[None]],
) -> None:
    instance = await start({
        "base_url": sim.posteverywhere_url, "team_url": team_url,
        "password": pg_server.password, "workspace_id": WORKSPACE, "operator": "alice",
        "first": 0, "count": POSTS, "total": TOTAL, "settle": True,
    })  # fmt: skip
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(WAIT_S):
            await instance.until("ready")
            assert instance.selection is not None
            sim.reset_stats()
            await instance.go(instance.selection)
            while _applied(sim) < STOP_AFTER:  # noqa: ASYNC110 - another process's counter
                await asyncio.sleep(0.01)
            await server_control("stop")
            said = await instance.until_notice("Lost the team database")
            assert "Nothing more is sent until it is back" in said
            # Requests confirmed before the loss may still land; then nothing more leaves.
            await asyncio.sleep(0.3)
            before = _applied(sim)
            quiet_until = loop.time() + QUIET_S
            while loop.time() < quiet_until:
                assert _applied(sim) == before, "a retry was sent while the database was away"
                await asyncio.sleep(0.05)
            pairs = sum(len(ids) for ids in instance.selection.values())
            assert before < pairs, "the job ended before the server stopped"
            await server_control("start")
            await instance.until_notice("The team database is back")
            await instance.until("done")
    finally:
        await stop([instance])

    stats = sim.stats()
    applied = stats["retries_applied"]
    assert {pair: n for pair, n in applied.items() if n != 1} == {}
    # Sent as bulk requests (one account, many posts), each claimed and journalled.
    assert set(stats["requests_by_route"]) >= {BULK_ROUTE}
    assert POST_ROUTE not in stats["requests_by_route"]
    assert instance.report is not None
    assert instance.report.get("retried") == POSTS
    history = await TeamJournal(await open_database("auditor"), WORKSPACE).history(limit=10_000)
    sent = [r for r in history if r.state is not IntentState.INTENDED]
    assert {f"{r.post_id}|{a}" for r in sent for a in r.account_ids} == set(applied)
    assert {r.state for r in sent} == {IntentState.SETTLED}
