from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from controller_fakes import (
    T0,
    FakeClock,
    FakeProvider,
    RecordingListener,
    dest,
    post,
    until,
)

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.clock import wall_datetime
from postretry_gui.controller.syncer import SERVER_MARK_MARGIN, SYNC_OVERLAP
from postretry_gui.domain import PostStatus, Status
from postretry_gui.domain.errors import Unauthorized, Unreachable
from postretry_gui.domain.status import FAILURE_POST_STATUSES as FAILURES
from postretry_gui.domain.status import OTHER_POST_STATUSES as NOT_FAILURES
from postretry_gui.providers.pacing import Priority


def _server() -> list:
    failed = [post(f"f{i}", dest("1"), dest("2", Status.PUBLISHED)) for i in range(5)]
    published = [post(f"p{i}", dest("1", Status.PUBLISHED)) for i in range(3)]
    return failed + published


@pytest.mark.asyncio
async def test_failures_first_then_the_rest_streamed_one_batch_per_page() -> None:
    provider = FakeProvider(_server())
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, page_size=2, clock=FakeClock())
    provider.gates["list_posts"] = gate = asyncio.Event()
    gate.set()

    # Hold every page after the first, to see load() return with just one page delivered.
    def hold_later_pages(call: object) -> None:
        if len(provider.calls_to("list_posts")) == 2:
            gate.clear()

    provider.on_call = hold_later_pages
    await session.load()
    await until(lambda: len(provider.calls_to("list_posts")) == 2)

    assert provider.calls[0].method == "accounts"
    first = provider.calls_to("list_posts")[0]
    assert first.args[0].statuses == FAILURES
    assert [p.post_id for p in listener.batches[0]] == ["f0", "f1"]
    assert session.sync_state.loading
    assert set(session.posts) == {"f0", "f1"}

    gate.set()
    await asyncio.wait_for(session.wait_loaded(), 2)
    assert not session.sync_state.loading
    assert session.sync_state.failures_loaded
    assert session.sync_state.last_sync_at is not None
    assert set(session.posts) == {f"f{i}" for i in range(5)} | {"p0", "p1", "p2"}
    statuses = [c.args[0].statuses for c in provider.calls_to("list_posts")]
    # three failure pages (2+2+1) before any other status is asked for
    assert statuses[:3] == [FAILURES] * 3
    # Then every post, unfiltered (a filtered offset walk can skip posts; see the next test).
    assert statuses[3:]
    assert all(s == () for s in statuses[3:])
    assert all(len(batch) <= 2 for batch in listener.batches)
    # The failures the operator waits on are interactive; the rest of the "All" tab is
    # background work that must leave the rate-limit reserve to the operator.
    priorities = [c.kwargs["priority"] for c in provider.calls_to("list_posts")]
    assert priorities[:3] == [Priority.INTERACTIVE] * 3
    assert set(priorities[3:]) == {Priority.BACKGROUND}
    await session.aclose()


@pytest.mark.asyncio
async def test_a_post_leaving_the_failures_mid_load_makes_no_other_post_go_missing() -> None:
    # f0..f4 failed, read two per page. When f0 is retried elsewhere after the first page,
    # the failures' offset pages shift up by one and f2 is never on a failures page; the
    # unfiltered second pass must still bring it in.
    provider = FakeProvider(_server())
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, page_size=2, clock=FakeClock())

    def publish_f0_after_the_first_page(call: object) -> None:
        if len(provider.calls_to("list_posts")) == 2:
            provider.server["f0"] = post("f0", dest("1", Status.PUBLISHED))

    provider.on_call = publish_f0_after_the_first_page
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), 2)

    failure_pages = [c for c in provider.calls_to("list_posts") if c.args[0].statuses]
    assert len(failure_pages) == 2  # (f0, f1) then (f3, f4): f2 slid past the boundary
    assert set(session.posts) == {f"f{i}" for i in range(5)} | {"p0", "p1", "p2"}
    assert session.posts["f0"].status is PostStatus.PUBLISHED
    await session.aclose()


def _statuses_asked(provider: FakeProvider) -> list[tuple[tuple[str, ...], int]]:
    return [(c.args[0].statuses, c.args[2]) for c in provider.calls_to("list_posts")]


@pytest.mark.asyncio
async def test_pages_that_join_up_let_the_rest_be_read_without_the_failures_again() -> None:
    provider = FakeProvider(_server(), overlap=1)
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, page_size=3, clock=FakeClock())
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), 2)

    asked = _statuses_asked(provider)
    # f0-f2, f2-f4 (overlapping by one); p0-p2; then one 1-post probe of the whole list.
    assert [s for s, _ in asked] == [FAILURES, FAILURES, NOT_FAILURES, ()]
    assert asked[-1][1] == 1
    assert set(session.posts) == {f"f{i}" for i in range(5)} | {"p0", "p1", "p2"}
    reads = [p.post_id for batch in listener.batches for p in batch]
    assert len(reads) == len(set(reads))  # the overlapping post is not announced twice
    await session.aclose()


@pytest.mark.asyncio
async def test_a_failure_leaving_mid_load_breaks_the_join_and_the_list_is_read_whole() -> None:
    provider = FakeProvider(_server(), overlap=1)
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, page_size=2, clock=FakeClock())

    # After the first page (f0, f1), f0 and f1 are retried elsewhere: the next failures page,
    # asked at offset 1, starts at f3, and f2 slid past the boundary unread.
    def publish_two_after_the_first_page(call: object) -> None:
        if len(provider.calls_to("list_posts")) == 2:
            for post_id in ("f0", "f1"):
                provider.server[post_id] = post(post_id, dest("1", Status.PUBLISHED))

    provider.on_call = publish_two_after_the_first_page
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), 2)

    statuses = [s for s, _ in _statuses_asked(provider)]
    assert NOT_FAILURES not in statuses  # the failures' walk was not proven
    assert statuses[-1] == ()
    assert set(session.posts) == {f"f{i}" for i in range(5)} | {"p0", "p1", "p2"}
    await session.aclose()


@pytest.mark.asyncio
async def test_a_post_in_a_status_this_version_does_not_know_is_still_read() -> None:
    odd = replace(post("odd", dest("1", Status.PUBLISHED)), status=PostStatus.UNKNOWN)
    provider = FakeProvider([*_server(), odd], overlap=1)
    session = WorkspaceSession(provider, RecordingListener(), page_size=3, clock=FakeClock())
    await session.load()
    await asyncio.wait_for(session.wait_loaded(), 2)

    statuses = [s for s, _ in _statuses_asked(provider)]
    assert statuses[:4] == [FAILURES, FAILURES, NOT_FAILURES, ()]
    # The probe counted 9 posts, the passes 8: the whole list is read once more.
    assert statuses[4:]
    assert set(statuses[4:]) == {()}
    assert "odd" in session.posts
    await session.aclose()


@pytest.mark.asyncio
async def test_refresh_asks_only_for_updates_since_the_last_sync_and_emits_only_changes() -> None:
    provider = FakeProvider(_server())
    listener = RecordingListener()
    clock = FakeClock()
    session = WorkspaceSession(provider, listener, clock=clock)
    await session.load()
    await session.wait_loaded()
    loaded_at = clock.time()
    listener.batches.clear()

    changed = post("f1", dest("1", Status.PUBLISHED), dest("2", Status.PUBLISHED))
    provider.server["f1"] = replace(changed, updated_at=T0.replace(hour=10))
    clock.advance(30)
    await session.refresh()

    after = provider.calls_to("list_posts")[-1].args[0]
    assert after.statuses == ()
    assert after.updated_after is not None
    assert after.updated_after.timestamp() <= loaded_at
    assert provider.calls_to("list_posts")[-1].kwargs["priority"] is Priority.BACKGROUND
    # Unchanged posts read again are not re-emitted; the changed one is.
    assert [[p.post_id for p in b] for b in listener.batches] == [["f1"]]
    assert session.posts["f1"].status is PostStatus.PUBLISHED
    await session.aclose()


def _last_updated_after(provider: FakeProvider) -> datetime:
    asked = provider.calls_to("list_posts")[-1].args[0].updated_after
    assert asked is not None
    return asked


@pytest.mark.asyncio
async def test_with_the_servers_time_a_refresh_reads_back_only_to_the_last_syncs_answer() -> None:
    # The answers carry the server's time, minutes behind ours: the next refresh asks from
    # the earliest answer of the last sync (less a second), not from our clock less the
    # two-minute overlap, so a refresh every minute reads one minute of changes, not three.
    provider = FakeProvider(_server())
    clock = FakeClock()
    server_now = wall_datetime(clock) - timedelta(minutes=7)
    provider.server_time = server_now
    session = WorkspaceSession(provider, RecordingListener(), clock=clock)
    await session.load()
    await session.wait_loaded()

    provider.server_time = server_now + timedelta(seconds=60)
    clock.advance(60)
    await session.refresh()
    assert _last_updated_after(provider) == server_now - SERVER_MARK_MARGIN

    clock.advance(60)
    await session.refresh()
    assert _last_updated_after(provider) == server_now + timedelta(seconds=59)

    # A refresh that fails keeps the mark: nothing it did not read is skipped.
    provider.errors["list_posts"] = [Unreachable()]
    clock.advance(60)
    await session.refresh()
    await session.refresh()
    assert _last_updated_after(provider) == server_now + timedelta(seconds=59)
    await session.aclose()


@pytest.mark.asyncio
async def test_a_server_time_far_ahead_of_our_clock_cannot_make_a_refresh_skip_changes() -> None:
    provider = FakeProvider(_server())
    clock = FakeClock()
    provider.server_time = wall_datetime(clock) + timedelta(days=365)  # a broken server clock
    session = WorkspaceSession(provider, RecordingListener(), clock=clock)
    await session.load()
    await session.wait_loaded()
    loaded_at = wall_datetime(clock)

    changed = post("f1", dest("1", Status.PUBLISHED), dest("2", Status.PUBLISHED))
    provider.server["f1"] = replace(changed, updated_at=loaded_at + timedelta(seconds=5))
    clock.advance(60)
    await session.refresh()

    # Not believed: the refresh reaches back from our clock, as without a server time.
    assert _last_updated_after(provider) == loaded_at - SYNC_OVERLAP
    assert session.posts["f1"].status is PostStatus.PUBLISHED
    await session.aclose()


@pytest.mark.asyncio
async def test_offline_keeps_the_data_and_recovers() -> None:
    provider = FakeProvider(_server())
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, clock=FakeClock())
    await session.load()
    await session.wait_loaded()
    provider.errors["list_posts"] = [Unreachable()]

    await session.refresh()

    state = session.sync_state
    assert not state.online
    assert state.last_error is not None
    assert "unreachable" in state.last_error.lower()
    assert "Traceback" not in state.last_error
    assert len(session.posts) == 8
    await session.refresh()
    assert session.sync_state.online
    assert session.sync_state.last_error is None
    await session.aclose()


@pytest.mark.asyncio
async def test_background_refresh_runs_on_its_interval_and_stops_on_a_rejected_key() -> None:
    provider = FakeProvider(_server())
    listener = RecordingListener()
    clock = FakeClock(auto=False)
    session = WorkspaceSession(provider, listener, clock=clock, refresh_interval_s=30)
    await session.load()
    await session.wait_loaded()
    reads = len(provider.calls_to("list_posts"))
    session.start_background()

    await until(lambda: clock.sleeps == [30])
    clock.advance(29)
    await asyncio.sleep(0)  # one turn for the woken sleeper: it must go back to sleep
    assert len(provider.calls_to("list_posts")) == reads
    clock.advance(1)
    await until(lambda: len(provider.calls_to("list_posts")) == reads + 1)

    provider.errors["list_posts"] = [Unauthorized()]
    await until(lambda: len(clock.sleeps) == 2)
    clock.advance(30)
    await until(lambda: session.sync_state.key_rejected)
    await until(lambda: not session.background_active)
    clock.advance(300)
    # One rejected request, then silence: no loop of failing requests.
    assert len(provider.calls_to("list_posts")) == reads + 2
    assert any("rejected" in text for _, text in listener.notices)
    await session.aclose()


@pytest.mark.asyncio
async def test_sync_state_carries_the_rate_limit_budget() -> None:
    provider = FakeProvider(_server())
    provider.set_rate(limit=60, remaining=41)
    listener = RecordingListener()
    session = WorkspaceSession(provider, listener, clock=FakeClock())
    await session.load()
    assert listener.states[-1].requests_left == 41
    assert listener.states[-1].request_limit == 60
    await session.aclose()


@pytest.mark.asyncio
async def test_seeded_from_the_cache_a_refresh_asks_only_for_updates_and_reads_health() -> None:
    cached = _server()
    provider = FakeProvider(cached, accounts=[])
    listener = RecordingListener()
    clock = FakeClock()
    session = WorkspaceSession(provider, listener, clock=clock)
    synced = T0.replace(hour=8)

    session.seed(cached, synced)

    assert provider.calls == []  # the cache shows at once, before any request
    assert len(session.posts) == 8
    assert session.sync_state.last_sync_at == synced
    await session.refresh()
    assert [c.method for c in provider.calls] == ["accounts", "list_posts"]
    asked = provider.calls_to("list_posts")[0].args[0]
    assert asked.updated_after is not None
    assert asked.updated_after < synced
    await session.refresh()
    assert [c.method for c in provider.calls].count("accounts") == 1
    await session.aclose()
