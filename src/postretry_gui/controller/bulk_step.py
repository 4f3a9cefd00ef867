"""The journalled step of a bulk request: one account on many posts, one request.

The same promise as the single retry (``retry_step``), for every pair the request covers:
its pairs are claimed first (team mode: the posts whose pair another instance holds are
dropped from the request and show who retries them; alone, all are granted), the claim is
confirmed right before it leaves (a claim lost meanwhile: not sent), an intent per granted
(post, account) is written before it leaves, all tied to the request's
Idempotency-Key and marked sent as it leaves; an answer acknowledges them together; a lost
answer (timeout, reset, a 5xx after the server applied it) leaves every pair "outcome
unknown", locked and settled by reading (the settler), never by resending. Refusals end as
``ERROR_OUTCOMES`` says, for each post of the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from postretry_gui.controller.coordination import (
    Coordination,
    CoordinationRefused,
    PairsAnswer,
    PairsTicket,
    SoloCoordination,
)
from postretry_gui.controller.events import NoticeLevel, PostOutcome
from postretry_gui.controller.filter_check import Bystanders, WidenedFilterCheck
from postretry_gui.controller.journal_port import JournalLink, JournalWriteFailed
from postretry_gui.controller.retry_step import (
    Fence,
    StopSending,
    Then,
    error_outcome,
    outcome_message,
    resend_fence,
)
from postretry_gui.controller.settler import WatchSettler
from postretry_gui.controller.workspace_state import WorkspaceState
from postretry_gui.domain import BulkRetryAck, Destination, Outcome, Status
from postretry_gui.domain.errors import ProviderError
from postretry_gui.domain.retry_plan import PlannedRequest

_NOT_REQUEUED = "Not re-queued: it had not failed any more."


class BulkSend(Protocol):
    """Sends one bulk request (the job's: paced, a 429 re-sent with the same key)."""

    def __call__(
        self, account_id: str, post_ids: Sequence[str], *, idempotency_key: str, fence: Fence
    ) -> Awaitable[BulkRetryAck]: ...


class BulkStep:
    """Sends bulk requests against the workspace ``state``; what they re-queued (or may
    have) is watched through ``settler``, ``check`` looks for a widened filter, and
    ``coordination`` grants the pairs (alone: all of them)."""

    def __init__(
        self,
        state: WorkspaceState,
        settler: WatchSettler,
        journal: JournalLink,
        check: WidenedFilterCheck,
        coordination: Coordination | None = None,
    ) -> None:
        self._state = state
        self._settler = settler
        self._journal = journal
        self._check = check
        self._coordination = coordination or SoloCoordination("")

    async def send(
        self, request: PlannedRequest, send: BulkSend, *, verify: bool = False
    ) -> list[PostOutcome]:
        """One journalled bulk request (its pairs locked by the job's plan): one outcome per
        post. Raises StopSending when the rest of a job must not be sent.

        ``verify``: when the answer does not list what it re-queued, read one post it could
        have widened at once (one request), so a job learns before its next bulk request
        whether the server honours the account filter; otherwise the next poll tells."""
        # Team mode: nothing leaves without a claim on its pairs (alone: all granted).
        answer = await self._coordination.claim_pairs(request.pairs)
        held = self._not_granted(request, answer)
        if answer.ticket is None:
            return held
        (account_id,) = request.account_ids
        granted = tuple(p for p in request.post_ids if answer.granted((p, account_id)))
        claimed = replace(request, post_ids=granted)
        try:
            return held + await self._send_claimed(claimed, answer.ticket, send, verify=verify)
        except StopSending as stop:
            stop.decided = held  # the held posts were not this request's: they keep their word
            raise

    def _not_granted(self, request: PlannedRequest, answer: PairsAnswer) -> list[PostOutcome]:
        """The SKIPPED outcome of each post whose pair was not granted: unlocked, and its
        row shows who retries it."""
        state = self._state
        (account_id,) = request.account_ids
        outcomes: list[PostOutcome] = []
        for post_id in request.post_ids:
            if answer.granted((post_id, account_id)):
                continue
            held = answer.on_post(post_id)
            state.unlock(post_id, request.account_ids)
            state.hold(post_id, held.held_by)
            outcomes.append(PostOutcome(post_id, Outcome.SKIPPED, message=held.reason()))
        state.emit_all(o.post_id for o in outcomes)
        return outcomes

    async def _send_claimed(
        self, request: PlannedRequest, ticket: PairsTicket, send: BulkSend, *, verify: bool
    ) -> list[PostOutcome]:
        """``send`` with every pair of ``request`` claimed under ``ticket``."""
        state = self._state
        (account_id,) = request.account_ids
        unit = frozenset(request.account_ids)
        attempts = {post_id: self._attempts(post_id, account_id) for post_id in request.post_ids}
        sent_before = {post_id: state.retries_sent(post_id) for post_id in request.post_ids}
        bystanders = self._check.bystanders(request)
        key = uuid.uuid4().hex
        pairs = [(post_id, account_id) for post_id in request.post_ids]
        try:
            entries = await self._journal.record_request_intent(key, pairs) or {}
        except JournalWriteFailed as error:
            return await self._not_sent(request, ticket, Outcome.SKIPPED, str(error))
        try:
            await self._coordination.before_send(ticket)
        except CoordinationRefused as error:
            self._journal.request_settled(key, Outcome.NOT_SENT, str(error))
            return await self._not_sent(request, ticket, Outcome.NOT_SENT, str(error))
        self._journal.request_sent(key)
        try:
            ack = await send(
                account_id,
                request.post_ids,
                idempotency_key=key,
                fence=resend_fence(self._coordination, ticket, self._state),
            )
        except ProviderError as error:
            applied = error_outcome(error).then is Then.WATCH_UNKNOWN
            try:
                return self._refused(
                    request, key, entries, attempts, sent_before, bystanders, error
                )
            finally:
                await self._coordination.finished(ticket, applied=applied)
        # Applied: the claim runs out with its lease while the pairs settle.
        await self._coordination.finished(ticket, applied=True)
        for post_id in request.post_ids:
            state.count_retries(post_id, sent_before[post_id] + 1)
        message = ack.message or f"Retry accepted: {ack.retried_count} destination(s) queued."
        self._journal.request_acknowledged(key, message)
        state.read_succeeded()
        requeued = ack.requeued
        outcomes: list[PostOutcome] = []
        for post_id in request.post_ids:
            listed = [d for p, d in requeued or () if p == post_id and d.account_id in unit]
            entry = entries.get((post_id, account_id))
            if requeued is not None and not listed:
                # The answer lists what it re-queued, and not this: it had not failed any
                # more (published meanwhile, or retried by someone else).
                self._journal.settle(entry, Outcome.NOTHING_TO_RETRY, _NOT_REQUEUED)
                state.unlock(post_id, unit)
                outcomes.append(PostOutcome(post_id, Outcome.NOTHING_TO_RETRY, unit, _NOT_REQUEUED))
                continue
            self._apply(post_id, unit, listed)
            self._settler.watch_retry(post_id, unit, attempts[post_id], entry)
            outcomes.append(PostOutcome(post_id, Outcome.RETRIED, unit, message))
        state.emit_all(request.post_ids)
        if requeued is None:
            self._check.check_next_read(bystanders)
            if verify and bystanders.by_post:
                await self._settler.reread(next(iter(bystanders.by_post)))
        else:
            extra = self._check.check_answer(request, requeued)
            for post_id, destination in extra:
                self._apply(post_id, frozenset({destination.account_id}), [destination])
            state.emit_all(p for p, _ in extra)
        return outcomes

    def _refused(
        self,
        request: PlannedRequest,
        key: str,
        entries: Mapping[tuple[str, str], str],
        attempts: Mapping[str, Mapping[str, int]],
        sent_before: Mapping[str, int],
        bystanders: Bystanders,
        error: ProviderError,
    ) -> list[PostOutcome]:
        """What ``ERROR_OUTCOMES`` says for ``error``, for every post of the request."""
        state = self._state
        answer = error_outcome(error)
        message = outcome_message(answer, error)
        unit = frozenset(request.account_ids)
        outcomes = [PostOutcome(p, answer.outcome, unit, message) for p in request.post_ids]
        if answer.then is Then.WATCH_UNKNOWN:
            # Never resend; every pair stays locked and is read to learn what happened.
            self._journal.request_unknown(key, str(error))
            (account_id,) = request.account_ids
            for post_id in request.post_ids:
                state.count_retries(post_id, sent_before[post_id] + 1)
                state.mark_outcome_unknown(post_id, True)
                entry = entries.get((post_id, account_id))
                self._settler.watch_retry(post_id, unit, attempts[post_id], entry, unknown=True)
            state.emit_all(request.post_ids)
            self._check.check_next_read(bystanders)
            posts = len(request.post_ids)
            state.notice(
                NoticeLevel.WARNING,
                f"A bulk retry of {posts} post{'' if posts == 1 else 's'} was sent but no "
                "answer came back. Reading the posts instead of resending it.",
            )
            return outcomes
        if answer.journal is not None:
            self._journal.request_settled(key, answer.journal, str(error))
        self._unlock(request)
        if answer.then is Then.KEY_REJECTED:
            state.key_rejected(error)
            raise StopSending(answer.outcome, message) from None
        if answer.then is Then.OFFLINE:
            state.read_failed(error)
            raise StopSending(answer.outcome, message) from None
        # Gone, nothing to retry, or another refusal: a bulk answer does not say which post
        # it means, so the rows are redrawn as they are and the next read tells.
        return outcomes

    def _attempts(self, post_id: str, account_id: str) -> dict[str, int]:
        post = self._state.posts.get(post_id)
        destination = post.destination(account_id) if post is not None else None
        return {} if destination is None else {account_id: destination.attempts}

    async def _not_sent(
        self, request: PlannedRequest, ticket: PairsTicket, outcome: Outcome, message: str
    ) -> list[PostOutcome]:
        await self._coordination.finished(ticket, applied=False)
        self._unlock(request)
        return [PostOutcome(p, outcome, message=message) for p in request.post_ids]

    def _unlock(self, request: PlannedRequest) -> None:
        for post_id in request.post_ids:
            self._state.unlock(post_id, request.account_ids)
        self._state.emit_all(request.post_ids)

    def _apply(self, post_id: str, unit: frozenset[str], listed: Sequence[Destination]) -> None:
        """The answer's word on a post: the destinations it lists, or the unit queued."""
        post = self._state.posts.get(post_id)
        if post is None:
            return
        updates = tuple(listed) or tuple(
            d.with_status(Status.QUEUED) for d in post.destinations if d.account_id in unit
        )
        self._state.put_answer(post.merged(updates))
