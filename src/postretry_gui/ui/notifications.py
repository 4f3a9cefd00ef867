"""Telling the operator about new failures without being asked: a tray message where the
desktop has a tray, an in-window notice where it has none.

One message per sync (:class:`~postretry_gui.domain.new_failures.FailureDigest`), never one
per row. Clicking the message (or the window's notice, through :meth:`Notifier.open_last`)
emits :attr:`Notifier.activated` with the destinations' (post id, account id) keys, so the
window can raise itself and select those rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSystemTrayIcon,
    QWidget,
)

from postretry_gui.domain.new_failures import DestinationKey, FailureDigest

# The settings key (a bool in the workspace settings JSON) that switches notifications off.
NOTIFY_SETTING_KEY = "notify_new_failures"
NOTIFY_DEFAULT = True
_TITLE = "New failures"
_SHOWN_MS = 10_000


class Notifier(QObject):
    """Shows a :class:`FailureDigest`; remembers it until the next one, for a click."""

    # The window shows this sentence in its banner (no tray on this desktop).
    notice_requested = Signal(str)
    # The operator clicked the message: raise the window and select these keys.
    activated = Signal(list)

    def __init__(
        self,
        icon: QIcon,
        enabled: bool = NOTIFY_DEFAULT,
        parent: QObject | None = None,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
    ) -> None:
        super().__init__(parent)
        self._enabled = enabled
        self._last: tuple[DestinationKey, ...] = ()
        self._tray: QSystemTrayIcon | None = None
        # Asked once: a tray that appears later (a panel restarted) is picked up on restart.
        if tray_available():
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("postretry")
            self._tray.messageClicked.connect(self.open_last)
            self._tray.setVisible(enabled)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def uses_tray(self) -> bool:
        return self._tray is not None

    @property
    def tray(self) -> QSystemTrayIcon | None:
        """The tray icon, for the window to give it a menu (show, quit); None: no tray."""
        return self._tray

    def set_enabled(self, enabled: bool) -> None:
        """The off switch; the caller saves it under :data:`NOTIFY_SETTING_KEY`."""
        self._enabled = enabled
        if self._tray is not None:
            self._tray.setVisible(enabled)

    def notify(self, digest: FailureDigest | None) -> bool:
        """Show the digest of a sync; True when something was shown."""
        if digest is None or not self._enabled:
            return False
        self._last = digest.keys
        message = digest.message()
        if self._tray is not None:
            self._tray.showMessage(_TITLE, message, QSystemTrayIcon.MessageIcon.Warning, _SHOWN_MS)
        else:
            self.notice_requested.emit(message)
        return True

    def open_last(self) -> None:
        """The operator clicked the last message: ask the window to show its rows."""
        if self._last:
            self.activated.emit(list(self._last))


class NoticeBanner(QFrame):
    """The in-window notice where there is no tray: a line above the table with a button to
    show the rows and one to dismiss. Hidden until :meth:`show_notice`."""

    # The operator asked to see the rows: connect to :meth:`Notifier.open_last`.
    opened = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # The palette's highlight at low strength: noticeable in light and dark alike.
        self.setStyleSheet(
            "#noticeBanner { background: palette(alternate-base);"
            " border: 1px solid palette(highlight); border-radius: 4px; }"
        )
        self.setAccessibleName("New failures")
        # One line tall whatever the window's height: it sits above the table, not in its place.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.message = QLabel(self)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_rows = QPushButton("Show &them", self)  # Alt+S is the Select menu
        self.show_rows.setAccessibleName("Show the new failures")
        self.dismiss = QPushButton("Dismiss", self)
        self.dismiss.setAccessibleName("Dismiss the notice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.show_rows)
        layout.addWidget(self.dismiss)
        self.show_rows.clicked.connect(self._open)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.show()

    def _open(self) -> None:
        self.hide()
        self.opened.emit()
