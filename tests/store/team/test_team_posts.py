"""The posts the leader shares, and the notice that tells followers what changed."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from team_testkit import OpenDatabase, failed_post

from postretry_gui.store.team import PostChange, PostChangeListener, SharedPosts

NOTICE_TIMEOUT_S = 10.0


@pytest.mark.asyncio
async def test_posts_round_trip_exactly_and_changes_are_read_after_a_number(
    open_database: OpenDatabase,
) -> None:
    leader = SharedPosts(await open_database("leader"), "ws1")
    follower = SharedPosts(await open_database("follower"), "ws1")
    posts = [failed_post(f"post-{n}") for n in range(3)]
    first = await leader.publish(posts)
    everything = await follower.changed_since(0)
    assert everything.posts == tuple(posts)
    assert everything.change_seq == first

    changed = dataclasses.replace(posts[1], content="edited")
    second = await leader.publish([changed])
    assert second > first
    since = await follower.changed_since(first)
    assert since.posts == (changed,)
    assert since.change_seq == second
    assert (await follower.changed_since(second)).posts == ()

    third = await leader.publish([], removed=["post-0", "post-0"])
    gone = await follower.changed_since(second)
    assert (gone.posts, gone.removed, gone.change_seq) == ((), ("post-0",), third)
    assert [p.post_id for p in (await follower.changed_since(0)).posts] == ["post-2", "post-1"]
    assert await SharedPosts(await open_database("x"), "ws2").latest_change() == 0


@pytest.mark.asyncio
async def test_a_follower_is_told_of_each_change_in_its_workspace(
    open_database: OpenDatabase,
) -> None:
    leader = SharedPosts(await open_database("leader"), "ws1")
    elsewhere = SharedPosts(await open_database("leader"), "ws2")
    async with PostChangeListener(await open_database("follower"), "ws1") as listener:
        changes = listener.changes()
        await elsewhere.publish([failed_post("other")])  # not this follower's workspace
        seq = await leader.publish([failed_post("post-1")])
        notice = await asyncio.wait_for(anext(changes), NOTICE_TIMEOUT_S)
        assert notice == PostChange("ws1", seq)
        await changes.aclose()
