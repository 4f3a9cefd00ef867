"""One retry intent as the journal keeps it, and the moves its state may make.

Shared by the local journal (``journal.py``, SQLite) and the team's (``team/journal.py``,
PostgreSQL), which keep the same intents in the same words.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from postretry_gui.domain import Outcome
from postretry_gui.store.errors import InvalidIntent
from postretry_gui.store.journal_schema import IntentState
from postretry_gui.store.paths import check_workspace_id

# Outcomes that prove the server never received the retry, or says it re-sent nothing: they
# do not count toward a post's retries.
NEVER_RECEIVED = frozenset({Outcome.NOT_SENT, Outcome.UNREACHABLE, Outcome.NOT_RETRIED})


_NEXT: dict[IntentState, frozenset[IntentState]] = {
    IntentState.INTENDED: frozenset({IntentState.SENT, IntentState.UNKNOWN, IntentState.SETTLED}),
    IntentState.SENT: frozenset(
        {IntentState.ACKNOWLEDGED, IntentState.UNKNOWN, IntentState.SETTLED}
    ),
    IntentState.ACKNOWLEDGED: frozenset({IntentState.SETTLED}),
    IntentState.UNKNOWN: frozenset({IntentState.SETTLED}),
    IntentState.SETTLED: frozenset(),
}


def checked_accounts(
    workspace_id: str, post_id: str, account_ids: Iterable[str]
) -> tuple[str, ...]:
    """The account ids of a well-formed intent; ``InvalidIntent`` (or the workspace id's
    error) before anything is written."""
    check_workspace_id(workspace_id)
    if not isinstance(post_id, str) or not post_id.strip():
        raise InvalidIntent("A retry intent needs a post id.")
    if isinstance(account_ids, str):
        raise InvalidIntent("account_ids must be a list of account ids, not one string.")
    accounts = tuple(account_ids)
    if not accounts or not all(isinstance(a, str) and a for a in accounts):
        raise InvalidIntent("A retry intent needs at least one account id (non-empty text).")
    return accounts


def can_move(current: IntentState, new: IntentState) -> bool:
    return new in _NEXT[current]


@dataclass(frozen=True, slots=True)
class Intent:
    intent_id: str
    workspace_id: str
    post_id: str
    account_ids: tuple[str, ...]
    created_at: datetime
    operator: str
    state: IntentState
    outcome: Outcome | None
    detail: str
    sent_at: datetime | None
    updated_at: datetime
    # The bulk request this intent is one pair of (its Idempotency-Key); None: a request of
    # its own (single-post), whose key is ``intent_id``.
    request_key: str | None = None

    @property
    def idempotency_key(self) -> str:
        return self.request_key or self.intent_id

    @property
    def may_have_left(self) -> bool:
        """True when the request was sent or may have been: counts toward a post's retries."""
        return self.outcome not in NEVER_RECEIVED


def current_operator() -> str:
    """The OS user name, or "unknown" where the platform cannot tell."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):
        return "unknown"
