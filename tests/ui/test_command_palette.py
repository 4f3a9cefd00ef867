"""Ctrl+K: every action by name with its shortcut, fuzzy matched; posts and accounts to jump to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from postretry_gui.ui.actions import ActionId, build_actions
from postretry_gui.ui.command_palette import CommandPalette, JumpTarget, plain_name

CTRL = Qt.KeyboardModifier.ControlModifier
TARGETS = (
    JumpTarget("Spring launch: 20% off everything", ("post", "p-17"), "Post"),
    JumpTarget("Primary Profile on LinkedIn", ("account", "2285"), "Account"),
)


class Desk:
    def __init__(self, qtbot: QtBot) -> None:
        self.window = QMainWindow()
        qtbot.addWidget(self.window)
        self.ran: list[ActionId] = []
        self.actions: dict[ActionId, QAction] = build_actions(
            self.window,
            {action_id: (lambda a=action_id: self.ran.append(a)) for action_id in ActionId},
        )
        for action in self.actions.values():
            self.window.addAction(action)
        self.palette = CommandPalette(self.window, self.actions, lambda: TARGETS)
        # Ctrl+K is a registered action like any other; the window wires it to the palette.
        self.actions[ActionId.PALETTE].triggered.connect(self.palette.open)
        self.window.resize(900, 600)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()


@pytest.fixture
def desk(qtbot: QtBot) -> Iterator[Desk]:
    desk = Desk(qtbot)
    yield desk
    desk.palette.hide()


def test_ctrl_k_opens_with_every_action_and_its_shortcut(desk: Desk, qtbot: QtBot) -> None:
    QTest.keyClick(desk.window, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(desk.palette.isVisible)
    assert desk.palette.query.hasFocus()
    names = desk.palette.shown_names()
    assert "Retry ticked" in names
    assert len(names) == len(desk.actions)
    retry_row = names.index("Retry ticked")
    assert desk.palette.matches.item(retry_row).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Retry ticked, Ctrl+R"
    )
    # An empty query offers actions only: posts come when the operator types.
    assert "Primary Profile on LinkedIn" not in names


def test_typing_rtr_and_enter_runs_retry_ticked(desk: Desk, qtbot: QtBot) -> None:
    desk.palette.open()
    QTest.keyClicks(desk.palette.query, "rtr")
    assert desk.palette.shown_names()[0] == "Retry ticked"
    QTest.keyClick(desk.palette.query, Qt.Key.Key_Return)
    assert desk.ran == [ActionId.RETRY]
    assert not desk.palette.isVisible()


def test_down_moves_to_the_next_match(desk: Desk) -> None:
    desk.palette.open()
    QTest.keyClicks(desk.palette.query, "tick")
    first, second = desk.palette.shown_names()[:2]
    QTest.keyClick(desk.palette.query, Qt.Key.Key_Down)
    assert desk.palette.matches.currentItem().text() == second
    QTest.keyClick(desk.palette.query, Qt.Key.Key_Up)
    assert desk.palette.matches.currentItem().text() == first


def test_a_post_name_jumps_with_the_windows_key(desk: Desk, qtbot: QtBot) -> None:
    desk.palette.open()
    QTest.keyClicks(desk.palette.query, "spring")
    assert desk.palette.shown_names()[0] == "Spring launch: 20% off everything"
    with qtbot.waitSignal(desk.palette.jump_requested) as jumped:
        QTest.keyClick(desk.palette.query, Qt.Key.Key_Enter)
    assert jumped.args == [("post", "p-17")]
    assert desk.ran == []


def test_disabled_actions_show_disabled_and_do_not_run(desk: Desk) -> None:
    desk.actions[ActionId.RETRY].setEnabled(False)
    desk.palette.open()
    QTest.keyClicks(desk.palette.query, "retry ticked")
    names = desk.palette.shown_names()
    row = names.index("Retry ticked")
    assert not desk.palette.matches.item(row).flags() & Qt.ItemFlag.ItemIsEnabled
    desk.palette.matches.setCurrentRow(row)
    desk.palette.run_current()
    assert ActionId.RETRY not in desk.ran


def test_escape_closes_without_running_anything(desk: Desk) -> None:
    desk.palette.open()
    QTest.keyClicks(desk.palette.query, "quit")
    QTest.keyClick(desk.palette.query, Qt.Key.Key_Escape)
    assert not desk.palette.isVisible()
    assert desk.ran == []


def test_controls_have_accessible_names(desk: Desk) -> None:
    assert desk.palette.query.accessibleName() == "Command"
    assert desk.palette.matches.accessibleName()
    assert desk.actions[ActionId.PALETTE].shortcut().toString() == "Ctrl+K"


def test_menu_texts_read_without_mnemonics() -> None:
    assert plain_name("&Retry ticked…") == "Retry ticked"
    assert plain_name("Tips && tricks") == "Tips & tricks"
