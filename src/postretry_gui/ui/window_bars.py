"""The bars and menus around the window's list: the menu bar, toolbar and context menu
(from the registered actions), the status tabs with their counts, and the sync facts (the
banner above the list and the labels of the status bar)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QStatusBar,
    QTabBar,
    QToolBar,
    QWidget,
)

from postretry_gui.controller.events import RetryReport, SyncState
from postretry_gui.domain import Outcome
from postretry_gui.ui.actions import ACTION_SPECS, MENU_ORDER, ActionId
from postretry_gui.ui.rows import TAB_TITLES, StatusTab, when

Actions = Mapping[ActionId, QAction]

FILTER_DELAY_MS = 120
# Between the windows of ``SyncState.budget`` (``domain.budget.BudgetLedger.describe``).
BUDGET_SEPARATOR = " · "
BANNER_STYLE = (
    "QLabel#banner { background: #FEF3C7; color: #78350F; border: 1px solid #F59E0B;"
    " border-radius: 4px; padding: 6px 10px; }"
)


def build_menus(window: QMainWindow, actions: Actions) -> None:
    """One menu per ``MENU_ORDER`` title, each action where its spec says."""
    menus = {title: window.menuBar().addMenu(title) for title in MENU_ORDER}
    for action_id, spec in ACTION_SPECS.items():
        menus[spec.menu].addAction(actions[action_id])
        if action_id in (ActionId.OPEN_LINK, ActionId.TICK_ALL):
            menus[spec.menu].addSeparator()


class FilterEdit(QLineEdit):
    """The filter box. Its text applies (``changed``) ``FILTER_DELAY_MS`` after the last key,
    or at once with Enter or Down, which also hand the keyboard back to the list (``done``)."""

    changed = Signal(str)
    done = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Filter (Ctrl+F): account, platform, error, post text")
        self.setAccessibleName("Filter rows")
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self._apply)
        self.textChanged.connect(lambda _text: self._timer.start())

    def _apply(self) -> None:
        self.changed.emit(self.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._timer.stop()
            self._apply()
            self.done.emit()
            return
        super().keyPressEvent(event)


def build_toolbar(window: QMainWindow, actions: Actions) -> FilterEdit:
    """Retry, tick all and refresh, then the filter box (returned)."""
    bar = QToolBar("Main", window)
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for action_id in (ActionId.RETRY, ActionId.TICK_ALL, ActionId.REFRESH):
        bar.addAction(actions[action_id])
    bar.addSeparator()
    filter_edit = FilterEdit(bar)
    bar.addWidget(filter_edit)
    window.addToolBar(bar)
    return filter_edit


def context_menu(parent: QWidget, actions: Actions) -> QMenu:
    """The list's right-click menu: what can be done to the row under the cursor."""
    menu = QMenu(parent)
    for action_id in (
        ActionId.TOGGLE_TICK,
        ActionId.RETRY,
        ActionId.RECONNECT,
        ActionId.OPEN_LINK,
        ActionId.TICK_ALL,
        ActionId.CLEAR,
    ):
        menu.addAction(actions[action_id])
    return menu


def shortcut_table(actions: Actions) -> str:
    """Every action with a shortcut, as an HTML table (Help > Keyboard shortcuts)."""
    lines = [
        f"<tr><td>{action.text().replace('&', '')}</td>"
        f"<td><b>{action.shortcut().toString()}</b></td></tr>"
        for action in actions.values()
        if not action.shortcut().isEmpty()
    ]
    return "<table>" + "".join(lines) + "</table>"


class StatusTabBar(QTabBar):
    """Failed / Partially failed / In flight / All, each with its count."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Status tabs (Alt+1 to Alt+4)")
        self.setExpanding(False)
        self.setDrawBase(True)
        for tab in StatusTab:
            self.addTab(TAB_TITLES[tab])

    def show_counts(self, counts: Mapping[StatusTab, int]) -> None:
        for tab in StatusTab:
            self.setTabText(tab, f"{TAB_TITLES[tab]} ({counts[tab]:,})")


class SyncStatus:
    """The sync facts: last sync and requests left in the status bar, the last error in
    red, and a banner above the list while offline, after a rejected key, or while retries
    are off (the retry journal could not be opened)."""

    def __init__(self, banner_parent: QWidget, bar: QStatusBar) -> None:
        self.banner = QLabel(banner_parent)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setVisible(False)
        self._bar = bar
        self.sync_label = QLabel("Not synced yet", bar)
        self.rate_label = QLabel("", bar)
        self.error_label = QLabel("", bar)
        self.error_label.setStyleSheet("color: #B91C1C;")
        bar.addWidget(self.error_label, 1)
        bar.addPermanentWidget(self.rate_label)
        bar.addPermanentWidget(self.sync_label)

    def show(self, state: SyncState) -> None:
        if state.last_sync_at is not None:
            self.sync_label.setText(f"Last sync {when(state.last_sync_at)}")
        if state.budget is not None:
            # A quarter of the bar at most: where it is short, the minute first.
            room = max(self._bar.width() // 4, 120)
            metrics = self.rate_label.fontMetrics()
            self.rate_label.setText(
                shortest_first(state.budget, lambda t: metrics.horizontalAdvance(t) <= room)
            )
            self.rate_label.setToolTip(f"Requests left: {state.budget}")
        elif state.requests_left is not None:
            limit = f" of {state.request_limit}" if state.request_limit is not None else ""
            self.rate_label.setText(f"{state.requests_left}{limit} requests left")
        self.error_label.setText(state.last_error or "")
        texts = [connection_text(state), state.retries_off]
        shown = [text for text in texts if text]
        if shown:
            self.banner.setText("\n".join(shown))
            self.banner.setStyleSheet(BANNER_STYLE)
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)


def connection_text(state: SyncState) -> str | None:
    """The banner's sentence about the server (None while it answers with the key)."""
    if state.key_rejected:
        return (
            "The API key was rejected (401). Nothing more will be sent with it: check the "
            "key or enter a new one, then restart the workspace."
        )
    if not state.online:
        since = when(state.last_sync_at) if state.last_sync_at else "never"
        return (
            "Offline: the server cannot be reached. The rows show the last data read "
            f"(last sync {since}); the app keeps trying in the background."
        )
    return None


def shortest_first(budget: str, fits: Callable[[str], bool]) -> str:
    """The budget's windows ("41 of 60 this minute · 870 of 1,000 this hour") from the
    shortest, as many as ``fits``; the shortest one always (it decides what leaves next)."""
    parts = budget.split(BUDGET_SEPARATOR)
    for count in range(len(parts), 1, -1):
        text = BUDGET_SEPARATOR.join(parts[:count])
        if fits(text):
            return text
    return parts[0]


def retry_message(report: RetryReport) -> str:
    """The status-bar line after a retry: the summary and the first problem, if any."""
    messages = [
        o.message for o in report.outcomes if o.message and o.outcome is not Outcome.RETRIED
    ]
    text = f"Retry: {report.summary()}."
    if messages:
        text += " " + messages[0]
        if len(messages) > 1:
            text += f" (+{len(messages) - 1} more)"
    return text
