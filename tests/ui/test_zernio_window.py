"""The window on a Zernio workspace: simulator on loopback, Zernio client, session, retry
journal on disk. What Zernio adds to the whole-post tests (``test_whole_post_window.py``):
a destination whose account needs reconnecting (``auth_expired``, ``needsReconnection``)
cannot be ticked at all, and ticking everything sends each post once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from whole_post_windows import ZERNIO, applied, launched, retry_answers
from window_kit import CTRL, SHIFT, WAIT_MS, App, settled

from postretry_gui.domain import Verdict
from postretry_gui.sim import SimServer
from postretry_gui.ui.rows import Column


@pytest.fixture
def world(
    qloop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path
) -> Iterator[tuple[SimServer, Any]]:
    with launched(ZERNIO, qloop, qtbot, tmp_path) as (sim, start):
        yield sim, start


def reconnect_rows(app: App) -> list[tuple[str, str]]:
    return [
        (post.post_id, d.account_id)
        for post in app.session.posts.values()
        for d in post.failed
        if app.verdict(post.post_id, d.account_id) is Verdict.RECONNECT_REQUIRED
    ]


def test_a_destination_that_needs_a_reconnect_cannot_be_ticked(
    world: tuple[SimServer, Any], qtbot: Any
) -> None:
    app = world[1]()
    rows = reconnect_rows(app)
    assert rows, "the seeded data has auth_expired targets"
    post_id, account_id = rows[0]
    app.go_to(post_id, account_id)
    app.key(Qt.Key.Key_Space)
    assert account_id not in app.window.model.selection().get(post_id, frozenset())
    assert "Reconnect required" in app.tooltip(post_id, account_id)
    index = app.window.model.index_of(post_id, account_id, Column.CHECK)
    assert not index.flags() & Qt.ItemFlag.ItemIsEnabled


def test_tick_all_retryable_ctrl_r_enter_sends_each_post_once(
    world: tuple[SimServer, Any], qtbot: Any
) -> None:
    sim, launch = world
    app = launch()
    app.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = app.window.model.selection()
    assert selection, "tick all ticks the retryable destinations"
    for post_id, ticked in selection.items():
        for account_id in ticked:
            assert app.verdict(post_id, account_id) is Verdict.RETRYABLE
    for post_id, account_id in reconnect_rows(app):
        assert account_id not in selection.get(post_id, frozenset())

    app.key(Qt.Key.Key_R, CTRL)
    dialog = app.window._confirm
    assert dialog is not None, "Ctrl+R asks before sending"
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    expected = dict.fromkeys(selection, 1)
    qtbot.waitUntil(lambda: applied(sim, ZERNIO) == expected, timeout=WAIT_MS)
    for post_id in selection:
        qtbot.waitUntil(lambda post_id=post_id: settled(app, post_id), timeout=WAIT_MS * 2)
    qtbot.waitUntil(
        lambda: sum(retry_answers(sim, ZERNIO).values()) >= len(selection), timeout=WAIT_MS
    )
    answers = retry_answers(sim, ZERNIO)
    assert sum(answers.values()) == len(selection), "one request per post, none resent"
    assert set(answers) <= {"200", "207"}
