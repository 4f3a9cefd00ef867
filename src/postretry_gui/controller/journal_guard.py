"""A workspace whose retry journal was configured but could not be opened sends no retry.

Write-ahead is the promise that nothing leaves unrecorded, so a crash never leads to a
duplicate. A session built with no journal at all (tests, tools) is a choice; a journal that
failed to open (locked by another copy, unreadable, written by a newer version) is an
accident the operator must hear of, and until it is mended every retry is refused. The
workspace still opens: its list, filters, details and history are read-only value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from postretry_gui.controller.journal_port import JournalLink, JournalWriteFailed
from postretry_gui.store import NewerStoreFile, StoreUnavailable


def retries_off_text(error: StoreUnavailable) -> str:
    """Why retries are refused and what to do, for a journal that raised ``error`` at open
    (its message names the file)."""
    if isinstance(error, NewerStoreFile):
        # The error already says to use the newer version; the other way out:
        remedy = (
            "Or move the file aside (this version then starts a new journal), then open the "
            "workspace again."
        )
    else:
        remedy = (
            "Close other copies of the app, check the file's permissions or move it aside, "
            "then open the workspace again."
        )
    return (
        f"Retries are off: the retry journal could not be opened. {error} Without it a retry "
        f"could leave unrecorded and be sent twice after a crash, so none is sent. {remedy}"
    )


class UnopenedJournalLink(JournalLink):
    """The journal link of a workspace whose journal could not be opened: every intent is
    refused with ``reason``, so the retry step sends nothing (the job stops before it, too;
    this is the last guard for any path that reaches the step)."""

    def __init__(self, reason: str, workspace_id: str, on_failure: Callable[[str], None]) -> None:
        super().__init__(None, workspace_id, on_failure)
        self.reason = reason

    async def record_intent(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        raise JournalWriteFailed(self.reason)

    async def record_request_intent(
        self, request_key: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str] | None:
        raise JournalWriteFailed(self.reason)
