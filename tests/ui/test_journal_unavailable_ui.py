"""A workspace whose retry journal cannot be opened, in the window: the list is there, a
banner says retries are off and why, Retry is disabled, and Ctrl+R sends nothing.

The app's own wiring (the shell), the real client and the simulator; the journal is real:
written by a newer version of the app, or a path SQLite cannot open."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from workspaces_testkit import WAIT_MS, active_window, save_workspace, shell_env, wait_synced

from postretry_gui.store import RetryJournal
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA
from postretry_gui.ui.actions import ActionId

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def from_a_newer_version(path: Path) -> None:
    with RetryJournal(path, operator="newer") as journal:
        journal.intend("elsewhere", "pe-1", ["2285"])
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {JOURNAL_SCHEMA.version + 1}")


def unopenable(path: Path) -> None:
    path.mkdir(parents=True)  # a folder where the file should be


def sent(stats: dict[str, dict[str, dict[str, int]]]) -> int:
    """Requests that could change something at the provider (every retry is a POST or PUT)."""
    return sum(
        sum(by_status.values())
        for route, by_status in stats["requests"].items()
        if route.split(" ", 1)[0] in ("POST", "PUT")
    )


@pytest.mark.parametrize("make_journal", [from_a_newer_version, unopenable])
def test_the_operator_sees_retries_are_off_and_ctrl_r_sends_nothing(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, make_journal
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        workspace_id = save_workspace(env, "Alpha")
        journal = env.dirs.journal_path(workspace_id)
        journal.parent.mkdir(parents=True, exist_ok=True)
        make_journal(journal)
        env.shell.start()
        wait_synced(env, qtbot)
        window = active_window(env, qtbot)
        qtbot.waitUntil(lambda: window.model.post_count() > 0, timeout=WAIT_MS)

        # Seen before trying: the banner says why and what to do; Retry is disabled.
        assert window.banner.isVisible()
        said = window.banner.text()
        assert said.startswith("Retries are off: the retry journal could not be opened.")
        assert str(journal) in said
        assert "open the workspace again" in said
        retry = window.actions_by_id[ActionId.RETRY]
        assert not retry.isEnabled()
        assert retry.toolTip() == said
        # Reading still works: refresh and tick-all are there.
        assert window.actions_by_id[ActionId.REFRESH].isEnabled()

        # Tick every retryable failure, then Ctrl+R and Return: no question, no job.
        env.sim.reset_stats()
        QTest.keyClick(window.tree, Qt.Key.Key_A, CTRL | SHIFT)
        ticked = window.model.ticked_count()[0]
        assert ticked > 0
        QTest.keyClick(window.tree, Qt.Key.Key_R, CTRL)
        QTest.keyClick(window.tree, Qt.Key.Key_Return)
        assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
        assert not window.bulk_panel.isVisible()
        assert window.model.ticked_count()[0] == ticked  # kept for when the journal opens
        # A refresh's read reaches the server: whatever Ctrl+R could have started has had
        # its turn on the loop by then, and nothing but that read left.
        QTest.keyClick(window.tree, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: env.list_requests() >= 1, timeout=WAIT_MS)
        stats = env.sim.stats()
        assert sent(stats) == 0
        assert stats["retries_applied"] == {}
        assert window.banner.isVisible()
