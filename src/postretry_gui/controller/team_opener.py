"""A workspace's team side: the database, the link that watches it, this instance's
coordination (claims, the key's shared budget), the team's journal and the team's syncer.

Built at once (``build_team``: no I/O, so the session can be wired to it), then ``run``:
connect and migrate, name the key's budget, and lead or follow until closed. Until the
database has been reached the link is down, so no claim is granted and nothing is sent. A
start-up refusal that waiting cannot mend (a refused login, a server too old, a schema newer
than the app) is told once with the store's sentence and leaves the link down.
"""

from __future__ import annotations

import asyncio
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
    TeamStoreError,
    TeamStoreUnavailable,
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
    provider_kind: str
    options: TeamOptions
    on_link: LinkListener

    async def prepare(self) -> None:
        """Migrate and name the key's budget, waiting out an unreachable server. Raises the
        store's error for what waiting cannot mend."""
        while True:
            try:
                await self.database.migrate()
                if self.options.budget_windows:
                    budget_id = await budget_id_for(
                        self.database, self.provider_kind, self.options.api_key,
                        self.options.profile,
                    )  # fmt: skip
                    budget = TeamBudget(self.database, budget_id, self.options.budget_windows)
                    self.coordination.use_budget(budget)
                break
            except TeamStoreUnavailable as error:
                self.link.lost(error)
                await self.link.wait_up()
        self.link.reached()

    async def run(self, *, give_up: bool = False) -> None:
        """Prepare, then lead or follow until cancelled. A refusal waiting cannot mend is
        raised with ``give_up`` (the worker exits), else told and the link stays down (a
        window keeps showing the cached posts and sends nothing)."""
        try:
            await self.prepare()
        except TeamStoreError as error:
            if give_up:
                raise
            self.on_link(False, str(error))
            await asyncio.Event().wait()  # nothing to do but stay down until closed
        await self.sync.run()

    async def aclose(self) -> None:
        await self.link.aclose()
        await self.database.close()


def build_team(
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
    link = TeamLink(database, on_link, probe_interval_s=options.probe_interval_s, reached=False)
    coordination = TeamCoordination(
        Claims(database, workspace_id), link, settings.operator, lease_s=options.lease_s
    )
    sync = TeamSync(
        database,
        workspace_id,
        link,
        refresh_interval_s=options.refresh_interval_s,
        poll_interval_s=options.poll_interval_s,
        on_role=on_role,
    )
    journal = TeamJournal(database, workspace_id)
    return TeamWorkspace(
        database, link, coordination, journal, sync, provider_kind, options, on_link
    )


async def open_team(team: TeamWorkspace) -> TeamWorkspace:
    """A built team side, prepared; closed again if the database refuses (its error)."""
    try:
        await team.prepare()
    except BaseException:
        await team.aclose()
        raise
    return team


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
