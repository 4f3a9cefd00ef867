"""Connecting to the team database: bad input gives clear typed errors, never the password."""

from __future__ import annotations

import asyncio
import socket

import pytest
from team_testkit import OpenDatabase, PgServer

from postretry_gui.store.team import (
    SCHEMA_VERSION,
    InvalidTeamUrl,
    TeamAuthenticationFailed,
    TeamDatabase,
    TeamSchemaTooNew,
    TeamServerTooOld,
    TeamServerUnreachable,
    TeamSettings,
    check_team_url,
)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("", "needs a PostgreSQL URL"),
        ("mysql://db/x", "must start with postgresql://"),
        ("postgresql://alice:s3cret@db/x", "must not contain the password"),
        ("postgresql://alice@db/x?password=s3cret", "must not contain the password"),
        ("postgresql://alice@db/x?sslmode=sometimes", "not a PostgreSQL TLS mode"),
        ("postgresql://alice@db/x?nonsense=1", "could not be read"),
    ],
)
def test_a_bad_url_is_refused_without_quoting_it(url: str, said: str) -> None:
    with pytest.raises(InvalidTeamUrl, match=said) as caught:
        TeamSettings(url, "alice")
    assert "s3cret" not in str(caught.value)


def test_tls_parameters_pass_through_to_libpq() -> None:
    params = check_team_url(
        "postgresql://alice@db.example.com:6543/team?sslmode=verify-full&sslrootcert=/ca.pem"
    )
    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == "/ca.pem"
    assert params["port"] == "6543"


def test_the_operator_defaults_to_the_os_user() -> None:
    assert TeamSettings("postgresql://db/x").operator.strip()


@pytest.mark.asyncio
async def test_a_wrong_password_is_refused_and_not_repeated(
    pg_server: PgServer, team_url: str
) -> None:
    database = TeamDatabase(TeamSettings(team_url, "alice"), "not-the-password")
    with pytest.raises(TeamAuthenticationFailed, match="refused the login") as caught:
        await database.migrate()
    assert "not-the-password" not in str(caught.value)


def test_server_text_quoted_in_an_error_has_the_password_scrubbed() -> None:
    database = TeamDatabase(TeamSettings("postgresql://alice@db/x", "alice"), "hunter2")
    error = database.unavailable(Exception("FATAL: bad conninfo 'password=hunter2'"))
    assert "hunter2" not in str(error)


@pytest.mark.asyncio
async def test_an_address_with_no_server_is_unreachable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = TeamDatabase(TeamSettings(f"postgresql://alice@127.0.0.1:{port}/x", "a"), "pw")
    with pytest.raises(TeamServerUnreachable, match=f"127.0.0.1:{port}"):
        await database.migrate()


@pytest.mark.asyncio
async def test_sslmode_from_the_url_is_honoured(pg_server: PgServer, team_url: str) -> None:
    # The throwaway server has no certificate: demanding TLS must fail, not fall back.
    database = TeamDatabase(TeamSettings(team_url + "?sslmode=require", "a"), pg_server.password)
    with pytest.raises(TeamServerUnreachable, match="SSL"):
        await database.migrate()


@pytest.mark.asyncio
async def test_a_server_older_than_supported_is_refused(pg_server: PgServer, team_url: str) -> None:
    database = TeamDatabase(
        TeamSettings(team_url, "a"), pg_server.password, minimum_server_version=990000
    )
    with pytest.raises(TeamServerTooOld, match=r"needs 99\.0 or newer"):
        await database.migrate()


@pytest.mark.asyncio
async def test_concurrent_first_starts_migrate_once(open_database: OpenDatabase) -> None:
    instances = [await open_database(name, migrate=False) for name in ("a", "b", "c", "d")]
    versions = await asyncio.gather(*(i.migrate() for i in instances))
    assert versions == [SCHEMA_VERSION] * 4
    async with instances[0].session() as connection:
        cursor = await connection.execute("SELECT version FROM schema_version ORDER BY 1")
        assert await cursor.fetchall() == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


@pytest.mark.asyncio
async def test_a_newer_schema_is_refused_and_left_untouched(open_database: OpenDatabase) -> None:
    first = await open_database("a")
    async with first.session() as connection:
        await connection.execute("INSERT INTO schema_version (version) VALUES (99)")
        await connection.execute("CREATE TABLE from_the_future (x int)")
    later = await open_database("b", migrate=False)
    with pytest.raises(TeamSchemaTooNew, match="schema version 99"):
        await later.migrate()
    async with first.session() as connection:
        cursor = await connection.execute("SELECT max(version) FROM schema_version")
        assert await cursor.fetchone() == (99,)
        await connection.execute("SELECT * FROM from_the_future")
