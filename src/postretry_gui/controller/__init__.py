"""Async use-cases for the window, in plain asyncio (no Qt): load, refresh, retry, poll."""

from postretry_gui.controller.clock import Clock, SystemClock
from postretry_gui.controller.events import (
    NoticeLevel,
    NullListener,
    PostMark,
    PostOutcome,
    RetryReport,
    SessionListener,
    SyncState,
)
from postretry_gui.controller.journal_port import RetryJournal
from postretry_gui.controller.session import Selection, WorkspaceSession
from postretry_gui.controller.tasks import TaskSet

__all__ = [
    "Clock",
    "NoticeLevel",
    "NullListener",
    "PostMark",
    "PostOutcome",
    "RetryJournal",
    "RetryReport",
    "Selection",
    "SessionListener",
    "SyncState",
    "SystemClock",
    "TaskSet",
    "WorkspaceSession",
]
