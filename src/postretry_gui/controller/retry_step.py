"""The one journalled step of every retry: intend -> mark sent -> request -> acknowledge, or
settle a refusal, or mark the outcome unknown when the answer was lost.

A retry job (``controller.bulk``) plans its posts here (locking their destinations) and sends
each through ``RetryStep.send``; how each provider error ends a retry is one table,
``ERROR_OUTCOMES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from typing import Protocol

from postretry_gui.controller.coordination import (
    Coordination,
    CoordinationRefused,
    PairsTicket,
    SoloCoordination,
    Ticket,
)
from postretry_gui.controller.events import NoticeLevel, PostMark, PostOutcome
from postretry_gui.controller.journal_port import JournalLink, JournalWriteFailed
from postretry_gui.controller.settler import WatchSettler
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import Destination, Outcome, Post, RetryAck, Status
from postretry_gui.domain.errors import (
    AlreadyRetried,
    NotFound,
    NothingToRetry,
    OutcomeUnknown,
    ProviderError,
    ReconnectRequired,
    RetryNotApplied,
    ServerError,
    TimedOut,
    TransportError,
    Unauthorized,
)

# Awaited before a request is sent again after a 429: raises ``CoordinationRefused`` when
# the claim ran out meanwhile (the wait may outlast its lease), so the request is not re-sent.
Fence = Callable[[], Awaitable[None]]


class RetrySend(Protocol):
    """Sends the request of one intent (the job's: paced, a 429 re-sent with the same key,
    each re-send only after ``fence``)."""

    def __call__(
        self, post: Post, account_ids: Sequence[str], *, idempotency_key: str, fence: Fence
    ) -> Awaitable[RetryAck]: ...


class StopSending(Exception):
    """Raised by the step: the rest of the job must not be sent (key rejected, offline).
    ``outcome`` is what every post not sent yet is reported as; ``decided``: the outcomes of
    posts of the same request already settled otherwise (held by another operator)."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.decided: list[PostOutcome] = []


class Then(Enum):
    """What a refused or lost retry does after the journal has its word."""

    REDRAW = auto()  # redraw the post's rows: they are retryable (or not) as before
    GONE = auto()  # 404: mark the post deleted
    REREAD = auto()  # nothing was failed any more: read the post to show why
    SPENT = auto()  # the provider allows no further retry: count the post as retried
    KEY_REJECTED = auto()  # 401: stop background work and the rest of the job
    OFFLINE = auto()  # the request never left: go offline and stop the job
    WATCH_UNKNOWN = auto()  # it may have been applied: never resend, read what happened


class Say(Enum):
    """Which sentence the outcome carries, unless the table gives a fixed one."""

    MESSAGE = auto()  # the error's message
    TEXT = auto()  # the error as text (its message with any detail)


@dataclass(frozen=True, slots=True)
class ErrorOutcome:
    outcome: Outcome  # what the report says
    journal: Outcome | None  # the journal's final word (None: not final yet)
    then: Then
    say: Say = Say.MESSAGE
    sentence: str | None = None  # a fixed sentence instead of the error's


_UNKNOWN = ErrorOutcome(
    Outcome.OUTCOME_UNKNOWN, None, Then.WATCH_UNKNOWN, sentence=OutcomeUnknown.default_message
)

# How each provider error ends a retry; the first class the error is an instance of wins,
# so subclasses come before their bases (OutcomeUnknown is a TransportError).
ERROR_OUTCOMES: tuple[tuple[type[ProviderError], ErrorOutcome], ...] = (
    (
        NotFound,
        ErrorOutcome(Outcome.GONE, Outcome.GONE, Then.GONE, sentence=NotFound.default_message),
    ),
    (
        NothingToRetry,
        ErrorOutcome(Outcome.NOTHING_TO_RETRY, Outcome.NOTHING_TO_RETRY, Then.REREAD),
    ),
    (
        AlreadyRetried,
        ErrorOutcome(Outcome.ALREADY_RETRIED, Outcome.ALREADY_RETRIED, Then.SPENT),
    ),
    (
        Unauthorized,
        ErrorOutcome(Outcome.KEY_REJECTED, Outcome.REJECTED, Then.KEY_REJECTED),
    ),
    # The request may have been applied (a timeout after sending, a gateway's 5xx).
    (OutcomeUnknown, _UNKNOWN),
    (TimedOut, _UNKNOWN),
    (ServerError, _UNKNOWN),
    # Connection refused or no network: the HTTP layer raises this for a retry only when the
    # connection failed before the request left, so nothing can have been applied and it
    # does not count as this post's retry (a once-only post stays retryable).
    (
        TransportError,
        ErrorOutcome(Outcome.UNREACHABLE, Outcome.UNREACHABLE, Then.OFFLINE),
    ),
    (
        ReconnectRequired,
        ErrorOutcome(Outcome.REJECTED, Outcome.RECONNECT_REQUIRED, Then.REDRAW, Say.TEXT),
    ),
    # Refused, and nothing was re-sent: the journal's word keeps a once-only post's retry.
    (
        RetryNotApplied,
        ErrorOutcome(Outcome.REJECTED, Outcome.NOT_RETRIED, Then.REDRAW, Say.TEXT),
    ),
    (ProviderError, ErrorOutcome(Outcome.REJECTED, Outcome.REJECTED, Then.REDRAW, Say.TEXT)),
)


def error_outcome(error: ProviderError) -> ErrorOutcome:
    for kind, answer in ERROR_OUTCOMES:
        if isinstance(error, kind):
            return answer
    raise AssertionError("ProviderError closes the table")  # pragma: no cover


def outcome_message(answer: ErrorOutcome, error: ProviderError) -> str:
    """The sentence the table says a refused or lost retry carries."""
    if answer.sentence is not None:
        return answer.sentence
    return error.message if answer.say is Say.MESSAGE else str(error)


def resend_fence(
    coordination: Coordination, ticket: Ticket | PairsTicket, state: WorkspaceState
) -> Fence:
    """The ``fence`` of a request's re-send: the claim confirmed again, and when it ran out
    the operator told why that request is not sent again."""

    async def confirm() -> None:
        try:
            await coordination.before_send(ticket)
        except CoordinationRefused as lost:
            state.notice(NoticeLevel.WARNING, f"Not sent again after the rate limit: {lost}")
            raise

    return confirm


class RetryStep:
    """Plans and sends single retries against the workspace ``state``, watching what was
    acknowledged (or lost) through ``settler``."""

    def __init__(
        self,
        state: WorkspaceState,
        settler: WatchSettler,
        journal: JournalLink,
        coordination: Coordination | None = None,
    ) -> None:
        self._state = state
        self._settler = settler
        self._journal = journal
        self._coordination = coordination or SoloCoordination("")

    def plan(self, post_id: str, ticked: frozenset[str]) -> frozenset[str] | PostOutcome:
        """Lock what a retry of ``post_id`` with ``ticked`` would touch and return it; or
        the outcome of a post that cannot be sent (SKIPPED, with the reason)."""
        state = self._state
        post = state.posts.get(post_id)
        if post is None:
            return PostOutcome(post_id, Outcome.SKIPPED, message="This post is not loaded.")
        if state.mark(post_id) is PostMark.GONE:
            return PostOutcome(post_id, Outcome.SKIPPED, message="The post was deleted.")
        unit = state.retry_unit_of(post, ticked)
        if not unit:
            return PostOutcome(post_id, Outcome.SKIPPED, message=state.why_not(post, ticked))
        state.lock(post_id, unit)
        return unit

    async def send(self, post: Post, unit: frozenset[str], send: RetrySend) -> PostOutcome:
        """One journalled retry of ``unit`` (locked by ``plan``), sent through ``send``.
        Raises StopSending when the rest of a job must not be sent."""
        state = self._state
        post_id = post.post_id
        journal = self._journal
        sent_before = state.retries_sent(post_id)  # read before the new intent counts itself
        # Team mode: no retry leaves without a claim on its destinations (alone: granted).
        ticket = await self._claim(post_id, unit)
        if isinstance(ticket, PostOutcome):
            return ticket
        unit = ticket.account_ids  # less than asked when others hold some destinations
        # A stable order: the request body and the journal read the same way every time.
        account_ids = sorted(unit, key=lambda a: (len(a), a))
        attempts = {d.account_id: d.attempts for d in post.destinations if d.account_id in unit}
        try:
            entry = await journal.record_intent(post_id, account_ids)
        except JournalWriteFailed as error:
            return await self._not_sent(ticket, unit, Outcome.SKIPPED, str(error))
        try:
            await self._coordination.before_send(ticket)
        except CoordinationRefused as error:
            journal.settle(entry, Outcome.NOT_SENT, str(error))
            return await self._not_sent(ticket, unit, Outcome.NOT_SENT, str(error))
        journal.mark_sent(entry)
        try:
            ack = await send(
                post,
                account_ids,
                idempotency_key=entry or uuid.uuid4().hex,
                fence=resend_fence(self._coordination, ticket, state),
            )
        except ProviderError as error:
            applied = error_outcome(error).then is Then.WATCH_UNKNOWN
            try:
                return await self._refused(post_id, unit, attempts, entry, sent_before, error)
            finally:
                await self._coordination.finished(ticket, applied=applied)
        await self._coordination.finished(ticket, applied=True)
        state.count_retries(post_id, sent_before + 1)
        message = ack.message or f"Retry accepted: {ack.retried_count} destination(s) queued."
        journal.acknowledge(entry, message)
        state.read_succeeded()
        self._apply_ack(post_id, unit, ack.destinations)
        acked = frozenset(d.account_id for d in ack.destinations) & unit or unit
        state.unlock(post_id, unit - acked)
        self._settler.watch_retry(post_id, acked, attempts, entry)
        state.emit(post_id)
        return PostOutcome(post_id, Outcome.RETRIED, unit, message)

    async def _claim(self, post_id: str, unit: frozenset[str]) -> Ticket | PostOutcome:
        """The ticket to send ``unit``, or the SKIPPED outcome naming who retries it."""
        answer = await self._coordination.claim(post_id, unit)
        ticket = answer.ticket
        whole_post = not self._state.capabilities.per_destination_retry
        if ticket is not None and (ticket.account_ids == unit or not whole_post):
            if answer.held_by:  # a destination-wise provider sends the rest
                self._state.unlock(post_id, unit - ticket.account_ids)
                self._state.hold(post_id, answer.held_by)
            return ticket
        if ticket is not None:  # a whole-post retry would touch the held ones too
            await self._coordination.finished(ticket, applied=False)
        self._state.unlock(post_id, unit)
        self._state.hold(post_id, answer.held_by)
        self._state.emit(post_id)
        return PostOutcome(post_id, Outcome.SKIPPED, message=answer.reason())

    async def _not_sent(
        self, ticket: Ticket, unit: frozenset[str], outcome: Outcome, message: str
    ) -> PostOutcome:
        await self._coordination.finished(ticket, applied=False)
        self._state.unlock(ticket.post_id, unit)
        self._state.emit(ticket.post_id)
        return PostOutcome(ticket.post_id, outcome, message=message)

    async def _refused(
        self,
        post_id: str,
        unit: frozenset[str],
        attempts: Mapping[str, int],
        entry: str | None,
        sent_before: int,
        error: ProviderError,
    ) -> PostOutcome:
        """What ``ERROR_OUTCOMES`` says for ``error``, carried out."""
        state = self._state
        answer = error_outcome(error)
        message = outcome_message(answer, error)
        if answer.then is Then.WATCH_UNKNOWN:
            # Never resend; keep the destinations locked and read what happened instead.
            state.count_retries(post_id, sent_before + 1)
            await self._outcome_unknown(post_id, unit, attempts, entry, error)
            return PostOutcome(post_id, answer.outcome, unit, message)
        if answer.journal is not None:
            self._journal.settle(entry, answer.journal, str(error))
        state.unlock(post_id, unit)
        then = answer.then
        if then is Then.GONE:
            state.mark_gone(post_id)
        elif then is Then.REREAD:
            await self._settler.reread(post_id)
        elif then is Then.SPENT:
            limit = state.capabilities.max_retries_per_post
            state.count_retries(post_id, max(sent_before + 1, limit or 1))
            state.emit(post_id)
        elif then is Then.KEY_REJECTED:
            state.key_rejected(error)
            raise StopSending(answer.outcome, message) from None
        elif then is Then.OFFLINE:
            state.read_failed(error)
            raise StopSending(answer.outcome, message) from None
        else:
            state.emit(post_id)
        return PostOutcome(post_id, answer.outcome, unit, message)

    async def _outcome_unknown(
        self,
        post_id: str,
        unit: frozenset[str],
        attempts: Mapping[str, int],
        entry: str | None,
        error: ProviderError,
    ) -> None:
        state = self._state
        self._journal.mark_unknown(entry, str(error))
        state.mark_outcome_unknown(post_id, True)
        self._settler.watch_retry(post_id, unit, attempts, entry, unknown=True)
        state.emit(post_id)
        state.notice(
            NoticeLevel.WARNING,
            f"Post {post_id}: the retry was sent but no answer came back. "
            "Re-reading the post instead of resending it.",
        )
        await self._settler.reread(post_id)

    def _apply_ack(
        self, post_id: str, unit: frozenset[str], destinations: Sequence[Destination]
    ) -> None:
        post = self._state.posts.get(post_id)
        if post is None:
            return
        updates = tuple(d for d in destinations if d.account_id in unit)
        if not updates:
            # The ack named no destinations (a whole-post retry): the unit is queued now.
            updates = tuple(
                d.with_status(Status.QUEUED) for d in post.destinations if d.account_id in unit
            )
        self._state.put_answer(post.merged(updates))
