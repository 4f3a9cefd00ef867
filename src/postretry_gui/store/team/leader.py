"""One syncer per workspace: the instance holding a session-level advisory lock leads.

The lock lives on a connection of its own, so it goes when that connection goes: a leader
that quits closes it, a leader killed with SIGKILL has its socket closed by the kernel and the
server ends the session at once. A leader whose machine vanishes is noticed by TCP keepalives,
set short on both sides of this connection, within about ``KEEPALIVE_IDLE_S +
KEEPALIVE_COUNT * KEEPALIVE_INTERVAL_S`` seconds. The others ask for the lock every
``poll_interval_s`` (a try, never a blocking wait, so a follower stays responsive and
cancellable).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import psycopg

from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.team.connection import TeamDatabase
from postretry_gui.store.team.errors import TeamStoreUnavailable

# The advisory-lock space of leaders: (LEADER_LOCK_CLASS, the workspace's lock_id).
LEADER_LOCK_CLASS = 0x5052  # "PR"
KEEPALIVE_IDLE_S = 2
KEEPALIVE_INTERVAL_S = 1
KEEPALIVE_COUNT = 3
_KEEPALIVES = {
    "keepalives": "1",
    "keepalives_idle": str(KEEPALIVE_IDLE_S),
    "keepalives_interval": str(KEEPALIVE_INTERVAL_S),
    "keepalives_count": str(KEEPALIVE_COUNT),
}


class LeaderElection:
    """Whether this instance leads ``workspace_id``. Close it (or let the process end) to
    hand the lead over."""

    def __init__(
        self, database: TeamDatabase, workspace_id: str, *, poll_interval_s: float = 0.5
    ) -> None:
        self._database = database
        self.workspace_id = check_workspace_id(workspace_id)
        self.poll_interval_s = poll_interval_s
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._lock_id: int | None = None
        self.leading = False

    async def _lock_connection(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is None or self._connection.closed:
            self.leading = False
            connection = await self._database.connect(**_KEEPALIVES)
            try:
                # The server's side of the same keepalives, for this session only.
                await connection.execute(f"SET tcp_keepalives_idle = {KEEPALIVE_IDLE_S}")
                await connection.execute(f"SET tcp_keepalives_interval = {KEEPALIVE_INTERVAL_S}")
                await connection.execute(f"SET tcp_keepalives_count = {KEEPALIVE_COUNT}")
                cursor = await connection.execute(
                    "INSERT INTO workspace_locks (workspace_id) VALUES (%s) "
                    "ON CONFLICT (workspace_id) DO UPDATE SET workspace_id = excluded.workspace_id "
                    "RETURNING lock_id",
                    (self.workspace_id,),
                )
                row = await cursor.fetchone()
            except psycopg.Error as error:
                await connection.close()
                raise self._database.unavailable(error) from None
            assert row is not None
            self._lock_id = int(row[0])
            self._connection = connection
        return self._connection

    async def _drop(self, error: BaseException) -> TeamStoreUnavailable:
        self.leading = False
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
        return self._database.unavailable(error)

    async def __aenter__(self) -> LeaderElection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.resign()

    async def try_lead(self) -> bool:
        """Take the lead if nobody holds it; True while this instance leads. A leader calls it
        before each duty: it checks that the lock's connection is still alive, and a
        ``TeamStoreUnavailable`` from it means the lead may already be someone else's."""
        connection = await self._lock_connection()
        try:
            if self.leading:
                await connection.execute("SELECT 1")  # still connected: still the lock's holder
                return True
            cursor = await connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (LEADER_LOCK_CLASS, self._lock_id)
            )
            row = await cursor.fetchone()
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise await self._drop(error) from None
        self.leading = bool(row and row[0])
        return self.leading

    async def wait_to_lead(self, timeout_s: float | None = None) -> bool:
        """Try every ``poll_interval_s`` until this instance leads (True) or ``timeout_s``
        passes (False). A database outage on the way is waited out, not raised."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            try:
                if await self.try_lead():
                    return True
            except TeamStoreUnavailable:
                pass
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(self.poll_interval_s)

    async def resign(self) -> None:
        """Give up the lead (and the connection that held it). The lock is released before the
        connection closes: the server ends a closed session a moment later, and a successor
        should not have to wait for that."""
        was_leading, self.leading = self.leading, False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if was_leading:
            with contextlib.suppress(psycopg.Error):  # a dead connection released it already
                await connection.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", (LEADER_LOCK_CLASS, self._lock_id)
                )
        await connection.close()

    async def holder_pid(self) -> int | None:
        """The server process id of the leader's session, or None when nobody leads; for
        diagnostics and tests."""
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT l.pid FROM pg_locks l JOIN workspace_locks w ON w.lock_id = l.objid::int "
                "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objsubid = 2 "
                "AND l.granted AND w.workspace_id = %s",
                (LEADER_LOCK_CLASS, self.workspace_id),
            )
            row = await cursor.fetchone()
        return None if row is None else int(row[0])
