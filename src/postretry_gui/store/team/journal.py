"""The team's retry journal in PostgreSQL: the local journal's intents, states and outcome
words, with every operator's name, so the history shows who retried what.

The calls are the local ``RetryJournal``'s, as coroutines (a network round trip must not
block the window). States only move forward, checked in the same UPDATE that moves them, so two
instances cannot both move one intent. Times are the server's clock: one clock for the team.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, LiteralString

from postretry_gui.domain import Outcome
from postretry_gui.store.errors import IntentNotFound, InvalidIntent, InvalidTransition
from postretry_gui.store.files import atomic_write_text
from postretry_gui.store.journal import Intent, IntentState, can_move
from postretry_gui.store.paths import check_workspace_id
from postretry_gui.store.team.connection import TeamDatabase

MAX_DETAIL_LENGTH = 2000
# Queries are joined from the constant fragments below only (LiteralString); every value is a
# bound parameter: hence the S608 waivers.
_COLUMNS: LiteralString = (
    "intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome, "
    "detail, sent_at, updated_at"
)
_SELECT: LiteralString = "SELECT " + _COLUMNS + " FROM intents"  # noqa: S608
_SEARCHED: LiteralString = (
    "(%(pattern)s::text IS NULL OR concat_ws(' ', intent_id, post_id, "
    "array_to_string(account_ids, ' '), operator, state, outcome, detail) ILIKE %(pattern)s)"
)
_IN_SCOPE: LiteralString = "(%(ws)s::text IS NULL OR workspace_id = %(ws)s)"
_NEVER_RECEIVED = (Outcome.NOT_SENT.value, Outcome.UNREACHABLE.value, Outcome.NOT_RETRIED.value)


def _row_to_intent(row: Sequence[Any]) -> Intent:
    (intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome,
     detail, sent_at, updated_at) = row  # fmt: skip
    try:
        parsed_outcome = None if outcome is None else Outcome(outcome)
    except ValueError:  # a word written by a newer version: keep the intent readable
        parsed_outcome = Outcome.REJECTED
    return Intent(
        intent_id=intent_id,
        workspace_id=workspace_id,
        post_id=post_id,
        account_ids=tuple(account_ids),
        created_at=created_at,
        operator=operator,
        state=IntentState(state),
        outcome=parsed_outcome,
        detail=detail,
        sent_at=sent_at,
        updated_at=updated_at,
    )


def _pattern(search: str | None) -> str | None:
    if not search or not search.strip():
        return None
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _spreadsheet_safe(value: str) -> str:
    # Formula injection: a server's error text starting with "=" must stay text in a sheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(intent: Intent) -> list[str]:
    return [
        intent.intent_id,
        intent.workspace_id,
        _spreadsheet_safe(intent.post_id),
        " ".join(_spreadsheet_safe(a) for a in intent.account_ids),
        intent.created_at.isoformat(),
        _spreadsheet_safe(intent.operator),
        intent.state.value,
        "" if intent.outcome is None else intent.outcome.value,
        _spreadsheet_safe(intent.detail),
        "" if intent.sent_at is None else intent.sent_at.isoformat(),
        intent.updated_at.isoformat(),
    ]


class TeamJournal:
    """Intents and outcomes of the whole team, each with its operator's name.

    ``workspace_id`` scopes the reading calls to one workspace (a team database may serve
    several); None reads them all."""

    def __init__(self, database: TeamDatabase, workspace_id: str | None = None) -> None:
        self._database = database
        self._workspace_id = workspace_id

    async def intend(self, workspace_id: str, post_id: str, account_ids: Iterable[str]) -> Intent:
        """Record a retry about to be sent (state ``intended``); its ``intent_id`` is the
        request's Idempotency-Key."""
        check_workspace_id(workspace_id)
        if not isinstance(post_id, str) or not post_id.strip():
            raise InvalidIntent("A retry intent needs a post id.")
        if isinstance(account_ids, str):
            raise InvalidIntent("account_ids must be a list of account ids, not one string.")
        accounts = list(account_ids)
        if not accounts or not all(isinstance(a, str) and a for a in accounts):
            raise InvalidIntent("A retry intent needs at least one account id (non-empty text).")
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "INSERT INTO intents (" + _COLUMNS + ") VALUES (%s, %s, %s, %s, "  # noqa: S608
                "clock_timestamp(), %s, 'intended', NULL, '', NULL, clock_timestamp()) "
                "RETURNING " + _COLUMNS,
                (uuid.uuid4().hex, workspace_id, post_id, accounts, self._database.operator),
            )
            row = await cursor.fetchone()
        assert row is not None  # INSERT ... RETURNING returns its row
        return _row_to_intent(row)

    async def _move(
        self,
        intent_id: str,
        new: IntentState,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
    ) -> Intent:
        allowed = [s.value for s in IntentState if can_move(s, new)]
        if outcome is Outcome.NOT_SENT:  # only an intent that surely never left
            allowed = [s for s in allowed if s == IntentState.INTENDED.value]
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "UPDATE intents SET state = %(new)s, updated_at = clock_timestamp(), "  # noqa: S608
                "outcome = coalesce(%(outcome)s, outcome), detail = coalesce(%(detail)s, detail), "
                "sent_at = CASE WHEN %(new)s = 'sent' THEN clock_timestamp() ELSE sent_at END "
                "WHERE intent_id = %(id)s AND state = ANY(%(allowed)s) RETURNING " + _COLUMNS,
                {
                    "new": new.value,
                    "outcome": None if outcome is None else outcome.value,
                    "detail": None if detail is None else str(detail)[:MAX_DETAIL_LENGTH],
                    "id": intent_id,
                    "allowed": allowed,
                },
            )
            row = await cursor.fetchone()
        if row is not None:
            return _row_to_intent(row)
        current = await self.get(intent_id)  # IntentNotFound when there is none
        raise InvalidTransition(
            f"Retry intent {intent_id[:8]} is {current.state.value}; it cannot become "
            f"{new.value}" + (" as not sent (it may have been sent)." if outcome else ".")
        )

    async def mark_sent(self, intent_id: str) -> Intent:
        return await self._move(intent_id, IntentState.SENT)

    async def acknowledge(self, intent_id: str, outcome: Outcome | str, detail: str = "") -> Intent:
        return await self._move(
            intent_id, IntentState.ACKNOWLEDGED, outcome=Outcome(outcome), detail=detail
        )

    async def mark_unknown(self, intent_id: str, detail: str) -> Intent:
        return await self._move(intent_id, IntentState.UNKNOWN, detail=detail)

    async def settle(self, intent_id: str, outcome: Outcome | str, detail: str = "") -> Intent:
        return await self._move(
            intent_id, IntentState.SETTLED, outcome=Outcome(outcome), detail=detail
        )

    # -- reading -------------------------------------------------------------------------------

    async def _rows(self, query: LiteralString, params: dict[str, Any]) -> list[Intent]:
        async with self._database.session() as connection:
            cursor = await connection.execute(query, {"ws": self._workspace_id, **params})
            return [_row_to_intent(r) for r in await cursor.fetchall()]

    async def get(self, intent_id: str) -> Intent:
        rows = await self._rows(
            _SELECT + " WHERE intent_id = %(id)s AND " + _IN_SCOPE, {"id": intent_id}
        )
        if not rows:
            raise IntentNotFound(intent_id)
        return rows[0]

    async def unfinished(self) -> list[Intent]:
        """Every operator's intents not settled yet, oldest first."""
        return await self._rows(
            _SELECT + " WHERE state <> 'settled' AND " + _IN_SCOPE + " ORDER BY seq", {}
        )

    async def orphaned(self, lease_s: float) -> list[Intent]:
        """Unfinished intents no live instance can still be working on, oldest first: none of
        their (post, account) pairs is under a running claim, and the intent has not moved
        for ``lease_s`` (the claims' lease).

        A sender claims its pairs before it writes the intent, confirms the claim before the
        request leaves and keeps it (renewing it in a long job) while it sends; an applied
        retry keeps it until the lease runs out. So a running claim means its holder may still
        move the intent. The age test covers the moment a refused retry's claim is released
        while its settling write is still on its way, and an intent written with no claim:
        a live sender moves its intent well within a lease. What passes both tests was left
        by an instance that died or lost the database; reading its posts settles it."""
        if lease_s < 0:
            raise ValueError("a lease cannot be negative")
        return await self._rows(
            _SELECT + " i WHERE i.state <> 'settled' AND " + _IN_SCOPE + " "  # noqa: S608
            "AND i.updated_at <= clock_timestamp() - make_interval(secs => %(lease)s) "
            "AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.workspace_id = i.workspace_id "
            "AND c.post_id = i.post_id AND c.account_id = ANY(i.account_ids) "
            "AND c.expires_at > clock_timestamp()) ORDER BY i.seq",
            {"lease": lease_s},
        )

    async def retries_sent(self, post_id: str, *, workspace_id: str | None = None) -> int:
        """Retries of ``post_id`` that left (or may have left) any instance of the team."""
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT count(*) FROM intents WHERE post_id = %(post)s "  # noqa: S608
                "AND (outcome IS NULL OR outcome <> ALL(%(never)s)) "
                "AND " + _IN_SCOPE,
                {
                    "post": post_id,
                    "never": list(_NEVER_RECEIVED),
                    "ws": workspace_id if workspace_id is not None else self._workspace_id,
                },
            )
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> list[Intent]:
        """Newest first; ``search`` matches (case-insensitive substring) the intent id, post id,
        account ids, operator, state, outcome or detail."""
        return await self._rows(
            _SELECT
            + " WHERE "
            + _SEARCHED
            + " AND "
            + _IN_SCOPE
            + " ORDER BY seq DESC LIMIT %(limit)s "
            "OFFSET %(offset)s",
            {
                "pattern": _pattern(search),
                "limit": max(0, int(limit)),
                "offset": max(0, int(offset)),
            },
        )

    async def history_count(self, search: str | None = None) -> int:
        async with self._database.session() as connection:
            cursor = await connection.execute(
                "SELECT count(*) FROM intents WHERE " + _SEARCHED + " AND " + _IN_SCOPE,  # noqa: S608
                {"pattern": _pattern(search), "ws": self._workspace_id},
            )
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def export_csv(self, path: Path) -> int:
        """Every intent of the team, oldest first, as CSV (written atomically); the row count."""
        intents = await self._rows(_SELECT + " WHERE " + _IN_SCOPE + " ORDER BY seq", {})
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.strip() for c in _COLUMNS.split(",")])
        writer.writerows(_csv_row(i) for i in intents)
        atomic_write_text(path, buffer.getvalue(), mode=0o644)
        return len(intents)
