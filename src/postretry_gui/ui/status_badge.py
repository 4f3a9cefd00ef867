"""The status column drawn as a badge: icon shape + word on a light tint of its colour.

The word and the icon's shape carry the meaning; the colour only repeats it, so the badge
reads the same in greyscale or to a colour-blind operator.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from postretry_gui.ui.rows import Badge
from postretry_gui.ui.theme import BADGE_TINT_ALPHA, Scheme, badge_colors, scheme_of_palette

# (badge, word, cell width, cell height, selected, device pixel ratio, font, scheme): the
# scheme is in the key, so a pill drawn in light is never reused in dark.
_PillKey = tuple[Badge, str, int, int, bool, float, str, Scheme]
# Badges x words x column widths a session meets stay in the tens; this only bounds a
# pathological run of column resizes.
_MAX_PILLS = 512


def _tint(color: str) -> QColor:
    tint = QColor(color)
    tint.setAlphaF(BADGE_TINT_ALPHA)
    return tint


# The word's colour per scheme and badge, and the pill's: the same colour, faint.
_WORDS = {scheme: {b: QColor(c) for b, c in badge_colors(scheme).items()} for scheme in Scheme}
_TINTS = {scheme: {b: _tint(c) for b, c in badge_colors(scheme).items()} for scheme in Scheme}


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints destination rows' status as a pill; post rows keep the plain summary text."""

    def __init__(self, badge_role: int, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._badge_role = badge_role
        self._pills: dict[_PillKey, QPixmap] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        badge_value = index.data(self._badge_role)
        if not badge_value:
            super().paint(painter, option, index)
            return
        badge = Badge(badge_value)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        # Copies: the option's members are replaced below.
        text, icon = str(opt.text), QIcon(opt.icon)
        # Background and selection from the style, then the pill on top.
        opt.text = ""
        opt.icon = QIcon()
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        metrics = opt.fontMetrics
        rect: QRect = opt.rect.adjusted(2, 2, -2, -2)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        scheme = scheme_of_palette(opt.palette)
        key = (badge, text, rect.width(), rect.height(), selected, ratio, opt.font.key(), scheme)
        pill = self._pills.get(key)
        if pill is None:
            pill = self._render_pill(key, icon, metrics, opt)
            if len(self._pills) > _MAX_PILLS:
                self._pills.clear()
            self._pills[key] = pill
        painter.drawPixmap(rect.topLeft(), pill)

    def _render_pill(
        self, key: _PillKey, icon: QIcon, metrics: QFontMetrics, opt: QStyleOptionViewItem
    ) -> QPixmap:
        """The pill on a transparent pixmap: painted once per badge, word, size and
        selection, then copied on every paint (a repaint of a screen of rows drew ~30 of
        them, antialiased, about a quarter of its time)."""
        badge, text, width, height, selected, ratio, _, scheme = key
        icon_size = min(16, height - 4)
        pill_width = min(width, 6 + icon_size + 4 + metrics.horizontalAdvance(text) + 8)
        pixmap = QPixmap(max(int(pill_width * ratio), 1), max(int(height * ratio), 1))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setFont(opt.font)
            pill = QRect(0, 0, pill_width, height)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(_TINTS[scheme][badge]))
            painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            icon_rect = QRect(
                pill.left() + 6, pill.center().y() - icon_size // 2 + 1, icon_size, icon_size
            )
            icon.paint(painter, icon_rect)
            painter.setPen(
                opt.palette.highlightedText().color() if selected else _WORDS[scheme][badge]
            )
            text_rect = pill.adjusted(6 + icon_size + 4, 0, -4, 0)
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(
                text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
            )
        finally:
            painter.end()
        return pixmap
