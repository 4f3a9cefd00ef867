"""The offline cache during a full load: pages are held back and written when it ends, in
large batches, before the sync time that vouches for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from controller_fakes import RecordingListener, dest, post

from postretry_gui.controller.events import SyncState
from postretry_gui.controller.workspace_opener import _CachingListener
from postretry_gui.domain import Post

SYNCED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class LoggingCache:
    """Records what the writer thread asks of the cache, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.notice: str | None = None

    def upsert(self, posts: Sequence[Post], *, synced_at: datetime | None = None) -> int:
        self.log.append(("upsert", [p.post_id for p in posts]))
        return len(posts)

    def set_last_synced_at(self, when: datetime) -> None:
        self.log.append(("synced", when))


class Session:
    synced_from: datetime | None = None


def listener_on(cache: LoggingCache) -> tuple[_CachingListener, Session]:
    listener = _CachingListener(RecordingListener(), cache)  # type: ignore[arg-type]
    session = Session()
    listener.session = session  # type: ignore[assignment]
    return listener, session


def posts(*ids: str) -> list[Post]:
    return [post(post_id, dest("1")) for post_id in ids]


@pytest.mark.asyncio
async def test_a_loads_pages_are_written_once_it_ends_then_its_sync_time() -> None:
    cache = LoggingCache()
    listener, session = listener_on(cache)
    listener.sync_changed(SyncState(loading=True))
    listener.posts_changed(posts("a", "b"))
    listener.posts_changed(posts("c"))
    session.synced_from = SYNCED
    listener.sync_changed(SyncState(loading=False))
    # After the load, changes are written as they come.
    listener.posts_changed(posts("a"))
    await listener.flush()
    assert cache.log == [
        ("upsert", ["a", "b", "c"]),
        ("synced", SYNCED),
        ("upsert", ["a"]),
    ]


@pytest.mark.asyncio
async def test_closing_mid_load_still_writes_what_arrived_but_no_sync_time() -> None:
    cache = LoggingCache()
    listener, _ = listener_on(cache)
    listener.sync_changed(SyncState(loading=True))
    listener.posts_changed(posts("a"))
    await listener.flush()
    assert cache.log == [("upsert", ["a"])]


@pytest.mark.asyncio
async def test_outside_a_load_each_batch_is_written_as_it_comes() -> None:
    cache = LoggingCache()
    listener, _ = listener_on(cache)
    listener.posts_changed(posts("a"))
    listener.posts_changed(posts("b"))
    await listener.flush()
    assert cache.log == [("upsert", ["a"]), ("upsert", ["b"])]


@pytest.mark.asyncio
async def test_a_large_load_is_written_in_paced_batches_and_later_writes_wait_their_turn() -> None:
    cache = LoggingCache()
    listener, session = listener_on(cache)
    listener.sync_changed(SyncState(loading=True))
    listener.posts_changed(posts(*(f"p{n}" for n in range(1_200))))
    session.synced_from = SYNCED
    listener.sync_changed(SyncState(loading=False))
    listener.posts_changed(posts("p0"))  # a newer p0 must land after the held one
    await listener.flush()
    assert [(kind, len(what) if kind == "upsert" else what) for kind, what in cache.log] == [
        ("upsert", 500),
        ("upsert", 500),
        ("upsert", 200),
        ("synced", SYNCED),
        ("upsert", 1),
    ]
