"""Orphaned intents on a real PostgreSQL: unfinished retries no live instance can still be
settling (no running claim on any of their pairs, not moved for a lease), which the leader
reads to settle them."""

from __future__ import annotations

import pytest
import pytest_asyncio
from team_testkit import OpenDatabase

from postretry_gui.domain import Outcome
from postretry_gui.store.team import Claims, TeamDatabase, TeamJournal

WORKSPACE = "ws1"
HOUR_S = 3600.0


@pytest_asyncio.fixture
async def journal(database: TeamDatabase) -> TeamJournal:
    return TeamJournal(database, WORKSPACE)


async def _orphan_ids(journal: TeamJournal, lease_s: float = 0.0) -> list[str]:
    return [i.intent_id for i in await journal.orphaned(lease_s)]


@pytest.mark.asyncio
async def test_an_intent_whose_claim_ran_out_is_orphaned_and_one_still_claimed_is_not(
    open_database: OpenDatabase,
) -> None:
    alice = await open_database("alice")
    journal = TeamJournal(alice, WORKSPACE)
    claims = Claims(alice, WORKSPACE)
    await claims.claim([("p-live", "a"), ("p-live", "b")], lease_s=HOUR_S)
    live = await journal.intend(WORKSPACE, "p-live", ["a", "b"])
    await claims.claim([("p-dead", "a")], lease_s=0.0)  # a lease that ran out at once
    dead = await journal.intend(WORKSPACE, "p-dead", ["a"])
    await journal.mark_sent(dead.intent_id)

    # Another operator's leader reads the same answer: the claim's holder does not matter.
    leader = TeamJournal(await open_database("bob"), WORKSPACE)
    assert await _orphan_ids(leader) == [dead.intent_id]
    assert live.intent_id in [i.intent_id for i in await leader.unfinished()]


@pytest.mark.asyncio
async def test_one_running_claim_on_any_of_its_pairs_keeps_an_intent_from_being_orphaned(
    database: TeamDatabase, journal: TeamJournal
) -> None:
    claims = Claims(database, WORKSPACE)
    intent = await journal.intend(WORKSPACE, "p1", ["a", "b"])
    await claims.claim([("p1", "a")], lease_s=0.0)
    held = await claims.claim([("p1", "b")], lease_s=HOUR_S)
    assert await _orphan_ids(journal) == []

    await claims.release(held.claim)
    assert await _orphan_ids(journal) == [intent.intent_id]


@pytest.mark.asyncio
async def test_an_intent_that_moved_within_the_lease_is_not_orphaned_even_unclaimed(
    journal: TeamJournal,
) -> None:
    intent = await journal.intend(WORKSPACE, "p1", ["a"])
    # A refused retry's claim is released before its settling write lands: not an orphan.
    assert await _orphan_ids(journal, lease_s=HOUR_S) == []
    assert await _orphan_ids(journal, lease_s=0.0) == [intent.intent_id]


@pytest.mark.asyncio
async def test_settled_intents_and_other_workspaces_are_never_orphans(
    database: TeamDatabase, journal: TeamJournal
) -> None:
    settled = await journal.intend(WORKSPACE, "p1", ["a"])
    await journal.settle(settled.intent_id, Outcome.FAILED_AGAIN)
    elsewhere = await journal.intend("ws2", "p1", ["a"])
    # A running claim in another workspace on the same post and account protects nothing
    # here: workspaces are apart.
    await Claims(database, "ws2").claim([("p2", "a")], lease_s=HOUR_S)
    mine = await journal.intend(WORKSPACE, "p2", ["a"])

    assert await _orphan_ids(journal) == [mine.intent_id]
    assert await _orphan_ids(TeamJournal(database, "ws2")) == [elsewhere.intent_id]


@pytest.mark.asyncio
async def test_oldest_first_and_a_negative_lease_is_refused(journal: TeamJournal) -> None:
    first = await journal.intend(WORKSPACE, "p2", ["a"])
    second = await journal.intend(WORKSPACE, "p1", ["a"])
    assert await _orphan_ids(journal) == [first.intent_id, second.intent_id]
    with pytest.raises(ValueError, match="negative"):
        await journal.orphaned(-1.0)
