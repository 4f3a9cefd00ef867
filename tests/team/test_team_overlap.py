"""Acceptance, overlap: three app processes on one shared workspace and one simulator press
retry on the same 300-post selection at the same moment. The simulator applies each pair
once, and the team's history (what every instance's Ctrl+H reads) shows each retry once,
with its sender's name."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from team_processes import WAIT_S, settling_sim, start, stop
from team_testkit import OpenDatabase, PgServer

from postretry_gui.sim import SimServer
from postretry_gui.store.journal import IntentState
from postretry_gui.store.team import TeamJournal

POSTS = 300
TOTAL = 1500
WORKSPACE = "overlap"
OPERATORS = ("alice", "bob", "carol")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    # Retried destinations fail again at once (success odds 0): each stays settled and
    # countable; the limiter is off, so the test measures claims, not pacing.
    config = settling_sim(11, TOTAL)
    with SimServer(config, port=0) as server:
        yield server


@pytest.mark.slow
@pytest.mark.asyncio
async def test_three_operators_retrying_the_same_selection_send_each_pair_once(
    sim: SimServer, pg_server: PgServer, team_url: str, open_database: OpenDatabase
) -> None:
    base = {
        "base_url": sim.posteverywhere_url, "team_url": team_url,
        "password": pg_server.password, "workspace_id": WORKSPACE, "first": 0, "count": POSTS,
        "total": TOTAL, "settle": True,
    }  # fmt: skip
    instances = [await start({**base, "operator": name}) for name in OPERATORS]
    try:
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(*(i.until("ready") for i in instances))
            sim.reset_stats()
            selection = instances[0].selection
            assert selection is not None
            assert len(selection) == POSTS
            await asyncio.gather(*(i.go(selection) for i in instances))
            await asyncio.gather(*(i.until("done") for i in instances))
    finally:
        await stop(instances)

    applied = sim.stats()["retries_applied"]
    assert applied, "nothing was retried"
    assert {pair: n for pair, n in applied.items() if n != 1} == {}
    retried = Counter()
    for instance in instances:
        assert instance.report is not None
        retried[instance.operator] = instance.report.get("retried", 0)
    history = await TeamJournal(await open_database("auditor"), WORKSPACE).history(limit=10_000)
    assert sum(retried.values()) == POSTS
    assert len(history) == POSTS
    assert len({record.post_id for record in history}) == POSTS
    assert {record.state for record in history} == {IntentState.SETTLED}
    assert Counter(record.operator for record in history) == retried
    sent_pairs = {f"{r.post_id}|{a}" for r in history for a in r.account_ids}
    assert sent_pairs == set(applied)
