"""Every command of the window, registered in one place and keyed by an enum (Picard's way).

Menus, the toolbar, the context menu and the tests all look actions up here, so a shortcut
is defined once and shown wherever the action appears. Standard ``QKeySequence``s are used
where Qt has one (Find, Quit, HelpContents), explicit keys elsewhere. Refresh is F5, not
``QKeySequence.Refresh``: on macOS that standard key is Ctrl+R, which is Retry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

KeySpec = QKeySequence.StandardKey | str | None


class ActionId(Enum):
    RETRY = auto()
    REFRESH = auto()
    TOGGLE_TICK = auto()
    TICK_ALL = auto()
    CLEAR = auto()
    FIND = auto()
    RECONNECT = auto()
    OPEN_LINK = auto()
    TAB_FAILED = auto()
    TAB_PARTIAL = auto()
    TAB_IN_FLIGHT = auto()
    TAB_ALL = auto()
    SHORTCUTS = auto()
    QUIT = auto()
    HISTORY = auto()
    PALETTE = auto()
    DETAILS = auto()
    NOTIFY = auto()


@dataclass(frozen=True, slots=True)
class ActionSpec:
    text: str
    shortcut: KeySpec
    tip: str
    menu: str


ACTION_SPECS: dict[ActionId, ActionSpec] = {
    ActionId.RETRY: ActionSpec(
        "&Retry ticked…", "Ctrl+R", "Retry the ticked destinations (asks first)", "&Posts"
    ),
    ActionId.REFRESH: ActionSpec("Re&fresh", "F5", "Read the latest statuses now", "&Posts"),
    ActionId.HISTORY: ActionSpec(
        "Retry &history…",
        "Ctrl+H",
        "Who retried what and when, with the outcome; searchable, exports to CSV",
        "&Posts",
    ),
    ActionId.RECONNECT: ActionSpec(
        "Reconnect in the &web app",
        None,
        "Open the provider's web app where the account can be reconnected",
        "&Posts",
    ),
    ActionId.OPEN_LINK: ActionSpec(
        "&Open on the network",
        "Ctrl+O",
        "Open the published post in the browser",
        "&Posts",
    ),
    ActionId.TOGGLE_TICK: ActionSpec(
        "&Tick / untick", "Space", "Tick or untick the current row", "&Select"
    ),
    ActionId.TICK_ALL: ActionSpec(
        "Tick &all retryable",
        "Ctrl+Shift+A",
        "Tick every failure in the current filter that a retry can fix (temporary or unknown)",
        "&Select",
    ),
    ActionId.CLEAR: ActionSpec(
        "&Clear ticks", "Esc", "Untick everything and clear the selection", "&Select"
    ),
    ActionId.FIND: ActionSpec(
        "&Filter…", QKeySequence.StandardKey.Find, "Filter rows by text", "&View"
    ),
    ActionId.TAB_FAILED: ActionSpec("&Failed", "Alt+1", "Show failed destinations", "&View"),
    ActionId.TAB_PARTIAL: ActionSpec(
        "&Partially failed", "Alt+2", "Show posts that partly failed", "&View"
    ),
    ActionId.TAB_IN_FLIGHT: ActionSpec(
        "&In flight", "Alt+3", "Show destinations queued or publishing", "&View"
    ),
    ActionId.TAB_ALL: ActionSpec("&All", "Alt+4", "Show every destination", "&View"),
    ActionId.PALETTE: ActionSpec(
        "Command &palette…",
        "Ctrl+K",
        "Run any command or jump to a post or an account by name",
        "&View",
    ),
    # Ctrl+I as in "Get Info": F2 means rename to most desktops, and nothing here is renamed.
    ActionId.DETAILS: ActionSpec(
        "&Details pane",
        "Ctrl+I",
        "Show or hide the whole post, its errors, causes, retry history and account health",
        "&View",
    ),
    # Checkable (ui/desk.py): the off switch of the new-failure messages, saved per workspace.
    ActionId.NOTIFY: ActionSpec(
        "&Notify of new failures",
        None,
        "After each sync, tell me of new failures in one message (tray or in-window notice)",
        "&View",
    ),
    ActionId.SHORTCUTS: ActionSpec(
        "&Keyboard shortcuts", QKeySequence.StandardKey.HelpContents, "List shortcuts", "&Help"
    ),
    ActionId.QUIT: ActionSpec("&Quit", QKeySequence.StandardKey.Quit, "Close the window", "&File"),
}

# Ctrl+1..9 switch workspaces (ui/workspace_shell.py), as in chat and mail clients; the
# status tabs of the open workspace are Alt+1..4.
MENU_ORDER = ("&File", "&Posts", "&Select", "&View", "&Help")


def build_actions(
    owner: QObject, handlers: dict[ActionId, Callable[[], object]]
) -> dict[ActionId, QAction]:
    """One QAction per id, with its shortcut, wired to ``handlers[id]`` when given."""
    actions: dict[ActionId, QAction] = {}
    for action_id, spec in ACTION_SPECS.items():
        action = QAction(spec.text, owner)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setToolTip(spec.tip)
        action.setStatusTip(spec.tip)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        handler = handlers.get(action_id)
        if handler is not None:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        actions[action_id] = action
    return actions


def shortcut_text(action: QAction) -> str:
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
