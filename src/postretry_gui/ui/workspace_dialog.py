"""Add or edit a workspace: name, provider, base URL and secrets, with the key checked by
one cheap request before anything is saved.

The check runs as a task while the form is busy; Esc cancels the check (and, when nothing
is running, the dialog). Saving is the caller's: ``save_handler`` stores the workspace (the
keyring may refuse, and the caller may then ask about a session-only key) and calls
``saved()`` to close the dialog, or leaves it open.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from postretry_gui.controller.workspaces import KeyCheck, KeyChecker, KeyVerdict, draft_workspace
from postretry_gui.domain.provider_spec import ProviderCatalog, ProviderSpec
from postretry_gui.store import StoreError, Workspace, WorkspaceSecrets
from postretry_gui.ui.team_section import TeamSection

# The one secret every provider has, always on the form; each provider's other secrets go in
# a box of their own, shown while that provider is chosen.
API_KEY = "api_key"

SaveHandler = Callable[["WorkspaceDialog", Workspace, WorkspaceSecrets], None]

_RESULT_COLOURS = {
    KeyVerdict.ACCEPTED: "#166534",
    KeyVerdict.REJECTED: "#B91C1C",
    KeyVerdict.UNREACHABLE: "#92400E",
    KeyVerdict.FAILED: "#B91C1C",
}


def _secret_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    # Never offered to input methods' prediction or a clipboard history by Qt.
    edit.setInputMethodHints(
        Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
    )
    return edit


class WorkspaceDialog(QDialog):
    """``existing`` set: edit that workspace (its provider is fixed; secret fields start
    empty, and empty optional ones keep what is stored). ``reason`` is shown on top (why
    the dialog opened: a rejected key, a keyring that lost it)."""

    checkFinished = Signal(object)  # KeyCheck

    def __init__(
        self,
        checker: KeyChecker,
        save_handler: SaveHandler,
        parent: QWidget | None = None,
        *,
        providers: ProviderCatalog,
        existing: Workspace | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._providers = providers
        self._checker = checker
        self._save_handler = save_handler
        self.existing = existing
        self._task: asyncio.Task[KeyCheck] | None = None
        self._save_after_check = False
        self._last_check: KeyCheck | None = None
        self._base_url_edited = False
        self.setObjectName("workspace-dialog")
        self.setWindowTitle("Edit workspace" if existing else "Add a workspace")
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        if reason:
            self.reason_label = QLabel(reason, self)
            self.reason_label.setWordWrap(True)
            self.reason_label.setObjectName("reason")
            self.reason_label.setStyleSheet(
                "QLabel#reason { background: #FEF3C7; color: #78350F; padding: 6px; }"
            )
            layout.addWidget(self.reason_label)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("e.g. Client A")
        form.addRow("&Name:", self.name_edit)
        self.provider_combo = QComboBox(self)
        for spec in providers:
            self.provider_combo.addItem(spec.display_name, spec.kind)
        form.addRow("&Provider:", self.provider_combo)
        self.base_url_edit = QLineEdit(self)
        form.addRow("&Base URL:", self.base_url_edit)
        self.api_key_edit = _secret_edit(self, "paste the API key")
        form.addRow("API &key:", self.api_key_edit)
        layout.addLayout(form)

        # kind -> (its box of further secrets, their edits by secret name)
        self.secret_boxes: dict[str, tuple[QGroupBox, dict[str, QLineEdit]]] = {}
        hint = "unchanged if left empty" if existing else "optional"
        for spec in providers:
            further = [f for f in spec.secret_fields if f.name != API_KEY]
            if not further:
                continue
            box = QGroupBox(f"{spec.display_name} (optional)", self)
            box_form = QFormLayout(box)
            edits: dict[str, QLineEdit] = {}
            for secret in further:
                edits[secret.name] = _secret_edit(box, hint)
                box_form.addRow(secret.label, edits[secret.name])
            self.secret_boxes[spec.kind] = (box, edits)
            layout.addWidget(box)

        self.team_section = TeamSection(
            self,
            _secret_edit(self, "unchanged if left empty" if existing else "from the keyring"),
            existing=existing.team if existing else None,
        )
        layout.addWidget(self.team_section)

        self.result_label = QLabel("The key is checked with one request before saving.", self)
        self.result_label.setObjectName("check-result")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)

        self.buttons = QDialogButtonBox(self)
        self.check_button = QPushButton("C&heck key", self)
        self.check_button.setAutoDefault(False)
        self.buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)

        self.check_button.clicked.connect(lambda: self.start_check(save_after=False))
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.provider_combo.currentIndexChanged.connect(self._provider_changed)
        self.base_url_edit.textEdited.connect(self._url_edited)
        for edit in self._inputs():
            if isinstance(edit, QLineEdit):
                edit.textEdited.connect(lambda _text: self._forget_check())

        if existing is not None:
            self.name_edit.setText(existing.name)
            self.provider_combo.setCurrentIndex(self.provider_combo.findData(existing.provider))
            self.provider_combo.setEnabled(False)
            self.base_url_edit.setText(existing.base_url)
            self._base_url_edited = True
        self._provider_changed()
        (self.api_key_edit if existing else self.name_edit).setFocus()

    # -- the form --------------------------------------------------------------------------

    def _inputs(self) -> list[QWidget]:
        return [
            self.name_edit,
            self.provider_combo,
            self.base_url_edit,
            self.api_key_edit,
            *(edit for _, edits in self.secret_boxes.values() for edit in edits.values()),
            self.team_section,
        ]

    @property
    def provider(self) -> ProviderSpec:
        return self._providers.spec(self.provider_combo.currentData())

    def _provider_changed(self) -> None:
        for kind, (box, _) in self.secret_boxes.items():
            box.setVisible(kind == self.provider.kind)
        self.base_url_edit.setPlaceholderText(self.provider.default_base_url)
        if not self._base_url_edited:
            self.base_url_edit.setText(self.provider.default_base_url)
        self._forget_check()
        self.adjustSize()

    def _url_edited(self, _text: str) -> None:
        self._base_url_edited = True

    def _forget_check(self) -> None:
        self._last_check = None
        self.save_button.setText("Save")

    def values(self) -> tuple[Workspace, WorkspaceSecrets]:
        """The form as a draft workspace and its secrets (``StoreError`` for a bad name or
        URL). Empty optional secrets are None."""
        draft = draft_workspace(
            self.name_edit.text(),
            self.provider.kind,
            self.base_url_edit.text().strip() or None,
            self._providers,
        )

        def value(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        # Only the chosen provider's secrets: what was typed for another one is not kept.
        _, further = self.secret_boxes.get(self.provider.kind, (None, {}))
        team, team_password = self.team_section.values()
        secrets = WorkspaceSecrets(
            api_key=value(self.api_key_edit),
            team_db_password=team_password,
            **{name: value(edit) for name, edit in further.items()},
        )
        return replace(draft, team=team), secrets

    def show_message(self, text: str, colour: str = "") -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {colour};" if colour else "")

    # -- checking and saving ---------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True from the start of a check until its verdict is shown."""
        return self._task is not None

    def _set_busy(self, busy: bool) -> None:
        for widget in self._inputs():
            widget.setEnabled(not busy and not (widget is self.provider_combo and self.existing))
        self.check_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.cancel_button.setText("Stop checking" if busy else "Cancel")

    def save(self) -> None:
        """Check the key, then save when it was accepted. After "server unreachable" the
        button reads "Save anyway" and a second press saves without a check."""
        if self.busy:
            return
        if self._last_check is not None and self._last_check.verdict is KeyVerdict.UNREACHABLE:
            self._hand_over()
            return
        self.start_check(save_after=True)

    def start_check(self, *, save_after: bool) -> None:
        if self.busy:
            return
        try:
            draft, secrets = self.values()
        except StoreError as error:
            self.show_message(str(error), _RESULT_COLOURS[KeyVerdict.FAILED])
            return
        if secrets.api_key is None:
            self.show_message("Enter the API key.", _RESULT_COLOURS[KeyVerdict.FAILED])
            self.api_key_edit.setFocus()
            return
        self._save_after_check = save_after
        self.show_message("Checking the key… (Esc stops)")
        self._set_busy(True)
        self._task = asyncio.get_running_loop().create_task(self._checker(draft, secrets))
        self._task.add_done_callback(self._checked)

    def cancel_check(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _checked(self, task: asyncio.Task[KeyCheck]) -> None:
        self._task = None
        self._set_busy(False)
        if task.cancelled():
            self.show_message("Check stopped. Nothing was saved.")
            return
        error = task.exception()
        if error is not None:
            self.show_message(f"The check failed ({type(error).__name__}).", "#B91C1C")
            # A bug, not a verdict: to the crash reporter.
            sys.excepthook(type(error), error, error.__traceback__)
            return
        check = task.result()
        self._last_check = check
        self.show_message(check.message, _RESULT_COLOURS[check.verdict])
        self.checkFinished.emit(check)
        if check.verdict is KeyVerdict.UNREACHABLE:
            self.save_button.setText("Save anyway")
        if check.ok and self._save_after_check:
            self._hand_over()
        elif check.verdict is KeyVerdict.REJECTED:
            self.api_key_edit.setFocus()
            self.api_key_edit.selectAll()

    def _hand_over(self) -> None:
        try:
            draft, secrets = self.values()
        except StoreError as error:
            self.show_message(str(error), "#B91C1C")
            return
        self._save_handler(self, draft, secrets)

    def saved(self) -> None:
        """The caller stored the workspace: close."""
        self.accept()

    # -- keys ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.busy:
            self.cancel_check()
            event.accept()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.busy:
            self.cancel_check()
            return
        super().reject()

    def done(self, result: int) -> None:
        # Closing ends a running check; its verdict has no dialog left to land in.
        task, self._task = self._task, None
        if task is not None:
            task.remove_done_callback(self._checked)
            task.cancel()
        self.team_section.stop()
        super().done(result)
