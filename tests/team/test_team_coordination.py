"""The controller's coordination port against a real PostgreSQL: claims before a retry, the
shared budget before each request, and a pause (never a blind send) while the server is away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from team_testkit import OpenDatabase

from postretry_gui.controller.coordination import CoordinationRefused, SoloCoordination
from postretry_gui.controller.team_coordination import TeamCoordination
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import RateLimitState
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team import Claims, TeamBudget, TeamDatabase

WORKSPACE = "w" * 32
WAIT_S = 20.0


def coordination(
    database: TeamDatabase,
    changes: list[tuple[bool, str]] | None = None,
    heard: asyncio.Event | None = None,
    *,
    budget: TeamBudget | None = None,
    lease_s: float = 120.0,
) -> TeamCoordination:
    def hear(up: bool, said: str) -> None:
        if changes is not None:
            changes.append((up, said))
        if heard is not None:
            heard.set()

    link = TeamLink(database, hear, probe_interval_s=0.1)
    claims = Claims(database, WORKSPACE)
    return TeamCoordination(claims, link, database.operator, budget=budget, lease_s=lease_s)


@pytest.mark.asyncio
async def test_alone_every_claim_is_granted_at_once() -> None:
    solo = SoloCoordination("alice")

    answer = await solo.claim("p1", ["a", "b"])

    assert answer.ticket is not None
    assert answer.ticket.account_ids == {"a", "b"}
    await solo.before_send(answer.ticket)
    assert not solo.shared


@pytest.mark.asyncio
async def test_a_destination_claimed_by_one_operator_is_refused_to_another_with_the_name(
    open_database: OpenDatabase,
) -> None:
    alice = coordination(await open_database("alice"))
    bob = coordination(await open_database("bob"))

    first, second = await asyncio.gather(alice.claim("p1", ["a", "b"]), bob.claim("p1", ["a", "b"]))

    alice_won = first.ticket is not None
    winner, loser, holder = (first, second, "alice") if alice_won else (second, first, "bob")
    assert winner.ticket is not None
    assert loser.ticket is None
    assert loser.reason() == f"Not sent: being retried by {holder}."
    await (alice if alice_won else bob).before_send(winner.ticket)


@pytest.mark.asyncio
async def test_a_refused_retry_lets_its_claim_go_and_an_applied_one_keeps_it(
    open_database: OpenDatabase,
) -> None:
    alice = coordination(await open_database("alice"))
    bob = coordination(await open_database("bob"))
    refused = (await alice.claim("p1", ["a"])).ticket
    applied = (await alice.claim("p2", ["a"])).ticket
    assert refused is not None
    assert applied is not None

    await alice.finished(refused, applied=False)
    await alice.finished(applied, applied=True)

    assert (await bob.claim("p1", ["a"])).ticket is not None
    assert (await bob.claim("p2", ["a"])).held_by == {"a": "alice"}


@pytest.mark.asyncio
async def test_a_claim_whose_lease_ran_out_is_not_sent(open_database: OpenDatabase) -> None:
    alice = coordination(await open_database("alice"), lease_s=0.0)
    bob = coordination(await open_database("bob"))
    stale = (await alice.claim("p1", ["a"])).ticket
    assert stale is not None
    assert (await bob.claim("p1", ["a"])).ticket is not None

    with pytest.raises(CoordinationRefused, match="not sent"):
        await alice.before_send(stale)


@pytest.mark.asyncio
async def test_two_instances_share_one_budget_per_request_and_the_answers_update_it(
    open_database: OpenDatabase,
) -> None:
    specs = [WindowSpec(limit=3, length_s=60, label="this minute")]
    alice_db, bob_db = await open_database("alice"), await open_database("bob")
    alice = coordination(alice_db, budget=TeamBudget(alice_db, "key", specs))
    bob = coordination(bob_db, budget=TeamBudget(bob_db, "key", specs))
    for owner in (alice, bob, alice):
        await owner.reserve_request()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(bob.reserve_request(), timeout=0.5)

    await alice.answered(RateLimitState(limit=3, remaining=3, reset_at=None))
    windows = await TeamBudget(alice_db, "key", specs).windows()
    assert windows[0].used == 3  # within one window the larger count wins


@pytest.mark.asyncio
async def test_a_claim_made_while_the_server_is_away_waits_for_it_and_says_so(
    open_database: OpenDatabase, server_control: Callable[[str], Awaitable[None]]
) -> None:
    changes: list[tuple[bool, str]] = []
    heard = asyncio.Event()
    alice = coordination(await open_database("alice"), changes, heard)
    assert (await alice.claim("p0", ["a"])).ticket is not None

    await server_control("stop")
    claiming = asyncio.create_task(alice.claim("p1", ["a"]))
    await asyncio.wait_for(heard.wait(), WAIT_S)
    assert changes[0][0] is False
    assert "Lost the team database" in changes[0][1]
    assert not claiming.done()

    await server_control("start")
    answer = await asyncio.wait_for(claiming, WAIT_S)

    assert answer.ticket is not None
    assert changes[-1][0] is True
    await alice.link.aclose()
