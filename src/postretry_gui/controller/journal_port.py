"""What the retry flow needs from a retry journal (written in ``store/journal.py``).

A write-ahead record: the intent is written before the request leaves, so a crash between
sending and hearing back still leaves a trace that the retry may have gone out. The session
only needs these five calls; any object that has them will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RetryJournal(Protocol):
    def intend(self, post_id: str, account_ids: Sequence[str]) -> str:
        """Record that a retry is about to be sent; return an entry id, also used as the
        request's idempotency key."""
        ...

    def mark_sent(self, entry_id: str) -> None:
        """The request is leaving now."""
        ...

    def acknowledge(self, entry_id: str, retried_count: int) -> None:
        """The server accepted it."""
        ...

    def mark_unknown(self, entry_id: str) -> None:
        """Sent, but the answer was lost: it may have been applied."""
        ...

    def settle(self, entry_id: str, outcome: str) -> None:
        """Final word: ``outcome`` is an :class:`~postretry_gui.controller.events.Outcome`
        value, or "published"/"failed" once polling saw the destinations settle."""
        ...
