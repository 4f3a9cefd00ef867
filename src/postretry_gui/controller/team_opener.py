"""Opening a workspace's team side: the database (checked and migrated), the link that
watches it, this instance's coordination (claims, the key's shared budget), the team's journal
and the team's syncer.

Start-up failures are the store's typed errors with their operator-facing sentences (a URL it
cannot read, no server, a refused login, a server too old, a schema too new); nothing is left
open after one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from postretry_gui.controller.team_coordination import TeamCoordination
from postretry_gui.controller.team_link import LinkListener, TeamLink
from postretry_gui.controller.team_sync import DEFAULT_POLL_INTERVAL_S, TeamSync
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.store.team import (
    Claims,
    TeamBudget,
    TeamDatabase,
    TeamJournal,
    TeamSettings,
    budget_id_for,
)


@dataclass(frozen=True, slots=True)
class TeamOptions:
    """How this instance takes part. ``budget_windows``: the key's rate windows as this app
    knows them (empty: no shared budget, the pacer alone paces)."""

    api_key: str
    budget_windows: Sequence[WindowSpec] = ()
    profile: str = ""  # a provider that budgets per profile names it
    refresh_interval_s: float = 60.0
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    probe_interval_s: float = 1.0
    lease_s: float = 120.0


@dataclass
class TeamWorkspace:
    database: TeamDatabase
    link: TeamLink
    coordination: TeamCoordination
    journal: TeamJournal
    sync: TeamSync

    async def aclose(self) -> None:
        await self.link.aclose()
        await self.database.close()


async def check_team_database(settings: TeamSettings, password: str | None) -> str:
    """Connect and bring the schema up to date: the workspace dialog's "Check connection".
    Returns a sentence; raises the store's typed errors with theirs."""
    database = TeamDatabase(settings, password)
    try:
        version = await database.migrate()
        async with database.session() as connection:
            server = connection.info.server_version
    finally:
        await database.close()
    return (
        f"Connected: PostgreSQL {server // 10000}.{server % 10000}, team schema version "
        f"{version}, operator {settings.operator}."
    )


async def open_team(
    settings: TeamSettings,
    password: str | None,
    workspace_id: str,
    provider_kind: str,
    options: TeamOptions,
    *,
    on_link: LinkListener,
    on_role: Callable[[bool], None] | None = None,
) -> TeamWorkspace:
    database = TeamDatabase(settings, password)
    try:
        await database.migrate()
        budget = None
        if options.budget_windows:
            budget_id = await budget_id_for(
                database, provider_kind, options.api_key, options.profile
            )
            budget = TeamBudget(database, budget_id, options.budget_windows)
    except BaseException:
        with contextlib.suppress(Exception):
            await database.close()
        raise
    link = TeamLink(database, on_link, probe_interval_s=options.probe_interval_s)
    coordination = TeamCoordination(
        Claims(database, workspace_id),
        link,
        settings.operator,
        budget=budget,
        lease_s=options.lease_s,
    )
    sync = TeamSync(
        database,
        workspace_id,
        link,
        refresh_interval_s=options.refresh_interval_s,
        poll_interval_s=options.poll_interval_s,
        on_role=on_role,
    )
    return TeamWorkspace(database, link, coordination, TeamJournal(database, workspace_id), sync)
