"""The team's retry journal in PostgreSQL: the local journal's intents, states and outcome
words, with every operator's name, so the history shows who retried what.

The calls are the local ``RetryJournal``'s, as coroutines (a network round trip must not
block the window), bulk requests included: one intent per (post, account) tied to the
request's key, written in one transaction and moved together. States only move forward,
checked in the same UPDATE that moves them, so two instances cannot both move one intent.
Times are the server's clock: one clock for the team.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, LiteralString

import psycopg

from postretry_gui.domain import Outcome
from postretry_gui.store.errors import IntentNotFound, InvalidIntent, InvalidTransition
from postretry_gui.store.files import atomic_write_text
from postretry_gui.store.journal import Intent, IntentState, can_move
from postretry_gui.store.journal_csv import history_csv
from postretry_gui.store.journal_intent import checked_accounts
from postretry_gui.store.team.connection import TeamDatabase

MAX_DETAIL_LENGTH = 2000
# Queries are joined from the constant fragments below only (LiteralString); every value is a
# bound parameter: hence the S608 waivers.
_COLUMNS: LiteralString = (
    "intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome, "
    "detail, sent_at, updated_at, request_key"
)
_SELECT: LiteralString = "SELECT " + _COLUMNS + " FROM intents"  # noqa: S608
_SEARCHED: LiteralString = (
    "(%(pattern)s::text IS NULL OR concat_ws(' ', intent_id, post_id, "
    "array_to_string(account_ids, ' '), operator, state, outcome, detail) ILIKE %(pattern)s)"
)
_IN_SCOPE: LiteralString = "(%(ws)s::text IS NULL OR workspace_id = %(ws)s)"
# One state move, checked in the same statement: only from a state ``can_move`` allows.
_MOVE: LiteralString = (
    "UPDATE intents SET state = %(new)s, updated_at = clock_timestamp(), "
    "outcome = coalesce(%(outcome)s, outcome), detail = coalesce(%(detail)s, detail), "
    "sent_at = CASE WHEN %(new)s = 'sent' THEN clock_timestamp() ELSE sent_at END "
    "WHERE state = ANY(%(allowed)s) AND "
)
_NEVER_RECEIVED = (Outcome.NOT_SENT.value, Outcome.UNREACHABLE.value, Outcome.NOT_RETRIED.value)


def _row_to_intent(row: Sequence[Any]) -> Intent:
    (intent_id, workspace_id, post_id, account_ids, created_at, operator, state, outcome,
     detail, sent_at, updated_at, request_key) = row  # fmt: skip
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
        request_key=request_key,
    )


def _pattern(search: str | None) -> str | None:
    if not search or not search.strip():
        return None
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_INSERT: LiteralString = "INSERT INTO intents (" + _COLUMNS + ") "
# A new intent's columns between account_ids and request_key (binds %(operator)s).
_NEW_STATE: LiteralString = (
    "clock_timestamp(), %(operator)s, 'intended', NULL, '', NULL, clock_timestamp()"
)


def _move_params(
    key: str, new: IntentState, outcome: Outcome | None, detail: str | None
) -> dict[str, Any]:
    allowed = [s.value for s in IntentState if can_move(s, new)]
    if outcome is Outcome.NOT_SENT:  # only an intent that surely never left
        allowed = [s for s in allowed if s == IntentState.INTENDED.value]
    return {
        "new": new.value,
        "outcome": None if outcome is None else outcome.value,
        "detail": None if detail is None else str(detail)[:MAX_DETAIL_LENGTH],
        "key": key,
        "allowed": allowed,
    }


async def _request_rows(connection: psycopg.AsyncConnection[Any], request_key: str) -> list[Intent]:
    cursor = await connection.execute(
        _SELECT + " WHERE request_key = %s ORDER BY seq", (request_key,)
    )
    return [_row_to_intent(r) for r in await cursor.fetchall()]


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
        accounts = list(checked_accounts(workspace_id, post_id, account_ids))
        async with self._database.session() as connection:
            cursor = await connection.execute(
                _INSERT + "VALUES (%(id)s, %(ws)s, %(post)s, %(accounts)s, " + _NEW_STATE + ", "
                "NULL) RETURNING " + _COLUMNS,
                {
                    "id": uuid.uuid4().hex,
                    "ws": workspace_id,
                    "post": post_id,
                    "accounts": accounts,
                    "operator": self._database.operator,
                },
            )
            row = await cursor.fetchone()
        assert row is not None  # INSERT ... RETURNING returns its row
        return _row_to_intent(row)

    async def intend_request(
        self, workspace_id: str, request_key: str, pairs: Iterable[tuple[str, str]]
    ) -> list[Intent]:
        """Record a bulk request about to be sent: one intent per (post id, account id), all
        tied to ``request_key`` (its Idempotency-Key), in ONE transaction (all or none).

        Called again with the same key after the answer was lost (the server went away
        around the commit), it finds the intents already written and writes nothing twice."""
        if not isinstance(request_key, str) or not request_key.strip():
            raise InvalidIntent("A bulk request needs its key.")
        checked = [(p, checked_accounts(workspace_id, p, (a,))[0]) for p, a in pairs]
        if not checked:
            raise InvalidIntent("A bulk request needs at least one (post, account) pair.")

        async def work(connection: psycopg.AsyncConnection[Any]) -> list[Intent]:
            written = await _request_rows(connection, request_key)
            if written:
                return written
            await connection.execute(
                _INSERT + "SELECT i, %(ws)s, p, ARRAY[a], " + _NEW_STATE + ", %(key)s "
                "FROM unnest(%(ids)s::text[], %(posts)s::text[], %(accounts)s::text[]) "
                "WITH ORDINALITY AS pair(i, p, a, n) ORDER BY n",
                {
                    "ws": workspace_id,
                    "operator": self._database.operator,
                    "key": request_key,
                    "ids": [uuid.uuid4().hex for _ in checked],
                    "posts": [p for p, _ in checked],
                    "accounts": [a for _, a in checked],
                },
            )
            return await _request_rows(connection, request_key)

        return await self._database.run(work)

    async def _move(
        self,
        intent_id: str,
        new: IntentState,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
    ) -> Intent:
        async with self._database.session() as connection:
            cursor = await connection.execute(
                _MOVE + "intent_id = %(key)s RETURNING " + _COLUMNS,
                _move_params(intent_id, new, outcome, detail),
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

    # -- a bulk request's intents, moved together ------------------------------------------------

    async def _move_request(
        self,
        request_key: str,
        new: IntentState,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
    ) -> list[Intent]:
        """Move every intent of the request, or none (one transaction)."""

        async def work(connection: psycopg.AsyncConnection[Any]) -> list[Intent]:
            cursor = await connection.execute(
                _MOVE + "request_key = %(key)s RETURNING " + _COLUMNS,
                _move_params(request_key, new, outcome, detail),
            )
            moved = [_row_to_intent(r) for r in await cursor.fetchall()]
            cursor = await connection.execute(
                "SELECT count(*) FROM intents WHERE request_key = %s", (request_key,)
            )
            row = await cursor.fetchone()
            total = 0 if row is None else int(row[0])
            if not total:
                raise IntentNotFound(request_key)
            if len(moved) != total:  # raised inside the transaction: nothing moved
                raise InvalidTransition(
                    f"{total - len(moved)} of the {total} intents of bulk request "
                    f"{request_key[:8]} cannot become {new.value}."
                )
            return moved

        return await self._database.run(work)

    async def mark_request_sent(self, request_key: str) -> list[Intent]:
        """The bulk request is leaving now: every intent of it is sent."""
        return await self._move_request(request_key, IntentState.SENT)

    async def acknowledge_request(
        self, request_key: str, outcome: Outcome | str, detail: str = ""
    ) -> list[Intent]:
        """The server answered the bulk request: every intent of it is acknowledged."""
        return await self._move_request(
            request_key, IntentState.ACKNOWLEDGED, outcome=Outcome(outcome), detail=detail
        )

    async def mark_request_unknown(self, request_key: str, detail: str) -> list[Intent]:
        """The bulk request's answer was lost: any pair of it may have been applied."""
        return await self._move_request(request_key, IntentState.UNKNOWN, detail=detail)

    async def settle_request(
        self, request_key: str, outcome: Outcome | str, detail: str = ""
    ) -> list[Intent]:
        """The final word on every intent of a bulk request (a refusal of the whole)."""
        return await self._move_request(
            request_key, IntentState.SETTLED, outcome=Outcome(outcome), detail=detail
        )

    async def request(self, request_key: str) -> list[Intent]:
        """The intents of one bulk request, in the order they were written."""
        async with self._database.session() as connection:
            return await _request_rows(connection, request_key)

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
        atomic_write_text(path, history_csv(intents), mode=0o644)
        return len(intents)
