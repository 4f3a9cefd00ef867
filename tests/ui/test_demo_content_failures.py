"""The demo shows destinations refused for their content: the cause says so, the check box
says why a retry will not fix them and what to do, and Ctrl+Shift+A leaves them unticked (the
operator may still tick one by hand, as for every cause).

The demo's own simulator settings (``demo_sim_config``) and PostEverywhere client, in a real
window."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from window_kit import WAIT_MS, show_loaded

from postretry_gui.app_shell import demo_sim_config
from postretry_gui.controller import WorkspaceSession
from postretry_gui.controller.workspace_opener import cause_table
from postretry_gui.domain.triage import Cause
from postretry_gui.providers.posteverywhere import SPEC, PostEverywhereProvider
from postretry_gui.sim import DEMO_PE_KEY, SimServer
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import Column

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def demo_window(qloop: asyncio.AbstractEventLoop, qtbot: Any) -> Iterator[MainWindow]:
    with SimServer(demo_sim_config(), port=0) as sim:
        window = MainWindow(open_url=lambda url: None, title="demo (simulator)")
        provider = PostEverywhereProvider(sim.posteverywhere_url, DEMO_PE_KEY)
        session = WorkspaceSession(provider, window, causes=cause_table(SPEC.kind))
        show_loaded(window, session, qtbot)
        yield window
        with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
            window.close()
        closing = qloop.create_task(provider.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def test_the_demo_shows_a_handful_of_content_refusals_that_tick_all_leaves(
    demo_window: MainWindow,
) -> None:
    window = demo_window
    session = window.session
    model = window.model
    refused = [
        (post.post_id, destination.account_id)
        for post in session.posts.values()
        for destination in post.failed
        if session.cause_of(post, destination) is Cause.CONTENT
    ]
    failed = sum(len(post.failed) for post in session.posts.values())
    # A handful among the demo's failures, not most of them.
    assert 3 <= len(refused) <= failed // 10

    for post_id, account_id in refused:
        assert model.index_of(post_id, account_id, Column.CAUSE).data() == "Content"
        box = model.index_of(post_id, account_id, Column.CHECK)
        # Why a retry will not fix it, and what to do instead, on the box itself.
        assert box.data(Qt.ItemDataRole.ToolTipRole) == (
            "Content: The network refused the post itself: change it, then publish it again."
        )

    window.tree.setFocus()
    QTest.keyClick(window.tree, Qt.Key.Key_A, CTRL | SHIFT)
    ticked = {(post_id, a) for post_id, accounts in model.selection().items() for a in accounts}
    assert ticked, "tick all takes the failures a retry can fix"
    assert not ticked & set(refused)
    for post_id, account_id in refused:
        box = model.index_of(post_id, account_id, Column.CHECK)
        assert box.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
