"""The posts the leader read, shared with the followers, and the notice that they changed.

The leader writes each changed post (the cache's JSON, ``store/post_codec.py``) with a new
number from one sequence, and in the same transaction sends ``NOTIFY`` with only the workspace
and the newest number (NOTIFY's payload must stay under 8,000 bytes; a number always does).
PostgreSQL delivers the notice when that transaction commits, so a follower that reads
"everything after the number I had" always finds the rows. Only the leader writes, so the
numbers commit in order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from postretry_gui.domain import Post
from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.post_codec import post_from_json, posts_to_json_bytes
from postretry_gui.store.team.connection import TeamDatabase

CHANNEL = "postretry_posts"


@dataclass(frozen=True, slots=True)
class PostChange:
    workspace_id: str
    change_seq: int  # read the posts changed after the number you had, up to this one


@dataclass(frozen=True, slots=True)
class ChangedPosts:
    posts: tuple[Post, ...]
    removed: tuple[str, ...]  # ids of posts gone from the provider
    change_seq: int  # the newest change read (pass it back next time)


class SharedPosts:
    def __init__(self, database: TeamDatabase, workspace_id: str) -> None:
        self._database = database
        self.workspace_id = check_workspace_id(workspace_id)

    async def publish(self, posts: Sequence[Post], removed: Iterable[str] = ()) -> int:
        """Write the posts (as changed) and the ids of posts gone from the provider, and tell
        the followers; returns the change number."""
        changed = {post.post_id: post for post in posts}  # one row per post: the last wins
        gone = [post_id for post_id in dict.fromkeys(removed) if post_id not in changed]
        if not changed and not gone:
            return await self.latest_change()
        ids = [*changed, *gone]
        # A removed post stays as a row without a body (a tombstone), so a follower reading
        # "changed since" learns of it like any other change.
        bodies: list[str | None] = [b.decode() for b in posts_to_json_bytes([*changed.values()])]
        bodies += [None] * len(gone)
        async with self._database.transaction() as connection:
            cursor = await connection.execute(
                "INSERT INTO shared_posts (workspace_id, post_id, body, change_seq) "
                "SELECT %s, i, b::json, nextval('post_changes') "
                "FROM unnest(%s::text[], %s::text[]) AS p(i, b) "
                "ON CONFLICT (workspace_id, post_id) DO UPDATE SET body = excluded.body, "
                "change_seq = excluded.change_seq RETURNING change_seq",
                (self.workspace_id, ids, bodies),
            )
            newest = max(int(row[0]) for row in await cursor.fetchall())
            payload = json.dumps({"workspace_id": self.workspace_id, "change_seq": newest})
            await connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        return newest

    async def latest_change(self) -> int:
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT coalesce(max(change_seq), 0) FROM shared_posts WHERE workspace_id = %s",
                (self.workspace_id,),
            )
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def changed_since(self, change_seq: int = 0) -> ChangedPosts:
        """The posts changed (and the ids of those removed) after ``change_seq``, oldest change
        first; 0 reads them all."""
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT post_id, body::text, change_seq FROM shared_posts "
                "WHERE workspace_id = %s AND change_seq > %s ORDER BY change_seq",
                (self.workspace_id, change_seq),
            )
            rows = await cursor.fetchall()
        newest = max((int(r[2]) for r in rows), default=change_seq)
        return ChangedPosts(
            posts=tuple(post_from_json(body) for _, body, _ in rows if body is not None),
            removed=tuple(post_id for post_id, body, _ in rows if body is None),
            change_seq=newest,
        )


class PostChangeListener:
    """A follower's ear: ``async with`` it, then ``async for change in listener.changes()``.
    It owns a connection of its own (LISTEN is per session); a lost connection ends the
    iteration with ``TeamStoreUnavailable``, and the follower then reads ``changed_since`` its
    last number after listening again, so nothing said meanwhile is missed."""

    def __init__(self, database: TeamDatabase, workspace_id: str) -> None:
        self._database = database
        self.workspace_id = check_workspace_id(workspace_id)
        self._connection: psycopg.AsyncConnection[Any] | None = None

    async def __aenter__(self) -> PostChangeListener:
        connection = await self._database.connect()
        try:
            await connection.execute("LISTEN " + CHANNEL)
        except psycopg.Error as error:
            await connection.close()
            raise self._database.unavailable(error) from None
        self._connection = connection
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def changes(self) -> AsyncIterator[PostChange]:
        if self._connection is None:
            raise RuntimeError("use the listener inside 'async with'")
        try:
            async for notice in self._connection.notifies():
                try:
                    said = json.loads(notice.payload)
                    change = PostChange(str(said["workspace_id"]), int(said["change_seq"]))
                except (ValueError, KeyError, TypeError):
                    continue  # not ours: another version's or someone else's notice
                if change.workspace_id == self.workspace_id:
                    yield change
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise self._database.unavailable(error) from None
