"""The first screen when no workspace exists: add one, or try the demo on the simulator."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomeWindow(QWidget):
    addRequested = Signal()
    demoRequested = Signal()
    closed = Signal()

    def __init__(self, notice: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWindowTitle("postretry — welcome")
        self.resize(620, 420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 36, 48, 36)
        layout.setSpacing(14)
        title = QLabel("<h2>Retry failed posts, never twice</h2>", self)
        layout.addWidget(title)
        intro = QLabel(
            "A workspace is one PostEverywhere or Ayrshare account: a name, the API key (kept "
            "in the system keyring) and, for Ayrshare, an optional Profile-Key. Add one to "
            "see its failed destinations, or try the demo: it runs a built-in simulator of "
            "both services on this computer, with made-up posts and no real key.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.notice_label = QLabel(notice or "", self)
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet("color: #92400E;")
        self.notice_label.setVisible(bool(notice))
        layout.addWidget(self.notice_label)
        self.add_button = QPushButton("&Add a workspace…", self)
        self.add_button.setDefault(True)
        self.add_button.setMinimumHeight(40)
        self.demo_button = QPushButton("&Try the demo", self)
        self.demo_button.setMinimumHeight(40)
        layout.addWidget(self.add_button)
        layout.addWidget(self.demo_button)
        layout.addStretch(1)
        self.add_button.clicked.connect(self.addRequested.emit)
        self.demo_button.clicked.connect(self.demoRequested.emit)
        self.setTabOrder(self.add_button, self.demo_button)
        self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()
