"""The workspace switcher in the window (failure counts, where each key is kept, reached by
keys alone) and each workspace's window remembered: columns, sort, tab, filter, the notify
switch, across a switch and a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QMessageBox
from workspaces_testkit import (
    FAST,
    WAIT_MS,
    Env,
    active_window,
    save_workspace,
    shell_env,
    wait_synced,
)

from postretry_gui.sim import SimConfig
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.rows import Column, StatusTab
from postretry_gui.ui.view_state import ViewState
from postretry_gui.ui.window_memory import apply
from postretry_gui.ui.workspace_desk import NO_COUNT

CTRL = Qt.KeyboardModifier.ControlModifier


def switcher(env: Env) -> QComboBox:
    found = env.shell.window.findChild(QComboBox, "workspace-switcher")
    assert found is not None
    return found


def entries(env: Env) -> list[str]:
    box = switcher(env)
    return [box.itemText(i) for i in range(box.count())]


def synced(env: Env, qtbot) -> None:
    wait_synced(env, qtbot)
    env.shell.window.flush_posts()


def test_the_switcher_lists_counts_and_key_state_and_switches_by_keys(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        alpha = save_workspace(env, "Alpha")
        save_workspace(env, "Beta", session_only=True)
        env.shell.start()
        synced(env, qtbot)
        window = active_window(env, qtbot)
        env.shell.desk.refresh({window: alpha})
        failed = window.model.counts()[StatusTab.FAILED]
        first, second = entries(env)
        assert first.startswith("Alpha (PostEverywhere)")
        assert f"· {failed:,} failed · keyring" in first
        assert second.endswith(f"· {NO_COUNT} · session only")
        assert switcher(env).accessibleName() == "Workspace"
        # Ctrl+0 opens the list; Down and Enter switch.
        QTest.keyClick(window.tree, Qt.Key.Key_0, CTRL)
        qtbot.waitUntil(lambda: switcher(env).view().isVisible(), timeout=WAIT_MS)
        popup = switcher(env).view()
        QTest.keyClick(popup, Qt.Key.Key_Down)
        QTest.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: env.shell.window is not window, timeout=WAIT_MS)
        synced(env, qtbot)
        # Alpha is closed now: its count is the one it had.
        assert entries(env)[0].endswith(f"· {failed:,} failed · keyring")


def test_each_workspace_window_is_remembered_across_a_switch(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        alpha = save_workspace(env, "Alpha")
        beta = save_workspace(env, "Beta")
        env.shell.start()
        synced(env, qtbot)
        window = active_window(env, qtbot)
        window.tree.horizontalHeader().resizeSection(Column.ACCOUNT, 222)
        window.tree.sortByColumn(Column.PLATFORM, Qt.SortOrder.DescendingOrder)
        window.set_tab(StatusTab.ALL)
        window.filter_edit.setText("linkedin")
        window.actions_by_id[ActionId.NOTIFY].setChecked(False)
        env.shell.open_workspace(beta)
        beta_window = active_window(env, qtbot)
        assert beta_window.tabs.currentIndex() == StatusTab.FAILED
        assert beta_window.actions_by_id[ActionId.NOTIFY].isChecked()
        env.shell.open_workspace(alpha)
        again = active_window(env, qtbot)
        header = again.tree.horizontalHeader()
        assert header.sectionSize(Column.ACCOUNT) == 222
        assert header.sortIndicatorSection() == Column.PLATFORM
        assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert again.tabs.currentIndex() == StatusTab.ALL
        assert again.filter_edit.text() == "linkedin"
        assert again.model.text_filter == "linkedin"
        assert not again.actions_by_id[ActionId.NOTIFY].isChecked()
        assert not again.desk.notifier.enabled
    # The file outlives the run: a restart finds it.
    assert (env.dirs.config_dir / "windows.ini").read_text().count("view_state") == 2


def test_column_widths_saved_before_the_cause_column_still_apply(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    with shell_env(tmp_path, qtbot, qloop) as env:
        save_workspace(env, "Alpha")
        env.shell.start()
        synced(env, qtbot)
        window = active_window(env, qtbot)
        header = window.tree.horizontalHeader()
        cause_width = header.sectionSize(Column.CAUSE)
        # The Error column stretches to fill the view: its saved width is not its own.
        sized = [c for c in range(Column.CAUSE) if c != Column.ERROR]

        # Nine widths: what the version before the Cause column saved.
        old = (30, 200, 90, 91, 92, 93, 94, 95, 96)
        apply(window, ViewState(column_widths=old))
        assert [header.sectionSize(c) for c in sized] == [old[c] for c in sized]
        assert header.sectionSize(Column.CAUSE) == cause_width
        # A newer version's longer list is a layout this one does not know: left alone.
        apply(window, ViewState(column_widths=tuple(range(150, 150 + header.count() + 2))))
        assert [header.sectionSize(c) for c in sized] == [old[c] for c in sized]


def test_the_switcher_count_follows_a_retry_that_settles_without_a_sync(
    tmp_path: Path, qtbot, qloop: asyncio.AbstractEventLoop
) -> None:
    # Every retry fails again: the count drops while they are in flight and comes back.
    again = SimConfig(seed=3, posts=24, **{**FAST, "success_odds": 0.0})
    with shell_env(tmp_path, qtbot, qloop, sim_config=again) as env:
        save_workspace(env, "Alpha")
        env.shell.start()
        synced(env, qtbot)
        window = active_window(env, qtbot)
        before = window.model.counts()[StatusTab.FAILED]
        assert f"· {before:,} failed ·" in entries(env)[0]
        QTest.keyClick(window.tree, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
        assert window.model.selection(), "the sample workspace has retryable failures"
        QTest.keyClick(window.tree, Qt.Key.Key_R, CTRL)
        qtbot.waitUntil(lambda: window.findChild(QMessageBox) is not None, timeout=WAIT_MS)
        QTest.keyClick(window.findChild(QMessageBox), Qt.Key.Key_Return)
        # The retried rows leave the Failed tab as their answers land: no sync tells the
        # switcher, the window's own count does.
        qtbot.waitUntil(lambda: window.model.counts()[StatusTab.FAILED] < before, timeout=WAIT_MS)
        # Then they settle, failed again: the count moves back after the last sync event.
        session = env.shell.handle.session
        qtbot.waitUntil(lambda: not session.polling, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: window.model.counts()[StatusTab.FAILED] == before, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: f"· {window.model.counts()[StatusTab.FAILED]:,} failed ·" in entries(env)[0],
            timeout=WAIT_MS,
        )
