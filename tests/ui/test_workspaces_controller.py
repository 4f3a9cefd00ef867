"""The Qt-free workspace use-cases against the simulator: checking a key, opening a
workspace on its offline cache, restarting cheaply, and a damaged cache."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.controller.workspace_opener import WorkspaceOpener, check_key
from postretry_gui.controller.workspaces import (
    KeyVerdict,
    WorkspaceBook,
    draft_workspace,
)
from postretry_gui.domain import Post
from postretry_gui.providers.registry import CATALOG
from postretry_gui.sim import DEMO_AYR_KEY, DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.store import (
    MemoryKeyring,
    SecretStore,
    StoreDirs,
    WorkspaceRegistry,
    WorkspaceSecrets,
)

LIST_ROUTE = "GET /posteverywhere/api/v1/posts"


class Recorder:
    def __init__(self) -> None:
        self.posts: dict[str, Post] = {}
        self.notices: list[tuple[NoticeLevel, str]] = []
        self.state = SyncState()

    def posts_changed(self, posts: Sequence[Post]) -> None:
        self.posts.update((p.post_id, p) for p in posts)

    def sync_changed(self, state: SyncState) -> None:
        self.state = state

    def retry_finished(self, report: RetryReport) -> None:
        pass

    def notice(self, level: NoticeLevel, text: str) -> None:
        self.notices.append((level, text))


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, posts=30, rate_limit=None), port=0) as server:
        yield server


def list_requests(sim: SimServer) -> int:
    return sum(sim.stats()["requests"].get(LIST_ROUTE, {}).values())


@pytest.mark.asyncio
async def test_check_key_counts_accounts_for_both_providers(sim: SimServer) -> None:
    pe = draft_workspace("PE", "posteverywhere", sim.posteverywhere_url, CATALOG)
    ayr = draft_workspace("AYR", "ayrshare", sim.ayrshare_url, CATALOG)
    pe_check = await check_key(pe, WorkspaceSecrets(api_key=DEMO_PE_KEY))
    ayr_check = await check_key(ayr, WorkspaceSecrets(api_key=DEMO_AYR_KEY))
    assert pe_check.ok
    assert pe_check.accounts
    assert f"{pe_check.accounts} accounts" in pe_check.message
    assert ayr_check.ok
    assert ayr_check.accounts is not None


@pytest.mark.asyncio
async def test_check_key_says_rejected_and_unreachable(sim: SimServer) -> None:
    pe = draft_workspace("PE", "posteverywhere", sim.posteverywhere_url, CATALOG)
    rejected = await check_key(pe, WorkspaceSecrets(api_key="pe_live_wrong_key_123"))
    assert rejected.verdict is KeyVerdict.REJECTED
    assert "pe_live_wrong_key_123" not in rejected.message
    # A loopback port nobody listens on: refused at once.
    dead = draft_workspace("dead", "posteverywhere", "http://127.0.0.1:9/api/v1", CATALOG)
    unreachable = await check_key(dead, WorkspaceSecrets(api_key=DEMO_PE_KEY))
    assert unreachable.verdict is KeyVerdict.UNREACHABLE
    assert unreachable.message.startswith("Server unreachable")
    missing = await check_key(pe, WorkspaceSecrets())
    assert not missing.ok


async def _open_and_sync(
    opener: WorkspaceOpener, book: WorkspaceBook, workspace_id: str
) -> tuple[Recorder, int]:
    recorder = Recorder()
    opened = opener.open(book.get(workspace_id), book.secrets(workspace_id), recorder)
    synced = opened.start(background=False)
    cached = len(recorder.posts)
    async with asyncio.timeout(10):
        await synced
    await opened.aclose()
    return recorder, cached


@pytest.mark.asyncio
async def test_a_restart_shows_the_cache_at_once_and_costs_at_most_two_list_requests(
    sim: SimServer, tmp_path: Path
) -> None:
    dirs = StoreDirs.under(tmp_path)
    registry = WorkspaceRegistry(dirs.config_dir, SecretStore(MemoryKeyring()), CATALOG)
    book = WorkspaceBook(registry)
    workspace = book.add(
        draft_workspace("Main", "posteverywhere", sim.posteverywhere_url, CATALOG),
        WorkspaceSecrets(api_key=DEMO_PE_KEY),
    )
    opener = WorkspaceOpener(dirs)
    first, cached_first = await _open_and_sync(opener, book, workspace.workspace_id)
    assert cached_first == 0
    full_load = list_requests(sim)
    assert full_load >= 2
    assert len(first.posts) == 30

    sim.reset_stats()
    second, cached_second = await _open_and_sync(opener, book, workspace.workspace_id)
    # Every post was on screen before any request, and the restart asked for what changed.
    assert cached_second == 30
    assert list_requests(sim) <= 2
    assert set(second.posts) == set(first.posts)


@pytest.mark.asyncio
async def test_a_corrupt_cache_is_set_aside_with_a_notice_and_rebuilt(
    sim: SimServer, tmp_path: Path
) -> None:
    dirs = StoreDirs.under(tmp_path)
    book = WorkspaceBook(WorkspaceRegistry(dirs.config_dir, SecretStore(MemoryKeyring()), CATALOG))
    workspace = book.add(
        draft_workspace("Main", "posteverywhere", sim.posteverywhere_url, CATALOG),
        WorkspaceSecrets(api_key=DEMO_PE_KEY),
    )
    path = dirs.cache_path(workspace.workspace_id)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    recorder, cached = await _open_and_sync(WorkspaceOpener(dirs), book, workspace.workspace_id)
    assert cached == 0
    assert any("set aside" in text for _, text in recorder.notices)
    assert len(recorder.posts) == 30
    assert list(path.parent.glob("cache.sqlite3.corrupt-*"))
