"""The window on the real stack: simulator on loopback, PostEverywhere client, session.

Everything is driven by keys, as an operator would, and checked against what the
simulator says it applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from window_kit import show_loaded

from postretry_gui.app import Endpoint, make_session
from postretry_gui.controller import WorkspaceSession
from postretry_gui.domain import Status, Verdict
from postretry_gui.domain.triage import Cause
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.ui import memory_hooks
from postretry_gui.ui.confirmations import retry_question
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.row_roles import Role
from postretry_gui.ui.rows import Column, DestinationRow, StatusTab

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
FAST = {"queued_s": 0.05, "publishing_s": 0.05, "success_odds": 1.0}
WAIT_MS = 10_000


@dataclass
class Demo:
    sim: SimServer
    window: MainWindow
    session: WorkspaceSession
    opened: list[QUrl]

    def key(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.window.tree, key, modifiers)

    def confirm_dialog(self) -> QMessageBox | None:
        return self.window._confirm


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=3, posts=24, rate_limit=None, **FAST), port=0) as server:
        yield server


@pytest.fixture
def demo(qloop: asyncio.AbstractEventLoop, qtbot, sim: SimServer) -> Iterator[Demo]:
    opened: list[QUrl] = []
    window = MainWindow(open_url=opened.append, title="test")
    workspace = Endpoint(sim.posteverywhere_url, DEMO_PE_KEY, "test", demo=True)
    session, close_provider = make_session(workspace, window)
    # These tests count one request per post; the plan's bulk requests have their own.
    session.set_single_post_retries(True)
    show_loaded(window, session, qtbot)
    yield Demo(sim, window, session, opened)
    if not window._closed_done:
        with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
            window.close()
    closing = qloop.create_task(close_provider())
    qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def applied(sim: SimServer) -> dict[str, int]:
    return dict(sim.stats()["retries_applied"])


def all_rows(demo: Demo) -> list[DestinationRow]:
    model = demo.window.model
    rows = [model.row_at(model.index(n, 0)) for n in range(model.rowCount())]
    return [row for row in rows if isinstance(row, DestinationRow)]


def settled(demo: Demo, keys: set[tuple[str, str]]) -> bool:
    for post_id, account_id in keys:
        post = demo.session.posts.get(post_id)
        destination = post.destination(account_id) if post else None
        if destination is None or not destination.status.settled:
            return False
        if demo.session.locked(post_id, account_id):
            return False
    return True


def test_focus_starts_on_the_tree_with_failures_showing(demo: Demo) -> None:
    assert QApplication.focusWidget() is demo.window.tree
    assert demo.window.model.tab is StatusTab.FAILED
    assert demo.window.model.rowCount() > 0
    assert demo.window.tree.currentIndex().isValid()
    assert "Failed (" in demo.window.tabs.tabText(0)


def test_three_keys_retry_every_eligible_failure_exactly_once(demo: Demo, qtbot) -> None:
    window = demo.window
    demo.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = window.model.selection()
    ticked = {(p, a) for p, ids in selection.items() for a in ids}
    assert ticked, "the demo data has retryable failures"
    expected = {
        (r.post_row.post_id, r.account_id) for r in all_rows(demo) if r.retryable(demo.session)
    }
    assert ticked == expected
    demo.key(Qt.Key.Key_R, CTRL)
    dialog = demo.confirm_dialog()
    assert dialog is not None
    destinations = len(ticked)
    assert retry_question(destinations, len(selection)) == dialog.text()
    demo.key(Qt.Key.Key_R, CTRL)  # a second Ctrl+R while asking opens nothing more
    assert demo.confirm_dialog() is dialog
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    # The rows lock at once: nothing left to tick, a second Ctrl+R sends nothing.
    qtbot.waitUntil(lambda: bool(demo.session.sync_state.polling_posts or applied(demo.sim)))
    demo.key(Qt.Key.Key_A, CTRL | SHIFT)
    demo.key(Qt.Key.Key_R, CTRL)
    assert demo.confirm_dialog() is None
    qtbot.waitUntil(lambda: settled(demo, ticked), timeout=WAIT_MS)
    expected_applied = {f"{p}|{a}": 1 for p, a in ticked}
    assert applied(demo.sim) == expected_applied
    # Success odds are 1: every retried row now reads published, on screen.
    for post_id, account_id in ticked:
        index = window.model.index_of(post_id, account_id, Column.STATUS)
        qtbot.waitUntil(lambda index=index: index.data() == "Published", timeout=WAIT_MS)
    # One request per post, naming exactly the ticked account ids.
    requests = demo.sim.stats()["requests"]
    retry_calls = sum(
        n
        for route, by_status in requests.items()
        if route.endswith("/retry")
        for n in by_status.values()
    )
    assert retry_calls == len(selection)


def test_escape_in_the_dialog_sends_nothing(demo: Demo, qtbot) -> None:
    demo.key(Qt.Key.Key_A, CTRL | SHIFT)
    demo.key(Qt.Key.Key_R, CTRL)
    dialog = demo.confirm_dialog()
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: demo.confirm_dialog() is None)
    assert applied(demo.sim) == {}
    assert demo.window.model.selection(), "cancelling keeps the ticks"
    demo.key(Qt.Key.Key_Escape)
    assert demo.window.model.selection() == {}


def _reconnect_row(demo: Demo) -> tuple[QModelIndex, DestinationRow]:
    model = demo.window.model
    for row in all_rows(demo):
        if row.eligibility(demo.session).verdict is Verdict.RECONNECT_REQUIRED:
            return model.index_of(row.post_row.post_id, row.account_id), row
    raise AssertionError("the demo data always has an expired LinkedIn account")


def test_reconnect_required_rows_cannot_be_ticked_and_offer_the_web_app(demo: Demo) -> None:
    window = demo.window
    index, row = _reconnect_row(demo)
    assert not window.model.flags(index) & Qt.ItemFlag.ItemIsEnabled
    assert index.siblingAtColumn(Column.STATUS).data() == "Reconnect"
    assert "Reconnect" in index.data(Qt.ItemDataRole.ToolTipRole)
    window.tree.setCurrentIndex(index)
    demo.key(Qt.Key.Key_Space)
    assert row.account_id not in window.model.selection().get(row.post_row.post_id, frozenset())
    demo.key(Qt.Key.Key_A, CTRL | SHIFT)
    assert row.account_id not in window.model.selection().get(row.post_row.post_id, frozenset())
    reconnect = window.actions_by_id
    from postretry_gui.ui.actions import ActionId

    assert reconnect[ActionId.RECONNECT].isEnabled()
    reconnect[ActionId.RECONNECT].trigger()
    assert demo.opened == [QUrl(demo.session.capabilities.reconnect_url)]


def test_space_toggles_a_retryable_row(demo: Demo) -> None:
    window = demo.window
    row = next(r for r in all_rows(demo) if r.retryable(demo.session))
    window.tree.setCurrentIndex(window.model.index_of(row.post_row.post_id, row.account_id))
    demo.key(Qt.Key.Key_Space)
    assert window.model.selection() == {row.post_row.post_id: frozenset({row.account_id})}
    demo.key(Qt.Key.Key_Space)
    assert window.model.selection() == {}


def _tick_one_and_retry(demo: Demo, qtbot) -> DestinationRow:
    window = demo.window
    row = next(r for r in all_rows(demo) if r.retryable(demo.session))
    window.tree.setCurrentIndex(window.model.index_of(row.post_row.post_id, row.account_id))
    demo.key(Qt.Key.Key_Space)
    demo.key(Qt.Key.Key_R, CTRL)
    dialog = demo.confirm_dialog()
    assert dialog is not None
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    return row


def test_a_deleted_post_is_marked_gone(demo: Demo, qtbot) -> None:
    row = next(r for r in all_rows(demo) if r.retryable(demo.session))
    # Another operator deletes the post at the provider (the simulator has no route for it).
    demo.sim._context().pe.by_id.pop(row.post_row.post_id)
    _tick_one_and_retry(demo, qtbot)
    index = demo.window.model.index_of(row.post_row.post_id, row.account_id, Column.STATUS)
    qtbot.waitUntil(lambda: index.data() == "Post gone", timeout=WAIT_MS)
    assert "deleted" in demo.window.statusBar().currentMessage()
    assert applied(demo.sim) == {}


def test_nothing_to_retry_when_someone_else_already_retried(demo: Demo, qtbot) -> None:
    row = next(r for r in all_rows(demo) if r.retryable(demo.session))
    post_id, account_id = row.post_row.post_id, row.account_id
    # Someone else retries it first, straight at the API.
    answer = httpx.post(
        f"{demo.sim.posteverywhere_url}/posts/{post_id}/retry",
        json={"account_ids": [int(account_id)]},
        headers={"Authorization": f"Bearer {DEMO_PE_KEY}"},
    )
    assert answer.status_code == 200
    _tick_one_and_retry(demo, qtbot)
    qtbot.waitUntil(
        lambda: "nothing to retry" in demo.window.statusBar().currentMessage().lower(),
        timeout=WAIT_MS,
    )
    assert applied(demo.sim) == {f"{post_id}|{account_id}": 1}


def test_a_lost_answer_shows_outcome_unknown_and_is_never_resent(demo: Demo, qtbot) -> None:
    demo.sim.configure(drop_after_apply_odds=1.0, fault_routes=("POST /posteverywhere",))
    model = demo.window.model
    row = next(r for r in all_rows(demo) if r.retryable(demo.session))
    post_id, account_id = row.post_row.post_id, row.account_id

    def status_now() -> str:
        return model.index_of(post_id, account_id, Column.STATUS).data() or ""

    _tick_one_and_retry(demo, qtbot)
    qtbot.waitUntil(
        lambda: "outcome unknown" in demo.window.statusBar().currentMessage().lower(),
        timeout=WAIT_MS,
    )
    demo.sim.configure(drop_after_apply_odds=0.0)
    # A later read settles it; the retry itself was applied once and never sent again.
    demo.window.set_tab(StatusTab.ALL)
    qtbot.waitUntil(lambda: status_now() in ("Published", "Failed"), timeout=WAIT_MS)
    assert applied(demo.sim) == {f"{post_id}|{account_id}": 1}


def test_offline_keeps_the_rows_and_says_so(demo: Demo, qtbot) -> None:
    before = demo.window.model.rowCount()
    demo.sim.stop()
    demo.key(Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: demo.window.banner.isVisible(), timeout=WAIT_MS)
    assert "Offline" in demo.window.banner.text()
    assert "Traceback" not in demo.window.banner.text()
    assert demo.window.model.rowCount() == before


def test_closing_leaves_no_pending_task(
    demo: Demo, qloop: asyncio.AbstractEventLoop, qtbot
) -> None:
    demo.session.start_background()
    _tick_one_and_retry(demo, qtbot)
    with qtbot.waitSignal(demo.window.closed, timeout=WAIT_MS):
        demo.window.close()
    pending = [t for t in asyncio.all_tasks(qloop) if not t.done()]
    assert pending == []


def test_key_rejected_is_said_plainly(qloop, qtbot, sim: SimServer) -> None:
    window = MainWindow(title="bad key")
    session, close_provider = make_session(
        Endpoint(sim.posteverywhere_url, "pe_live_wrongwrongwrongwrongwrongwrong", "x"), window
    )
    window.attach(session)
    window.show()
    session.start_load()
    qtbot.waitUntil(window.banner.isVisible, timeout=WAIT_MS)
    assert "key was rejected" in window.banner.text()
    assert "wrongwrong" not in window.banner.text() + window.error_label.text()
    with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
        window.close()
    closing = qloop.create_task(close_provider())
    qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def test_every_action_is_in_a_menu_with_its_shortcut(demo: Demo) -> None:
    in_menus = {
        action
        for menu_action in demo.window.menuBar().actions()
        for action in menu_action.menu().actions()
    }
    for action in demo.window.actions_by_id.values():
        assert action in in_menus, action.text()
    from postretry_gui.ui.actions import ActionId

    shortcuts = {i: a.shortcut().toString() for i, a in demo.window.actions_by_id.items()}
    assert shortcuts[ActionId.RETRY] == "Ctrl+R"
    assert shortcuts[ActionId.TICK_ALL] == "Ctrl+Shift+A"
    assert shortcuts[ActionId.REFRESH] == "F5"
    assert shortcuts[ActionId.FIND] == "Ctrl+F"


def test_ctrl_f_filters_by_text(demo: Demo, qtbot) -> None:
    window = demo.window
    row = all_rows(demo)[0]
    demo.key(Qt.Key.Key_F, CTRL)
    assert window.filter_edit.hasFocus()
    QTest.keyClicks(window.filter_edit, row.destination.account_name)
    QTest.keyClick(window.filter_edit, Qt.Key.Key_Return)
    assert window.tree.hasFocus()
    names = {r.destination.account_name for r in all_rows(demo)}
    assert names == {row.destination.account_name}
    assert row.destination.status is Status.FAILED
    index = window.model.index_of(row.post_row.post_id, row.account_id)
    assert index.data(Role.DESTINATION).account_id == row.account_id


def test_each_flush_tells_the_memory_hook_that_rows_landed(demo: Demo) -> None:
    landed: list[int] = []
    memory_hooks.set_rows_landed_hook(lambda: landed.append(demo.window.model.post_count()))
    try:
        demo.window.posts_changed(list(demo.session.posts.values())[:1])
        demo.window.flush_posts()
    finally:
        memory_hooks.set_rows_landed_hook(None)
    assert landed == [24]


def test_the_confirmation_names_the_plan_and_bulk_requests_go_when_allowed(
    demo: Demo, qtbot
) -> None:
    action = demo.window.single_post_action
    assert action.isEnabled()  # PostEverywhere has a bulk retry
    assert action.isChecked()
    action.trigger()  # the operator turns single-post retries off again
    assert demo.session.single_post_retries is False
    demo.key(Qt.Key.Key_A, CTRL | SHIFT)
    selection = demo.window.model.selection()
    plan = demo.session.plan_retry(selection)
    assert plan.bulk_requests, "the demo data has an account failed on several posts"
    demo.key(Qt.Key.Key_R, CTRL)
    dialog = demo.confirm_dialog()
    assert dialog is not None
    assert plan.describe() in dialog.informativeText()  # "N destinations in M posts: K requests"
    assert f"{plan.request_count} requests" in dialog.informativeText()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    ticked = {(p, a) for p, ids in selection.items() for a in ids}
    expected = {f"{p}|{a}": 1 for p, a in ticked}
    qtbot.waitUntil(lambda: applied(demo.sim) == expected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(demo, ticked), timeout=WAIT_MS)
    requests = demo.sim.stats()["requests_by_route"]
    assert requests["POST /posteverywhere/api/v1/posts/retry-failed"] == len(plan.bulk_requests)
    # The setting shows in the Workspace menu's action as the session changes it.
    demo.session.set_single_post_retries(True)
    demo.window.sync_changed(demo.session.sync_state)
    assert action.isChecked()


def test_the_cause_column_and_filter_show_the_sessions_triage(demo: Demo, qtbot) -> None:
    """The causes the controller gives (PostEverywhere's table on the simulator's errors)
    are what the Cause column, the filter's counts and the detail pane show."""
    window, session = demo.window, demo.session
    model = window.model
    expected: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    for post in session.posts.values():
        for destination in post.destinations:
            cause = session.cause_of(post, destination)
            if cause is not None and destination.status is Status.FAILED:
                expected[(post.post_id, destination.account_id)] = cause.label
                counts[cause.label] = counts.get(cause.label, 0) + 1
    assert expected, "the simulator has failures to triage"
    for (post_id, account_id), label in expected.items():
        index = model.index_of(post_id, account_id, Column.CAUSE)
        if index.isValid():
            assert index.data(Qt.ItemDataRole.DisplayRole) == label
    causes = window.desk.cause_filter
    shown = {causes.itemText(i) for i in range(1, causes.count())}
    for label, count in counts.items():
        assert f"{label} ({count:,})" in shown
    # The commonest cause alone: every row shown has it.
    top = max(counts, key=lambda label: counts[label])
    causes.choose(next(c for c in Cause if c.label == top))
    rows = [model.row_at(model.index(n, 0)) for n in range(model.rowCount())]
    labels = {r.texts(session)[Column.CAUSE] for r in rows if isinstance(r, DestinationRow)}
    assert labels == {top}
    # The detail pane says it too.
    first = next(r for r in rows if isinstance(r, DestinationRow))
    window.select_rows([(first.post_row.post_id, first.account_id)])
    QTest.keyClick(window.tree, Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(window.desk.dock.isVisible, timeout=WAIT_MS)
    assert f"Cause {top}" in " ".join(window.desk.pane.text().split())
