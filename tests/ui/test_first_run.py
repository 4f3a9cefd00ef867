"""First run: the welcome screen, the demo, adding a workspace with its key checked first."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from workspaces_testkit import WAIT_MS, shell_env

from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE
from postretry_gui.providers.zernio import SPEC as ZERNIO
from postretry_gui.sim import DEMO_PE_KEY, DEMO_ZER_KEY
from postretry_gui.store import MemoryKeyring
from postretry_gui.ui.workspace_dialog import WorkspaceDialog

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_no_workspace_shows_welcome_and_the_demo_opens_every_provider(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        welcome = env.shell.welcome
        assert welcome is not None
        assert welcome.isVisible()
        assert welcome.focusWidget() is welcome.add_button
        # Keyboard: Tab to "Try the demo", Space presses it.
        QTest.keyClick(welcome.add_button, Qt.Key.Key_Tab)
        QTest.keyClick(welcome.demo_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
        window = env.shell.window
        assert env.shell.handle.workspace.provider == POSTEVERYWHERE.kind
        qtbot.waitUntil(lambda: window.model.post_count() > 0, timeout=WAIT_MS)
        # The workspace entries: the checkable ones of the menu's exclusive group (the
        # single-post setting is checkable too, but a setting, not a workspace).
        entries = [a for a in window.workspace_menu.actions() if a.actionGroup() is not None]
        labels = [a.text() for a in entries if a.isCheckable()]
        assert labels == [
            "&1 Demo PostEverywhere (PostEverywhere, demo)",
            "&2 Demo Ayrshare (Ayrshare, demo)",
            "&3 Demo Zernio (Zernio, demo)",
        ]
        assert env.shell.welcome is None
        # Demo workspaces are never saved: no settings file, no keyring entry.
        assert not (env.dirs.config_dir / "workspaces.json").exists()
        assert isinstance(env.backend, MemoryKeyring)
        assert env.backend.entries() == []


def test_add_a_workspace_checks_the_key_then_saves_it_to_the_keyring_only(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        QTest.keyClick(env.shell.welcome.add_button, Qt.Key.Key_Space)
        dialog = env.shell.dialog
        assert isinstance(dialog, WorkspaceDialog)
        assert dialog.focusWidget() is dialog.name_edit
        QTest.keyClicks(dialog.name_edit, "Client A")
        dialog.base_url_edit.setText(env.sim.posteverywhere_url)
        QTest.keyClicks(dialog.api_key_edit, "pe_live_not_a_real_key_0001")
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)  # Save is the default button
        qtbot.waitUntil(lambda: "rejected" in dialog.result_label.text(), timeout=WAIT_MS)
        assert "Key rejected" in dialog.result_label.text()
        assert env.shell.book.workspaces() == ()
        assert dialog.isVisible()

        dialog.api_key_edit.setText(DEMO_PE_KEY)
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
        saved = env.shell.book.workspaces()
        assert [w.name for w in saved] == ["Client A"]
        assert env.backend.entries() == [("postretry-gui", f"{saved[0].workspace_id}:api_key")]
        settings = (env.dirs.config_dir / "workspaces.json").read_text()
        assert DEMO_PE_KEY not in settings
        assert json.loads(settings)["workspaces"][0]["base_url"] == env.sim.posteverywhere_url


def test_the_check_says_accounts_or_unreachable_and_esc_stops_it(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        dialog = env.shell.add_workspace()
        dialog.name_edit.setText("Somewhere")
        dialog.base_url_edit.setText(env.sim.posteverywhere_url)
        dialog.api_key_edit.setText(DEMO_PE_KEY)
        dialog.check_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
        assert "Key accepted" in dialog.result_label.text()
        assert "accounts" in dialog.result_label.text()
        assert env.shell.book.workspaces() == ()  # checking is not saving

        env.network.offline = True
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
        assert "Server unreachable" in dialog.result_label.text()
        assert dialog.save_button.text() == "Save anyway"

        # A check that hangs (a server that never answers) is stopped with Esc; the
        # dialog stays open with nothing saved.
        env.network.offline = False
        env.sim.configure(latency_ms=5000)
        dialog.check_button.click()
        assert dialog.busy
        assert not dialog.save_button.isEnabled()
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
        assert "stopped" in dialog.result_label.text()
        assert dialog.isVisible()
        assert env.shell.book.workspaces() == ()


def test_the_dialog_offers_zernio_with_its_key_field_and_checks_the_key(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        env.shell.start()
        QTest.keyClick(env.shell.welcome.add_button, Qt.Key.Key_Space)
        dialog = env.shell.dialog
        assert isinstance(dialog, WorkspaceDialog)
        offered = [dialog.provider_combo.itemData(i) for i in range(dialog.provider_combo.count())]
        assert ZERNIO.kind in offered, "the registry's providers, with no list of its own"
        dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findData(ZERNIO.kind))
        assert dialog.provider is ZERNIO
        QTest.keyClicks(dialog.name_edit, "Zernio team")
        dialog.base_url_edit.setText(env.sim.zernio_url)
        QTest.keyClicks(dialog.api_key_edit, DEMO_ZER_KEY)
        QTest.keyClick(dialog.api_key_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
        (saved,) = env.shell.book.workspaces()
        assert saved.provider == ZERNIO.kind
        assert env.backend.entries() == [("postretry-gui", f"{saved.workspace_id}:api_key")]
        window = env.shell.window
        qtbot.waitUntil(lambda: window.model.post_count() > 0, timeout=WAIT_MS)
