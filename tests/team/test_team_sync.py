"""One syncer per workspace: the leader's posts reach the followers by LISTEN/NOTIFY, and a
follower leads when the leader goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import pytest
from team_testkit import OpenDatabase, failed_post

from postretry_gui.controller.events import NullListener
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.controller.team_sync import PublishingListener, TeamSync
from postretry_gui.domain import Post
from postretry_gui.store.team import TeamDatabase

WORKSPACE = "w" * 32
WAIT_S = 20.0


class FakeSession:
    """Refreshing "reads" the next post and shows it through the (publishing) listener."""

    def __init__(self) -> None:
        self.listener: PublishingListener | None = None
        self.refreshes = 0
        self.orphan_rounds = 0  # refreshes that first settled what a dead instance left
        self.health_reads = 0
        self.taken_in: dict[str, Post] = {}
        self.changed = asyncio.Event()

    async def refresh(self) -> None:
        self.refreshes += 1
        assert self.listener is not None
        self.listener.posts_changed([failed_post(f"read-{id(self)}-{self.refreshes}")])

    async def reconcile_orphans(self) -> None:
        self.orphan_rounds += 1

    async def read_account_health(self) -> None:
        self.health_reads += 1

    def take_in(self, posts: Iterable[Post]) -> None:
        self.taken_in.update((p.post_id, p) for p in posts)
        self.changed.set()


class Roles:
    """The roles an instance went through, and an event set when it leads."""

    def __init__(self) -> None:
        self.seen: list[bool] = []
        self.leads = asyncio.Event()

    def __call__(self, leading: bool) -> None:
        self.seen.append(leading)
        if leading:
            self.leads.set()


def instance(database: TeamDatabase, roles: Roles) -> tuple[TeamSync, FakeSession]:
    link = TeamLink(database, lambda up, said: None, probe_interval_s=0.1)
    sync = TeamSync(
        database, WORKSPACE, link, refresh_interval_s=0.2, poll_interval_s=0.1, on_role=roles
    )
    session = FakeSession()
    session.listener = sync.wrap(NullListener())
    sync.attach(session)
    return sync, session


async def _until(condition: Callable[[], bool], changed: asyncio.Event) -> None:
    while not condition():
        changed.clear()
        await changed.wait()


@pytest.mark.asyncio
async def test_one_instance_reads_and_the_other_is_told_and_takes_over_when_it_goes(
    open_database: OpenDatabase,
) -> None:
    alice_roles, bob_roles = Roles(), Roles()
    alice, alice_session = instance(await open_database("alice"), alice_roles)
    bob, bob_session = instance(await open_database("bob"), bob_roles)
    alice_task = asyncio.create_task(alice.run())
    await asyncio.wait_for(alice_roles.leads.wait(), WAIT_S)
    bob_task = asyncio.create_task(bob.run())

    # Bob follows: he reads nothing from the provider and shows what Alice read.
    await asyncio.wait_for(
        _until(lambda: len(bob_session.taken_in) >= 2, bob_session.changed), WAIT_S
    )
    assert bob_session.refreshes == bob_session.orphan_rounds == 0
    assert bob_session.health_reads == 1
    assert all(p.startswith(f"read-{id(alice_session)}") for p in bob_session.taken_in)

    alice_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await alice_task
    assert alice_roles.seen == [True, False]
    assert bob_roles.seen == []
    await asyncio.wait_for(bob_roles.leads.wait(), 10.0)
    # The leader settles what dead instances left before each of its reads.
    assert alice_session.orphan_rounds == alice_session.refreshes >= 1
    bob_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await bob_task
