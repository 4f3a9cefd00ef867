"""One budget per API key across the team, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest
from team_testkit import OpenDatabase

from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team import TeamBudget, TeamDatabase, budget_id_for

MINUTE = WindowSpec(limit=60, length_s=60, label="this minute")
HOUR = WindowSpec(limit=100, length_s=3600, label="this hour")
DAY = WindowSpec(limit=150, length_s=86400, label="today")


@pytest.mark.asyncio
async def test_the_budget_is_named_without_storing_the_key(open_database: OpenDatabase) -> None:
    alice = await open_database("alice")
    bob = await open_database("bob")
    named = await budget_id_for(alice, "ayrshare", "KEY-123")
    assert named == await budget_id_for(bob, "ayrshare", "KEY-123")
    assert named != await budget_id_for(alice, "ayrshare", "KEY-124")
    assert named != await budget_id_for(alice, "ayrshare", "KEY-123", "profile-2")
    assert "KEY-123" not in named


@pytest.mark.asyncio
async def test_three_instances_reserving_at_once_never_exceed_the_allowance(
    open_database: OpenDatabase,
) -> None:
    budgets = [
        TeamBudget(await open_database(name), "key-1", [MINUTE, HOUR, DAY])
        for name in ("alice", "bob", "carol")
    ]

    async def spend(budget: TeamBudget) -> int:
        taken = 0
        while True:
            reservation = await budget.reserve(7)  # 60 is no multiple of 7: a partial grant
            taken += reservation.granted
            if reservation.granted < 7:
                return taken

    taken = await asyncio.gather(*(spend(b) for b in budgets))
    assert sum(taken) == MINUTE.limit  # the minute runs out first: all of it, never more
    assert all(t > 0 for t in taken)
    last = await budgets[0].reserve(1)
    assert last.granted == 0
    assert 0 < last.wait_s <= 60
    used = {w.spec.label: w.used for w in await budgets[1].windows()}
    assert used == {"this minute": 60, "this hour": 60, "today": 60}


@pytest.mark.asyncio
async def test_a_longer_window_limits_the_next_minute(database: TeamDatabase) -> None:
    budget = TeamBudget(database, "key-1", [MINUTE, HOUR])
    assert (await budget.reserve(60)).granted == 60
    # The server says the minute reset (a new window with its full allowance)...
    await budget.observe(limit=60, remaining=60, reset_at=time.time() + 120)
    # ...but the hour has only 40 left.
    reservation = await budget.reserve(60)
    assert reservation.granted == 40
    assert reservation.wait_s > 60  # the hour must reopen


@pytest.mark.asyncio
async def test_observed_headers_raise_the_shared_count_within_a_window(
    database: TeamDatabase,
) -> None:
    budget = TeamBudget(database, "key-1", [MINUTE, HOUR])
    await budget.reserve(5)
    # Another tool on the same key spent more: the server's count wins.
    assert await budget.observe(limit=60, remaining=20, reset_at=None) == 40
    # A stale answer (sent before our reservations counted) does not lower it.
    assert await budget.observe(limit=60, remaining=58, reset_at=None) == 40
    assert await budget.observe(limit=999, remaining=1, reset_at=None) is None
    assert (await budget.reserve(60)).granted == 20
