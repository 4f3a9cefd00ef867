"""Every custom model passes Qt's own model tester (``qtmodeltester``), through the changes a
session makes (posts arriving and changing, tabs, filters, sorting), and every cell has a
name a screen reader can say."""

from __future__ import annotations

from dataclasses import replace

from desk_samples import HISTORY
from PySide6.QtCore import QAbstractItemModel, Qt
from pytestqt.modeltest import ModelTester
from ui_fakes import FakeOracle, mixed_posts

from postretry_gui.domain import Status
from postretry_gui.ui.destination_model import DestinationModel
from postretry_gui.ui.history_dialog import HistoryModel
from postretry_gui.ui.rows import Column, StatusTab


def every_cell_is_named(model: QAbstractItemModel) -> None:
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            name = model.index(row, column).data(Qt.ItemDataRole.AccessibleTextRole)
            assert isinstance(name, str)
            assert name.strip(), (row, column)


def test_the_destination_model_keeps_qts_contract(qtmodeltester: ModelTester) -> None:
    model = DestinationModel(FakeOracle())
    qtmodeltester.check(model)
    posts = mixed_posts(6)
    model.upsert(posts[:3])
    model.upsert(posts[3:])
    changed = replace(
        posts[0],
        destinations=tuple(replace(d, status=Status.PUBLISHED) for d in posts[0].destinations),
    )
    model.upsert([changed])
    model.set_tab(StatusTab.ALL)
    model.set_text_filter("Account 2")
    model.set_text_filter("")
    model.sort(Column.ACCOUNT, Qt.SortOrder.DescendingOrder)
    model.tick_all_visible()
    model.clear_ticks()
    qtmodeltester.check(model)
    every_cell_is_named(model)


def test_the_history_model_keeps_qts_contract(qtmodeltester: ModelTester) -> None:
    model = HistoryModel()
    qtmodeltester.check(model)
    model.set_entries(HISTORY)
    qtmodeltester.check(model)
    every_cell_is_named(model)
    model.set_entries(())
    assert model.rowCount() == 0
