"""What the retry flow needs from a retry journal (``store/journal.py``'s ``RetryJournal``).

A write-ahead record: the intent is written before the request leaves, so a crash between
sending and hearing back still leaves a trace that the retry may have gone out. The session
needs the writing calls, the window's history (Ctrl+H) the reading ones; the store's journal
has them with these exact signatures, and any other object that has them will do (tests pass
a recording one).

Outcome words passed to ``acknowledge``/``settle`` are the domain's ``Outcome`` (the journal
stores its values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from postretry_gui.domain import Outcome


class JournalIntent(Protocol):
    @property
    def intent_id(self) -> str: ...

    @property
    def workspace_id(self) -> str: ...

    @property
    def post_id(self) -> str: ...

    @property
    def account_ids(self) -> tuple[str, ...]: ...

    @property
    def state(self) -> str:
        """intended, sent, acknowledged, unknown or settled."""
        ...

    @property
    def created_at(self) -> datetime | None:
        """When the intent was written (None: the journal does not say)."""
        ...


class JournalRecord(JournalIntent, Protocol):
    """One intent as the history (Ctrl+H) shows it."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def operator(self) -> str: ...

    @property
    def outcome(self) -> Outcome | None: ...

    @property
    def detail(self) -> str: ...


class RetryJournal(Protocol):
    def intend(self, workspace_id: str, post_id: str, account_ids: Iterable[str]) -> JournalIntent:
        """Durably record a retry about to be sent; its ``intent_id`` is also the request's
        idempotency key."""
        ...

    def mark_sent(self, intent_id: str) -> object:
        """The request is leaving now."""
        ...

    def acknowledge(self, intent_id: str, outcome: str, detail: str = "") -> object:
        """The server accepted it (outcome ``retried``)."""
        ...

    def mark_unknown(self, intent_id: str, detail: str) -> object:
        """Sent, but the answer was lost: it may have been applied."""
        ...

    def settle(self, intent_id: str, outcome: str, detail: str = "") -> object:
        """The final word on the retry."""
        ...

    def intend_request(
        self, workspace_id: str, request_key: str, pairs: Iterable[tuple[str, str]]
    ) -> Sequence[JournalIntent]:
        """Durably record a bulk request about to be sent: one intent per (post id, account
        id), tied by ``request_key`` (the request's idempotency key), all or none."""
        ...

    def mark_request_sent(self, request_key: str) -> object: ...

    def acknowledge_request(self, request_key: str, outcome: str, detail: str = "") -> object: ...

    def mark_request_unknown(self, request_key: str, detail: str) -> object: ...

    def settle_request(self, request_key: str, outcome: str, detail: str = "") -> object: ...

    def unfinished(self) -> Sequence[JournalIntent]:
        """Intents not settled yet: left behind by a crash or a closed app, to reconcile."""
        ...

    def retries_sent(self, post_id: str, *, workspace_id: str | None = None) -> int:
        """Retries of ``post_id`` that left (or may have left) this app, ever."""
        ...

    def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> Sequence[JournalRecord]:
        """Intents newest first (the window's Ctrl+H)."""
        ...

    def history_count(self, search: str | None = None) -> int: ...

    def export_csv(self, path: Path) -> int:
        """Write every intent as CSV; returns the row count."""
        ...


def intents_by_pair(intents: Iterable[JournalIntent]) -> dict[tuple[str, str], str]:
    """(post id, account id) -> intent id, for the one-account intents of a bulk request."""
    return {(i.post_id, i.account_ids[0]): i.intent_id for i in intents}


class JournalWriteFailed(Exception):
    """The intent could not be recorded, so the retry must not be sent."""


class JournalLink:
    """The session's side of an optional journal.

    Without a journal every call is a no-op and ``intend`` returns None. Writing the intent
    is the only call allowed to stop a retry (write-ahead: unrecorded means unsent); a failed
    write after the request left is reported through ``on_failure`` and otherwise ignored,
    because the request already happened and the operator must still see its outcome.
    """

    def __init__(
        self,
        journal: RetryJournal | None,
        workspace_id: str,
        on_failure: Callable[[str], None],
    ) -> None:
        self.journal = journal
        self.workspace_id = workspace_id
        self._on_failure = on_failure

    def intend(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        if self.journal is None:
            return None
        try:
            return self.journal.intend(self.workspace_id, post_id, account_ids).intent_id
        except Exception as error:  # any store failure: refuse to send rather than guess
            raise JournalWriteFailed(
                f"Could not record the retry in the journal, so it was not sent: {error}"
            ) from error

    async def record_intent(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        """``intend`` for a caller that can wait: the team's journal is written over the
        network (``controller.shared_journal``); the local one at once."""
        return self.intend(post_id, account_ids)

    async def flush(self, timeout_s: float = 0.0) -> None:
        """Wait for writes still queued (the local journal writes at once)."""

    async def record_request_intent(
        self, request_key: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str] | None:
        """The intent id of each (post id, account id) of a bulk request, written before it
        leaves (all or none); None without a journal. Awaited like ``record_intent``: the
        team's journal is written over the network, the local one at once."""
        if self.journal is None:
            return None
        try:
            intents = self.journal.intend_request(self.workspace_id, request_key, pairs)
        except Exception as error:  # any store failure: refuse to send rather than guess
            raise JournalWriteFailed(
                f"Could not record the retry in the journal, so it was not sent: {error}"
            ) from error
        return intents_by_pair(intents)

    def request_sent(self, request_key: str) -> None:
        self._safely(lambda j: j.mark_request_sent(request_key))

    def request_acknowledged(self, request_key: str, detail: str) -> None:
        self._safely(lambda j: j.acknowledge_request(request_key, Outcome.RETRIED, detail))

    def request_unknown(self, request_key: str, detail: str) -> None:
        self._safely(lambda j: j.mark_request_unknown(request_key, detail))

    def request_settled(self, request_key: str, outcome: Outcome, detail: str = "") -> None:
        self._safely(lambda j: j.settle_request(request_key, outcome, detail))

    def _safely(self, write: Callable[[RetryJournal], object]) -> None:
        if self.journal is None:
            return
        try:
            write(self.journal)
        except Exception as error:  # the request already left; report and carry on
            self._on_failure(f"Could not update the retry journal: {error}")

    def mark_sent(self, intent_id: str | None) -> None:
        if intent_id:
            self._safely(lambda j: j.mark_sent(intent_id))

    def acknowledge(self, intent_id: str | None, detail: str) -> None:
        if intent_id:
            self._safely(lambda j: j.acknowledge(intent_id, Outcome.RETRIED, detail))

    def mark_unknown(self, intent_id: str | None, detail: str) -> None:
        if intent_id:
            self._safely(lambda j: j.mark_unknown(intent_id, detail))

    def settle(self, intent_id: str | None, outcome: Outcome, detail: str = "") -> None:
        if intent_id:
            self._safely(lambda j: j.settle(intent_id, outcome, detail))

    def retries_sent(self, post_id: str) -> int | None:
        if self.journal is None:
            return None
        try:
            return self.journal.retries_sent(post_id, workspace_id=self.workspace_id)
        except Exception as error:
            self._on_failure(f"Could not read the retry journal: {error}")
            return None

    def unfinished(self) -> list[JournalIntent]:
        if self.journal is None:
            return []
        try:
            intents = self.journal.unfinished()
        except Exception as error:
            self._on_failure(f"Could not read the retry journal: {error}")
            return []
        return [i for i in intents if i.workspace_id == self.workspace_id]
