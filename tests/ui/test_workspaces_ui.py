"""Saved workspaces in the window: Ctrl+1..9, a key rejected mid-session, a keyring that is
missing, a damaged cache, a restart on the cache, and removing a workspace."""

from __future__ import annotations

import asyncio
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from workspaces_testkit import (
    FAST,
    WAIT_MS,
    active_window,
    save_workspace,
    shell_env,
    wait_synced,
)

from postretry_gui.controller.events import NoticeLevel
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.store import MemoryKeyring, SecretKind
from postretry_gui.ui.keyring_dialog import KeyringDialog
from postretry_gui.ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


save = save_workspace


def test_ctrl_digits_switch_workspaces_and_the_menu_follows(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        ids = [save(env, name) for name in ("Alpha", "Beta", "Gamma")]
        env.shell.start()
        assert env.shell.handle.workspace.workspace_id == ids[0]
        for digit, expected in ((Qt.Key.Key_3, ids[2]), (Qt.Key.Key_2, ids[1])):
            window = active_window(env, qtbot)
            QTest.keyClick(window.tree, digit, CTRL)
            qtbot.waitUntil(
                lambda expected=expected: env.shell.handle.workspace.workspace_id == expected,
                timeout=WAIT_MS,
            )
            assert env.shell.window is not window
            assert env.shell.menu_actions[expected].isChecked()
        # A digit with no workspace behind it does nothing.
        current = active_window(env, qtbot)
        QTest.keyClick(current.tree, Qt.Key.Key_7, CTRL)
        assert env.shell.window is current
        # The switch is remembered for the next start.
        assert env.shell.book.registry.active_id == ids[1]
        # The status tabs moved to Alt+digits and still work.
        QTest.keyClick(current.tree, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
        assert current.tabs.currentIndex() == 3


def test_a_key_rejected_mid_session_stops_requests_and_offers_a_new_key(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        workspace_id = save(env, "Alpha")
        env.shell.start()
        wait_synced(env, qtbot)
        window = active_window(env, qtbot)
        env.network.revoked = True
        env.sim.reset_stats()
        QTest.keyClick(window.tree, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: env.shell.handle.session.sync_state.key_rejected, timeout=WAIT_MS)
        assert window.banner.isVisible()
        assert "rejected" in window.banner.text()
        assert window.reenter_button.isVisible()
        # No loop: more refreshes send nothing once the key is known to be rejected.
        for _ in range(5):
            QTest.keyClick(window.tree, Qt.Key.Key_F5)
        qtbot.wait(200)  # any request those presses could start would have left by now
        assert env.list_requests() == 1  # the refresh that met the 401, and no other
        # Ctrl+Shift+K: the dialog, filled in except the key.
        QTest.keyClick(window.tree, Qt.Key.Key_K, CTRL | SHIFT)
        dialog = env.shell.dialog
        assert dialog is not None
        assert dialog.name_edit.text() == "Alpha"
        assert dialog.base_url_edit.text() == env.sim.posteverywhere_url
        assert dialog.api_key_edit.text() == ""
        assert "401" in dialog.reason_label.text()
        env.network.revoked = False
        dialog.api_key_edit.setText(DEMO_PE_KEY + "_new")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: env.shell.window is not window, timeout=WAIT_MS)
        wait_synced(env, qtbot)
        assert not env.shell.handle.session.sync_state.key_rejected
        assert env.shell.book.secrets(workspace_id).api_key == DEMO_PE_KEY + "_new"


def test_no_keyring_says_so_with_the_remedy_and_keeps_the_key_for_the_session_only(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop, backend=keyring.backends.fail.Keyring()) as env:
        env.shell.start()
        dialog = env.shell.add_workspace()
        dialog.name_edit.setText("Client A")
        dialog.base_url_edit.setText(env.sim.posteverywhere_url)
        dialog.api_key_edit.setText(DEMO_PE_KEY)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: env.shell.keyring_dialog is not None, timeout=WAIT_MS)
        box = env.shell.keyring_dialog
        assert isinstance(box, KeyringDialog)
        text = box.informativeText()
        assert "No keyring service was found" in text
        assert "GNOME Keyring" in text  # the Linux remedy
        assert "session only" in text
        # Nothing was saved before the operator chose.
        assert env.shell.book.workspaces() == ()
        box.session_button.click()
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
        workspace_id = env.shell.handle.workspace.workspace_id
        assert env.secret_store.is_session_only(workspace_id, SecretKind.API_KEY)
        assert DEMO_PE_KEY not in (env.dirs.config_dir / "workspaces.json").read_text()
        wait_synced(env, qtbot)
        qtbot.waitUntil(lambda: env.shell.window.model.post_count() > 0, timeout=WAIT_MS)


def test_a_locked_keyring_at_start_asks_and_the_key_can_be_entered_for_the_session(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop, backend=keyring.backends.fail.Keyring()) as env:
        env.shell.book.registry.add("Locked", "posteverywhere", env.sim.posteverywhere_url, None)
        env.shell.start()
        qtbot.waitUntil(lambda: env.shell.keyring_dialog is not None, timeout=WAIT_MS)
        env.shell.keyring_dialog.session_button.click()
        qtbot.waitUntil(lambda: env.shell.dialog is not None, timeout=WAIT_MS)
        dialog = env.shell.dialog
        assert "session only" in dialog.reason_label.text()
        dialog.api_key_edit.setText(DEMO_PE_KEY)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
        wait_synced(env, qtbot)


def test_a_damaged_cache_shows_a_notice_and_is_rebuilt(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    notices: list[str] = []  # every notice the window was given to show
    show_notice = MainWindow.notice

    def record_notice(window: MainWindow, level: NoticeLevel, text: str) -> None:
        notices.append(text)
        show_notice(window, level, text)

    monkeypatch.setattr(MainWindow, "notice", record_notice)
    with shell_env(tmp_path, qtbot, qloop) as env:
        workspace_id = save(env, "Alpha")
        cache = env.dirs.cache_path(workspace_id)
        cache.parent.mkdir(parents=True)
        cache.write_bytes(b"\x00garbage" * 512)
        env.shell.start()
        wait_synced(env, qtbot)
        assert any("set aside" in text for text in notices)
        # The window shows batches at most ten times a second: wait for the last one.
        qtbot.waitUntil(lambda: env.shell.window.model.post_count() == 24, timeout=WAIT_MS)
        assert list(cache.parent.glob("cache.sqlite3.corrupt-*"))


def test_a_restart_opens_on_the_cache_marked_stale_and_costs_at_most_two_list_requests(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with SimServer(SimConfig(seed=3, posts=24, **FAST), port=0) as sim:
        with shell_env(tmp_path, qtbot, qloop, sim=sim) as env:
            save(env, "Alpha")
            env.shell.start()
            wait_synced(env, qtbot)
            posts = len(env.shell.handle.session.posts)
        with shell_env(tmp_path, qtbot, qloop, backend=env.backend, sim=sim) as again:
            again.network.offline = True  # the cache must show with no answer at all
            again.shell.start()
            window = active_window(again, qtbot)
            assert len(again.shell.handle.session.posts) == posts  # no request could answer
            qtbot.waitUntil(lambda: window.model.post_count() == posts, timeout=WAIT_MS)
            assert "cached" in window.sync_label.text().lower()
            again.network.offline = False
            sim.reset_stats()
            QTest.keyClick(window.tree, Qt.Key.Key_F5)
            handle = again.shell.handle
            qtbot.waitUntil(lambda: handle.session.synced_from != handle.cached_at, timeout=WAIT_MS)
            assert again.list_requests() <= 2
            assert "cached" not in window.sync_label.text().lower()


def test_removing_a_workspace_deletes_its_keyring_entries(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        first = save(env, "Alpha")
        second = save(env, "Beta")
        env.shell.start()
        assert isinstance(env.backend, MemoryKeyring)
        assert len(env.backend.entries()) == 2
        box = env.shell.ask_remove_current()
        remove = next(b for b in box.buttons() if b.text() == "Remove")
        remove.click()
        qtbot.waitUntil(
            lambda: (
                env.shell.handle is not None and env.shell.handle.workspace.workspace_id == second
            ),
            timeout=WAIT_MS,
        )
        assert env.backend.entries() == [("postretry-gui", f"{second}:api_key")]
        assert first not in {w.workspace_id for w in env.shell.book.workspaces()}
