"""The team's journal behind the session's journal link: the intent awaited before a send,
the later writes in order behind it, and kept through an outage rather than lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from team_testkit import OpenDatabase

from postretry_gui.controller.shared_journal import SharedJournalLink
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import Outcome
from postretry_gui.store.journal import IntentState
from postretry_gui.store.team import TeamDatabase, TeamJournal

WORKSPACE = "w" * 32
WAIT_S = 20.0


def link_to(database: TeamDatabase, counts: dict[str, int]) -> SharedJournalLink:
    team_link = TeamLink(database, lambda up, said: None, probe_interval_s=0.1)
    return SharedJournalLink(
        TeamJournal(database, WORKSPACE), team_link, WORKSPACE, print, counts.__setitem__
    )


@pytest.mark.asyncio
async def test_an_intent_and_its_outcome_reach_the_team_history_with_the_sender(
    open_database: OpenDatabase,
) -> None:
    counts: dict[str, int] = {}
    alice = link_to(await open_database("alice"), counts)
    entry = await alice.record_intent("p1", ["a", "b"])
    assert entry is not None
    alice.mark_sent(entry)
    alice.acknowledge(entry, "queued")
    alice.settle(entry, Outcome.PUBLISHED)
    await alice.flush()

    bob_view = TeamJournal(await open_database("bob"), WORKSPACE)
    (record,) = await bob_view.history()
    assert (record.operator, record.state, record.outcome) == (
        "alice",
        IntentState.SETTLED,
        Outcome.PUBLISHED,
    )
    assert alice.retries_sent("p1") is None  # asked in the background...
    bob = link_to(await open_database("bob"), counts)
    bob.retries_sent("p1")
    await asyncio.wait_for(_counted(counts, "p1"), WAIT_S)
    assert counts["p1"] == 1  # ...and handed over when read


@pytest.mark.asyncio
async def test_an_outcome_written_during_an_outage_lands_when_the_server_is_back(
    open_database: OpenDatabase, server_control: Callable[[str], Awaitable[None]]
) -> None:
    database = await open_database("alice")
    alice = link_to(database, {})
    entry = await alice.record_intent("p1", ["a"])
    assert entry is not None

    await server_control("stop")
    alice.mark_sent(entry)
    alice.settle(entry, Outcome.FAILED_AGAIN, "still failing")
    await server_control("start")
    await alice.flush(timeout_s=WAIT_S)

    (record,) = await TeamJournal(await open_database("bob"), WORKSPACE).history()
    assert record.outcome is Outcome.FAILED_AGAIN


async def _counted(counts: dict[str, int], post_id: str) -> None:
    while post_id not in counts:  # noqa: ASYNC110 - a callback's dict: nothing to await
        await asyncio.sleep(0.01)
