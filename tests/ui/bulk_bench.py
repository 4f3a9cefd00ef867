"""The bulk retry UI tests' bench: the real window and session over the simulator on
loopback, a journal in a scratch folder, and what the list shows."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest

from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.poller import PollSettings
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import RetryJournal
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import DestinationRow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "controller"))
from bulk_child import API_KEY, journal_dir, make_provider
from window_kit import show_loaded

WAIT_MS = 20_000


@dataclass
class Bench:
    sim: SimServer
    window: MainWindow
    session: WorkspaceSession
    journal: RetryJournal

    def key(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.window.tree, key, modifiers)


@contextlib.contextmanager
def open_bench(
    qloop: asyncio.AbstractEventLoop,
    qtbot,
    config: SimConfig,
    *,
    single_post: bool = True,
    **knobs: object,
) -> Iterator[Bench]:  # type: ignore[no-untyped-def]
    """A loaded window over a fresh simulator; ``knobs`` go to ``sim.configure``.
    ``single_post``: one request per post, the path these suites were written for (a job
    cancelled part-way needs many requests; a bulk plan of 400 posts is a handful, which
    may all be answered before Esc arrives)."""
    with SimServer(config, port=0) as sim, journal_dir() as folder:
        if knobs:
            sim.configure(**knobs)
        journal = RetryJournal(folder / "journal.sqlite3", operator="bulk-ui")
        provider = make_provider(sim.posteverywhere_url)
        window = MainWindow(title="bulk")
        session = WorkspaceSession(
            provider,
            window,
            journal=journal,
            workspace_id="bulk",
            poll_settings=PollSettings(initial_interval_s=0.05, max_interval_s=0.2),
            single_post_retries=single_post,
        )
        show_loaded(window, session, qtbot, timeout_ms=WAIT_MS)
        yield Bench(sim, window, session, journal)
        if not window._closed_done:
            with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
                window.close()
        closing = qloop.create_task(provider.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)
        journal.close()


def visible_keys(window: MainWindow) -> set[tuple[str, str]]:
    """The destinations the list shows now: (post_id, account_id)."""
    model = window.model
    keys: set[tuple[str, str]] = set()

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            item = model.row_at(index)
            if isinstance(item, DestinationRow):
                keys.add((item.post_row.post_id, item.account_id))
            walk(index)

    walk(QModelIndex())
    return keys


def sim_statuses(sim: SimServer, post_ids: set[str]) -> dict[tuple[str, str], str]:
    """The simulator's truth, read as any client would: each destination's status now."""
    statuses: dict[tuple[str, str], str] = {}
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=sim.posteverywhere_url, headers=headers, timeout=10) as client:
        for post_id in sorted(post_ids):
            response = client.get(f"/posts/{post_id}")
            response.raise_for_status()
            for d in response.json()["data"]["destinations"]:
                statuses[(post_id, str(d["account_id"]))] = d["status"]
    return statuses
