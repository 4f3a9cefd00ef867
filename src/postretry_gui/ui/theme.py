"""Light and dark, following the operating system live.

Qt 6.5+ reports the desktop's preference as ``QStyleHints.colorScheme()`` and announces a
change with ``colorSchemeChanged``; :class:`ThemeFollower` applies the matching palette to the
application each time, so the window turns dark when the desktop does, without a restart.
Where the desktop says nothing (``Unknown``: a bare X server, some Linux desktops) it is light.

The status badges draw their word in a colour on a faint tint of the same colour
(``ui/status_badge.py``); :func:`badge_colors` gives those colours per scheme, chosen so each
word keeps WCAG's 4.5:1 against its tinted pill on both the plain and the alternate row
background (``tests/ui/test_theme.py`` computes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from postretry_gui.ui.rows import Badge


class Scheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"


# The pill behind a badge's word: its colour at this opacity (status_badge.py uses 28/255).
BADGE_TINT_ALPHA = 28 / 255

# The light colours are rows.BADGE_COLOR's, except published and reconnect: on white their
# green (#15803D) and amber (#B45309) reach only 4.3:1 over their own tint, so each is one
# shade darker here. The dark colours are the same hues, light enough for a dark row.
_BADGE_COLORS: dict[Scheme, dict[Badge, str]] = {
    Scheme.LIGHT: {
        Badge.PUBLISHED: "#166534",
        Badge.FAILED: "#B91C1C",
        Badge.RECONNECT: "#92400E",
        Badge.QUEUED: "#4B5563",
        Badge.PUBLISHING: "#1D4ED8",
        Badge.OUTCOME_UNKNOWN: "#6B21A8",
        Badge.GONE: "#374151",
        Badge.UNKNOWN: "#6B21A8",
    },
    Scheme.DARK: {
        Badge.PUBLISHED: "#4ADE80",
        Badge.FAILED: "#FCA5A5",
        Badge.RECONNECT: "#FBBF24",
        Badge.QUEUED: "#CBD5E1",
        Badge.PUBLISHING: "#93C5FD",
        Badge.OUTCOME_UNKNOWN: "#D8B4FE",
        Badge.GONE: "#E5E7EB",
        Badge.UNKNOWN: "#D8B4FE",
    },
}

# (role, light, dark): the colours of the window in each scheme. Qt derives the rest.
_PALETTE: tuple[tuple[QPalette.ColorRole, str, str], ...] = (
    (QPalette.ColorRole.Window, "#F3F4F6", "#202124"),
    (QPalette.ColorRole.WindowText, "#111827", "#E8EAED"),
    (QPalette.ColorRole.Base, "#FFFFFF", "#17181A"),
    (QPalette.ColorRole.AlternateBase, "#F5F5F5", "#222326"),
    (QPalette.ColorRole.Text, "#111827", "#E8EAED"),
    (QPalette.ColorRole.PlaceholderText, "#4B5563", "#A3A8B0"),
    (QPalette.ColorRole.Button, "#E5E7EB", "#2D2F33"),
    (QPalette.ColorRole.ButtonText, "#111827", "#E8EAED"),
    (QPalette.ColorRole.Highlight, "#1D4ED8", "#3B82F6"),
    (QPalette.ColorRole.HighlightedText, "#FFFFFF", "#0B0C0E"),
    (QPalette.ColorRole.ToolTipBase, "#FFFFFF", "#2D2F33"),
    (QPalette.ColorRole.ToolTipText, "#111827", "#E8EAED"),
    (QPalette.ColorRole.Link, "#1D4ED8", "#8AB4F8"),
    (QPalette.ColorRole.LinkVisited, "#6B21A8", "#C58AF9"),
)
# Disabled text: readable but clearly quieter (3:1 is WCAG's floor for inactive controls).
_DISABLED_TEXT = {Scheme.LIGHT: "#6B7280", Scheme.DARK: "#8A8F98"}


@dataclass(frozen=True, slots=True)
class CheckColors:
    """A row check box drawn by ``check_style``: ``edge``, ``fill`` and ``mark`` (the tick)
    for a box the operator may tick; the ``blocked_`` ones for a box that cannot be ticked."""

    edge: str
    fill: str
    mark: str
    blocked_edge: str
    blocked_fill: str
    blocked_mark: str


# Dark only: the style's own light check boxes are clear. Each edge keeps WCAG's 3:1 for
# non-text contrast against every dark row (plain, post band, window); the blocked box is
# quieter (a dimmer edge, a grey fill) yet still seen (tests/ui/test_dark_checks.py).
DARK_CHECKS = CheckColors(
    edge="#A3A8B0",
    fill="#17181A",
    mark="#E8EAED",
    blocked_edge="#7C818A",
    blocked_fill="#383B40",
    blocked_mark="#8A8F98",
)


def badge_colors(scheme: Scheme) -> dict[Badge, str]:
    """Each badge's word colour ("#RRGGBB"); its pill is the same colour at the tint alpha."""
    return dict(_BADGE_COLORS[scheme])


def role_color(scheme: Scheme, role: QPalette.ColorRole) -> str:
    """The scheme's colour for a palette role, as "#RRGGBB" (for tests and contrast checks)."""
    for palette_role, light, dark in _PALETTE:
        if palette_role == role:
            return light if scheme is Scheme.LIGHT else dark
    raise KeyError(role)


def palette_for(scheme: Scheme) -> QPalette:
    palette = QPalette()
    for role, light, dark in _PALETTE:
        palette.setColor(role, QColor(light if scheme is Scheme.LIGHT else dark))
    disabled = QColor(_DISABLED_TEXT[scheme])
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def scheme_of_palette(palette: QPalette) -> Scheme:
    """The scheme a palette is in: dark when its window colour is. Widgets read it from
    their own palette, so they follow whatever palette is applied, the OS's or ours."""
    return (
        Scheme.DARK if palette.color(QPalette.ColorRole.Window).lightness() < 128 else Scheme.LIGHT
    )


def scheme_of(color_scheme: Qt.ColorScheme) -> Scheme:
    return Scheme.DARK if color_scheme == Qt.ColorScheme.Dark else Scheme.LIGHT


class ThemeFollower(QObject):
    """Keeps the application's palette on the desktop's scheme, now and on every change."""

    scheme_changed = Signal(str)

    def __init__(self, app: QGuiApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        hints = app.styleHints()
        self._scheme = scheme_of(hints.colorScheme())
        hints.colorSchemeChanged.connect(self._follow)
        self._apply()

    @property
    def scheme(self) -> Scheme:
        return self._scheme

    def stop(self) -> None:
        """Stop following (the palette stays as it is)."""
        self._app.styleHints().colorSchemeChanged.disconnect(self._follow)

    def _follow(self, color_scheme: Qt.ColorScheme) -> None:
        scheme = scheme_of(color_scheme)
        if scheme is self._scheme:
            return
        self._scheme = scheme
        self._apply()
        self.scheme_changed.emit(scheme.value)

    def _apply(self) -> None:
        QGuiApplication.setPalette(palette_for(self._scheme))
