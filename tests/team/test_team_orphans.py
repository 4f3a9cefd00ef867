"""Acceptance, retries left unfinished: an instance sends retries and is killed with SIGKILL
before they settle; the survivor, leading after the failover, settles them in the team's
journal with the real outcome by reading the posts, and sends nothing again. A live
instance's retries in flight are never taken over, however often the leader looks."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterable
from typing import Any

import pytest
from team_processes import WAIT_S, Instance, start, stop
from team_testkit import OpenDatabase, PgServer

from postretry_gui.controller.workspace_opener import LEADING
from postretry_gui.domain import Outcome
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import Intent, IntentState
from postretry_gui.store.team import TeamJournal

TOTAL = 60
RETRIED = 2  # posts
# A retried destination stays queued/publishing this long, then publishes: the sender's
# retries are still in flight when it is killed, and their real outcome is "published".
PUBLISHING_S = 4.0
ADOPTED = "left unfinished by an instance that stopped"
RETRY_ROUTE = "POST /posteverywhere/api/v1/posts"


def _sim(**faults: Any) -> SimServer:
    return SimServer(
        SimConfig(
            seed=23, posts=TOTAL, rate_limit=None, queued_s=0.05, publishing_s=PUBLISHING_S,
            success_odds=1.0, **faults,
        ),
        port=0,
    )  # fmt: skip


def _base(sim: SimServer, pg_server: PgServer, team_url: str, workspace_id: str) -> dict[str, Any]:
    return {
        "base_url": sim.posteverywhere_url, "team_url": team_url,
        "password": pg_server.password, "workspace_id": workspace_id, "total": TOTAL,
        "refresh_interval_s": 0.3, "poll_interval_s": 0.2,
    }  # fmt: skip


async def _intents_when(
    journal: TeamJournal, count: int, states: Iterable[IntentState]
) -> list[Intent]:
    """The workspace's intents, once there are ``count`` and every one is in ``states``."""
    wanted = set(states)
    while True:
        intents = await journal.history()
        if len(intents) == count and all(i.state in wanted for i in intents):
            return intents
        await asyncio.sleep(0.02)  # another process writes them: nothing here to await


def _applied_once_each(sim: SimServer, intents: list[Intent]) -> None:
    stats = sim.stats()
    pairs = {f"{i.post_id}|{a}" for i in intents for a in i.account_ids}
    assert stats["retries_applied"] == dict.fromkeys(pairs, 1)
    assert set(stats["retries_applied_by_intent"]) == {i.intent_id for i in intents}


async def _sender_ready(base: dict[str, Any], lease_s: float) -> Instance:
    sender = await start({
        **base, "operator": "sender", "first": 0, "count": RETRIED, "settle": True,
        "lease_s": lease_s,
    })  # fmt: skip
    await sender.until("ready")
    assert sender.selection is not None
    assert len(sender.selection) == RETRIED
    return sender


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("faults", "left_as"),
    [
        ({}, IntentState.ACKNOWLEDGED),
        # The server applies each retry and drops the connection: the answer is lost.
        (
            {"drop_after_apply_odds": 1.0, "fault_routes": (RETRY_ROUTE,)},
            IntentState.UNKNOWN,
        ),
    ],
    ids=["answered", "answer-lost"],
)
async def test_the_new_leader_settles_what_a_killed_sender_left_without_resending(
    faults: dict[str, Any],
    left_as: IntentState,
    pg_server: PgServer,
    team_url: str,
    open_database: OpenDatabase,
) -> None:
    journal = TeamJournal(await open_database("observer"), "orphans")
    with _sim(**faults) as sim:
        base = {**_base(sim, pg_server, team_url, "orphans"), "lease_s": 1.0}
        sender = survivor = None
        try:
            async with asyncio.timeout(WAIT_S):
                # The sender leads, so killing it is also a failover.
                sender = await _sender_ready(base, lease_s=1.0)
                assert LEADING in sender.notices
                survivor = await start({**base, "operator": "survivor", "retry": False})
                await survivor.until("ready")
                sim.reset_stats()
                await sender.go(sender.selection or {})
                await _intents_when(journal, RETRIED, [left_as])
                sender.process.send_signal(signal.SIGKILL)
                await sender.process.wait()
                left = await journal.unfinished()
                assert len(left) == RETRIED, "the sender settled before it was killed"

                await survivor.until_notice(LEADING)
                await survivor.until_notice(ADOPTED)
                settled = await _intents_when(journal, RETRIED, [IntentState.SETTLED])
        finally:
            await stop([p for p in (sender, survivor) if p is not None], grace_s=0.0)
        assert {i.intent_id for i in settled} == {i.intent_id for i in left}
        assert all(i.outcome is Outcome.PUBLISHED for i in settled), settled
        assert all(i.operator == "sender" for i in settled)
        _applied_once_each(sim, settled)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_live_senders_retries_in_flight_are_not_taken_over_by_the_leader(
    pg_server: PgServer, team_url: str, open_database: OpenDatabase
) -> None:
    journal = TeamJournal(await open_database("observer"), "live")
    with _sim() as sim:
        base = _base(sim, pg_server, team_url, "live")
        leader = sender = None
        try:
            async with asyncio.timeout(WAIT_S):
                # The leader's own lease is short, so the age of the sender's intents does
                # not protect them: only the sender's running claim does.
                leader = await start({
                    **base, "operator": "leader", "retry": False, "lease_s": 0.5,
                    "tell_syncs": True,
                })  # fmt: skip
                await leader.until_notice(LEADING)
                sender = await _sender_ready(base, lease_s=60.0)
                sim.reset_stats()
                await sender.go(sender.selection or {})
                await _intents_when(journal, RETRIED, [IntentState.ACKNOWLEDGED])
                since = time.time() + 0.5  # the sender's intents are older than 0.5 s then
                await _syncs_after(leader, since, 2)
                # The leader looked for orphans before its second sync, while the retries
                # were still in flight.
                assert len(await journal.unfinished()) == RETRIED, "lengthen PUBLISHING_S"
                await sender.until("done")
        finally:
            # The sender ends by itself (its last journal writes land as it closes).
            await stop([sender] if sender is not None else [], grace_s=WAIT_S)
            await stop([leader] if leader is not None else [], grace_s=0.0)
        settled = await _intents_when(journal, RETRIED, [IntentState.SETTLED])
        assert all(i.outcome is Outcome.PUBLISHED for i in settled), settled
        assert not [n for n in leader.notices if ADOPTED in n]
        _applied_once_each(sim, settled)


async def _syncs_after(instance: Instance, since: float, count: int) -> None:
    """Read on until ``instance`` has told of ``count`` syncs completed after ``since``."""
    seen = 0
    while seen < count:
        await instance.until('{"synced"')
        if json.loads(instance.lines[-1])["synced"] > since:
            seen += 1
