"""Acceptance, overlap: three app processes on one shared workspace and one simulator press
retry on the same 300-post selection at the same moment. The simulator applies each pair
once, and the team's history (what every instance's Ctrl+H reads) shows each retried pair
once, with its sender's name.

By default the workspace sends PostEverywhere's bulk ``retry-failed`` requests (one account,
up to 200 posts, each request's pairs claimed in one transaction); the single-post variant
sends one claimed request per post, as team mode did before bulk requests were claimed."""

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
BULK_ROUTE = "POST /posteverywhere/api/v1/posts/retry-failed"
POST_ROUTE = "POST /posteverywhere/api/v1/posts/{post_id}/retry"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    # Retried destinations fail again at once (success odds 0): each stays settled and
    # countable; the limiter is off, so the test measures claims, not pacing.
    config = settling_sim(11, TOTAL)
    with SimServer(config, port=0) as server:
        yield server


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize("single_post", [False, True], ids=["bulk", "single-post"])
async def test_three_operators_retrying_the_same_selection_send_each_pair_once(
    sim: SimServer,
    pg_server: PgServer,
    team_url: str,
    open_database: OpenDatabase,
    single_post: bool,
) -> None:
    base = {
        "base_url": sim.posteverywhere_url, "team_url": team_url,
        "password": pg_server.password, "workspace_id": WORKSPACE, "first": 0, "count": POSTS,
        "total": TOTAL, "settle": True, "single_post": single_post,
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

    stats = sim.stats()
    applied = stats["retries_applied"]
    ticked = {f"{post_id}|{a}" for post_id, ids in selection.items() for a in ids}
    assert set(applied) == ticked, "every ticked pair is retried by someone"
    assert {pair: n for pair, n in applied.items() if n != 1} == {}
    sent_by = {}
    for instance in instances:
        assert instance.sent is not None
        sent_by.update(dict.fromkeys(instance.sent, instance.operator))
    assert sum(len(i.sent or ()) for i in instances) == len(ticked), "a pair sent twice"
    history = await TeamJournal(await open_database("auditor"), WORKSPACE).history(limit=10_000)
    recorded = Counter(f"{r.post_id}|{a}" for r in history for a in r.account_ids)
    assert set(recorded) == ticked
    assert {pair: n for pair, n in recorded.items() if n != 1} == {}
    assert {r.state for r in history} == {IntentState.SETTLED}
    # Each pair's row names the operator whose instance sent it.
    assert {f"{r.post_id}|{a}": r.operator for r in history for a in r.account_ids} == sent_by
    requests = stats["requests_by_route"]
    if single_post:
        assert requests.get(POST_ROUTE) == POSTS
        assert BULK_ROUTE not in requests
    else:
        # A handful of bulk requests per instance instead of one request per post.
        assert requests.get(POST_ROUTE, 0) + requests.get(BULK_ROUTE, 0) < POSTS // 10
    print(f"retry requests ({'single-post' if single_post else 'bulk'}):", requests)
