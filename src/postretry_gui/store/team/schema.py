"""The team database's schema, grown by numbered steps.

``schema_version`` holds one row per step applied. Each step runs in its own transaction
under a transaction-level advisory lock, so several instances starting at once against an
empty database queue up: the first applies the step, the others find it applied and go on.
A database that a newer version of the app migrated further is refused and left untouched.
"""

from __future__ import annotations

from typing import Any, LiteralString

import psycopg

from postretry_gui.store.team.errors import TeamSchemaTooNew

# The advisory-lock key for migrating (an arbitrary constant: "postretry" in ASCII, cut to
# 63 bits); only this app takes it.
MIGRATION_LOCK = 0x706F_7374_7265_7479 & 0x7FFF_FFFF_FFFF_FFFF

_STEP_1: tuple[LiteralString, ...] = (
    # A random salt per team database: budgets are named by an HMAC of the API key with it,
    # so the key itself never reaches the team database.
    """CREATE TABLE team_settings (
        name text PRIMARY KEY,
        value text NOT NULL
    )""",
    """INSERT INTO team_settings (name, value) VALUES ('budget_salt',
        replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))""",
    # The team's retry journal: the local journal's columns and states.
    """CREATE TABLE intents (
        seq bigserial PRIMARY KEY,
        intent_id text NOT NULL UNIQUE,
        workspace_id text NOT NULL,
        post_id text NOT NULL,
        account_ids text[] NOT NULL,
        created_at timestamptz NOT NULL,
        operator text NOT NULL,
        state text NOT NULL
            CHECK (state IN ('intended', 'sent', 'acknowledged', 'unknown', 'settled')),
        outcome text,
        detail text NOT NULL DEFAULT '',
        sent_at timestamptz,
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX intents_by_post ON intents (workspace_id, post_id)",
    "CREATE INDEX intents_unfinished ON intents (seq) WHERE state <> 'settled'",
    # Claims: one row per (post, account) being retried; a row whose lease ran out may be
    # taken by anyone, with a new fencing number.
    "CREATE SEQUENCE claim_fences",
    """CREATE TABLE claims (
        workspace_id text NOT NULL,
        post_id text NOT NULL,
        account_id text NOT NULL,
        holder text NOT NULL,
        instance_id text NOT NULL,
        fence bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        sent_at timestamptz,
        PRIMARY KEY (workspace_id, post_id, account_id)
    )""",
    "CREATE INDEX claims_by_fence ON claims (fence)",
    # One row per window of a budget (an API key's allowance).
    """CREATE TABLE budget_windows (
        budget_id text NOT NULL,
        length_s double precision NOT NULL CHECK (length_s > 0),
        limit_count integer NOT NULL CHECK (limit_count > 0),
        used integer NOT NULL DEFAULT 0,
        resets_at timestamptz,
        PRIMARY KEY (budget_id, length_s)
    )""",
    # Advisory locks take numbers: each workspace gets one, collision-free.
    """CREATE TABLE workspace_locks (
        workspace_id text PRIMARY KEY,
        lock_id serial NOT NULL UNIQUE
    )""",
    # The posts the leader read, for the followers; json (not jsonb) keeps the codec's text
    # exactly, escapes and all. A post gone from the provider keeps its row without a body.
    "CREATE SEQUENCE post_changes",
    """CREATE TABLE shared_posts (
        workspace_id text NOT NULL,
        post_id text NOT NULL,
        body json,
        change_seq bigint NOT NULL,
        PRIMARY KEY (workspace_id, post_id)
    )""",
    "CREATE INDEX shared_posts_by_change ON shared_posts (workspace_id, change_seq)",
)

_STEP_2: tuple[LiteralString, ...] = (
    # Bulk requests: one intent per (post, account), all tied to the request's Idempotency-Key
    # so they move together (sent, acknowledged, unknown, settled). NULL: a single-post
    # retry, whose key is its intent_id. Existing rows are all single-post retries.
    "ALTER TABLE intents ADD COLUMN request_key text",
    # Partial, as the local journal's: most intents have no request key and need no entry.
    "CREATE INDEX intents_by_request ON intents (request_key) WHERE request_key IS NOT NULL",
)

# Step n brings the schema to version n. Append steps; never edit one that has shipped.
MIGRATIONS: tuple[tuple[LiteralString, ...], ...] = (_STEP_1, _STEP_2)
SCHEMA_VERSION = len(MIGRATIONS)


async def _locked_version(connection: psycopg.AsyncConnection[Any]) -> int:
    """Inside a transaction: wait for the migration lock, then read the version."""
    await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
    await connection.execute(
        """CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )"""
    )
    cursor = await connection.execute("SELECT coalesce(max(version), 0) FROM schema_version")
    row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


async def migrate(
    connection: psycopg.AsyncConnection[Any],
    migrations: tuple[tuple[LiteralString, ...], ...] = MIGRATIONS,
) -> int:
    """Bring the database to the newest version this app knows; returns that version.

    ``connection`` is in autocommit mode (the connection ``TeamDatabase`` lends)."""
    newest = len(migrations)
    for target in range(1, newest + 1):
        async with connection.transaction():
            current = await _locked_version(connection)
            if current > newest:
                raise TeamSchemaTooNew(
                    f"The team database has schema version {current}; this version of the app "
                    f"knows up to {newest}. Update the app: it leaves the database untouched."
                )
            if current >= target:
                continue
            for statement in migrations[target - 1]:
                await connection.execute(statement)
            await connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (target,))
    return newest
