"""Helpers shared by the team-store tests (imported by name: tests/store/team is on sys.path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from postretry_gui.store.team import TeamDatabase

# open_database(operator="alice", *, migrate=True): another instance's TeamDatabase.
OpenDatabase = Callable[..., Awaitable[TeamDatabase]]


@dataclass(frozen=True)
class PgServer:
    url: str  # postgresql://postretry@127.0.0.1:PORT/postgres, no password
    password: str
    ctl: str  # pg_ctl for this cluster: "stop -m immediate", "start -w"

    def url_for(self, dbname: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + dbname
