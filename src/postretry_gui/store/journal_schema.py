"""The retry journal's schema and its history, one step per version.

The journal is the operator's audit trail: an older file is always migrated in place, never
set aside (``sqlite_files`` runs the steps, each in its own transaction).

- 1: the intents table, indexed by post and by state.
- 2: the index by state gives way to a partial index of the unfinished intents, in journal
  order. The state index held one entry per intent ever written, almost all of them
  ``settled``, and every transition rewrote an entry; what it served is ``unfinished()`` at
  start-up, which now walks the few unfinished intents in order, with no sort.
- 3: ``request_key`` ties the intents of one bulk request together: a bulk retry covers many
  (post, account) pairs, each its own intent, and the request's Idempotency-Key is this key
  (NULL for a single-post retry, whose key is its ``intent_id``). Indexed for the moves of a
  whole request (sent, acknowledged, unknown) at once.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

from postretry_gui.store.sqlite_files import Schema

WHAT = "retry journal"


class IntentState(StrEnum):
    """An intent's place on its way (see ``journal``, which exports it): the words stored in
    the ``state`` column, which the table's CHECK lists. A new word needs a step."""

    INTENDED = "intended"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    UNKNOWN = "unknown"
    SETTLED = "settled"


# The partial index's condition: a query uses the index only when its WHERE says the same.
UNFINISHED = f"state <> '{IntentState.SETTLED.value}'"
_UNFINISHED_INDEX = f"CREATE INDEX intents_unfinished ON intents (seq) WHERE {UNFINISHED}"
# Partial: single-post intents (most of the file) have no request key and need no entry.
_REQUEST_INDEX = (
    "CREATE INDEX intents_by_request ON intents (request_key) WHERE request_key IS NOT NULL"
)


def _create(connection: sqlite3.Connection) -> None:
    states = ", ".join(f"'{s.value}'" for s in IntentState)
    connection.execute(
        f"""CREATE TABLE intents (
            seq INTEGER PRIMARY KEY,
            intent_id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL,
            post_id TEXT NOT NULL,
            account_ids TEXT NOT NULL,
            created_at TEXT NOT NULL,
            operator TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({states})),
            outcome TEXT,
            detail TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            updated_at TEXT NOT NULL,
            request_key TEXT
        )"""
    )
    connection.execute("CREATE INDEX intents_by_post ON intents (post_id)")
    connection.execute(_UNFINISHED_INDEX)
    connection.execute(_REQUEST_INDEX)


def _index_the_unfinished(connection: sqlite3.Connection) -> None:
    """1 -> 2."""
    connection.execute("DROP INDEX intents_by_state")
    connection.execute(_UNFINISHED_INDEX)


def _tie_bulk_requests(connection: sqlite3.Connection) -> None:
    """2 -> 3."""
    connection.execute("ALTER TABLE intents ADD COLUMN request_key TEXT")
    connection.execute(_REQUEST_INDEX)


def _configure(connection: sqlite3.Connection) -> None:
    # See journal.py on durability: FULL fsyncs the log at every commit.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")


JOURNAL_SCHEMA = Schema(
    what=WHAT,
    create=_create,
    configure=_configure,
    steps=(_index_the_unfinished, _tie_bulk_requests),
)
