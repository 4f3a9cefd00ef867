"""A workspace whose retry journal cannot be opened still opens, reads and shows its posts,
but sends no retry: unrecorded would mean a crash could lead to a duplicate.

The app's own wiring (``WorkspaceOpener``), the real PostEverywhere client and the simulator;
the journal files are real: one written by a newer version, one SQLite cannot open at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from controller_fakes import RecordingListener

from postretry_gui.controller.journal_guard import UnopenedJournalLink
from postretry_gui.controller.journal_port import JournalWriteFailed
from postretry_gui.controller.workspace_opener import OpenedWorkspace, WorkspaceOpener
from postretry_gui.domain import Outcome
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.store import RetryJournal, StoreDirs, Workspace, WorkspaceSecrets
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA

WORKSPACE_ID = "ws-journal"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    config = SimConfig(seed=3, posts=40, queued_s=0.05, success_odds=1.0, rate_limit=None)
    with SimServer(config, port=0) as server:
        yield server


def from_a_newer_version(path: Path) -> Path:
    """A real journal with one intent, then stamped with the next schema version, as a newer
    app would leave it; its mtime set in the past so that any write would show."""
    with RetryJournal(path, operator="newer") as journal:
        journal.intend(WORKSPACE_ID, "pe-1", ["2285"])
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {JOURNAL_SCHEMA.version + 1}")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return path


def unopenable(path: Path) -> Path:
    """A folder where the journal file should be: SQLite cannot open it (unlike a file without
    read permission, which the root user these tests may run as still reads)."""
    path.mkdir(parents=True)
    return path


JOURNALS: dict[str, Callable[[Path], Path]] = {
    "newer version": from_a_newer_version,
    "unopenable": unopenable,
}


def workspace(sim: SimServer) -> Workspace:
    return Workspace(
        workspace_id=WORKSPACE_ID,
        name="Brand",
        provider="posteverywhere",
        base_url=sim.posteverywhere_url,
    )


async def opened_and_loaded(
    sim: SimServer, dirs: StoreDirs, listener: RecordingListener
) -> OpenedWorkspace:
    opener = WorkspaceOpener(dirs, refresh_interval_s=3600)
    opened = opener.open(workspace(sim), WorkspaceSecrets(api_key=DEMO_PE_KEY), listener)
    await asyncio.wait_for(opened.start(background=False), 20)
    return opened


def failures(opened: OpenedWorkspace, posts: int) -> dict[str, frozenset[str]]:
    session = opened.session
    chosen = {
        post.post_id: session.eligible_account_ids(post)
        for post in session.posts.values()
        if session.eligible_account_ids(post)
    }
    assert len(chosen) >= posts, "the seeded simulator should offer enough failures"
    return dict(list(chosen.items())[:posts])


def retry_requests(sim: SimServer) -> int:
    return sum(
        sum(by_status.values())
        for route, by_status in sim.stats()["requests"].items()
        if route.startswith("POST ") or route.startswith("PUT ")
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("make_journal", JOURNALS.values(), ids=JOURNALS.keys())
async def test_a_journal_that_cannot_open_refuses_retries_and_sends_nothing(
    sim: SimServer, tmp_path: Path, make_journal: Callable[[Path], Path]
) -> None:
    dirs = StoreDirs.under(tmp_path)
    path = make_journal(dirs.journal_path(WORKSPACE_ID))
    before = (path.stat().st_mtime_ns, path.is_file() and path.read_bytes())
    listener = RecordingListener()
    opened = await opened_and_loaded(sim, dirs, listener)
    try:
        session = opened.session
        # The workspace opened and reads: the list is there.
        assert session.posts
        assert session.sync_state.last_sync_at is not None
        # Before any retry, the state says retries are off, why, and where the file is.
        off = session.sync_state.retries_off
        assert off is not None
        assert off.startswith("Retries are off")
        assert str(path) in off
        assert "open the workspace again" in off
        assert any(text == off for _level, text in listener.notices)
        selection = failures(opened, 3)
        sim.reset_stats()

        report = await asyncio.wait_for(session.retry(selection), 10)

        assert retry_requests(sim) == 0
        assert sim.stats()["retries_applied"] == {}
        assert {o.post_id for o in report.outcomes} == set(selection)
        assert {o.outcome for o in report.outcomes} == {Outcome.SKIPPED}
        assert {o.message for o in report.outcomes} == {off}
        # Nothing stays locked: the rows are as they were, ready once the journal opens.
        for post_id, ids in selection.items():
            assert session.eligible_account_ids(session.posts[post_id]) == ids
    finally:
        await opened.aclose()
    # The file was left as it was: a newer version's record is not ours to change.
    assert (path.stat().st_mtime_ns, path.is_file() and path.read_bytes()) == before


@pytest.mark.asyncio
async def test_a_newer_journal_says_to_use_the_newer_version(
    sim: SimServer, tmp_path: Path
) -> None:
    dirs = StoreDirs.under(tmp_path)
    from_a_newer_version(dirs.journal_path(WORKSPACE_ID))
    opened = await opened_and_loaded(sim, dirs, RecordingListener())
    try:
        off = opened.session.sync_state.retries_off
        assert off is not None
        assert "newer version" in off
    finally:
        await opened.aclose()


@pytest.mark.asyncio
async def test_a_journal_that_opens_lets_retries_leave(sim: SimServer, tmp_path: Path) -> None:
    dirs = StoreDirs.under(tmp_path)
    opened = await opened_and_loaded(sim, dirs, RecordingListener())
    try:
        session = opened.session
        assert session.sync_state.retries_off is None
        selection = failures(opened, 1)
        sim.reset_stats()

        report = await asyncio.wait_for(session.retry(selection), 10)

        assert report.counts.get(Outcome.RETRIED) == 1
        assert retry_requests(sim) == 1
        journal = session.journal
        assert journal is not None
        assert journal.retries_sent(next(iter(selection)), workspace_id=WORKSPACE_ID) == 1
    finally:
        await opened.aclose()


def test_the_last_guard_refuses_every_intent_with_the_reason() -> None:
    """Whatever path reaches the retry step, an unopened journal records nothing, so the
    step sends nothing."""
    failures_told: list[str] = []
    reason = "Retries are off: the journal is held by another copy"
    link = UnopenedJournalLink(reason, WORKSPACE_ID, failures_told.append)

    with pytest.raises(JournalWriteFailed, match=reason):
        asyncio.run(link.record_intent("pe-1", ["2285"]))
    with pytest.raises(JournalWriteFailed, match=reason):
        asyncio.run(link.record_request_intent("key", [("pe-1", "2285")]))
    assert link.retries_sent("pe-1") is None
    assert failures_told == []
