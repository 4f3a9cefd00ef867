"""The status column drawn as a badge: icon shape + word on a light tint of its colour.

The word and the icon's shape carry the meaning; the colour only repeats it, so the badge
reads the same in greyscale or to a colour-blind operator.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from postretry_gui.ui.rows import BADGE_COLOR, Badge

_TINTS = {badge: QColor(color) for badge, color in BADGE_COLOR.items()}
for _color in _TINTS.values():
    _color.setAlpha(28)


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints destination rows' status as a pill; post rows keep the plain summary text."""

    def __init__(self, badge_role: int, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._badge_role = badge_role

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
        icon_size = min(16, rect.height() - 4)
        width = min(rect.width(), 6 + icon_size + 4 + metrics.horizontalAdvance(text) + 8)
        pill = QRect(rect.left(), rect.top(), width, rect.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(_TINTS[badge]))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        icon_rect = QRect(
            pill.left() + 6, pill.center().y() - icon_size // 2 + 1, icon_size, icon_size
        )
        icon.paint(painter, icon_rect)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.setPen(
            opt.palette.highlightedText().color() if selected else QColor(BADGE_COLOR[badge])
        )
        text_rect = pill.adjusted(6 + icon_size + 4, 0, -4, 0)
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
        )
        painter.restore()
