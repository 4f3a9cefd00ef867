"""The retry journal: a write-ahead record of every retry, the backbone of "never twice".

Every retry is written as an *intent* before its request leaves (its id is also the request's
Idempotency-Key), marked *sent* as it leaves, and then *acknowledged*, *unknown* (the answer
was lost) and finally *settled* with an outcome. States only move forward:

    intended -> sent -> acknowledged -> settled
        |         |                       ^
        |         +------> unknown -------+
        +----------------> unknown, settled

Durability: WAL with ``synchronous=FULL`` and a commit per transition. With WAL, NORMAL already
survives a killed process (the commit is in the OS before the call returns) but not a power cut;
FULL fsyncs the log at every commit, so a ``mark_sent`` that returned survives both. The cost is
one fsync per transition (a few ms), paid a handful of times per retry: cheap for a guarantee
whose failure mode is a post published twice. The app pays it on one writer thread
(``controller.journal_writer``), not on the window's: only the intent is waited for.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from postretry_gui.domain import Outcome
from postretry_gui.store.errors import (
    IntentNotFound,
    InvalidIntent,
    InvalidTransition,
    StoreUnavailable,
)
from postretry_gui.store.files import atomic_write_text
from postretry_gui.store.journal_csv import history_csv
from postretry_gui.store.journal_intent import NEVER_RECEIVED as NEVER_RECEIVED
from postretry_gui.store.journal_intent import Intent as Intent
from postretry_gui.store.journal_intent import can_move as can_move
from postretry_gui.store.journal_intent import checked_accounts
from postretry_gui.store.journal_intent import current_operator as current_operator
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA, UNFINISHED, WHAT
from postretry_gui.store.journal_schema import IntentState as IntentState
from postretry_gui.store.paths import StoreDirs
from postretry_gui.store.sqlite_files import StoreFile, open_store_file

MAX_DETAIL_LENGTH = 2000


def _utc_now() -> datetime:
    return datetime.now(UTC)


# The SQL below is built with f-strings from constants only (these columns, "?" placeholders,
# and the search clause's own fixed text): every value is bound, hence the S608 waivers.
_COLUMNS = (
    "intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome, "
    "detail, sent_at, updated_at, request_key"
)


_INSERT = f"INSERT INTO intents ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '', NULL, ?, ?)"  # noqa: S608


def _parse_when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _row_to_intent(row: tuple[str, ...]) -> Intent:
    (intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome,
     detail, sent_at, updated_at, request_key) = row  # fmt: skip
    created = _parse_when(created_at)
    updated = _parse_when(updated_at)
    if created is None or updated is None:  # NOT NULL columns: only a hand-edited file
        raise StoreUnavailable("The retry journal has an intent without its times.")
    try:
        parsed_outcome = None if outcome is None else Outcome(outcome)
    except ValueError:
        # A word written by a newer version: keep the intent readable rather than fail.
        parsed_outcome = Outcome.REJECTED
    return Intent(
        intent_id=intent_id,
        workspace_id=workspace_id,
        post_id=post_id,
        account_ids=tuple(json.loads(account_ids)),
        created_at=created,
        operator=operator,
        state=IntentState(state),
        outcome=parsed_outcome,
        detail=detail,
        sent_at=_parse_when(sent_at),
        updated_at=updated,
        request_key=request_key,
    )


def _clean_detail(detail: str) -> str:
    if not isinstance(detail, str):
        detail = str(detail)
    return detail[:MAX_DETAIL_LENGTH]


class RetryJournal(StoreFile):
    """Thread-safe (one connection behind a lock): the app writes from one writer thread, so
    that no fsync stalls the window, while the window reads on its own thread (history,
    counts). ``notice`` is set when the file had to be set aside at open."""

    def __init__(
        self,
        path: Path,
        *,
        operator: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path
        self._operator = current_operator() if operator is None else operator
        self._clock = clock
        self._lock = threading.Lock()
        self._connection, notice = open_store_file(path, JOURNAL_SCHEMA)
        self.notice = (
            None
            if notice is None
            else notice + " Retries recorded before now are not known to the app: check a "
            "post on the provider's site before retrying it again."
        )

    @classmethod
    def for_workspace(cls, dirs: StoreDirs, workspace_id: str) -> RetryJournal:
        return cls(dirs.journal_path(workspace_id))

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    # -- writing -------------------------------------------------------------------------------

    def intend(self, workspace_id: str, post_id: str, account_ids: Iterable[str]) -> Intent:
        """Write a new intent (state ``intended``) and return it, durably, before any request.

        Its ``intent_id`` (uuid4 hex) is the Idempotency-Key of the retry request.
        """
        row = self._new_row(workspace_id, post_id, account_ids, None)
        self._write(_INSERT, row)
        return self.get(str(row[0]))

    def intend_request(
        self, workspace_id: str, request_key: str, pairs: Iterable[tuple[str, str]]
    ) -> list[Intent]:
        """Write one intent per (post id, account id) of a bulk request, all tied to
        ``request_key`` (its Idempotency-Key), in ONE transaction: the request is recorded
        whole or not at all, with one fsync however many pairs it covers."""
        if not isinstance(request_key, str) or not request_key.strip():
            raise InvalidIntent("A bulk request needs its key.")
        rows = [self._new_row(workspace_id, p, (a,), request_key) for p, a in pairs]
        if not rows:
            raise InvalidIntent("A bulk request needs at least one (post, account) pair.")
        self._transaction(lambda: self._connection.executemany(_INSERT, rows))
        return self.request(request_key)

    def _new_row(
        self,
        workspace_id: str,
        post_id: str,
        account_ids: Iterable[str],
        request_key: str | None,
    ) -> tuple[object, ...]:
        accounts = checked_accounts(workspace_id, post_id, account_ids)
        now = self._now()
        return (
            uuid.uuid4().hex,
            workspace_id,
            post_id,
            json.dumps(accounts),
            now,
            self._operator,
            IntentState.INTENDED.value,
            now,
            request_key,
        )

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        with self._lock:
            try:
                self._connection.execute(sql, params)
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"Could not write the {WHAT} {self.path}: {exc}.") from exc

    def _transaction(self, work: Callable[[], object]) -> None:
        """``work`` in one write transaction. IMMEDIATE: read, check and write under one
        write lock, so two app instances on the same journal cannot both move one intent."""
        with self._lock:
            try:
                self._connection.execute("BEGIN IMMEDIATE")
                try:
                    work()
                    self._connection.execute("COMMIT")
                except BaseException:
                    self._connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"Could not write the {WHAT} {self.path}: {exc}.") from exc

    def _move(
        self,
        intent_id: str,
        new: IntentState,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
        sent: bool = False,
    ) -> Intent:
        self._move_all("intent_id", intent_id, new, outcome=outcome, detail=detail, sent=sent)
        return self.get(intent_id)

    def _move_all(
        self,
        column: str,
        key: str,
        new: IntentState,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
        sent: bool = False,
    ) -> None:
        """Move every intent whose ``column`` (``intent_id`` or ``request_key``, constants
        only) is ``key`` to ``new``, all or none."""
        now = self._now()

        def work() -> None:
            rows = self._connection.execute(
                f"SELECT intent_id, state FROM intents WHERE {column} = ?",  # noqa: S608
                (key,),
            ).fetchall()
            if not rows:
                raise IntentNotFound(key)
            for intent_id, state in rows:
                current = IntentState(state)
                if not can_move(current, new):
                    raise InvalidTransition(
                        f"Retry intent {intent_id[:8]} is {current.value}; it cannot become "
                        f"{new.value}."
                    )
                if outcome is Outcome.NOT_SENT and current is not IntentState.INTENDED:
                    raise InvalidTransition(
                        f"Retry intent {intent_id[:8]} is {current.value}: it may have "
                        "been sent, so it cannot be settled as not sent."
                    )
            self._connection.execute(
                "UPDATE intents SET state = ?, updated_at = ?, "  # noqa: S608
                "outcome = coalesce(?, outcome), detail = coalesce(?, detail), "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END "
                f"WHERE {column} = ?",
                (
                    new.value,
                    now,
                    None if outcome is None else outcome.value,
                    None if detail is None else _clean_detail(detail),
                    sent,
                    now,
                    key,
                ),
            )

        self._transaction(work)

    def mark_sent(self, intent_id: str) -> Intent:
        """The request is leaving now. Call it before awaiting the answer."""
        return self._move(intent_id, IntentState.SENT, sent=True)

    def acknowledge(self, intent_id: str, outcome: Outcome | str, detail: str = "") -> Intent:
        """The server answered; ``outcome`` says what it said (e.g. ``retried``)."""
        return self._move(intent_id, IntentState.ACKNOWLEDGED, outcome=Outcome(outcome),
                          detail=detail)  # fmt: skip

    def mark_unknown(self, intent_id: str, detail: str) -> Intent:
        """The answer was lost (timeout, dropped connection): the retry may have been applied."""
        return self._move(intent_id, IntentState.UNKNOWN, detail=detail)

    def settle(self, intent_id: str, outcome: Outcome | str, detail: str = "") -> Intent:
        """The end: the destinations settled, or the retry was refused or never sent."""
        return self._move(intent_id, IntentState.SETTLED, outcome=Outcome(outcome),
                          detail=detail)  # fmt: skip

    # -- a bulk request's intents, moved together -------------------------------------------

    def mark_request_sent(self, request_key: str) -> None:
        """The bulk request is leaving now: every intent of it is sent."""
        self._move_all("request_key", request_key, IntentState.SENT, sent=True)

    def acknowledge_request(
        self, request_key: str, outcome: Outcome | str, detail: str = ""
    ) -> None:
        """The server answered the bulk request: every intent of it is acknowledged."""
        self._move_all("request_key", request_key, IntentState.ACKNOWLEDGED,
                       outcome=Outcome(outcome), detail=detail)  # fmt: skip

    def mark_request_unknown(self, request_key: str, detail: str) -> None:
        """The bulk request's answer was lost: any pair of it may have been applied."""
        self._move_all("request_key", request_key, IntentState.UNKNOWN, detail=detail)

    def settle_request(self, request_key: str, outcome: Outcome | str, detail: str = "") -> None:
        """The final word on every intent of a bulk request (a refusal of the whole)."""
        self._move_all("request_key", request_key, IntentState.SETTLED,
                       outcome=Outcome(outcome), detail=detail)  # fmt: skip

    # -- reading -------------------------------------------------------------------------------

    def request(self, request_key: str) -> list[Intent]:
        """The intents of one bulk request, in the order they were written."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM intents WHERE request_key = ? ORDER BY seq",  # noqa: S608
            (request_key,),
        )
        return [_row_to_intent(r) for r in rows]

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[str, ...]]:
        with self._lock:
            try:
                return self._connection.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"Could not read the {WHAT} {self.path}: {exc}.") from exc

    def get(self, intent_id: str) -> Intent:
        rows = self._query(f"SELECT {_COLUMNS} FROM intents WHERE intent_id = ?", (intent_id,))  # noqa: S608
        if not rows:
            raise IntentNotFound(intent_id)
        return _row_to_intent(rows[0])

    def unfinished(self) -> list[Intent]:
        """Intents not yet settled (intended, sent, unknown, acknowledged), oldest first: what
        start-up must reconcile with the server before offering a retry of those posts."""
        rows = self._query(f"SELECT {_COLUMNS} FROM intents WHERE {UNFINISHED} ORDER BY seq")  # noqa: S608
        return [_row_to_intent(r) for r in rows]

    def retries_sent(self, post_id: str, *, workspace_id: str | None = None) -> int:
        """How many retries of ``post_id`` left (or may have left) this app: every intent
        except those settled as ``not_sent`` (before being marked sent) or ``unreachable``
        (the connection failed before the request left). An intent still ``intended``
        counts, since a crash may have come after its request left."""
        never = sorted(outcome.value for outcome in NEVER_RECEIVED)
        marks = ", ".join("?" for _ in never)
        sql = (
            "SELECT count(*) FROM intents WHERE post_id = ? AND "  # noqa: S608
            f"(outcome IS NULL OR outcome NOT IN ({marks}))"
        )
        params: tuple[object, ...] = (post_id, *never)
        if workspace_id is not None:
            sql += " AND workspace_id = ?"
            params += (workspace_id,)
        return int(self._query(sql, params)[0][0])

    def _search_clause(self, search: str | None) -> tuple[str, tuple[object, ...]]:
        if not search or not search.strip():
            return "", ()
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        columns = ("intent_id", "post_id", "account_ids", "operator", "state", "outcome",
                   "detail")  # fmt: skip
        clause = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns)
        return f" WHERE ({clause})", (pattern,) * len(columns)

    def history(self, limit: int = 100, offset: int = 0, search: str | None = None) -> list[Intent]:
        """Intents newest first, ``limit`` from ``offset``; ``search`` matches (case-insensitive
        substring) the intent id, post id, account ids, operator, state, outcome or detail."""
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        where, params = self._search_clause(search)
        rows = self._query(
            f"SELECT {_COLUMNS} FROM intents{where} ORDER BY seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            (*params, limit, offset),
        )
        return [_row_to_intent(r) for r in rows]

    def history_count(self, search: str | None = None) -> int:
        where, params = self._search_clause(search)
        return int(self._query(f"SELECT count(*) FROM intents{where}", params)[0][0])  # noqa: S608

    def export_csv(self, path: Path) -> int:
        """Write every intent, oldest first, as CSV (atomically); returns the row count."""
        rows = self._query(f"SELECT {_COLUMNS} FROM intents ORDER BY seq")  # noqa: S608
        atomic_write_text(path, history_csv(_row_to_intent(r) for r in rows), mode=0o644)
        return len(rows)
