"""The desk in the real MainWindow on a real X server: run by ``test_desk_xvfb.py`` under
``xvfb-run`` with ``QT_QPA_PLATFORM=xcb``. Drives it with keys (QTest), prints one JSON
object of what a user would have seen, and, given a folder, saves a screenshot of each part
there (grabbed from the X server's screen, so popups and window frames are in it as drawn).

    xvfb-run -a -s "-screen 0 1280x800x24" python tests/ui/desk_xvfb_child.py [FOLDER]

The session is :class:`desk_samples.DeskSession` (fixed posts, nothing sent); its causes
stand in for the controller's (``cause_of``, the window's port).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk_samples import CAUSES, POST, DeskSession
from PySide6.QtCore import QRect, Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from ui_fakes import mixed_posts

from postretry_gui.controller.events import SyncState
from postretry_gui.domain import Destination, Post, PostStatus, Status
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.actions import ActionId
from postretry_gui.ui.main_window import MainWindow
from postretry_gui.ui.rows import DestinationRow
from postretry_gui.ui.theme import Scheme, ThemeFollower

WAIT_MS = 5_000
T1 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CTRL = Qt.KeyboardModifier.ControlModifier
DUPLICATE = "Duplicate content: this exact text was already posted to this account."
P18 = Post(
    post_id="p-18",
    status=PostStatus.FAILED,
    content="Autumn sale: two days left. Everything 20% off, in store and online.",
    created_at=T1,
    destinations=(
        Destination(
            account_id="2286",
            platform="x",
            status=Status.FAILED,
            account_name="@brand",
            error=DUPLICATE,
            error_code="DUPLICATE_CONTENT",
            attempts=1,
        ),
    ),
)
# The causes the controller would give (it owns the provider's table).
CAUSE_TABLE = {
    ("p-17", "2285"): CAUSES["2285"],
    ("p-17", "2287"): CAUSES["2287"],
    ("p-18", "2286"): Cause.CONTENT,
}


def in_flight(post: Post) -> Post:
    """``post`` before its failures: every failed destination still publishing."""
    return replace(
        post,
        destinations=tuple(
            replace(d, status=Status.PUBLISHING, error=None, error_code=None)
            if d.status is Status.FAILED
            else d
            for d in post.destinations
        ),
    )


def wait_until(condition: Callable[[], bool], timeout_ms: int) -> bool:
    """Process events until ``condition`` holds (PySide6 has no QTest.qWaitFor)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(10)
    return True


def shoot(folder: Path | None, name: str, area: QRect) -> None:
    if folder is None:
        return
    QTest.qWait(50)  # the last repaint reaches the X server
    QApplication.processEvents()
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    shot.save(str(folder / name))


def window_area(window: QWidget) -> QRect:
    return window.frameGeometry().adjusted(-8, -8, 8, 8)


def current_account(window: MainWindow) -> str:
    row = window.model.row_at(window.tree.currentIndex())
    return row.account_id if isinstance(row, DestinationRow) else ""


def selected_keys(window: MainWindow) -> list[list[str]]:
    keys = []
    for index in window.tree.selectionModel().selectedRows():
        row = window.model.row_at(index)
        if isinstance(row, DestinationRow):
            keys.append([row.post_row.post.post_id, row.account_id])
    return sorted(keys)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    app = QApplication(sys.argv[:1])
    follower = ThemeFollower(app)
    followed: list[str] = []
    window = MainWindow(open_url=lambda url: followed.append(QUrl(url).toString()), title="Demo")
    after = [POST, P18, *mixed_posts(4)]
    session = DeskSession([in_flight(POST), in_flight(P18), *after[2:]])
    session.causes.update(CAUSE_TABLE)
    window.attach(session)  # type: ignore[arg-type]
    ran: list[str] = []
    window.actions_by_id[ActionId.RETRY].triggered.connect(lambda: ran.append("RETRY"))
    window.resize(1220, 660)
    window.move(30, 30)
    window.show()
    exposed = QTest.qWaitForWindowExposed(window, WAIT_MS)
    window.activateWindow()
    wait_until(window.isActiveWindow, WAIT_MS)
    window.posts_changed(list(session.posts.values()))
    window.sync_changed(SyncState(last_sync_at=T1, failures_loaded=True))
    seen: dict[str, object] = {
        "platform": QGuiApplication.platformName(),
        "exposed": exposed,
        "active": window.isActiveWindow(),
        "window_class": type(window).__name__,
    }

    # A sync brings three failures: one grouped notice (no tray on this X server).
    for post in after:
        session.posts[post.post_id] = post
    window.posts_changed(after)
    window.sync_changed(SyncState(last_sync_at=T1 + timedelta(minutes=1), failures_loaded=True))
    wait_until(window.desk.banner.isVisible, WAIT_MS)
    banner_text = window.desk.banner.message.text()
    shoot(folder, "desk-notification.png", window_area(window))
    window.desk.banner.show_rows.setFocus()
    QTest.keyClick(window.desk.banner.show_rows, Qt.Key.Key_Space)
    seen["notification"] = {
        "tray": window.desk.notifier.uses_tray,
        "banner": banner_text,
        "selected": [selected_keys(window)],
        "banner_closed": not window.desk.banner.isVisible(),
    }
    window.select_rows([("p-17", "2285")])
    shoot(folder, "desk-light.png", window_area(window))

    # The detail pane on Ctrl+I: Tab into its links, Enter follows the first (reconnect).
    QTest.keyClick(window.tree, Qt.Key.Key_I, CTRL)
    wait_until(window.desk.dock.isVisible, WAIT_MS)
    pane = window.desk.pane
    QTest.keyClick(pane.browser, Qt.Key.Key_Tab)
    QTest.keyClick(pane.browser, Qt.Key.Key_Return)
    seen["detail"] = {
        "shown_by_ctrl_i": window.desk.dock.isVisible(),
        "text": pane.text(),
        "followed": list(followed),
    }
    shoot(folder, "desk-detail.png", window_area(window))

    # The palette, opened by Ctrl+K on the window.
    palette = window.desk.palette
    QTest.keyClick(window.tree, Qt.Key.Key_K, CTRL)
    wait_until(palette.isVisible, WAIT_MS)
    opened = palette.isVisible()
    QTest.qWaitForWindowExposed(palette, WAIT_MS)
    QTest.keyClicks(palette.query, "rtr")
    names = palette.shown_names()
    shoot(folder, "desk-palette.png", window_area(window))
    QTest.keyClick(palette.query, Qt.Key.Key_Return)
    window.select_rows([("p0", "2")])  # elsewhere, so the jump is seen to move
    QTest.keyClick(window.tree, Qt.Key.Key_K, CTRL)
    wait_until(palette.isVisible, WAIT_MS)
    QTest.keyClicks(palette.query, "primary")
    jump_names = palette.shown_names()
    QTest.keyClick(palette.query, Qt.Key.Key_Return)
    seen["palette"] = {
        "opened_by_ctrl_k": opened,
        "names": names,
        "ran": ran,
        "jump_names": jump_names,
        "jumps": [current_account(window)],
        "closed": not palette.isVisible(),
    }

    # Dark mode: the desktop turns dark (no platform theme on a bare X server reports it, so
    # the change is announced the way Qt would announce it).
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    wait_until(lambda: follower.scheme is Scheme.DARK, WAIT_MS)
    wait_until(lambda: window.model.presenter.scheme is Scheme.DARK, WAIT_MS)
    window.select_rows([("p-17", "2285")])
    seen["dark"] = {
        "scheme": follower.scheme.value,
        "window": window.palette().color(window.backgroundRole()).name(),
        "pane_base": pane.browser.palette().base().color().name(),
        "rows": window.model.presenter.scheme.value,
    }
    shoot(folder, "desk-dark.png", window_area(window))
    print(json.dumps(seen))
    follower.stop()
    window.hide()
    return 0


if __name__ == "__main__":
    sys.exit(main())
