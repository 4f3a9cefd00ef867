"""Coordination through the team's PostgreSQL: claims with fencing before a retry is sent,
one budget per API key across the team (every request reserves in it: ``budgeted_provider``),
and a pause (never a blind send) while the server is away.

A claim that cannot be made or confirmed because the server is away waits for it (the
``TeamLink`` probes it) and then tries again: a bulk job pauses with a message and resumes by
itself. A claim lost meanwhile (its lease ran out, someone else may hold the destinations) is
refused: that retry is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from postretry_gui.controller.coordination import (
    ClaimAnswer,
    CoordinationRefused,
    Pair,
    PairsAnswer,
    PairsTicket,
    Ticket,
)
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import RateLimitState
from postretry_gui.store.team import (
    Claim,
    ClaimLost,
    Claims,
    TeamBudget,
    TeamStoreUnavailable,
)

T = TypeVar("T")

# The shortest wait for the shared budget to reopen: a reservation refused with no wait named
# (another instance is between its reservation and its answer) asks again after this.
MIN_BUDGET_WAIT_S = 0.05


class TeamCoordination:
    """``claims``: this instance's claims in the workspace; ``budget``: the key's shared
    budget (None: the provider names no windows, the pacer alone paces); ``link``: whether the
    server is reachable."""

    shared = True

    def __init__(
        self,
        claims: Claims,
        link: TeamLink,
        operator: str,
        *,
        budget: TeamBudget | None = None,
        lease_s: float = 120.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._claims = claims
        self._link = link
        self._operator = operator
        self._budget = budget
        self._lease_s = lease_s
        self._sleep = sleep

    @property
    def operator(self) -> str:
        return self._operator

    @property
    def link(self) -> TeamLink:
        return self._link

    def use_budget(self, budget: TeamBudget | None) -> None:
        """The key's shared budget, once the database named it (``team_opener``)."""
        self._budget = budget

    async def _when_up(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` once the server is reachable, again after each outage it hits."""
        while True:
            await self._link.wait_up()
            try:
                return await call()
            except TeamStoreUnavailable as error:
                self._link.lost(error)

    async def claim(self, post_id: str, account_ids: Iterable[str]) -> ClaimAnswer:
        answer = await self.claim_pairs((post_id, account_id) for account_id in account_ids)
        held_by = {account_id: holder for (_, account_id), holder in answer.held_by.items()}
        if answer.ticket is None:
            return ClaimAnswer(None, held_by)
        claimed = frozenset(account_id for _, account_id in answer.ticket.pairs)
        return ClaimAnswer(Ticket(post_id, claimed, answer.ticket.handle), held_by)

    async def claim_pairs(self, pairs: Iterable[Pair]) -> PairsAnswer:
        # One transaction for them all (``Claims.claim``): a bulk request's pairs are
        # granted together, and those another instance holds are named with their holder.
        wanted = sorted(set(pairs))
        result = await self._when_up(lambda: self._claims.claim(wanted, self._lease_s))
        held_by = {(held.post_id, held.account_id): held.holder for held in result.held}
        if not result.claim.pairs:
            return PairsAnswer(None, held_by)
        return PairsAnswer(PairsTicket(frozenset(result.claim.pairs), result.claim), held_by)

    async def before_send(self, ticket: Ticket | PairsTicket) -> None:
        claim = _claim_of(ticket)
        try:
            await self._when_up(lambda: self._claims.confirm_send(claim))
        except ClaimLost as error:
            raise CoordinationRefused(str(error)) from None

    async def reserve_request(self) -> None:
        """Wait for room for one request in the key's shared budget and take it."""
        budget = self._budget
        if budget is None:
            return
        while True:
            reservation = await self._when_up(lambda: budget.reserve(1))
            if reservation.granted:
                return
            await self._sleep(max(reservation.wait_s, MIN_BUDGET_WAIT_S))

    async def answered(self, rate_limit: RateLimitState) -> None:
        budget = self._budget
        if budget is None or rate_limit.limit is None or rate_limit.remaining is None:
            return
        try:
            await budget.observe(
                limit=rate_limit.limit, remaining=rate_limit.remaining, reset_at=rate_limit.reset_at
            )
        except TeamStoreUnavailable as error:
            # The answer is in; only the team's count of it is lost. The next send waits.
            self._link.lost(error)

    async def finished(self, ticket: Ticket | PairsTicket, *, applied: bool) -> None:
        if applied:
            return  # the lease runs out by itself while the destinations settle
        try:
            await self._claims.release(_claim_of(ticket))
        except TeamStoreUnavailable as error:
            self._link.lost(error)  # the lease runs out by itself


def _claim_of(ticket: Ticket | PairsTicket) -> Claim:
    if not isinstance(ticket.handle, Claim):
        raise TypeError("a team coordination's ticket carries its claim")
    return ticket.handle
