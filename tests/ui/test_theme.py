"""Dark mode follows the desktop live, and every badge stays readable (WCAG 4.5:1) in both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postretry_gui.ui.contrast import AA_NORMAL_TEXT, blend, contrast_ratio, relative_luminance
from postretry_gui.ui.rows import BADGE_COLOR, Badge
from postretry_gui.ui.theme import (
    BADGE_TINT_ALPHA,
    Scheme,
    ThemeFollower,
    badge_colors,
    role_color,
    scheme_of,
)

ROW_BACKGROUNDS = (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase)


def test_contrast_arithmetic_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # WCAG's own reference point: #767676 on white is the lightest grey that passes AA.
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert blend("#000000", "#FFFFFF", 0.5) == "#808080"


@pytest.mark.parametrize("scheme", list(Scheme))
@pytest.mark.parametrize("badge", list(Badge))
@pytest.mark.parametrize("row", ROW_BACKGROUNDS, ids=["base", "alternate"])
def test_every_badge_word_is_readable_on_its_pill(
    scheme: Scheme, badge: Badge, row: QPalette.ColorRole
) -> None:
    word = badge_colors(scheme)[badge]
    pill = blend(word, role_color(scheme, row), BADGE_TINT_ALPHA)
    assert contrast_ratio(word, pill) >= AA_NORMAL_TEXT


def test_the_old_light_greens_and_ambers_were_below_aa() -> None:
    """Why theme.py's light badge colours differ from rows.BADGE_COLOR for two badges."""
    white = role_color(Scheme.LIGHT, QPalette.ColorRole.Base)
    for badge in (Badge.PUBLISHED, Badge.RECONNECT):
        old = BADGE_COLOR[badge]
        assert contrast_ratio(old, blend(old, white, BADGE_TINT_ALPHA)) < AA_NORMAL_TEXT


@pytest.mark.parametrize("scheme", list(Scheme))
def test_text_links_and_selection_are_readable(scheme: Scheme) -> None:
    pairs = [
        (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
        (QPalette.ColorRole.Text, QPalette.ColorRole.AlternateBase),
        (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
        (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
        (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
        (QPalette.ColorRole.Link, QPalette.ColorRole.Base),
        (QPalette.ColorRole.PlaceholderText, QPalette.ColorRole.Base),
        (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
    ]
    for text, background in pairs:
        ratio = contrast_ratio(role_color(scheme, text), role_color(scheme, background))
        assert ratio >= AA_NORMAL_TEXT, (text, background, ratio)


@pytest.fixture
def follower(qapp: QApplication) -> Iterator[ThemeFollower]:
    palette = QGuiApplication.palette()
    follower = ThemeFollower(qapp)
    yield follower
    follower.stop()
    QGuiApplication.setPalette(palette)


def desktop_turns(scheme: Qt.ColorScheme) -> None:
    """What Qt does when the desktop's setting changes. (``setColorScheme`` would be the
    honest way, but the offscreen and bare-X platforms ignore it: no platform theme.)"""
    QGuiApplication.styleHints().colorSchemeChanged.emit(scheme)


def test_the_palette_follows_the_desktop_live(follower: ThemeFollower, qtbot: QtBot) -> None:
    assert follower.scheme is Scheme.LIGHT
    assert QGuiApplication.palette().color(QPalette.ColorRole.Base).name().upper() == "#FFFFFF"
    with qtbot.waitSignal(follower.scheme_changed) as changed:
        desktop_turns(Qt.ColorScheme.Dark)
    assert changed.args == ["dark"]
    assert follower.scheme is Scheme.DARK
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base).name().upper()
    assert base == role_color(Scheme.DARK, QPalette.ColorRole.Base)
    with qtbot.waitSignal(follower.scheme_changed) as back:
        desktop_turns(Qt.ColorScheme.Light)
    assert back.args == ["light"]


def test_a_desktop_that_says_nothing_is_light() -> None:
    assert scheme_of(Qt.ColorScheme.Unknown) is Scheme.LIGHT
    assert scheme_of(Qt.ColorScheme.Dark) is Scheme.DARK
