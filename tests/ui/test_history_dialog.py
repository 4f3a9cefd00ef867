"""Ctrl+H: the retry history from the journal, searchable and exported to CSV, by keyboard."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from postretry_gui.controller import WorkspaceSession
from postretry_gui.sim import SimConfig, SimServer
from postretry_gui.store.journal import RetryJournal
from postretry_gui.ui import history_dialog
from postretry_gui.ui.history_dialog import HistoryDialog
from postretry_gui.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "controller"))
from bulk_child import journal_dir, make_provider

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
WAIT_MS = 10_000


def _fill(journal: RetryJournal) -> None:
    """Three retries by two operators, one with a server text that looks like a formula."""
    a = journal.intend("ws", "post-a", ["2285"])
    journal.mark_sent(a.intent_id)
    journal.acknowledge(a.intent_id, "retried", "1 destination re-queued")
    journal.settle(a.intent_id, "published")
    b = journal.intend("ws", "post-b", ["2286", "2287"])
    journal.mark_sent(b.intent_id)
    journal.settle(b.intent_id, "gone", "=HYPERLINK(evil) Post not found.")
    c = journal.intend("ws", "post-c", ["9"])
    journal.mark_sent(c.intent_id)
    journal.mark_unknown(c.intent_id, "the answer was lost")


@pytest.fixture
def journal() -> Iterator[RetryJournal]:
    with journal_dir() as folder:
        store = RetryJournal(folder / "journal.sqlite3", operator="alice")
        _fill(store)
        yield store
        store.close()


@pytest.fixture
def window(qloop: asyncio.AbstractEventLoop, qtbot, journal: RetryJournal) -> Iterator[MainWindow]:
    config = SimConfig(seed=3, posts=12, rate_limit=None)
    with SimServer(config, port=0) as sim:
        provider = make_provider(sim.posteverywhere_url)
        window = MainWindow(title="history")
        session = WorkspaceSession(provider, window, journal=journal, workspace_id="ws")
        window.attach(session)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        yield window
        if not window._closed_done:
            with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
                window.close()
        closing = qloop.create_task(provider.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def test_ctrl_h_shows_who_retried_what_searchable_and_exports_csv(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "history"
    monkeypatch.setattr(history_dialog, "_ask_csv_path", lambda _parent: str(target))
    QTest.keyClick(window.tree, Qt.Key.Key_H, CTRL)
    qtbot.waitUntil(lambda: getattr(window, "history_dialog", None) is not None, timeout=WAIT_MS)
    dialog = window.history_dialog
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, HistoryDialog)
    # Newest first: post-c (lost answer), post-b (gone), post-a (published), all by alice.
    model = dialog.model
    assert [model.index(r, 2).data() for r in range(model.rowCount())] == [
        "post-c",
        "post-b",
        "post-a",
    ]
    assert model.index(2, 1).data() == "alice"
    assert model.index(2, 5).data() == "published"
    assert model.index(0, 4).data() == "unknown"
    assert "3 retries" in dialog.status.text()

    # Typing searches; Return moves into the table. (The offscreen platform does not
    # activate a new dialog as a window manager would.)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search, timeout=WAIT_MS)
    QTest.keyClicks(dialog.search, "gone")
    QTest.keyClick(dialog.search, Qt.Key.Key_Return)
    assert model.rowCount() == 1
    assert model.index(0, 2).data() == "post-b"
    assert QApplication.focusWidget() is dialog.table

    # Alt+E exports every retry (not only the shown one) to the chosen file, as .csv.
    QTest.keyClick(dialog, Qt.Key.Key_E, ALT)
    written = target.with_name("history.csv")
    qtbot.waitUntil(written.exists, timeout=WAIT_MS)
    with written.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["post_id"] for r in rows] == ["post-a", "post-b", "post-c"]
    assert rows[1]["detail"].startswith("'=")  # a formula stays text in a spreadsheet
    assert "Exported 3 retries" in dialog.status.text()

    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


def test_a_journal_that_cannot_be_read_is_said_plainly(qtbot) -> None:
    class Broken:
        def history(self, limit: int = 100, offset: int = 0, search: str | None = None):  # type: ignore[no-untyped-def]
            raise OSError("disk I/O error")

        def history_count(self, search: str | None = None) -> int:
            return 0

        def export_csv(self, path: Path) -> int:
            raise OSError("read-only file system")

    dialog = HistoryDialog(Broken(), ask_path=lambda _parent: "/nowhere/x.csv")
    qtbot.addWidget(dialog)
    assert "cannot be read" in dialog.status.text()
    assert "disk I/O error" in dialog.status.text()
    dialog.export()
    assert "Could not export" in dialog.status.text()
