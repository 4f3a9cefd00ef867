"""A readable dialog for an unexpected error, and the hook that routes errors to it.

Everything shown, copied or logged is passed through ``redact()`` first: a traceback can
hold a key (a header dict in a frame's repr, an exception message echoing a request).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.store.redaction import redact

log = logging.getLogger("postretry_gui.crash")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def error_details(error: BaseException) -> str:
    """The traceback as text, redacted."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return redact(text)


def error_summary(error: BaseException) -> str:
    message = redact(str(error)).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class CrashDialog(QDialog):
    """Says that something went wrong, that the work is safe, and where the log is."""

    def __init__(
        self, summary: str, details: str, log_path: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("postretry — unexpected error")
        self.setObjectName("crash-dialog")
        self.resize(640, 420)
        self.details = redact(details)
        layout = QVBoxLayout(self)
        heading = QLabel("<b>Something went wrong inside postretry.</b>", self)
        layout.addWidget(heading)
        where = f"The details were written to the log file:<br><code>{log_path}</code>"
        self.explanation = QLabel(
            f"{redact(summary)}<br><br>No retry was sent because of this error. You can keep "
            "working; if it happens again, send the details below with your bug report "
            "(keys are removed from them).<br><br>"
            + (where if log_path else "No log file is configured."),
            self,
        )
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.explanation)
        self.text = QPlainTextEdit(self.details, self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("&Copy details", self)
        self.copy_button.setAutoDefault(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_details)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


class CrashReporter:
    """Logs an unexpected error (redacted) and shows it in a :class:`CrashDialog`.

    ``parent`` returns the window to show the dialog over (None: top-level). Only one
    dialog is open at a time; errors that come while it is open are logged and counted in
    it, so a failing timer cannot bury the screen under dialogs.
    """

    def __init__(
        self,
        log_path: Path | None,
        parent: Callable[[], QWidget | None] = lambda: None,
    ) -> None:
        self.log_path = log_path
        self._parent = parent
        self.dialog: CrashDialog | None = None
        self.reported = 0
        self._previous_hook: ExceptHook | None = None

    def report(self, error: BaseException) -> None:
        details = error_details(error)
        summary = error_summary(error)
        self.reported += 1
        # Logged as text already redacted: log records also reach handlers without the
        # redacting filter (a test's caplog, a debugging console).
        log.error("Unexpected error: %s\n%s", summary, details)
        if self.dialog is not None:
            self.dialog.text.appendPlainText(f"\n--- another error ---\n{details}")
            self.dialog.details += f"\n--- another error ---\n{details}"
            return
        dialog = CrashDialog(summary, details, self.log_path, self._parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()

    def _closed(self, _result: int) -> None:
        self.dialog = None

    def excepthook(
        self, exc_type: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, error, tb)
            return
        if error.__traceback__ is None and tb is not None:
            error = error.with_traceback(tb)
        try:
            self.report(error)
        except Exception:  # the hook itself must never raise: fall back to a redacted line
            sys.stderr.write(redact(f"postretry-gui: unexpected error: {error_summary(error)}\n"))

    def install(self) -> None:
        """Route ``sys.excepthook`` (and so the task helper's default) here."""
        if self._previous_hook is None:
            self._previous_hook = sys.excepthook
            sys.excepthook = self.excepthook

    def uninstall(self) -> None:
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None
        if self.dialog is not None:
            self.dialog.close()
