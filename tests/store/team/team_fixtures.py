"""Team-store fixtures: a fresh database per test on the real PostgreSQL that
``scripts/with-postgres`` starts (``scripts/test`` runs pytest inside it). A plain module, so
the conftests of every team-mode test folder share it (``tests/store/team`` is on sys.path).

Without that server the tests skip, saying how to get it; under CI they fail instead, since
skipping would hide a missing install step.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import psycopg
import pytest
import pytest_asyncio
from psycopg import sql
from team_testkit import OpenDatabase, PgServer

from postretry_gui.store.team import TeamDatabase, TeamSettings

NO_SERVER = (
    "no PostgreSQL server: run the tests through scripts/test or scripts/with-postgres "
    "(needs the server binaries: apt-get install postgresql-15)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # "-m postgres" / "-m 'not postgres'" select the tests that need the server.
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    url = os.environ.get("POSTRETRY_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: " + NO_SERVER)
        pytest.skip(NO_SERVER)
    return PgServer(
        url=url,
        password=os.environ.get("POSTRETRY_TEST_PG_PASSWORD", ""),
        ctl=os.environ.get("POSTRETRY_TEST_PG_CTL", ""),
    )


@pytest.fixture
def team_url(pg_server: PgServer) -> Iterator[str]:
    """The URL (no password) of a database made for this test alone, dropped after it."""
    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(pg_server.url, password=pg_server.password, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_server.url_for(name)
    with psycopg.connect(pg_server.url, password=pg_server.password, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest_asyncio.fixture
async def open_database(pg_server: PgServer, team_url: str) -> AsyncIterator[OpenDatabase]:
    """Opens (and migrates) another instance's connection to this test's database."""
    opened: list[TeamDatabase] = []

    async def open_one(operator: str = "alice", *, migrate: bool = True) -> TeamDatabase:
        database = TeamDatabase(TeamSettings(team_url, operator), pg_server.password)
        opened.append(database)
        if migrate:
            await database.migrate()
        return database

    yield open_one
    for database in opened:
        await database.close()


@pytest_asyncio.fixture
async def database(open_database: OpenDatabase) -> TeamDatabase:
    return await open_database()


def _pg_ctl(server: PgServer, *args: str) -> None:
    subprocess.run([server.ctl, *args], check=True, capture_output=True, timeout=60)


@pytest_asyncio.fixture
async def server_control(pg_server: PgServer) -> AsyncIterator[Callable[[str], Awaitable[None]]]:
    """stop() / start() the test server; whatever happens, it runs again after the test."""
    if not pg_server.ctl:
        pytest.skip("scripts/with-postgres gives the tests a pg_ctl for its server")

    async def control(action: str) -> None:
        if action == "stop":
            await asyncio.to_thread(_pg_ctl, pg_server, "-m", "immediate", "stop")
        else:
            await asyncio.to_thread(_pg_ctl, pg_server, "-w", "start")

    yield control
    status = await asyncio.to_thread(
        subprocess.run, [pg_server.ctl, "status"], capture_output=True, check=False
    )
    if status.returncode != 0:
        await control("start")


# What a conftest takes with ``from team_fixtures import *``: the fixtures and the hook.
__all__ = [
    "database",
    "open_database",
    "pg_server",
    "pytest_collection_modifyitems",
    "server_control",
    "team_url",
]
