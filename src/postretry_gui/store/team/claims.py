"""Claims: before a retry is sent, its (post, account) pairs are claimed for one instance.

One transaction inserts a row per pair; a pair whose row exists with a lease still running is
someone else's (``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired``: the conflicting
insert waits for the other transaction to end, so two claimers at the same moment never both
get a pair). Each claim takes a fencing number from a sequence; a lease that ran out may be
taken over with a newer number, and every later step of the old holder (``confirm_send``,
``renew``) names its number and is refused once it is not the current one. Leases and expiry
use the server's clock, the one clock the whole team shares.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

import psycopg

from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.team.connection import TeamDatabase
from postretry_gui.store.team.errors import ClaimLost

DEFAULT_LEASE_S = 120.0

Pair = tuple[str, str]  # (post_id, account_id)


@dataclass(frozen=True, slots=True)
class HeldPair:
    post_id: str
    account_id: str
    holder: str  # the operator's name

    def describe(self) -> str:
        return f"being retried by {self.holder}"


@dataclass(frozen=True, slots=True)
class Claim:
    """The pairs this instance holds under one fencing number, until ``expires_at``."""

    workspace_id: str
    fence: int
    pairs: tuple[Pair, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimResult:
    claim: Claim  # possibly with no pairs: everything asked for was held
    held: tuple[HeldPair, ...]


def _columns(pairs: Iterable[Pair]) -> tuple[list[str], list[str]]:
    ordered = sorted(set(pairs))
    return [p for p, _ in ordered], [a for _, a in ordered]


class Claims:
    """This instance's claims in one workspace. ``instance_id`` tells two windows of one
    operator apart."""

    def __init__(
        self, database: TeamDatabase, workspace_id: str, *, instance_id: str | None = None
    ) -> None:
        self._database = database
        self.workspace_id = check_workspace_id(workspace_id)
        self.instance_id = instance_id or uuid.uuid4().hex

    async def claim(self, pairs: Iterable[Pair], lease_s: float = DEFAULT_LEASE_S) -> ClaimResult:
        """Claim every free pair in one transaction; the result says which were claimed and
        which are held by whom."""
        if lease_s < 0:
            raise ValueError("a lease cannot be negative")
        posts, accounts = _columns(pairs)

        async def work(connection: psycopg.AsyncConnection[Any]) -> ClaimResult:
            cursor = await connection.execute(
                "SELECT nextval('claim_fences'), clock_timestamp() + make_interval(secs => %s)",
                (lease_s,),
            )
            fence_row = await cursor.fetchone()
            assert fence_row is not None
            fence, expires_at = int(fence_row[0]), fence_row[1]
            # Sorted input: every claimer locks rows in the same order, so overlapping claims
            # queue rather than deadlock.
            cursor = await connection.execute(
                "INSERT INTO claims AS c (workspace_id, post_id, account_id, holder, "
                "instance_id, fence, expires_at) "
                "SELECT %(ws)s, p, a, %(holder)s, %(instance)s, %(fence)s, %(expires)s "
                "FROM unnest(%(posts)s::text[], %(accounts)s::text[]) AS pair(p, a) ORDER BY p, a "
                "ON CONFLICT (workspace_id, post_id, account_id) DO UPDATE SET "
                "holder = excluded.holder, instance_id = excluded.instance_id, "
                "fence = excluded.fence, expires_at = excluded.expires_at, sent_at = NULL "
                "WHERE c.expires_at <= clock_timestamp() "
                "RETURNING post_id, account_id",
                {
                    "ws": self.workspace_id,
                    "holder": self._database.operator,
                    "instance": self.instance_id,
                    "fence": fence,
                    "expires": expires_at,
                    "posts": posts,
                    "accounts": accounts,
                },
            )
            claimed = tuple(sorted((p, a) for p, a in await cursor.fetchall()))
            cursor = await connection.execute(
                "SELECT c.post_id, c.account_id, c.holder FROM claims c "
                "JOIN unnest(%(posts)s::text[], %(accounts)s::text[]) AS pair(p, a) "
                "ON c.post_id = pair.p AND c.account_id = pair.a "
                "WHERE c.workspace_id = %(ws)s AND c.fence <> %(fence)s ORDER BY 1, 2",
                {"ws": self.workspace_id, "fence": fence, "posts": posts, "accounts": accounts},
            )
            held = tuple(HeldPair(p, a, h) for p, a, h in await cursor.fetchall())
            claim = Claim(self.workspace_id, fence, claimed, expires_at)
            return ClaimResult(claim=claim, held=held)

        return await self._database.run(work)

    async def _fenced_update(
        self, claim: Claim, assignment: LiteralString, what: str, lease_s: float = 0.0
    ) -> datetime:
        posts, accounts = _columns(claim.pairs)
        async with self._database.transaction() as connection:
            cursor = await connection.execute(
                # ``assignment`` is one of this module's two constant clauses.
                "UPDATE claims c SET " + assignment + " "  # noqa: S608
                "FROM unnest(%(posts)s::text[], %(accounts)s::text[]) AS pair(p, a) "
                "WHERE c.workspace_id = %(ws)s AND c.post_id = pair.p AND c.account_id = pair.a "
                "AND c.fence = %(fence)s AND c.expires_at > clock_timestamp() "
                "RETURNING c.expires_at",
                {
                    "ws": claim.workspace_id,
                    "fence": claim.fence,
                    "posts": posts,
                    "accounts": accounts,
                    "lease": lease_s,
                },
            )
            rows = await cursor.fetchall()
            if len(rows) != len(posts):
                # Rolled back whole: no pair is marked unless all are still ours.
                raise ClaimLost(
                    f"The claim on {len(posts) - len(rows)} of {len(posts)} destinations ran "
                    f"out before it could be {what}: another operator may be retrying them, "
                    "so this retry is not sent."
                )
        return min((r[0] for r in rows), default=claim.expires_at)

    async def confirm_send(self, claim: Claim) -> None:
        """Right before the request leaves: every pair must still be held under this claim's
        fencing number (``ClaimLost`` otherwise, and then the retry must not be sent)."""
        if claim.pairs:
            await self._fenced_update(claim, "sent_at = clock_timestamp()", "sent")

    async def renew(self, claim: Claim, lease_s: float = DEFAULT_LEASE_S) -> Claim:
        """Extend a claim still held (a long bulk job); ``ClaimLost`` if it ran out."""
        if not claim.pairs:
            return claim
        expires_at = await self._fenced_update(
            claim,
            "expires_at = clock_timestamp() + make_interval(secs => %(lease)s)",
            "renewed",
            lease_s,
        )
        return Claim(claim.workspace_id, claim.fence, claim.pairs, expires_at)

    async def release(self, claim: Claim, pairs: Iterable[Pair] | None = None) -> int:
        """The outcome is known: let the pairs go (all of the claim's, or ``pairs``). Rows
        taken over by a newer claim are left alone. Returns how many were released."""
        posts, accounts = _columns(claim.pairs if pairs is None else pairs)
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "DELETE FROM claims c USING unnest(%(posts)s::text[], %(accounts)s::text[]) "
                "AS pair(p, a) WHERE c.workspace_id = %(ws)s AND c.post_id = pair.p "
                "AND c.account_id = pair.a AND c.fence = %(fence)s",
                {
                    "ws": claim.workspace_id,
                    "fence": claim.fence,
                    "posts": posts,
                    "accounts": accounts,
                },
            )
            return cursor.rowcount

    async def held_by_others(self, pairs: Sequence[Pair]) -> tuple[HeldPair, ...]:
        """Pairs under a running lease of another instance: for the "being retried by" rows."""
        posts, accounts = _columns(pairs)
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT c.post_id, c.account_id, c.holder FROM claims c "
                "JOIN unnest(%(posts)s::text[], %(accounts)s::text[]) AS pair(p, a) "
                "ON c.post_id = pair.p AND c.account_id = pair.a WHERE c.workspace_id = %(ws)s "
                "AND c.instance_id <> %(instance)s AND c.expires_at > clock_timestamp() "
                "ORDER BY 1, 2",
                {
                    "ws": self.workspace_id,
                    "instance": self.instance_id,
                    "posts": posts,
                    "accounts": accounts,
                },
            )
            return tuple(HeldPair(p, a, h) for p, a, h in await cursor.fetchall())
