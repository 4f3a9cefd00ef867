"""The Workspace menu's "Retry one post per request": the workspace's own setting, shown
checked when the operator chose it or when the app fell back to it (a bulk retry re-queued
destinations that were not ticked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSignalBlocker
from PySide6.QtGui import QAction


class SinglePostSetting(Protocol):
    """Where the setting lives (the window's session)."""

    def set_single_post_retries(self, on: bool) -> None: ...


def single_post_action(parent: QObject, setting: Callable[[], SinglePostSetting | None]) -> QAction:
    """The checkable action; a toggle by the operator goes to ``setting()`` (if any)."""
    action = QAction("Retry one &post per request", parent)
    action.setObjectName("single-post-retries")
    action.setCheckable(True)
    action.setEnabled(False)  # until a session with a bulk retry is attached
    action.setStatusTip(
        "Send one retry request per post instead of one per account for many posts: more "
        "requests, each acknowledged on its own."
    )

    def chosen(on: bool) -> None:
        target = setting()
        if target is not None:
            target.set_single_post_retries(on)

    action.toggled.connect(chosen)
    return action


def show_single_post(action: QAction, on: bool, *, bulk_available: bool | None = None) -> None:
    """Show the setting (without telling ``chosen``); ``bulk_available`` False greys the
    action out: a provider with no bulk retry sends one post per request anyway."""
    with QSignalBlocker(action):
        action.setChecked(on)
    if bulk_available is not None:
        action.setEnabled(bulk_available)
