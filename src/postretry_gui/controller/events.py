"""What a :class:`~postretry_gui.controller.session.WorkspaceSession` tells the window.

The UI implements :class:`SessionListener` (any object with these methods; no base class
needed) and receives plain frozen dataclasses. Every callback runs on the event loop's
thread, synchronously, and must return quickly: it updates models, never awaits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from postretry_gui.controller.unopened_journal import UnopenedJournal
from postretry_gui.domain import Outcome, Post


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class PostMark(StrEnum):
    """Something the session knows about a post that its destinations do not say."""

    # The provider answered 404: the post was deleted. Kept on screen, never retried.
    GONE = "gone"
    # A retry was sent but its answer was lost. Its destinations stay locked until a read of
    # the post shows what happened (then the mark clears); the retry is never resent.
    OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass(frozen=True, slots=True)
class PostOutcome:
    post_id: str
    outcome: Outcome
    # The account ids the request named (empty when nothing was sent).
    account_ids: frozenset[str] = frozenset()
    # One readable sentence for the operator; never a traceback, never a secret.
    message: str = ""


@dataclass(frozen=True, slots=True)
class RetryReport:
    """The result of one ``WorkspaceSession.retry()`` call, one entry per selected post."""

    outcomes: tuple[PostOutcome, ...] = ()

    @property
    def counts(self) -> Mapping[Outcome, int]:
        return Counter(o.outcome for o in self.outcomes)

    @property
    def requests_sent(self) -> int:
        return sum(1 for o in self.outcomes if o.outcome.sent)

    def of(self, post_id: str) -> PostOutcome | None:
        for outcome in self.outcomes:
            if outcome.post_id == post_id:
                return outcome
        return None

    def summary(self) -> str:
        """A status-bar sentence: "3 retried, 1 nothing to retry"."""
        parts = [
            f"{count} {outcome.value.replace('_', ' ')}"
            for outcome, count in sorted(self.counts.items(), key=lambda item: item[0].value)
        ]
        return ", ".join(parts) if parts else "nothing selected"


@dataclass(frozen=True, slots=True)
class SyncState:
    """Everything the status bar shows about the connection to the provider."""

    # When the last successful read of posts finished (UTC); None before the first.
    last_sync_at: datetime | None = None
    # The rate-limit window as the last response described it (None: not said).
    requests_left: int | None = None
    request_limit: int | None = None
    # Every rate window of the key, shortest first: "41 of 60 this minute · 870 of 1,000
    # this hour" (None: only the headers' one window is known, see ``requests_left``).
    budget: str | None = None
    online: bool = True
    # 401: the key was rejected; all background requests have stopped.
    key_rejected: bool = False
    # The last error, one readable sentence, or None once a request succeeds again.
    last_error: str | None = None
    # True while the initial load is still fetching pages behind the first one.
    loading: bool = False
    # True once every failed post has been loaded (the "Failed" tab is complete).
    failures_loaded: bool = False
    # Posts the poller is watching until their retried destinations settle.
    polling_posts: int = 0
    posts_loaded: int = 0
    # The workspace retries one post per request (the operator's setting, or set by the app
    # when a bulk retry re-queued more than it was asked to).
    single_post_retries: bool = False
    # Why every retry is refused (the retry journal was configured but could not be opened),
    # with what to do; None while retries may be sent.
    retries_off: str | None = None
    # The local journal that could not be opened (so retries are off): Ctrl+H says why and
    # shows its history read-only when the file can be read as it lies.
    unopened_journal: UnopenedJournal | None = None


class SessionListener(Protocol):
    """The window's side of the session. All methods are called on the loop thread."""

    def posts_changed(self, posts: Sequence[Post]) -> None:
        """These posts are new or changed, or their eligibility changed (locked, unlocked,
        marked): redraw their rows. One call per batch (a page, an ack, a poll round)."""
        ...

    def sync_changed(self, state: SyncState) -> None:
        """The status bar's facts changed."""
        ...

    def retry_finished(self, report: RetryReport) -> None:
        """A ``retry()`` call ended (the same report it returns)."""
        ...

    def notice(self, level: NoticeLevel, text: str) -> None:
        """A readable message for the operator (status bar or a banner)."""
        ...


class NullListener:
    """A listener that ignores everything: for headless use and tests that only await."""

    def posts_changed(self, posts: Sequence[Post]) -> None:
        pass

    def sync_changed(self, state: SyncState) -> None:
        pass

    def retry_finished(self, report: RetryReport) -> None:
        pass

    def notice(self, level: NoticeLevel, text: str) -> None:
        pass
