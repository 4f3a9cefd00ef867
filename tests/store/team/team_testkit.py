"""Helpers shared by the team-store tests (imported by name: tests/store/team is on sys.path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from postretry_gui.domain import Destination, Post, PostStatus, Status
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


def failed_post(post_id: str, error: str = "Rate limited") -> Post:
    """A post with one failed destination, its time to the second with an odd offset."""
    return Post(
        post_id=post_id,
        destinations=(
            Destination("acc-1", "twitter", Status.FAILED, error=error),
            Destination("acc-2", "linkedin", Status.PUBLISHED),
        ),
        status=PostStatus.FAILED,
        content='Launch day \u2728 \\ "quoted"',
        created_at=datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    )
