"""One rate budget per API key across the team, kept in PostgreSQL.

The windows are the client-side ledger's (``domain/budget.py``): fixed windows (minute, hour,
day...) opening with the first request after the previous one closed, each with a row here.
Before requests leave, an instance *reserves* them: one transaction locks the budget's rows,
grants as many as every window has room for, and counts them, so instances together never take
more than the allowance. Every answer's headers are then *observed*: one UPDATE takes the
server's word for the window of that limit, atomically, whoever else writes at the same time.

The key is never stored: a budget is named by an HMAC of it with a random salt that the team
database keeps (so every operator of the key finds the same row, and the row says nothing of
the key).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team.connection import TeamDatabase


async def budget_id_for(
    database: TeamDatabase, provider: str, api_key: str, profile: str = ""
) -> str:
    """The name of the budget of ``api_key`` (and profile, where a provider budgets per
    profile): an HMAC-SHA256 with the team database's salt."""
    async with database.session() as connection:
        cursor = await connection.execute(
            "SELECT value FROM team_settings WHERE name = 'budget_salt'"
        )
        row = await cursor.fetchone()
    if row is None:
        raise LookupError("the team database has no budget salt: run the migrations first")
    message = "\0".join((provider, api_key, profile)).encode()
    return hmac.new(str(row[0]).encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Reservation:
    granted: int
    # Seconds from now until more may be reserved when less than asked was granted (0: now).
    wait_s: float


@dataclass(frozen=True, slots=True)
class SharedWindow:
    spec: WindowSpec
    used: int
    resets_at: datetime | None


class TeamBudget:
    """The shared state of one budget. ``specs`` are its windows, as the ledger has them."""

    def __init__(self, database: TeamDatabase, budget_id: str, specs: Sequence[WindowSpec]) -> None:
        if not specs:
            raise ValueError("a budget needs at least one window")
        self._database = database
        self.budget_id = budget_id
        self._specs = {float(s.length_s): s for s in specs}

    async def _locked_windows(
        self, connection: psycopg.AsyncConnection[Any]
    ) -> tuple[datetime, list[tuple[float, int, int, datetime | None]]]:
        lengths = list(self._specs)
        await connection.execute(
            "INSERT INTO budget_windows (budget_id, length_s, limit_count) "
            "SELECT %s, l, c FROM unnest(%s::float8[], %s::int[]) AS w(l, c) ORDER BY l "
            "ON CONFLICT (budget_id, length_s) DO UPDATE SET limit_count = excluded.limit_count "
            "WHERE budget_windows.limit_count <> excluded.limit_count",
            (self.budget_id, lengths, [self._specs[length].limit for length in lengths]),
        )
        cursor = await connection.execute(
            "SELECT length_s, limit_count, used, resets_at, clock_timestamp() FROM budget_windows "
            "WHERE budget_id = %s AND length_s = ANY(%s) ORDER BY length_s FOR UPDATE",
            (self.budget_id, lengths),
        )
        rows = await cursor.fetchall()
        now: datetime = rows[0][4]
        return now, [(float(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]

    async def reserve(self, requests: int) -> Reservation:
        """Take up to ``requests`` of the budget now, atomically across the team."""
        if requests <= 0:
            return Reservation(granted=0, wait_s=0.0)

        async def work(connection: psycopg.AsyncConnection[Any]) -> Reservation:
            now, windows = await self._locked_windows(connection)
            room: list[tuple[int, float]] = []  # (what is left, seconds until it reopens)
            for length_s, _stored_limit, used, resets_at in windows:
                limit = self._specs[length_s].limit  # this app's word on the allowance
                if resets_at is None or now >= resets_at:
                    room.append((limit, length_s))
                else:
                    room.append((max(0, limit - used), (resets_at - now).total_seconds()))
            granted = min(requests, *(left for left, _ in room))
            if granted > 0:
                await connection.execute(
                    "UPDATE budget_windows SET "
                    "used = CASE WHEN resets_at IS NULL OR resets_at <= %(now)s "
                    "THEN %(n)s ELSE used + %(n)s END, "
                    "resets_at = CASE WHEN resets_at IS NULL OR resets_at <= %(now)s "
                    "THEN %(now)s + make_interval(secs => length_s) ELSE resets_at END "
                    "WHERE budget_id = %(id)s AND length_s = ANY(%(lengths)s)",
                    {
                        "now": now,
                        "n": granted,
                        "id": self.budget_id,
                        "lengths": list(self._specs),
                    },
                )
            full = [reopens for left, reopens in room if left <= granted]
            wait_s = max(full) if granted < requests and full else 0.0
            return Reservation(granted=granted, wait_s=wait_s)

        return await self._database.run(work)

    async def observe(self, *, limit: int, remaining: int, reset_at: float | None) -> int | None:
        """An answer's headers described the window of ``limit``: take the server's count for
        it (it sees every instance's requests). ``reset_at`` is epoch seconds. Returns the
        window's use now, or None when no window of this budget has that limit.

        A reset later than the stored one means the server opened a new window: its count
        replaces ours. Within the same window the larger count wins, since reservations made
        here may not have reached the server yet."""
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "WITH now AS (SELECT clock_timestamp() AS t, to_timestamp(%(reset)s) AS r) "
                "UPDATE budget_windows SET "
                "used = CASE WHEN resets_at IS NULL OR resets_at <= now.t "
                "OR (now.r IS NOT NULL AND now.r > resets_at + interval '1 second') "
                "THEN %(used)s ELSE greatest(used, %(used)s) END, "
                "resets_at = CASE WHEN now.r IS NOT NULL AND now.r > now.t THEN "
                "CASE WHEN resets_at IS NULL OR resets_at <= now.t OR now.r > resets_at "
                "THEN now.r ELSE resets_at END "
                "WHEN resets_at IS NULL OR resets_at <= now.t "
                "THEN now.t + make_interval(secs => length_s) ELSE resets_at END "
                "FROM now WHERE budget_id = %(id)s AND limit_count = %(limit)s "
                "AND length_s = ANY(%(lengths)s) RETURNING used",
                {
                    "reset": reset_at,
                    "used": max(0, min(limit, limit - remaining)),
                    "id": self.budget_id,
                    "limit": limit,
                    "lengths": list(self._specs),
                },
            )
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def windows(self) -> tuple[SharedWindow, ...]:
        """Every window's shared use, shortest first (for the status bar)."""
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT length_s, used, resets_at FROM budget_windows "
                "WHERE budget_id = %s AND length_s = ANY(%s) ORDER BY length_s",
                (self.budget_id, list(self._specs)),
            )
            rows = await cursor.fetchall()
        return tuple(SharedWindow(self._specs[float(r[0])], int(r[1]), r[2]) for r in rows)
