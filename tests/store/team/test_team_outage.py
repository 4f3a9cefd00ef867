"""The server goes away mid-way: every call says so with a typed error, and the same objects
work again once it is back (no new objects, no restart of the app)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from team_testkit import OpenDatabase, failed_post

from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team import (
    Claims,
    LeaderElection,
    PostChangeListener,
    SharedPosts,
    TeamBudget,
    TeamJournal,
    TeamStoreUnavailable,
)

MINUTE = WindowSpec(limit=60, length_s=60, label="this minute")
NOTICE_TIMEOUT_S = 10.0


async def _once_back(call: Callable[[], Awaitable[int]]) -> int:
    """A connection opened before the outage fails its first call (the server closed it);
    the one after reconnects. Poll with a deadline rather than assume which call that is."""
    deadline = asyncio.get_running_loop().time() + NOTICE_TIMEOUT_S
    while True:
        try:
            return await call()
        except TeamStoreUnavailable:
            if asyncio.get_running_loop().time() > deadline:
                raise


@pytest.mark.asyncio
async def test_every_call_fails_typed_while_the_server_is_down_and_recovers(
    open_database: OpenDatabase, server_control: Callable[[str], Awaitable[None]]
) -> None:
    database = await open_database("alice")
    journal = TeamJournal(database)
    claims = Claims(database, "ws1")
    budget = TeamBudget(database, "key-1", [MINUTE])
    posts = SharedPosts(database, "ws1")
    election = LeaderElection(database, "ws1")
    before = await journal.intend("ws1", "post-1", ["a"])
    assert await election.try_lead()

    await server_control("stop")
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: journal.intend("ws1", "post-2", ["a"]),
        lambda: journal.mark_sent(before.intent_id),
        journal.history,
        lambda: claims.claim([("post-2", "a")]),
        lambda: budget.reserve(1),
        lambda: posts.publish([failed_post("post-2")]),
        election.try_lead,
    ]
    for call in calls:
        with pytest.raises(TeamStoreUnavailable):
            await call()
    assert not election.leading

    await server_control("start")
    assert [i.intent_id for i in await journal.history()] == [before.intent_id]
    assert (await claims.claim([("post-2", "a")])).claim.pairs == (("post-2", "a"),)
    assert (await budget.reserve(1)).granted == 1
    assert await posts.publish([failed_post("post-2")]) > 0
    assert await election.try_lead()
    await election.resign()


@pytest.mark.asyncio
async def test_a_listener_hears_the_loss_and_listens_again_afterwards(
    open_database: OpenDatabase, server_control: Callable[[str], Awaitable[None]]
) -> None:
    follower = await open_database("follower")
    leader = SharedPosts(await open_database("leader"), "ws1")
    async with PostChangeListener(follower, "ws1") as listener:
        waiting = asyncio.ensure_future(anext(listener.changes()))
        await server_control("stop")
        with pytest.raises(TeamStoreUnavailable):
            await asyncio.wait_for(waiting, NOTICE_TIMEOUT_S)
    await server_control("start")
    async with PostChangeListener(follower, "ws1") as listener:
        changes = listener.changes()
        seq = await _once_back(lambda: leader.publish([failed_post("post-1")]))
        assert (await asyncio.wait_for(anext(changes), NOTICE_TIMEOUT_S)).change_seq == seq
        await changes.aclose()
