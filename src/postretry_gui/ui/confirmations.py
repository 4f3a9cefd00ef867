"""The questions asked before something that cannot be taken back: a retry (it can publish
again) and the removal of a workspace (its keys leave the keyring). Each is window-modal and
calls back only when the operator said yes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from postretry_gui.controller.confirmation import RetryConfirmation


def retry_question(destinations: int, posts: int) -> str:
    d = "destination" if destinations == 1 else "destinations"
    p = "post" if posts == 1 else "posts"
    return f"Retry {destinations} {d} in {posts} {p}?"


def confirm_retry(
    parent: QWidget,
    destinations: int,
    posts: int,
    plan: RetryConfirmation,
    answered: Callable[[QMessageBox, bool], None],
) -> QMessageBox:
    """Open "Retry N destinations in M posts?" naming the plan ("...: K requests") and any
    warning about the budget; ``answered(box, accepted)`` when it closes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if plan.warning else QMessageBox.Icon.Question)
    box.setWindowTitle("Retry")
    box.setText(retry_question(destinations, posts))
    sentences = [f"{plan.question}.", plan.detail]
    if plan.warning:
        sentences.append(f"\n\n{plan.warning}")
    box.setInformativeText(" ".join(sentences))
    retry_button = box.addButton("Retry", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(retry_button)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _result: answered(box, box.clickedButton() is retry_button))
    box.open()
    return box


def confirm_removal(parent: QWidget, name: str, remove: Callable[[], object]) -> QMessageBox:
    """Open "Remove the workspace …?"; ``remove()`` only if the operator confirms."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Remove workspace")
    box.setText(f"Remove the workspace “{name}”?")
    box.setInformativeText(
        "Its keys are deleted from the system keyring. Nothing changes at the provider."
    )
    remove_button = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _r: box.clickedButton() is remove_button and remove())
    box.open()
    return box
