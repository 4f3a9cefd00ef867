"""Opening a workspace's team side on a real PostgreSQL: the dialog's connection check, and
the clear refusals of a wrong password."""

from __future__ import annotations

import pytest
from team_testkit import PgServer

from postretry_gui.controller.team_opener import (
    TeamOptions,
    build_team,
    check_team_database,
    open_team,
)
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team import SCHEMA_VERSION, TeamAuthenticationFailed, TeamSettings


@pytest.mark.asyncio
async def test_the_connection_check_migrates_and_names_the_server(
    pg_server: PgServer, team_url: str
) -> None:
    said = await check_team_database(TeamSettings(team_url, "alice"), pg_server.password)

    assert said.startswith("Connected: PostgreSQL ")
    assert f"team schema version {SCHEMA_VERSION}, operator alice" in said


@pytest.mark.asyncio
async def test_a_wrong_password_is_refused_clearly_and_never_echoed(
    pg_server: PgServer, team_url: str
) -> None:
    wrong = "not-the-password-42"
    with pytest.raises(TeamAuthenticationFailed, match="refused the login") as refused:
        await check_team_database(TeamSettings(team_url, "alice"), wrong)
    assert wrong not in str(refused.value)


@pytest.mark.asyncio
async def test_an_opened_team_side_shares_one_budget_per_key(
    pg_server: PgServer, team_url: str
) -> None:
    options = TeamOptions(
        api_key="pe_key", budget_windows=[WindowSpec(limit=5, length_s=60, label="m")]
    )
    opened = [
        await open_team(
            build_team(
                TeamSettings(team_url, name), pg_server.password, "w1", "posteverywhere", options,
                on_link=lambda up, said: None,
            )
        )
        for name in ("alice", "bob")
    ]  # fmt: skip
    try:
        alice, bob = (o.coordination for o in opened)
        for who in (alice, bob):
            await who.reserve_request()
        history = await opened[0].journal.history()
        assert history == []
        windows = await opened[1].database.run(
            lambda c: c.execute("SELECT sum(used) FROM budget_windows")
        )
        row = await windows.fetchone()
        assert row is not None
        assert row[0] == 2
    finally:
        for side in opened:
            await side.aclose()
