"""What a row shows for each Qt role: texts, icons, colours, fonts, tooltips, check states,
and the custom roles that give the domain objects and sort keys back (through any proxy)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette

from postretry_gui.ui import icons
from postretry_gui.ui.row_order import destination_key, post_key
from postretry_gui.ui.rows import (
    BADGE_ICON,
    COLUMN_TITLES,
    Column,
    DestinationRow,
    PostRow,
    RowOracle,
)
from postretry_gui.ui.theme import Scheme, badge_colors, role_color

_POST_BAND = {Scheme.LIGHT: "#EEF2F7", Scheme.DARK: "#252A31"}


class Role(IntEnum):
    """Custom roles: the domain objects and sort keys behind a row, for the window and tests."""

    POST = Qt.ItemDataRole.UserRole + 1
    DESTINATION = Qt.ItemDataRole.UserRole + 2
    ELIGIBILITY = Qt.ItemDataRole.UserRole + 3
    BADGE = Qt.ItemDataRole.UserRole + 4
    LINK = Qt.ItemDataRole.UserRole + 5
    SORT = Qt.ItemDataRole.UserRole + 6


class RowPresenter:
    """The ``data()`` of destination rows and of the post rows that head them."""

    def __init__(self, oracle: RowOracle) -> None:
        self._oracle = oracle
        self._bold = QFont()
        self._bold.setBold(True)
        self._link_font = QFont()
        self._link_font.setUnderline(True)
        self.use_scheme(Scheme.LIGHT)

    def use_scheme(self, scheme: Scheme) -> None:
        """The colours of light or dark (the view calls this when its palette changes)."""
        self.scheme = scheme
        self._brushes = {b: QBrush(QColor(c)) for b, c in badge_colors(scheme).items()}
        self._link_brush = QBrush(QColor(role_color(scheme, QPalette.ColorRole.Link)))
        # Post rows head their group of destination rows: a band a shade off the base.
        self._post_background = QBrush(QColor(_POST_BAND[scheme]))

    def header_data(self, section: int, orientation: Qt.Orientation, role: int) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMN_TITLES[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole and section == Column.CHECK:
            return "Tick destinations to retry (Space; Ctrl+Shift+A ticks every retryable one)"
        return None

    def destination_data(self, row: DestinationRow, column: int, role: int) -> Any:
        oracle = self._oracle
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts(oracle)[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == Column.CHECK:
                return "Ticked" if row.ticked else "Not ticked"
            return spoken(column, row.texts(oracle)[column])
        if role == Qt.ItemDataRole.CheckStateRole:
            if column != Column.CHECK:
                return None
            return Qt.CheckState.Checked if row.ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            if column == Column.PLATFORM:
                return icons.platform(row.destination.platform)
            if column == Column.STATUS:
                return icons.status(BADGE_ICON[row.badge(oracle)])
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.STATUS:
                return self._brushes[row.badge(oracle)]
            if column == Column.LINK:
                return self._link_brush
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == Column.LINK and row.link:
                return self._link_font
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._destination_tooltip(row, column)
        if role == Role.DESTINATION:
            return row.destination
        if role == Role.POST:
            return row.post_row.post
        if role == Role.ELIGIBILITY:
            return row.eligibility(oracle)
        if role == Role.BADGE:
            return row.badge(oracle).value
        if role == Role.LINK:
            return row.link
        if role == Role.SORT:
            return destination_key(row, column, oracle)
        return None

    def _destination_tooltip(self, row: DestinationRow, column: int) -> str | None:
        oracle = self._oracle
        if column in (Column.CHECK, Column.STATUS):
            text = row.eligibility(oracle).reason
            capabilities = oracle.capabilities
            if row.retryable(oracle) and not capabilities.per_destination_retry:
                text += (
                    f" {capabilities.display_name} retries whole posts: ticking one failed "
                    "destination ticks every retryable destination of this post."
                )
            return text
        if column == Column.ERROR:
            return row.error_text(oracle) or None
        if column == Column.LINK:
            return row.link
        if column == Column.POST:
            return row.post_row.post.content or None
        return None

    def post_data(self, post_row: PostRow, column: int, role: int) -> Any:
        oracle = self._oracle
        if role == Qt.ItemDataRole.DisplayRole:
            return post_row.texts(oracle)[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == Column.CHECK:
                return _POST_TICKS[self.post_check_state(post_row)]
            return spoken(column, post_row.texts(oracle)[column])
        if role == Qt.ItemDataRole.CheckStateRole:
            return self.post_check_state(post_row) if column == Column.CHECK else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if column == Column.POST else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._post_background
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.POST:
                return post_row.post.content or None
            if column == Column.CHECK:
                return "Tick every retryable destination of this post"
            return None
        if role == Role.POST:
            return post_row.post
        if role == Role.SORT:
            return post_key(post_row, column, oracle)
        return None

    def post_check_state(self, post_row: PostRow) -> Qt.CheckState:
        ticked = sum(1 for c in post_row.children if c.ticked)
        if ticked == 0:
            return Qt.CheckState.Unchecked
        eligible = sum(1 for c in post_row.children if c.retryable(self._oracle))
        return Qt.CheckState.Checked if ticked >= eligible else Qt.CheckState.PartiallyChecked


_POST_TICKS = {
    Qt.CheckState.Unchecked: "Post, none ticked",
    Qt.CheckState.PartiallyChecked: "Post, some ticked",
    Qt.CheckState.Checked: "Post, all retryable ticked",
}


def spoken(column: int, text: str) -> str:
    """What a screen reader says for a cell: its column's name and its text, "none" for an
    empty cell, so no cell is read as silence."""
    return f"{COLUMN_TITLES[Column(column)]}: {text or 'none'}"


def is_checked(value: object) -> bool:
    """A check-state value as ``setData`` may get it: the enum, its int, or anything truthy."""
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    if isinstance(value, int):
        return value == Qt.CheckState.Checked.value
    return bool(value)
