"""New failures told once per sync: through the tray where there is one, in the window where not."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from postretry_gui.domain.new_failures import FailureDigest
from postretry_gui.domain.triage import Cause
from postretry_gui.ui.notifications import NOTIFY_SETTING_KEY, NoticeBanner, Notifier

DIGEST = FailureDigest(
    keys=(("p1", "a"), ("p1", "b"), ("p2", "a"), ("p3", "a"), ("p3", "b")),
    causes=Counter({Cause.RECONNECT: 2, Cause.TEMPORARY: 3}),
)


def no_tray() -> bool:
    return False


def test_without_a_tray_the_window_gets_one_notice(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), tray_available=no_tray)
    assert not notifier.uses_tray
    with qtbot.waitSignal(notifier.notice_requested) as notice:
        assert notifier.notify(DIGEST)
    assert notice.args == ["5 new failures in 3 posts · 2 need a reconnect"]


def test_clicking_the_notice_asks_for_those_rows(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), tray_available=no_tray)
    notifier.notify(DIGEST)
    with qtbot.waitSignal(notifier.activated) as activated:
        notifier.open_last()
    assert activated.args == [list(DIGEST.keys)]


def test_the_off_switch_silences_it(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), enabled=False, tray_available=no_tray)
    with qtbot.assertNotEmitted(notifier.notice_requested):
        assert not notifier.notify(DIGEST)
    notifier.set_enabled(True)
    assert notifier.enabled
    with qtbot.waitSignal(notifier.notice_requested):
        notifier.notify(DIGEST)
    assert NOTIFY_SETTING_KEY == "notify_new_failures"


def test_a_sync_with_nothing_new_says_nothing(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), tray_available=no_tray)
    with qtbot.assertNotEmitted(notifier.notice_requested):
        assert not notifier.notify(None)
    with qtbot.assertNotEmitted(notifier.activated):
        notifier.open_last()


def test_with_a_tray_the_message_goes_there_and_its_click_selects(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), tray_available=lambda: True)
    assert notifier.uses_tray
    with qtbot.assertNotEmitted(notifier.notice_requested):
        assert notifier.notify(DIGEST)
    assert notifier.tray is not None
    with qtbot.waitSignal(notifier.activated) as activated:
        notifier.tray.messageClicked.emit()
    assert activated.args == [list(DIGEST.keys)]


def test_the_banner_shows_the_notice_and_its_button_selects_the_rows(qtbot: QtBot) -> None:
    notifier = Notifier(QIcon(), tray_available=no_tray)
    banner = NoticeBanner()
    qtbot.addWidget(banner)
    notifier.notice_requested.connect(banner.show_notice)
    banner.opened.connect(notifier.open_last)
    assert banner.isHidden()
    notifier.notify(DIGEST)
    assert not banner.isHidden()
    assert banner.message.text() == DIGEST.message()
    with qtbot.waitSignal(notifier.activated) as activated:
        QTest.keyClick(banner.show_rows, Qt.Key.Key_Space)
    assert activated.args == [list(DIGEST.keys)]
    assert banner.isHidden()
