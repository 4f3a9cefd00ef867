"""What the retry flow needs from a retry journal (``store/journal.py``'s ``RetryJournal``).

A write-ahead record: the intent is written before the request leaves, so a crash between
sending and hearing back still leaves a trace that the retry may have gone out. The session
needs the writing calls, the window's history (Ctrl+H) the reading ones; the store's journal
has them with these exact signatures, and any other object that has them will do (tests pass
a recording one). The writing calls are made from the journal's writer thread, the reading
ones from the event loop, so a journal must allow both (the store's shares one connection
behind a lock).

Outcome words passed to ``acknowledge``/``settle`` are the domain's ``Outcome`` (the journal
stores its values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from postretry_gui.controller.journal_writer import JournalWriter
from postretry_gui.domain import Outcome

T = TypeVar("T")

# Closing waits this long for writes still queued (a few ms each on a sound disk); past it,
# what is left stays unfinished in the journal, as after a crash, and the next open settles
# it by reading, rather than keep the window from closing on a stuck disk.
FLUSH_TIMEOUT_S = 5.0


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

    Without a journal every call is a no-op and ``record_intent`` returns None. Writing the
    intent is the only call allowed to stop a retry (write-ahead: unrecorded means unsent); a
    failed write after the request left is reported through ``on_failure`` and otherwise
    ignored, because the request already happened and the operator must still see its outcome.

    Every write runs on the journal's writer thread (``controller.journal_writer``), in the
    order asked, so the window never waits for an fsync. The intent is awaited: on disk before
    the request may leave. The writes after it (sent, acknowledged, unknown, settled) are
    queued, not awaited: a crash that loses a queued ``sent`` leaves the intent ``intended``,
    which the next open treats like ``sent`` (it may have left: locked, read, never resent;
    ``WatchSettler.reconcile``), and which counts toward the post's retries all the same.
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
        self._disk_writer = JournalWriter()

    async def record_intent(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        """The intent's id (the request's idempotency key), durably written before the
        request may leave; None without a journal. ``JournalWriteFailed``: not written, so
        the retry must not be sent."""
        accounts = tuple(account_ids)
        intent = await self._write_ahead(lambda j: j.intend(self.workspace_id, post_id, accounts))
        return None if intent is None else intent.intent_id

    async def record_request_intent(
        self, request_key: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str] | None:
        """The intent id of each (post id, account id) of a bulk request, durably written
        (all or none) before it leaves; None without a journal. Fails as ``record_intent``."""
        every = tuple(pairs)
        intents = await self._write_ahead(
            lambda j: j.intend_request(self.workspace_id, request_key, every)
        )
        return None if intents is None else intents_by_pair(intents)

    async def _write_ahead(self, write: Callable[[RetryJournal], T]) -> T | None:
        """``write`` on the writer thread, awaited until it is on disk; None without a
        journal."""
        journal = self.journal
        if journal is None:
            return None
        try:
            return await self._disk_writer.write(lambda: write(journal))
        except Exception as error:  # any store failure: refuse to send rather than guess
            raise JournalWriteFailed(
                f"Could not record the retry in the journal, so it was not sent: {error}"
            ) from error

    async def written(self) -> None:
        """Wait until every write asked for so far is in the journal."""
        await self._disk_writer.drained()

    async def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> None:
        """Wait until every queued write is in (at most ``timeout_s``), then stop the
        writer thread: closing the workspace loses no outcome the journal could take."""
        await self._disk_writer.flush(timeout_s)

    def request_sent(self, request_key: str) -> None:
        self._safely(lambda j: j.mark_request_sent(request_key))

    def request_acknowledged(self, request_key: str, detail: str) -> None:
        self._safely(lambda j: j.acknowledge_request(request_key, Outcome.RETRIED, detail))

    def request_unknown(self, request_key: str, detail: str) -> None:
        self._safely(lambda j: j.mark_request_unknown(request_key, detail))

    def request_settled(self, request_key: str, outcome: Outcome, detail: str = "") -> None:
        self._safely(lambda j: j.settle_request(request_key, outcome, detail))

    def _safely(self, write: Callable[[RetryJournal], object]) -> None:
        journal = self.journal
        if journal is not None:
            self._disk_writer.queue(lambda: write(journal), self._update_failed)

    def _update_failed(self, error: Exception) -> None:
        # The request already left: report and carry on.
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
