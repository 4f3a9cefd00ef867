"""What the operator sees when the system keyring cannot keep a key: what happened, what to
do on this platform, and the explicit choice to keep the key in memory for this session only.
There is no plaintext fallback, and no choice is made silently."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from postretry_gui.store.errors import KeyringUnavailable


class KeyringChoice(Enum):
    SESSION_ONLY = auto()
    TRY_AGAIN = auto()
    CANCEL = auto()


def save_after(choice: KeyringChoice, save_again: Callable[[bool], object]) -> None:
    """Save again as the operator chose: for this session only, or to the keyring again."""
    if choice is KeyringChoice.SESSION_ONLY:
        save_again(True)
    elif choice is KeyringChoice.TRY_AGAIN:
        save_again(False)


def keyring_text(error: KeyringUnavailable) -> tuple[str, str]:
    """(heading, explanation) for ``error``."""
    reason = error.reason[:1].upper() + error.reason[1:]
    return (
        "The key cannot be saved in the system keyring.",
        f"{reason}.\n\nWhat to do: {error.remedy}\n\n"
        "Or keep the key for this session only: it stays in this app's memory, is written "
        "nowhere, and is forgotten when the app closes (you will be asked for it next time).",
    )


class KeyringDialog(QMessageBox):
    """``choice`` is set when the dialog finishes; ``open()`` it, then read it on
    ``finished``. Esc cancels (nothing is stored)."""

    def __init__(self, error: KeyringUnavailable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyring-dialog")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("System keyring unavailable")
        heading, explanation = keyring_text(error)
        self.setText(f"<b>{heading}</b>")
        self.setInformativeText(explanation)
        # QMessageBox wraps long text in a narrow column; the remedy reads better wider.
        self.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 460px; }")
        self.session_button: QPushButton = self.addButton(
            "Keep for this &session only", QMessageBox.ButtonRole.AcceptRole
        )
        self.retry_button: QPushButton = self.addButton(
            "&Try again", QMessageBox.ButtonRole.ActionRole
        )
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.retry_button)
        self.setEscapeButton(cancel)
        self.choice = KeyringChoice.CANCEL
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        if button is self.session_button:
            self.choice = KeyringChoice.SESSION_ONLY
        elif button is self.retry_button:
            self.choice = KeyringChoice.TRY_AGAIN
        else:
            self.choice = KeyringChoice.CANCEL


def ask_keyring(
    error: KeyringUnavailable,
    parent: QWidget | None,
    then: Callable[[KeyringChoice], object],
) -> KeyringDialog:
    """Open the dialog (window-modal, deleted on close); ``then`` gets the choice."""
    dialog = KeyringDialog(error, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _result: then(dialog.choice))
    dialog.open()
    return dialog
