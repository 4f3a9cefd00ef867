"""The detail pane: the whole post, each whole error with code, cause and attempts, history."""

from __future__ import annotations

from desk_samples import CAPS, CAUSES, EXPIRED, HEALTH, HISTORY, LONG_TEXT, POST, TOKEN_EXPIRY
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from postretry_gui.domain.triage import Cause
from postretry_gui.ui.detail_pane import EMPTY_TEXT, DetailPane


def pane_with_post(qtbot: QtBot, opened: list[QUrl] | None = None) -> DetailPane:
    pane = DetailPane(open_link=(opened if opened is not None else []).append)
    qtbot.addWidget(pane)
    pane.set_post(
        POST,
        CAPS,
        HISTORY,
        health=HEALTH,
        causes=CAUSES,
        token_expiry=TOKEN_EXPIRY,
    )
    return pane


def test_the_empty_state_says_what_to_do(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    assert pane.is_empty
    assert pane.text().strip() == EMPTY_TEXT


def test_the_whole_text_and_whole_errors_are_shown(qtbot: QtBot) -> None:
    text = pane_with_post(qtbot).text()
    assert " ".join(LONG_TEXT.split()) in " ".join(text.split())
    assert " ".join(EXPIRED.split()) in " ".join(text.split())
    assert "(code TOKEN_EXPIRED)" in text
    assert "Attempts 2" in " ".join(text.split())
    # Server text is text, never markup.
    assert "<b>not bold</b>" in text


def test_causes_with_their_advice_and_account_health(qtbot: QtBot) -> None:
    text = " ".join(pane_with_post(qtbot).text().split())
    assert f"Reconnect: {Cause.RECONNECT.advice}" in text
    assert f"Unknown: {Cause.UNKNOWN.advice}" in text
    assert "Primary Profile on LinkedIn" in text
    assert "needs a reconnect; token expired" in text
    assert "token expires 2026-02-28" in text


def test_the_retry_history_is_listed_oldest_first(qtbot: QtBot) -> None:
    text = pane_with_post(qtbot).text()
    assert text.index("dana") < text.index("lee")
    assert "failed again" in text
    assert "pending" in text


def test_links_open_through_the_opener_and_only_web_ones(qtbot: QtBot) -> None:
    opened: list[QUrl] = []
    pane = pane_with_post(qtbot, opened)
    html = pane.browser.toHtml()
    assert "https://x.com/brand/status/1" in html
    assert "https://app.posteverywhere.ai/accounts" in html
    assert "javascript:" not in html
    with qtbot.waitSignal(pane.link_opened) as followed:
        pane.browser.anchorClicked.emit(QUrl("https://x.com/brand/status/1"))
    assert followed.args == ["https://x.com/brand/status/1"]
    pane.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert [url.toString() for url in opened] == ["https://x.com/brand/status/1"]


def test_tab_reaches_the_links_and_enter_opens_one(qtbot: QtBot) -> None:
    opened: list[QUrl] = []
    pane = pane_with_post(qtbot, opened)
    pane.show()
    qtbot.waitExposed(pane)
    pane.browser.setFocus()
    QTest.keyClick(pane.browser, Qt.Key.Key_Tab)
    QTest.keyClick(pane.browser, Qt.Key.Key_Return)
    assert [url.toString() for url in opened] == ["https://app.posteverywhere.ai/accounts"]


def test_text_is_selectable_and_read_only(qtbot: QtBot) -> None:
    pane = pane_with_post(qtbot)
    assert pane.browser.isReadOnly()
    flags = pane.browser.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
    assert flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    assert pane.browser.accessibleName() == "Post details"


def test_back_to_empty_when_nothing_is_current(qtbot: QtBot) -> None:
    pane = pane_with_post(qtbot)
    pane.set_post(None)
    assert pane.is_empty
    assert pane.text().strip() == EMPTY_TEXT
