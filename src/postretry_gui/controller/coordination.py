"""How one instance of the app agrees with the others on a workspace before it sends: the
controller's port, so the window never knows whether it is alone.

Three questions are asked of it, at fixed points of a retry:

- ``claim`` when the retry step is about to journal its intent: may this instance retry these
  destinations of this post, or is someone else retrying them (and who)? ``claim_pairs`` asks
  the same for a bulk request's (post, account) pairs at once, in one transaction.
- ``before_send`` right before the request leaves: is the claim still ours?
- ``finished`` when the outcome is known: let the destinations go.

``SoloCoordination`` is today's behaviour: one instance, everything granted at once, nothing
to wait for. ``controller.team_coordination.TeamCoordination`` asks the team's PostgreSQL.
(The key's shared budget is asked by every request, not here: ``controller.budgeted_provider``.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

Pair = tuple[str, str]  # (post id, account id)


class CoordinationRefused(Exception):
    """The retry must not be sent (the claim was lost, or the team database is away): the
    message says why, for the operator."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """The destinations of one post this instance may retry, and the coordination's handle on
    them (opaque to the controller: the team's fencing number, nothing when alone)."""

    post_id: str
    account_ids: frozenset[str]
    handle: object = None


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    """What ``claim`` granted (None: nothing) and who holds the rest."""

    ticket: Ticket | None
    # account_id -> the operator retrying it right now, for the destinations not granted.
    held_by: dict[str, str] = field(default_factory=dict)

    def reason(self) -> str:
        """One sentence for a retry that was not granted."""
        holders = sorted(set(self.held_by.values()))
        if not holders:
            return "Not sent: another instance holds these destinations."
        return f"Not sent: being retried by {', '.join(holders)}."


@dataclass(frozen=True, slots=True)
class PairsTicket:
    """The (post, account) pairs of a bulk request this instance may retry, and the
    coordination's handle on them (as ``Ticket``'s)."""

    pairs: frozenset[Pair]
    handle: object = None


@dataclass(frozen=True, slots=True)
class PairsAnswer:
    """What ``claim_pairs`` granted (None: nothing) and who holds the rest."""

    ticket: PairsTicket | None
    # (post id, account id) -> the operator retrying it right now, for the pairs not granted.
    held_by: dict[Pair, str] = field(default_factory=dict)

    def granted(self, pair: Pair) -> bool:
        return self.ticket is not None and pair in self.ticket.pairs

    def on_post(self, post_id: str) -> ClaimAnswer:
        """The answer for one post's pairs not granted (its ``reason`` names who holds them)."""
        held = {a: holder for (p, a), holder in self.held_by.items() if p == post_id}
        return ClaimAnswer(None, held)


class Coordination(Protocol):
    @property
    def operator(self) -> str:
        """This operator's name (the history's sender column)."""
        ...

    @property
    def shared(self) -> bool:
        """Whether other instances take part (team mode)."""
        ...

    async def claim(self, post_id: str, account_ids: Iterable[str]) -> ClaimAnswer:
        """Claim the destinations before the intent is journalled. Raises
        ``CoordinationRefused`` when nothing can be claimed (the database is away)."""
        ...

    async def claim_pairs(self, pairs: Iterable[Pair]) -> PairsAnswer:
        """Claim a bulk request's pairs at once, before its intents are journalled; waits
        while the database is away, as ``claim``."""
        ...

    async def before_send(self, ticket: Ticket | PairsTicket) -> None:
        """The request leaves next: raises ``CoordinationRefused`` when the claim is no
        longer this instance's (waits while the database is away)."""
        ...

    async def finished(self, ticket: Ticket | PairsTicket, *, applied: bool) -> None:
        """The outcome is known. Not ``applied`` (refused, never left): let the claim go
        now. Applied (or maybe applied): the claim runs out with its lease, so nobody else
        retries the destinations while they settle and the others' lists catch up."""
        ...


class SoloCoordination:
    """One instance alone on its workspace: every claim granted, no budget but the pacer's."""

    shared = False

    def __init__(self, operator: str) -> None:
        self._operator = operator

    @property
    def operator(self) -> str:
        return self._operator

    async def claim(self, post_id: str, account_ids: Iterable[str]) -> ClaimAnswer:
        return ClaimAnswer(Ticket(post_id, frozenset(account_ids)))

    async def claim_pairs(self, pairs: Iterable[Pair]) -> PairsAnswer:
        return PairsAnswer(PairsTicket(frozenset(pairs)))

    async def before_send(self, ticket: Ticket | PairsTicket) -> None:
        return None

    async def finished(self, ticket: Ticket | PairsTicket, *, applied: bool) -> None:
        return None
