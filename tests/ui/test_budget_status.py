"""The status bar shows every window of the budget, the minute first where space is short."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMainWindow

from postretry_gui.controller.events import SyncState
from postretry_gui.ui.window_bars import SyncStatus, shortest_first

BUDGET = "41 of 60 this minute · 870 of 1,000 this hour · 9,870 of 10,000 today"


def test_the_windows_shown_are_the_shortest_that_fit() -> None:
    assert shortest_first(BUDGET, lambda text: True) == BUDGET
    assert shortest_first(BUDGET, lambda text: len(text) <= 45) == (
        "41 of 60 this minute · 870 of 1,000 this hour"
    )
    assert shortest_first(BUDGET, lambda text: False) == "41 of 60 this minute"


def test_the_status_bar_shows_the_budget_with_the_whole_of_it_in_the_tooltip(qtbot: Any) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(1600, 400)
    status = SyncStatus(window, window.statusBar())
    status.show(SyncState(budget=BUDGET, requests_left=41, request_limit=60))
    assert status.rate_label.text().startswith("41 of 60 this minute")
    assert status.rate_label.toolTip() == f"Requests left: {BUDGET}"
    # Without the windows (a server with other limits) the one window the headers tell.
    status.show(SyncState(requests_left=5, request_limit=300))
    assert status.rate_label.text() == "5 of 300 requests left"
