"""The grouped list as the window shows it: a table view tuned for 100,000 rows (fixed row
heights, no grid, no word wrap), its column widths and status badges, and what it says when
it has no rows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from postretry_gui.controller.events import SyncState
from postretry_gui.ui import icons
from postretry_gui.ui.check_style import ReadableCheckDelegate
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.row_roles import Role
from postretry_gui.ui.rows import BADGE_ICON, TAB_TITLES, Column, StatusTab
from postretry_gui.ui.status_badge import StatusBadgeDelegate
from postretry_gui.ui.theme import scheme_of_palette

COLUMN_WIDTHS = {
    # Narrower post and changed columns make room for the cause: the error keeps its share.
    Column.CHECK: 64,
    Column.POST: 260,
    Column.PLATFORM: 120,
    Column.ACCOUNT: 140,
    Column.STATUS: 140,
    Column.CAUSE: 100,
    Column.ATTEMPTS: 70,
    Column.ERROR: 330,
    Column.LINK: 70,
    Column.CHANGED: 120,
}


class DestinationView(QTableView):
    """The grouped list; keys that mean something here go to the window's actions, not to
    Qt's defaults (Space would otherwise only select)."""

    # Painted for the first time / painted its first rows (start-up measures).
    firstPainted = Signal()
    firstRowsPainted = Signal()

    def __init__(self, parent: QWidget, row_height: int) -> None:
        super().__init__(parent)
        self.setAccessibleName("Destinations")
        self._painted = False
        self._rows_painted = False
        # Every row the same height, set once: the view never asks the model for sizes.
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(row_height)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Over the rows when there are none: why (see show_empty).
        self.empty_label = QLabel(self.viewport())
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setObjectName("empty")
        self.empty_label.setStyleSheet("color: palette(mid); font-size: 15px;")
        self.empty_label.setText("Loading…")

    @property
    def painted(self) -> bool:
        """Painted at least once (``firstPainted`` follows in the next event pass)."""
        return self._painted

    def show_model(self, model: DestinationModel) -> None:
        """Show ``model``: badges in the status column, the error column stretching,
        sortable by clicking a header (no sort at first: the server's order)."""
        self.setModel(model)
        model.presenter.use_scheme(scheme_of_palette(self.palette()))
        self.setItemDelegateForColumn(Column.STATUS, StatusBadgeDelegate(Role.BADGE, self))
        # Check boxes the dark scheme does not swallow.
        self.setItemDelegateForColumn(Column.CHECK, ReadableCheckDelegate(self))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(Column.ERROR, QHeaderView.ResizeMode.Stretch)
        # Cause is the last column in the model and reads best beside the status it explains.
        header.moveSection(header.visualIndex(Column.CAUSE), header.visualIndex(Column.STATUS) + 1)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)

    def show_empty(self, model: DestinationModel, state: SyncState) -> None:
        """Say why there are no rows, or hide the note when there are."""
        empty = model.rowCount() == 0
        if empty:
            self.empty_label.setText(empty_text(state, model))
            self.empty_label.resize(self.viewport().size())
        self.empty_label.setVisible(empty)

    def ensure_current(self, model: DestinationModel) -> None:
        """Put the cursor on the first destination, so Space works from launch."""
        if not self.currentIndex().isValid() and model.rowCount() > 0:
            target = model.index(1 if model.rowCount() > 1 else 0, 0)
            self.selectionModel().setCurrentIndex(
                target, self.selectionModel().SelectionFlag.NoUpdate
            )

    def select_keys(self, model: DestinationModel, keys: Sequence[tuple[str, str]]) -> int:
        """Select the rows of these (post id, account id) keys ("" for a post's own row),
        the first one current and scrolled to; returns how many are shown to select."""
        found = [
            index
            for post_id, account_id in keys
            if (index := model.index_of(post_id, account_id or None)).isValid()
        ]
        if not found:
            return 0
        selection = QItemSelection()
        last_column = model.columnCount() - 1
        for index in found:
            selection.select(index, index.siblingAtColumn(last_column))
        flags = QItemSelectionModel.SelectionFlag
        chooser = self.selectionModel()
        chooser.setCurrentIndex(found[0], flags.NoUpdate)
        chooser.select(selection, flags.ClearAndSelect | flags.Rows)
        self.scrollTo(found[0])
        return len(found)

    def changeEvent(self, event: QEvent) -> None:
        # Light or dark as the palette now is (ThemeFollower follows the OS live).
        model = self.model()
        if event.type() == QEvent.Type.PaletteChange and isinstance(model, DestinationModel):
            model.presenter.use_scheme(scheme_of_palette(self.palette()))
            self.viewport().update()
        super().changeEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.empty_label.resize(self.viewport().size())
        elif kind == QEvent.Type.Paint:
            self._note_paint()
        return super().viewportEvent(event)

    def _note_paint(self) -> None:
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)
            # In the idle moment after the first paint, not when the first rows arrive.
            QTimer.singleShot(0, lambda: icons.warm_up(BADGE_ICON.values()))
        model = self.model()
        if not self._rows_painted and model is not None and model.rowCount():
            self._rows_painted = True
            QTimer.singleShot(0, self.firstRowsPainted.emit)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.modifiers():
            event.ignore()  # the window's Space shortcut handles it
            return
        super().keyPressEvent(event)


def empty_text(state: SyncState, model: DestinationModel) -> str:
    """Why the list shows no rows: no data, still loading, the filter, or nothing to do."""
    if not state.online or state.key_rejected:
        return "No data: the server could not be read."
    if state.loading and not state.failures_loaded:
        return "Loading…"
    if model.text_filter:
        return f"Nothing matches “{model.text_filter}”."
    if model.tab is StatusTab.FAILED:
        return "No failed destinations. Nothing to retry."
    return f"Nothing in “{TAB_TITLES[model.tab]}”."
