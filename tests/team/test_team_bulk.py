"""Bulk requests in team mode against a real PostgreSQL: a request's pairs claimed together
(the others' named with their holder), its intents written in one transaction with the
sender's name and the request key, and both waiting out an outage instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from team_testkit import OpenDatabase

from postretry_gui.controller.shared_journal import SharedJournalLink
from postretry_gui.controller.team_coordination import TeamCoordination
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import Outcome
from postretry_gui.store.journal import IntentState
from postretry_gui.store.team import Claims, TeamDatabase, TeamJournal

WORKSPACE = "w" * 32
WAIT_S = 20.0
PAIRS = [("p1", "a"), ("p2", "a"), ("p3", "a")]


def _link(database: TeamDatabase, heard: list[bool]) -> TeamLink:
    return TeamLink(database, lambda up, said: heard.append(up), probe_interval_s=0.1)


def coordination(database: TeamDatabase, heard: list[bool] | None = None) -> TeamCoordination:
    link = _link(database, [] if heard is None else heard)
    return TeamCoordination(Claims(database, WORKSPACE), link, database.operator)


def journal_link(database: TeamDatabase, heard: list[bool] | None = None) -> SharedJournalLink:
    link = _link(database, [] if heard is None else heard)
    journal = TeamJournal(database, WORKSPACE)
    return SharedJournalLink(journal, link, WORKSPACE, print, lambda post_id, count: None)


@pytest.mark.asyncio
async def test_a_bulk_requests_pairs_are_claimed_together_and_the_others_named(
    open_database: OpenDatabase,
) -> None:
    alice = coordination(await open_database("alice"))
    bob = coordination(await open_database("bob"))
    assert (await alice.claim("p2", ["a"])).ticket is not None

    answer = await bob.claim_pairs(PAIRS)

    assert answer.ticket is not None
    assert answer.ticket.pairs == {("p1", "a"), ("p3", "a")}
    assert answer.held_by == {("p2", "a"): "alice"}
    assert answer.on_post("p2").reason() == "Not sent: being retried by alice."
    await bob.before_send(answer.ticket)  # the fence holds: the request may leave
    # Refused or never sent: let go at once, so alice's next bulk request gets them.
    await bob.finished(answer.ticket, applied=False)
    again = await alice.claim_pairs(PAIRS)
    assert again.ticket is not None
    assert again.ticket.pairs == {("p1", "a"), ("p3", "a")}  # p2: alice's first claim


@pytest.mark.asyncio
async def test_when_every_pair_is_held_nothing_is_granted(open_database: OpenDatabase) -> None:
    alice = coordination(await open_database("alice"))
    bob = coordination(await open_database("bob"))
    first = await alice.claim_pairs(PAIRS)
    assert first.ticket is not None

    answer = await bob.claim_pairs(PAIRS)

    assert answer.ticket is None
    assert answer.held_by == dict.fromkeys(PAIRS, "alice")


@pytest.mark.asyncio
async def test_bulk_intents_reach_the_team_history_with_the_sender_and_the_request_key(
    open_database: OpenDatabase,
) -> None:
    alice = journal_link(await open_database("alice"))

    entries = await alice.record_request_intent("key-1", PAIRS)
    assert entries is not None
    alice.request_sent("key-1")
    alice.request_acknowledged("key-1", "3 queued")
    for pair in PAIRS:
        alice.settle(entries[pair], Outcome.FAILED_AGAIN)
    await alice.flush(timeout_s=WAIT_S)

    history = await TeamJournal(await open_database("bob"), WORKSPACE).history()
    assert {(r.post_id, r.account_ids[0]): r.intent_id for r in history} == entries
    assert {(r.operator, r.request_key, r.state, r.outcome) for r in history} == {
        ("alice", "key-1", IntentState.SETTLED, Outcome.FAILED_AGAIN)
    }
    assert all(r.sent_at is not None for r in history)


@pytest.mark.asyncio
async def test_a_bulk_claim_and_intent_made_while_the_server_is_away_wait_for_it(
    open_database: OpenDatabase, server_control: Callable[[str], Awaitable[None]]
) -> None:
    database = await open_database("alice")
    heard: list[bool] = []
    alice = coordination(database, heard)
    link = journal_link(database, heard)
    assert (await alice.claim_pairs(PAIRS[:1])).ticket is not None

    await server_control("stop")
    claiming = asyncio.create_task(alice.claim_pairs(PAIRS[1:]))
    writing = asyncio.create_task(link.record_request_intent("key-1", PAIRS[1:]))
    async with asyncio.timeout(WAIT_S):
        while not heard:  # noqa: ASYNC110 - the link's callback list: nothing to await
            await asyncio.sleep(0.01)
    assert heard[0] is False
    assert not claiming.done()
    assert not writing.done()

    await server_control("start")
    answer, entries = await asyncio.wait_for(asyncio.gather(claiming, writing), WAIT_S)

    assert answer.ticket is not None
    assert answer.ticket.pairs == set(PAIRS[1:])
    assert entries is not None
    assert set(entries) == set(PAIRS[1:])
    written = await TeamJournal(await open_database("bob"), WORKSPACE).request("key-1")
    assert [(i.post_id, i.state) for i in written] == [
        (p, IntentState.INTENDED) for p, _ in PAIRS[1:]
    ]
    await alice.link.aclose()
