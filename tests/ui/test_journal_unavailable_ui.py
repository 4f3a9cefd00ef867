"""A workspace whose retry journal cannot be opened, in the window: the list is there, a
banner says retries are off and why, Retry is disabled, and Ctrl+R sends nothing.

The app's own wiring (the shell), the real client and the simulator; the journal is real:
written by a newer version of the app, or a path SQLite cannot open."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from workspaces_testkit import WAIT_MS, active_window, save_workspace, shell_env, wait_synced

from postretry_gui.store import RetryJournal
from postretry_gui.store.journal_schema import JOURNAL_SCHEMA
from postretry_gui.ui import history_dialog
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.history_dialog import HistoryDialog

ALT = Qt.KeyboardModifier.AltModifier
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


def as_it_lies(journal: Path) -> dict[str, tuple[bytes, int]]:
    """The journal and every file beside it that SQLite would make (-wal, -shm...): bytes
    and mtime."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(journal.parent.glob(journal.name + "*"))
        if p.is_file()
    }


@dataclass
class Opened:
    env: Any
    window: Any
    journal: Path
    before: dict[str, tuple[bytes, int]]  # as_it_lies before the app started


@contextlib.contextmanager
def opened_over(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, make_journal: Callable[[Path], None]
) -> Iterator[Opened]:
    """The app started on one workspace whose journal ``make_journal`` made."""
    with shell_env(tmp_path, qtbot, qloop) as env:
        workspace_id = save_workspace(env, "Alpha")
        journal = env.dirs.journal_path(workspace_id)
        journal.parent.mkdir(parents=True, exist_ok=True)
        make_journal(journal)
        before = as_it_lies(journal)
        env.shell.start()
        wait_synced(env, qtbot)
        yield Opened(env, active_window(env, qtbot), journal, before)


@pytest.mark.parametrize("make_journal", [from_a_newer_version, unopenable])
def test_the_operator_sees_retries_are_off_and_ctrl_r_sends_nothing(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, make_journal
) -> None:
    with opened_over(tmp_path, qtbot, qloop, make_journal) as opened:
        env, window, journal = opened.env, opened.window, opened.journal
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


def written_by_a_newer_version_long_ago(path: Path) -> None:
    """Two intents, the newer version's stamp, and an mtime in the past: a write would show."""
    with RetryJournal(path, operator="newer") as journal:
        journal.intend("elsewhere", "pe-1", ["2285"])
        journal.intend("elsewhere", "pe-2", ["2286", "2287"])
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {JOURNAL_SCHEMA.version + 1}")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))


def test_ctrl_h_shows_a_newer_versions_journal_read_only_and_changes_not_a_byte(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "exported.csv"
    monkeypatch.setattr(history_dialog, "_ask_csv_path", lambda _parent: str(target))
    with opened_over(tmp_path, qtbot, qloop, written_by_a_newer_version_long_ago) as opened:
        window, journal, before = opened.window, opened.journal, opened.before

        QTest.keyClick(window.tree, Qt.Key.Key_H, CTRL)
        qtbot.waitUntil(lambda: window.history_dialog is not None, timeout=WAIT_MS)
        dialog = window.history_dialog
        assert isinstance(dialog, HistoryDialog)
        qtbot.waitExposed(dialog)
        # What is true: why it could not be opened, and that this is a read-only look.
        assert dialog.note.isVisible()
        note = dialog.note.text()
        assert note.startswith("The retry journal could not be opened: the retry journal ")
        assert str(journal) in note
        assert "newer version" in note
        assert "read-only" in note
        assert "(read-only)" in dialog.windowTitle()
        assert "no retry journal" not in window.statusBar().currentMessage()
        # Its history, newest first, searchable.
        model = dialog.model
        assert [model.index(r, 2).data() for r in range(model.rowCount())] == ["pe-2", "pe-1"]
        assert model.index(0, 1).data() == "newer"
        assert model.index(0, 3).data() == "2286, 2287"
        assert "2 retries" in dialog.status.text()
        dialog.search.setText("2285")
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
        # Export still works: every intent, oldest first.
        QTest.keyClick(dialog, Qt.Key.Key_E, ALT)
        qtbot.waitUntil(target.exists, timeout=WAIT_MS)
        with target.open(newline="") as handle:
            assert [r["post_id"] for r in csv.DictReader(handle)] == ["pe-1", "pe-2"]

        # Not a byte, not an mtime, no -wal or -shm beside it: while shown, and after.
        assert as_it_lies(journal) == before
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        assert as_it_lies(journal) == before
        assert window.banner.isVisible()  # and retries are still off
    assert as_it_lies(journal) == before


def in_use_by_another_copy(path: Path) -> None:
    """A newer version's journal with its write-ahead log beside it: the file alone may be
    stale, so reading it would need the log, and the log may be in use."""
    written_by_a_newer_version_long_ago(path)
    log = path.with_name(path.name + "-wal")
    log.write_bytes(b"")
    os.utime(log, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))


@pytest.mark.parametrize(
    ("make_journal", "why"),
    [
        (unopenable, "there is no retry journal file at"),
        (in_use_by_another_copy, "another copy of the app has the retry journal"),
    ],
)
def test_ctrl_h_says_why_a_journal_it_cannot_read_as_it_lies_is_not_shown(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, make_journal, why: str
) -> None:
    with opened_over(tmp_path, qtbot, qloop, make_journal) as opened:
        window, journal = opened.window, opened.journal
        # (The app's own check at open reads a file with a log beside it through the log,
        # which leaves a -shm: Ctrl+H adds nothing to that.)
        before = as_it_lies(journal)

        QTest.keyClick(window.tree, Qt.Key.Key_H, CTRL)
        said = window.statusBar().currentMessage()
        assert said.startswith("The retry journal could not be opened: ")
        assert str(journal) in said
        assert f"Its history cannot be shown: {why}" in said
        assert window.history_dialog is None
        assert as_it_lies(journal) == before
