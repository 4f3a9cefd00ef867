"""The command palette (Ctrl+K): type a few letters of any action, post or account, press Enter.

Every action of the window is listed by its menu name with its shortcut, read live from the
window's ``QAction``s (a disabled action shows disabled and cannot be run from here either).
Posts and accounts come from a callback the window supplies, each with an opaque key that
the palette hands back through :attr:`CommandPalette.jump_requested`: the palette never
knows what a post is, so the window decides what "jump" means (select the row, open it).
Matching is :func:`postretry_gui.domain.fuzzy.rank`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.domain.fuzzy import rank
from postretry_gui.ui.actions import ACTION_SPECS, ActionId, shortcut_text

# A list longer than this is scrolled past, never read: the best matches are at the top.
_MAX_SHOWN = 50
_WIDTH = 520
# Matches shown without scrolling.
_ROWS_TALL = 12
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_SHORTCUT_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class JumpTarget:
    """A post or an account the palette can jump to. ``key`` is the window's own."""

    name: str
    key: object
    kind: str  # shown beside the name: "Post", "Account"


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    hint: str  # the shortcut of an action, the kind of a jump target
    action: QAction | None = None
    target: JumpTarget | None = None

    @property
    def enabled(self) -> bool:
        return self.action is None or self.action.isEnabled()


def plain_name(menu_text: str) -> str:
    """A menu text as read aloud: without its mnemonic ampersand or trailing ellipsis."""
    return menu_text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


class _HintDelegate(QStyledItemDelegate):
    """Draws each entry's shortcut (or kind) right-aligned in a quieter colour."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        hint = index.data(_SHORTCUT_ROLE)
        if not hint:
            return
        painter.save()
        try:
            group = (
                QPalette.ColorGroup.Normal
                if option.state & QStyle.StateFlag.State_Enabled
                else QPalette.ColorGroup.Disabled
            )
            role = (
                QPalette.ColorRole.HighlightedText
                if option.state & QStyle.StateFlag.State_Selected
                else QPalette.ColorRole.PlaceholderText
            )
            painter.setPen(option.palette.color(group, role))
            rect = option.rect.adjusted(0, 0, -10, 0)
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(hint)
            )
        finally:
            painter.restore()


class CommandPalette(QFrame):
    """A frameless popup over the window: a line edit above a list of matches."""

    jump_requested = Signal(object)

    def __init__(
        self,
        window: QWidget,
        actions: Mapping[ActionId, QAction],
        jump_targets: Callable[[], Iterable[JumpTarget]] = lambda: (),
    ) -> None:
        super().__init__(window, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self._window = window
        self._actions = dict(actions)
        self._jump_targets = jump_targets
        self._entries: list[_Entry] = []
        self._targets: list[JumpTarget] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Command palette")
        self.setFixedWidth(_WIDTH)

        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Type a command, a post or an account…")
        self.query.setAccessibleName("Command")
        self.query.setAccessibleDescription(
            "Type to filter; Up and Down choose, Enter runs, Escape closes"
        )
        self.query.setClearButtonEnabled(True)
        self.matches = QListWidget(self)
        self.matches.setAccessibleName("Matching commands, posts and accounts")
        self.matches.setItemDelegate(_HintDelegate(self.matches))
        self.matches.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.matches.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.query)
        layout.addWidget(self.matches)

        self.query.textChanged.connect(self._refill)
        self.query.installEventFilter(self)
        self.matches.itemActivated.connect(lambda _item: self.run_current())

    # --- what the window calls ---

    def open(self) -> None:
        """Show over the top of the window with every action listed, the query empty."""
        # Asked once per opening, not per keystroke: the window may hold thousands of posts.
        self._targets = list(self._jump_targets())
        self.query.clear()
        self._refill()
        top_centre = self._window.mapToGlobal(QPoint(self._window.width() // 2, 0))
        self.move(top_centre.x() - _WIDTH // 2, top_centre.y() + 40)
        self.show()
        self.raise_()
        self.activateWindow()
        self.query.setFocus(Qt.FocusReason.PopupFocusReason)

    def shown_names(self) -> list[str]:
        """The names listed now, in order (what a user reads)."""
        return [self.matches.item(row).text() for row in range(self.matches.count())]

    def run_current(self) -> None:
        """Run the chosen action or ask the window to jump; then close."""
        item = self.matches.currentItem()
        if item is None or not (item.flags() & Qt.ItemFlag.ItemIsEnabled):
            return
        entry: _Entry = item.data(_ENTRY_ROLE)
        self.hide()
        if entry.action is not None:
            entry.action.trigger()
        elif entry.target is not None:
            self.jump_requested.emit(entry.target.key)

    # --- inside ---

    def _all_entries(self, with_targets: bool) -> list[_Entry]:
        entries = [
            _Entry(plain_name(ACTION_SPECS[action_id].text), shortcut_text(action), action)
            for action_id, action in self._actions.items()
            if action_id in ACTION_SPECS
        ]
        if with_targets:
            entries.extend(
                _Entry(target.name, target.kind, target=target) for target in self._targets
            )
        return entries

    def _refill(self) -> None:
        text = self.query.text()
        # An empty query lists the actions only: a workspace's posts number in the thousands.
        candidates = self._all_entries(with_targets=bool(text.strip()))
        self._entries = rank(text, candidates, lambda entry: entry.name)[:_MAX_SHOWN]
        self.matches.clear()
        for entry in self._entries:
            item = QListWidgetItem(entry.name)
            item.setData(_ENTRY_ROLE, entry)
            item.setData(_SHORTCUT_ROLE, entry.hint)
            spoken = f"{entry.name}, {entry.hint}" if entry.hint else entry.name
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            if not entry.enabled:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip("Not available now")
            self.matches.addItem(item)
        self._move_to(0, step=1)
        self._fit_list()

    def _fit_list(self) -> None:
        """As tall as its matches, up to a screenful of them: no empty box under two hits."""
        rows = max(1, min(self.matches.count(), _ROWS_TALL))
        row_height = self.matches.sizeHintForRow(0) if self.matches.count() else 20
        frame = 2 * self.matches.frameWidth()
        self.matches.setFixedHeight(rows * max(row_height, 1) + frame)
        self.adjustSize()

    def _move_to(self, row: int, step: int) -> None:
        """Make ``row`` current, or the nearest enabled row in the direction of ``step``."""
        count = self.matches.count()
        while 0 <= row < count:
            if self.matches.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.matches.setCurrentRow(row)
                return
            row += step

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            current = self.matches.currentRow()
            if key == Qt.Key.Key_Down:
                self._move_to(current + 1, step=1)
                return True
            if key == Qt.Key.Key_Up:
                self._move_to(current - 1, step=-1)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)
