"""The workspace dialog's "Team database" section: share the workspace through the team's
PostgreSQL (URL without password, the password for the keyring, this operator's name) and
check the connection before saving.

The check connects and brings the team schema up to date (``controller.team_opener``), and
shows the store's own sentence when it cannot: a URL it cannot read, no server, a refused
login, a server too old, a schema newer than the app. The password never appears in it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from postretry_gui.controller.team_opener import check_team_database
from postretry_gui.store import StoreError
from postretry_gui.store.journal import current_operator
from postretry_gui.store.team import TeamSettings
from postretry_gui.store.workspace_team import team_settings

TeamChecker = Callable[[TeamSettings, str | None], Coroutine[Any, Any, str]]

_OK_COLOUR = "#166534"
_BAD_COLOUR = "#B91C1C"


class TeamSection(QGroupBox):
    """Checkable: unchecked, the workspace runs on this machine alone."""

    def __init__(
        self,
        parent: QWidget,
        password_edit: QLineEdit,
        *,
        existing: TeamSettings | None = None,
        checker: TeamChecker = check_team_database,
    ) -> None:
        super().__init__("Team database (shared with other operators)", parent)
        self.setObjectName("team-section")
        self.setCheckable(True)
        self.setChecked(existing is not None)
        self.checker = checker
        self._task: asyncio.Task[str] | None = None
        form = QFormLayout(self)
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText(
            "postgresql://alice@db.example.com/postretry?sslmode=verify-full"
        )
        form.addRow("PostgreSQL &URL:", self.url_edit)
        self.password_edit = password_edit
        password_edit.setParent(self)
        form.addRow("Pass&word:", password_edit)
        self.operator_edit = QLineEdit(self)
        self.operator_edit.setPlaceholderText(current_operator())
        form.addRow("&Operator name:", self.operator_edit)
        self.check_button = QPushButton("Check &connection", self)
        self.check_button.setAutoDefault(False)
        self.result_label = QLabel("", self)
        self.result_label.setObjectName("team-check-result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.check_button, self.result_label)
        if existing is not None:
            self.url_edit.setText(existing.url)
            self.operator_edit.setText(existing.operator)
        self.check_button.clicked.connect(self.start_check)

    def values(self) -> tuple[TeamSettings | None, str | None]:
        """The team settings (None: run alone) and the typed password (None: keep the
        stored one, or none). ``StoreError`` says what is wrong with the URL or name."""
        if not self.isChecked():
            return None, None
        settings = team_settings(self.url_edit.text(), self.operator_edit.text())
        return settings, self.password_edit.text().strip() or None

    def show_result(self, text: str, colour: str) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {colour};")

    @property
    def checking(self) -> bool:
        return self._task is not None

    def start_check(self) -> None:
        if self._task is not None:
            return
        try:
            settings, password = self.values()
        except StoreError as error:
            self.show_result(str(error), _BAD_COLOUR)
            return
        if settings is None:
            return
        self.show_result("Connecting…", "")
        self.check_button.setEnabled(False)
        self._task = asyncio.get_running_loop().create_task(self.checker(settings, password))
        self._task.add_done_callback(self._checked)

    def _checked(self, task: asyncio.Task[str]) -> None:
        self._task = None
        self.check_button.setEnabled(True)
        if task.cancelled():
            self.show_result("Check stopped.", "")
            return
        error = task.exception()
        if isinstance(error, StoreError):
            self.show_result(str(error), _BAD_COLOUR)
        elif error is not None:
            self.show_result(f"The check failed ({type(error).__name__}).", _BAD_COLOUR)
            sys.excepthook(type(error), error, error.__traceback__)
        else:
            self.show_result(task.result(), _OK_COLOUR)

    def stop(self) -> None:
        """The dialog closes: a running check has nowhere to land."""
        task, self._task = self._task, None
        if task is not None:
            task.remove_done_callback(self._checked)
            task.cancel()
