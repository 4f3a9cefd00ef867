"""The desk in the real MainWindow (offscreen): the detail pane on Ctrl+I, the palette on
Ctrl+K, the new-failure notice after a sync, the spoken status of the current row, all by keys.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from desk_samples import POST, DeskSession, desk_posts
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QScrollBar, QWidget
from pytestqt.qtbot import QtBot

from postretry_gui.controller.events import SyncState
from postretry_gui.domain import Destination, Post, Status
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.contrast import contrast_ratio, relative_luminance
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import Badge, Column, DestinationRow
from postretry_gui.ui.theme import Scheme, badge_colors, palette_for

CTRL = Qt.KeyboardModifier.ControlModifier
# WCAG 2.1, 1.4.11: a control's parts against what is next to them.
NON_TEXT_CONTRAST = 3.0
T1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WAIT_MS = 5_000


class Desk:
    def __init__(self, qtbot: QtBot, *, notify: bool = True) -> None:
        self.opened: list[QUrl] = []
        self.window = MainWindow(open_url=self.opened.append, title="desk", notify=notify)
        self.session = DeskSession(desk_posts())
        self.window.attach(self.session)  # type: ignore[arg-type]
        self.window.resize(1200, 700)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.window.posts_changed(list(self.session.posts.values()))
        self.window.flush_posts()
        self.sync(T1)

    def sync(self, at: datetime) -> None:
        self.window.sync_changed(SyncState(last_sync_at=at, failures_loaded=True))

    def key(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.window.focusWidget() or self.window, key, modifiers)

    def current_key(self) -> tuple[str, str] | None:
        row = self.window.model.row_at(self.window.tree.currentIndex())
        if not isinstance(row, DestinationRow):
            return None
        return (row.post_row.post.post_id, row.account_id)

    def selected_keys(self) -> set[tuple[str, str]]:
        keys = set()
        for index in self.window.tree.selectionModel().selectedRows():
            row = self.window.model.row_at(index)
            if isinstance(row, DestinationRow):
                keys.add((row.post_row.post.post_id, row.account_id))
        return keys

    def change(self, post: Post) -> None:
        self.session.posts[post.post_id] = post
        self.window.posts_changed([post])
        self.window.flush_posts()


@pytest.fixture
def desk(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Iterator[Desk]:
    desk = Desk(qtbot)
    yield desk
    desk.window.desk.palette.hide()
    with qtbot.waitSignal(desk.window.closed, timeout=WAIT_MS):
        desk.window.close()


def with_status(post: Post, account_id: str, status: Status, error: str | None) -> Post:
    """The post with one destination turned ``status``; a failure has no live link (one
    with a link would be "may already be live")."""

    def changed(d: Destination) -> Destination:
        url = None if status is Status.FAILED else d.platform_post_url
        return replace(d, status=status, error=error, platform_post_url=url)

    destinations = tuple(changed(d) if d.account_id == account_id else d for d in post.destinations)
    return replace(post, destinations=destinations)


def test_ctrl_i_docks_the_detail_pane_on_the_current_post(desk: Desk, qtbot: QtBot) -> None:
    desk.window.select_rows([("p-17", "2285")])
    dock = desk.window.desk.dock
    assert not dock.isVisible()
    desk.key(Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(dock.isVisible)
    text = desk.window.desk.pane.text()
    assert "Post p-17" in text
    assert POST.content.strip()[-8:] in text  # the whole text, not an excerpt
    # This post's history from the journal, the account's health with its token expiry.
    assert "dana" in text
    assert "token expires 2026-02-28" in text
    assert "Reconnect the account at PostEverywhere" in text
    assert desk.window.desk.pane.browser.hasFocus()
    # It follows the current row.
    desk.window.select_rows([("p1", "12")])
    assert "Post p1" in desk.window.desk.pane.text()
    desk.key(Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(lambda: not dock.isVisible())
    assert desk.window.tree.hasFocus()
    assert not desk.window.actions_by_id[ActionId.DETAILS].isChecked()


def test_ctrl_k_runs_an_action_and_jumps_to_an_account(desk: Desk, qtbot: QtBot) -> None:
    palette = desk.window.desk.palette
    desk.key(Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(palette.isVisible)
    assert "Details pane" in palette.shown_names()
    QTest.keyClicks(palette.query, "primary profile")
    assert palette.shown_names()[0] == "Primary Profile on LinkedIn"
    QTest.keyClick(palette.query, Qt.Key.Key_Return)
    assert not palette.isVisible()
    assert desk.current_key() == ("p-17", "2285")
    # An action by name: the details pane.
    desk.key(Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(palette.isVisible)
    QTest.keyClicks(palette.query, "details pane")
    QTest.keyClick(palette.query, Qt.Key.Key_Return)
    qtbot.waitUntil(desk.window.desk.dock.isVisible)


def test_new_failures_after_a_sync_show_one_notice_that_selects_them(
    desk: Desk, qtbot: QtBot
) -> None:
    banner = desk.window.desk.banner
    assert not banner.isVisible()  # the first read is the starting point, not news
    desk.change(with_status(desk.session.posts["p0"], "1", Status.FAILED, "Server error 503"))
    desk.change(with_status(desk.session.posts["p2"], "21", Status.FAILED, "Server error 503"))
    desk.sync(T1 + timedelta(minutes=1))
    qtbot.waitUntil(banner.isVisible)
    assert banner.message.text() == "2 new failures in 2 posts"
    banner.show_rows.setFocus()
    QTest.keyClick(banner.show_rows, Qt.Key.Key_Space)
    assert desk.selected_keys() == {("p0", "1"), ("p2", "21")}
    assert not banner.isVisible()


def test_the_off_switch_keeps_quiet(desk: Desk, qtbot: QtBot) -> None:
    switch = desk.window.actions_by_id[ActionId.NOTIFY]
    assert switch.isCheckable()
    assert switch.isChecked()
    switch.trigger()
    assert not desk.window.desk.notifier.enabled
    desk.change(with_status(desk.session.posts["p0"], "1", Status.FAILED, "Server error 503"))
    desk.sync(T1 + timedelta(minutes=1))
    assert not desk.window.desk.banner.isVisible()


def test_a_status_change_of_the_current_row_is_announced(desk: Desk) -> None:
    desk.window.select_rows([("p1", "12")])
    assert desk.window.desk.last_announcement == ""
    desk.change(with_status(desk.session.posts["p1"], "12", Status.PUBLISHED, None))
    assert desk.window.desk.last_announcement == "Status now Published"
    # Another row's change is not the current row's news.
    desk.change(with_status(desk.session.posts["p2"], "22", Status.PUBLISHED, None))
    assert desk.window.desk.last_announcement == "Status now Published"


def test_the_list_turns_dark_with_the_palette_and_back(desk: Desk, qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    model = desk.window.model
    failed = model.index_of("p1", "12", Column.STATUS)
    try:
        QApplication.setPalette(palette_for(Scheme.DARK))
        qtbot.waitUntil(lambda: model.presenter.scheme is Scheme.DARK)
        brush = failed.data(Qt.ItemDataRole.ForegroundRole)
        assert brush.color().name().upper() == badge_colors(Scheme.DARK)[Badge.FAILED]
    finally:
        QApplication.setPalette(before)
    qtbot.waitUntil(lambda: model.presenter.scheme is Scheme.LIGHT)
    brush = failed.data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name().upper() == badge_colors(Scheme.LIGHT)[Badge.FAILED]


def test_the_cause_column_filter_and_counts_read_the_sessions_causes(
    desk: Desk, qtbot: QtBot
) -> None:
    """Wiring only: the causes here are the sample session's (the controller's own
    classification is connected when it lands)."""
    model = desk.window.model
    header = desk.window.tree.horizontalHeader()
    assert header.visualIndex(Column.CAUSE) == header.visualIndex(Column.STATUS) + 1
    reconnect = model.index_of("p-17", "2285", Column.CAUSE)
    assert reconnect.data(Qt.ItemDataRole.DisplayRole) == "Reconnect"
    assert reconnect.data(Qt.ItemDataRole.AccessibleTextRole) == "Cause: Reconnect"
    causes = desk.window.desk.cause_filter
    assert causes.accessibleName() == "Filter by cause"
    texts = [causes.itemText(i) for i in range(causes.count())]
    # p-17: a reconnect and one failed with a link; the samples: 5 media, 5 token failures.
    assert texts[0] == "Every cause"
    assert "Reconnect (6)" in texts
    assert "Content (5)" in texts
    assert "May already be live (1)" in texts
    # Alt+U reaches it; a key chooses a cause, and only its rows show.
    QTest.keyClick(desk.window.tree, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert causes.hasFocus()
    causes.choose(Cause.MAY_BE_LIVE)
    shown = {
        (row.post_row.post.post_id, row.account_id)
        for row in (model.row_at(model.index(n, 0)) for n in range(model.rowCount()))
        if isinstance(row, DestinationRow)
    }
    assert shown == {("p-17", "2287")}
    assert causes.cause is Cause.MAY_BE_LIVE
    causes.choose(None)
    assert model.rowCount() > 2


def test_every_control_has_an_accessible_name(desk: Desk) -> None:
    controls = [
        widget
        for widget in desk.window.findChildren(QWidget)
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        and widget.isVisible()
        and not isinstance(widget, QAbstractButton | QScrollBar)  # buttons are named by text
    ]
    names = {widget.accessibleName() for widget in controls}
    assert {"Destinations", "Filter rows", "Filter by cause"} <= names
    assert "" not in names


def test_the_desk_works_from_the_keyboard_alone(desk: Desk, qtbot: QtBot) -> None:
    window = desk.window
    window.tree.setFocus()
    # Arrows move the current row; the pane (Ctrl+I) follows it.
    QTest.keyClick(window.tree, Qt.Key.Key_Home, CTRL)
    QTest.keyClick(window.tree, Qt.Key.Key_Down)
    assert desk.current_key() == ("p-17", "2285")
    QTest.keyClick(window.tree, Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(window.desk.dock.isVisible)
    assert "Post p-17" in window.desk.pane.text()
    QTest.keyClick(window.desk.pane.browser, Qt.Key.Key_I, CTRL)
    qtbot.waitUntil(lambda: not window.desk.dock.isVisible())
    # The palette jumps to an account by name.
    QTest.keyClick(window.tree, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(window.desk.palette.isVisible)
    QTest.keyClicks(window.desk.palette.query, "account 12")
    QTest.keyClick(window.desk.palette.query, Qt.Key.Key_Return)
    assert desk.current_key() == ("p1", "12")
    # Space ticks it; Ctrl+R asks first, Esc cancels: nothing is sent unasked.
    QTest.keyClick(window.tree, Qt.Key.Key_Space)
    assert window.model.selection() == {"p1": frozenset({"12"})}
    QTest.keyClick(window.tree, Qt.Key.Key_R, CTRL)
    box = window.findChild(QMessageBox)
    assert box is not None
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert window.model.selection() == {"p1": frozenset({"12"})}
    # The cause filter by Alt+U and arrows.
    QTest.keyClick(window.tree, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    causes = window.desk.cause_filter
    assert causes.hasFocus()
    QTest.keyClick(causes, Qt.Key.Key_Down)
    assert causes.cause is Cause.TEMPORARY


@dataclass(frozen=True)
class PaintedBox:
    row: str  # the row's colour (the cell's most common)
    strongest: float  # the strongest contrast of any pixel against the row: edge or tick
    inside: frozenset[str]  # the colours inside the box's edge: its fill, and any tick


def _painted_box(desk: Desk, post_id: str, account_id: str) -> PaintedBox:
    tree = desk.window.tree
    index = desk.window.model.index_of(post_id, account_id, Column.CHECK)
    tree.scrollTo(index)
    image = tree.viewport().grab().toImage()
    rect = tree.visualRect(index)
    at = {
        (x, y): image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    }
    row = Counter(at.values()).most_common(1)[0][0]
    box = [xy for xy, colour in at.items() if colour != row]  # where the box is painted
    left, right = min(x for x, _ in box) + 3, max(x for x, _ in box) - 3
    top, bottom = min(y for _, y in box) + 3, max(y for _, y in box) - 3
    return PaintedBox(
        row=row,
        strongest=max(contrast_ratio(colour, row) for colour in at.values()),
        inside=frozenset(
            c for (x, y), c in at.items() if left <= x <= right and top <= y <= bottom
        ),
    )


def test_dark_check_boxes_ticked_unticked_and_blocked_stand_out_from_their_rows(
    desk: Desk, qtbot: QtBot
) -> None:
    """WCAG 1.4.11: a control's edge at 3:1 against what surrounds it, from the pixels."""
    model = desk.window.model
    allowed, blocked = [], []
    for n in range(model.rowCount()):
        row = model.row_at(model.index(n, 0))
        if isinstance(row, DestinationRow) and row.destination.status is Status.FAILED:
            enabled = model.flags(model.index(n, 0)) & Qt.ItemFlag.ItemIsEnabled
            (allowed if enabled else blocked).append((row.post_row.post.post_id, row.account_id))
    assert len(allowed) >= 2
    assert blocked
    ticked, unticked, cannot = allowed[0], allowed[1], blocked[0]
    assert model.toggle(model.index_of(*ticked, Column.CHECK))
    desk.window.tree.selectionModel().clear()  # each row on its own colour, not the selection's
    before = QApplication.palette()
    try:
        QApplication.setPalette(palette_for(Scheme.DARK))
        qtbot.waitUntil(lambda: model.presenter.scheme is Scheme.DARK)
        boxes = {key: _painted_box(desk, *key) for key in (ticked, unticked, cannot)}
    finally:
        QApplication.setPalette(before)
    for box in boxes.values():
        assert relative_luminance(box.row) < 0.1  # a dark row
        assert box.strongest >= NON_TEXT_CONTRAST
    # Told apart: an empty box, a tick in one, a grey fill in the one that cannot be ticked.
    (fill,) = boxes[unticked].inside
    assert max(contrast_ratio(c, fill) for c in boxes[ticked].inside) >= NON_TEXT_CONTRAST
    (grey,) = boxes[cannot].inside
    assert grey != fill
