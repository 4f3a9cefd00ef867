"""The desk's widgets in real windows on a real X server: run by ``test_desk_xvfb.py`` under
``xvfb-run`` with ``QT_QPA_PLATFORM=xcb``. Drives them with QTest, prints one JSON object of
what a user would have seen, and, given a folder, saves a screenshot of each part there
(grabbed from the X server's screen, so popups and window frames are in it as drawn).

    xvfb-run -a -s "-screen 0 1280x800x24" python tests/ui/desk_xvfb_child.py [FOLDER]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from desk_samples import CAPS, CAUSES, HEALTH, HISTORY, POST, TOKEN_EXPIRY
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.domain.new_failures import FailureDigest
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.actions import ActionId, build_actions
from postretry_gui.ui.command_palette import CommandPalette, JumpTarget
from postretry_gui.ui.detail_pane import DetailPane
from postretry_gui.ui.notifications import NoticeBanner, Notifier
from postretry_gui.ui.rows import Badge
from postretry_gui.ui.theme import Scheme, ThemeFollower, badge_colors

WAIT_MS = 5_000
ROWS = (
    ("p-17", "Primary Profile on LinkedIn", Badge.RECONNECT, "Reconnect"),
    ("p-17", "@brand on X", Badge.PUBLISHED, ""),
    ("p-17", "Brand Page on Facebook", Badge.FAILED, "Unknown"),
    ("p-18", "@brand on X", Badge.FAILED, "Content"),
    ("p-19", "Brand Page on Facebook", Badge.PUBLISHING, ""),
)


class Desk(QMainWindow):
    """A stand-in for the main window: a table, the banner above it, the pane beside it."""

    def __init__(self, follower: ThemeFollower) -> None:
        super().__init__()
        self.setWindowTitle("postretry: the desk")
        self.follower = follower
        self.ran: list[str] = []
        self.jumps: list[object] = []
        self.selected: list[list[str]] = []
        self.actions_by_id: dict[ActionId, QAction] = build_actions(
            self, {a: (lambda a=a: self.ran.append(a.name)) for a in ActionId}
        )
        self.actions_by_id[ActionId.RECONNECT].setEnabled(False)
        self.banner = NoticeBanner()
        self.table = QTableWidget(len(ROWS), 4)
        self.table.setAccessibleName("Destinations")
        self.table.setHorizontalHeaderLabels(["Post", "Account", "Status", "Cause"])
        self.table.setAlternatingRowColors(True)
        self.pane = DetailPane(open_link=lambda _url: None)
        self.pane.set_post(POST, CAPS, HISTORY, HEALTH, CAUSES, TOKEN_EXPIRY)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.pane)
        splitter.setSizes([560, 560])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.banner)
        layout.addWidget(splitter)
        self.setCentralWidget(body)
        self.palette_popup = CommandPalette(
            self,
            self.actions_by_id,
            lambda: [
                JumpTarget("Spring launch! Every word of this post matters.", "p-17", "Post"),
                JumpTarget("Primary Profile on LinkedIn", "2285", "Account"),
            ],
        )
        self.palette_popup.jump_requested.connect(self.jumps.append)
        self.fill_table()
        follower.scheme_changed.connect(lambda _scheme: self.fill_table())

    def fill_table(self) -> None:
        colors = badge_colors(self.follower.scheme)
        for row, (post_id, account, badge, cause) in enumerate(ROWS):
            for column, text in enumerate((post_id, account, badge.value.title(), cause)):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setForeground(QBrush(QColor(colors[badge])))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()


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
    QApplication.processEvents()
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    shot.save(str(folder / name))


def window_area(window: QWidget) -> QRect:
    return window.frameGeometry().adjusted(-8, -8, 8, 8)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    app = QApplication(sys.argv[:1])
    follower = ThemeFollower(app)
    desk = Desk(follower)
    desk.resize(1180, 620)
    desk.move(40, 40)
    desk.show()
    exposed = QTest.qWaitForWindowExposed(desk, WAIT_MS)
    desk.activateWindow()
    wait_until(desk.isActiveWindow, WAIT_MS)
    seen: dict[str, object] = {
        "platform": QGuiApplication.platformName(),
        "exposed": exposed,
        "active": desk.isActiveWindow(),
    }

    # The detail pane: Tab into its links, Enter follows the first (the reconnect page).
    followed: list[str] = []
    desk.pane.link_opened.connect(followed.append)
    desk.pane.browser.setFocus()
    QTest.keyClick(desk.pane.browser, Qt.Key.Key_Tab)
    QTest.keyClick(desk.pane.browser, Qt.Key.Key_Return)
    seen["detail"] = {"text": desk.pane.text(), "followed": followed}
    shoot(folder, "desk-detail.png", window_area(desk))

    # The palette, opened by Ctrl+K on the window.
    QTest.keyClick(desk, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    wait_until(desk.palette_popup.isVisible, WAIT_MS)
    opened = desk.palette_popup.isVisible()
    QTest.qWaitForWindowExposed(desk.palette_popup, WAIT_MS)
    QTest.keyClicks(desk.palette_popup.query, "rtr")
    names = desk.palette_popup.shown_names()
    shoot(folder, "desk-palette.png", window_area(desk))
    QTest.keyClick(desk.palette_popup.query, Qt.Key.Key_Return)
    desk.palette_popup.open()
    QTest.keyClicks(desk.palette_popup.query, "primary")
    jump_names = desk.palette_popup.shown_names()
    QTest.keyClick(desk.palette_popup.query, Qt.Key.Key_Return)
    seen["palette"] = {
        "opened_by_ctrl_k": opened,
        "names": names,
        "ran": list(desk.ran),
        "jump_names": jump_names,
        "jumps": list(desk.jumps),
        "closed": not desk.palette_popup.isVisible(),
    }

    # The notification: this X server has no tray, so the notice shows in the window.
    notifier = Notifier(desk.windowIcon())
    notifier.notice_requested.connect(desk.banner.show_notice)
    notifier.activated.connect(desk.selected.append)
    desk.banner.opened.connect(notifier.open_last)
    digest = FailureDigest(
        keys=(("p-17", "2285"), ("p-17", "2287"), ("p-18", "2286")),
        causes=Counter({Cause.RECONNECT: 1, Cause.CONTENT: 1}),
    )
    notifier.notify(digest)
    wait_until(desk.banner.isVisible, WAIT_MS)
    banner_text = desk.banner.message.text()
    shoot(folder, "desk-notification.png", window_area(desk))
    desk.banner.show_rows.setFocus()
    QTest.keyClick(desk.banner.show_rows, Qt.Key.Key_Space)
    seen["notification"] = {
        "tray": notifier.uses_tray,
        "banner": banner_text,
        "selected": desk.selected,
        "banner_closed": not desk.banner.isVisible(),
    }

    # Dark mode: the desktop turns dark (no platform theme on a bare X server reports it, so
    # the change is announced the way Qt would announce it).
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    wait_until(lambda: follower.scheme is Scheme.DARK, WAIT_MS)
    desk.palette_popup.open()
    QTest.keyClicks(desk.palette_popup.query, "tick")
    QTest.qWaitForWindowExposed(desk.palette_popup, WAIT_MS)
    seen["dark"] = {
        "scheme": follower.scheme.value,
        "window": desk.palette().color(desk.backgroundRole()).name(),
        "pane_base": desk.pane.browser.palette().base().color().name(),
    }
    shoot(folder, "desk-dark.png", window_area(desk))
    desk.palette_popup.hide()
    print(json.dumps(seen))
    follower.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
