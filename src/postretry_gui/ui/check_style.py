"""Row check boxes that stay visible in the dark scheme.

Fusion (Qt's style where the desktop names none, and the offscreen platform's) draws a check
box's edge as the window colour darkened; on a dark row that edge is darker than the row
itself (about 1.02:1), so an unticked box, and one that cannot be ticked, vanish and only a
tick shows. In the dark scheme the check column's delegate draws the box itself in
``theme.DARK_CHECKS``: an edge at 3:1 or more against every row (WCAG 1.4.11), and a quieter,
grey box where a tick is not allowed. In the light scheme the style's own box is clear.

A delegate on one column rather than a proxy style: a proxy is asked for every primitive of
every cell, a Python call each, which made a full repaint of the list a quarter slower.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from postretry_gui.ui.theme import DARK_CHECKS, Scheme, scheme_of_palette

_HAS_CHECK = QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator


class ReadableCheckDelegate(QStyledItemDelegate):
    """The style's cell (background, selection, focus), then in the dark scheme our box."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if scheme_of_palette(option.palette) is not Scheme.DARK:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        if widget is None or not opt.features & _HAS_CHECK:
            super().paint(painter, option, index)
            return
        style = widget.style()
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, widget)
        state = opt.checkState
        allowed = bool(opt.state & QStyle.StateFlag.State_Enabled)
        opt.features &= ~_HAS_CHECK
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        _draw_dark_check(painter, box, state, allowed=allowed)


def _draw_dark_check(
    painter: QPainter, rect: QRect, state: Qt.CheckState, *, allowed: bool
) -> None:
    colors = DARK_CHECKS
    edge, fill, mark = (
        (colors.edge, colors.fill, colors.mark)
        if allowed
        else (colors.blocked_edge, colors.blocked_fill, colors.blocked_mark)
    )
    side = min(rect.width(), rect.height())
    box = QRectF(0, 0, side - 1, side - 1)
    box.moveCenter(QRectF(rect).center())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(QColor(edge), 1.5))
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(box.adjusted(0.75, 0.75, -0.75, -0.75), 2, 2)
    pen = QPen(QColor(mark), max(1.5, side / 8))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    inset = side * 0.22
    inner = box.adjusted(inset, inset, -inset, -inset)
    middle = inner.center().y()
    if state == Qt.CheckState.Checked:
        painter.drawPolyline(
            [
                QPointF(inner.left(), middle),
                QPointF(inner.left() + inner.width() * 0.4, inner.bottom()),
                QPointF(inner.right(), inner.top()),
            ]
        )
    elif state == Qt.CheckState.PartiallyChecked:  # a post with some of its rows ticked
        painter.drawLine(QPointF(inner.left(), middle), QPointF(inner.right(), middle))
    painter.restore()
