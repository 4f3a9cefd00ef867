"""The canary: a key made for this test goes through everything the app does with a key
(add a workspace, list, retry, a 401, offline, an unexpected error with the key in its
message) and then appears nowhere: not in any file the app wrote, not in anything it
printed, not in a log record, not in the crash dialog or what "copy details" copies."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

# The shell harness lives beside the UI tests (tests/ has no packages).
sys.path.insert(0, str(Path(__file__).parent / "ui"))
from workspaces_testkit import WAIT_MS, active_window, shell_env

from postretry_gui.ui.crash_dialog import CrashDialog

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def occurrences(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def test_the_canary_key_is_never_written_printed_or_logged(
    tmp_path: Path,
    qtbot,
    qloop: asyncio.AbstractEventLoop,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "pe_test_" + secrets.token_hex(16)
    app_dir = tmp_path / "app"
    with shell_env(app_dir, qtbot, qloop) as env:
        env.parts.crash.install()
        shell = env.shell
        shell.start()
        # Add a workspace with the canary key, checked first, saved to the keyring.
        dialog = shell.add_workspace()
        QTest.keyClicks(dialog.name_edit, "Canary")
        dialog.base_url_edit.setText(env.sim.posteverywhere_url)
        QTest.keyClicks(dialog.api_key_edit, canary)
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)
        window = active_window(env, qtbot)
        session = shell.handle.session
        # List.
        qtbot.waitUntil(
            lambda: session.synced_from is not None and not session.sync_state.loading,
            timeout=WAIT_MS,
        )
        qtbot.waitUntil(lambda: window.model.post_count() > 0, timeout=WAIT_MS)
        # Retry every retryable failure, confirmed with Return.
        QTest.keyClick(window.tree, Qt.Key.Key_A, CTRL | SHIFT)
        assert window.model.ticked_count()[0] > 0
        QTest.keyClick(window.tree, Qt.Key.Key_R, CTRL)
        qtbot.waitUntil(lambda: window._confirm is not None, timeout=WAIT_MS)
        QTest.keyClick(window._confirm, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: sum(env.sim.stats()["retries_applied"].values()) > 0, timeout=WAIT_MS
        )
        # Offline, then back.
        env.network.offline = True
        QTest.keyClick(window.tree, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: not session.sync_state.online, timeout=WAIT_MS)
        env.network.offline = False
        # A 401.
        env.network.revoked = True
        QTest.keyClick(window.tree, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: session.sync_state.key_rejected, timeout=WAIT_MS)
        # An unexpected error whose message carries the key, in a session task.

        async def bug() -> None:
            raise RuntimeError(f"bug while holding headers {{'Authorization': 'Bearer {canary}'}}")

        session.spawn(bug())
        qtbot.waitUntil(lambda: env.parts.crash.dialog is not None, timeout=WAIT_MS)
        crash = env.parts.crash.dialog
        assert isinstance(crash, CrashDialog)
        assert "RuntimeError" in crash.details
        assert str(env.parts.log_path) in crash.explanation.text()
        crash.copy_button.click()
        copied = QGuiApplication.clipboard().text()
        assert "RuntimeError" in copied
        shown = crash.details + crash.explanation.text() + crash.text.toPlainText() + copied
        # And one through sys.excepthook, as a bug in a Qt slot would arrive.
        try:
            raise ValueError(f"slot failed for {canary}")
        except ValueError as error:
            sys.excepthook(type(error), error, error.__traceback__)
        shown += crash.text.toPlainText()
        assert "ValueError" in shown
        assert canary not in shown
        crash.close()
        status = window.statusBar().currentMessage() + window.banner.text()
        assert canary not in status
    # Every file the app wrote: settings, caches, journals, logs.
    written = [p for p in app_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written)
    assert any(p.name == "workspaces.json" for p in written)
    assert occurrences(app_dir, canary) == []
    # The log file did record the crash (redacted), so the scan looked at something real.
    log_text = "".join(p.read_text(errors="replace") for p in written if p.suffix == ".log")
    assert "RuntimeError" in log_text
    assert "ValueError" in log_text
    # Everything printed and every log record.
    out, err = capfd.readouterr()
    assert canary not in out
    assert canary not in err
    for record in caplog.records:
        assert canary not in record.getMessage()
        assert canary not in (record.exc_text or "")
