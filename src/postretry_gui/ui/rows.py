"""What one row of the destination tree shows, computed once per change (no Qt here).

The Qt model only hands out the strings prepared here: ``data()`` runs thousands of times
per paint, so nothing in it may format a date or lowercase a string.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Protocol

# From the events module itself: the controller package pulls in its session, whose
# provider imports the UI must never depend on (import-linter's contract).
from postretry_gui.controller.bulk_events import BulkObserver, JobControl
from postretry_gui.controller.confirmation import RetryConfirmation
from postretry_gui.controller.events import PostMark, SyncState
from postretry_gui.controller.journal_port import RetryJournal
from postretry_gui.controller.shared_journal import AsyncHistory
from postretry_gui.domain import (
    AccountHealth,
    Destination,
    Eligibility,
    Post,
    ProviderCapabilities,
    Status,
    Verdict,
)
from postretry_gui.domain.platforms import account_display_name, platform_display_name
from postretry_gui.domain.triage import Cause


class Column(IntEnum):
    CHECK = 0
    POST = 1
    PLATFORM = 2
    ACCOUNT = 3
    STATUS = 4
    ATTEMPTS = 5
    ERROR = 6
    LINK = 7
    CHANGED = 8
    # Last, so the columns before keep their numbers; the view shows it beside Status.
    CAUSE = 9


COLUMN_TITLES = {
    Column.CHECK: "",
    Column.POST: "Post",
    Column.PLATFORM: "Platform",
    Column.ACCOUNT: "Account",
    Column.STATUS: "Status",
    Column.ATTEMPTS: "Attempts",
    Column.ERROR: "Error",
    Column.LINK: "Link",
    Column.CHANGED: "Changed",
    Column.CAUSE: "Cause",
}


class Badge(StrEnum):
    """What the status column says. Each badge has its own icon shape and word, so the
    status reads without colour; colour only repeats it."""

    PUBLISHED = "published"
    FAILED = "failed"
    RECONNECT = "reconnect"
    QUEUED = "queued"
    PUBLISHING = "publishing"
    OUTCOME_UNKNOWN = "outcome_unknown"
    GONE = "gone"
    UNKNOWN = "unknown"


BADGE_TEXT = {
    Badge.PUBLISHED: "Published",
    Badge.FAILED: "Failed",
    Badge.RECONNECT: "Reconnect",
    Badge.QUEUED: "Queued",
    Badge.PUBLISHING: "Publishing",
    Badge.OUTCOME_UNKNOWN: "Outcome unknown",
    Badge.GONE: "Post gone",
    Badge.UNKNOWN: "Unknown",
}

# The status icon file (resources/status/<name>.svg) of each badge.
BADGE_ICON = {
    Badge.PUBLISHED: "published",
    Badge.FAILED: "failed",
    Badge.RECONNECT: "reconnect",
    Badge.QUEUED: "queued",
    Badge.PUBLISHING: "publishing",
    Badge.OUTCOME_UNKNOWN: "unknown",
    Badge.GONE: "gone",
    Badge.UNKNOWN: "unknown",
}

# Text colour of each badge: dark enough on white to pass WCAG AA as text.
BADGE_COLOR = {
    Badge.PUBLISHED: "#15803D",
    Badge.FAILED: "#B91C1C",
    Badge.RECONNECT: "#B45309",
    Badge.QUEUED: "#4B5563",
    Badge.PUBLISHING: "#1D4ED8",
    Badge.OUTCOME_UNKNOWN: "#6B21A8",
    Badge.GONE: "#374151",
    Badge.UNKNOWN: "#6B21A8",
}


EXCERPT_CHARS = 80


class RowOracle(Protocol):
    """What the rows need to know beyond the post itself; the controller's
    ``WorkspaceSession`` is one."""

    @property
    def capabilities(self) -> ProviderCapabilities: ...

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility: ...

    def mark(self, post_id: str) -> PostMark | None: ...

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]: ...

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        """What will fix a failed destination (None: not failed): the cause column, its
        filter and tab counts, the detail pane and the grouped notification read this."""
        ...


class SessionPort(RowOracle, Protocol):
    """What the window needs from the controller's ``WorkspaceSession``: its answers about
    rows plus the work it starts. A Protocol, so the UI depends on no provider module."""

    @property
    def sync_state(self) -> SyncState: ...

    def start_refresh(self) -> asyncio.Task[None]: ...

    @property
    def journal(self) -> RetryJournal | None: ...

    @property
    def history_source(self) -> RetryJournal | AsyncHistory | None:
        """What Ctrl+H reads: the local journal, or the team's (read over the network)."""
        ...

    @property
    def posts(self) -> Mapping[str, Post]: ...

    def count_causes(self, posts_at_most: int) -> Counter[Cause] | None:
        """How many failed destinations of ``posts`` have each cause (the filter's counts),
        counting at most ``posts_at_most`` posts changed since the last count; None while
        some remain (ask again on a later turn)."""
        ...

    def health_of(self, account_id: str) -> AccountHealth | None: ...

    def confirmations(self, post: Post, ticked: frozenset[str]) -> tuple[str, ...]:
        """The sentences to confirm before retrying ``ticked`` of ``post`` by hand (empty:
        nothing to ask): why each will probably fail again or go out twice."""
        ...

    def retry(
        self, selection: Mapping[str, frozenset[str]], *, observer: BulkObserver | None = None
    ) -> JobControl:
        """Start one retry job for ``selection`` (Ctrl+R); the only way a retry starts."""
        ...

    def confirmation(self, selection: Mapping[str, frozenset[str]]) -> RetryConfirmation:
        """What the Ctrl+R confirmation says about retrying ``selection`` (its plan)."""
        ...

    @property
    def single_post_retries(self) -> bool: ...

    def set_single_post_retries(self, on: bool) -> None: ...

    async def aclose(self) -> None: ...


def platform_name(platform: str) -> str:
    return platform_display_name(platform) or "Unknown"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def when(moment: datetime | None) -> str:
    """A short local time: what an operator compares at a glance."""
    if moment is None:
        return ""
    try:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return ""


def safe_link(url: str | None) -> str | None:
    """Only web links open in the browser: a server could send ``file:`` or worse."""
    if not url:
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("https://", "http://")):
        return url.strip()
    return None


def badge_of(destination: Destination, verdict: Verdict, mark: PostMark | None) -> Badge:
    if mark is PostMark.GONE:
        return Badge.GONE
    status = destination.status
    if mark is PostMark.OUTCOME_UNKNOWN and (not status.settled or verdict is Verdict.IN_FLIGHT):
        return Badge.OUTCOME_UNKNOWN
    if status is Status.PUBLISHING:
        return Badge.PUBLISHING
    # A locked failure is a retry on its way: it reads "queued" the moment it is sent.
    if status is Status.QUEUED or verdict is Verdict.IN_FLIGHT:
        return Badge.QUEUED
    if status is Status.FAILED:
        return Badge.RECONNECT if verdict is Verdict.RECONNECT_REQUIRED else Badge.FAILED
    if status is Status.PUBLISHED:
        return Badge.PUBLISHED
    return Badge.UNKNOWN


class StatusTab(IntEnum):
    """The status filters, in tab order; FAILED is what the window opens on."""

    FAILED = 0
    PARTIAL = 1
    IN_FLIGHT = 2
    ALL = 3


TAB_TITLES = {
    StatusTab.FAILED: "Failed",
    StatusTab.PARTIAL: "Partially failed",
    StatusTab.IN_FLIGHT: "In flight",
    StatusTab.ALL: "All",
}


@dataclass(slots=True, eq=False)
class DestinationRow:
    """One destination's row. Mutable on purpose: an update rewrites it in place so that
    Qt's indexes and the selection stay where they are.

    What it shows (eligibility, badge, strings) is computed on first use and cached until
    the destination or its post changes: loading 100,000 rows must not format 100,000
    dates nobody scrolls to, and painting must never format anything twice.
    """

    post_row: PostRow
    destination: Destination
    changed_at: datetime | None
    ticked: bool = False
    row: int = -1
    _eligibility: Eligibility | None = None
    _badge: Badge | None = None
    _cause: tuple[Cause | None] | None = None  # (cause,) once asked: None is an answer too
    _texts: tuple[str, ...] | None = None
    _haystack: str | None = None

    @property
    def account_id(self) -> str:
        return self.destination.account_id

    def invalidate(self) -> None:
        self._eligibility = None
        self._badge = None
        self._cause = None
        self._texts = None
        self._haystack = None

    def eligibility(self, oracle: RowOracle) -> Eligibility:
        if self._eligibility is None:
            self._eligibility = oracle.eligibility_of(self.post_row.post, self.destination)
        return self._eligibility

    def retryable(self, oracle: RowOracle) -> bool:
        return self.eligibility(oracle).retryable

    def cause(self, oracle: RowOracle) -> Cause | None:
        if self._cause is None:
            self._cause = (oracle.cause_of(self.post_row.post, self.destination),)
        return self._cause[0]

    def badge(self, oracle: RowOracle) -> Badge:
        if self._badge is None:
            verdict = self.eligibility(oracle).verdict
            self._badge = badge_of(self.destination, verdict, self.post_row.mark(oracle))
        return self._badge

    def texts(self, oracle: RowOracle) -> tuple[str, ...]:
        if self._texts is None:
            d = self.destination
            self._texts = (
                "",
                "",
                platform_name(d.platform),
                account_display_name(d),
                BADGE_TEXT[self.badge(oracle)],
                str(d.attempts) if d.attempts else "",
                excerpt(self.error_text(oracle), 120),
                "Open ↗" if safe_link(d.platform_post_url) else "",
                when(self.changed_at),
                cause.label if (cause := self.cause(oracle)) is not None else "",
            )
        return self._texts

    def error_text(self, oracle: RowOracle) -> str:
        error = self.destination.error or ""
        mark = self.post_row.mark(oracle)
        if mark is PostMark.GONE or (
            mark is PostMark.OUTCOME_UNKNOWN and self.badge(oracle) is Badge.OUTCOME_UNKNOWN
        ):
            return MARK_TEXT[mark] + (f" {error}" if error else "")
        return error

    def haystack(self, oracle: RowOracle) -> str:
        if self._haystack is None:
            texts = self.texts(oracle)
            self._haystack = "\n".join(
                (texts[2], texts[3], texts[4], self.error_text(oracle), self.account_id)
            ).lower()
        return self._haystack

    @property
    def link(self) -> str | None:
        return safe_link(self.destination.platform_post_url)


MARK_TEXT = {
    PostMark.GONE: "Post not found: it was deleted at the provider. Nothing will be retried.",
    PostMark.OUTCOME_UNKNOWN: (
        "Outcome unknown: the retry was sent but no answer came back. Re-reading the post; "
        "it will not be resent."
    ),
}

_UNSET: object = object()


@dataclass(slots=True, eq=False)
class PostRow:
    uid: int
    post: Post
    children: list[DestinationRow] = field(default_factory=list)
    visible: list[DestinationRow] = field(default_factory=list)
    by_account: dict[str, DestinationRow] = field(default_factory=dict)
    row: int = -1
    _mark: object = _UNSET
    _texts: tuple[str, ...] | None = None
    _haystack: str | None = None

    @property
    def post_id(self) -> str:
        return self.post.post_id

    def invalidate(self) -> None:
        self._mark = _UNSET
        self._texts = None
        self._haystack = None
        for child in self.children:
            child.invalidate()

    def mark(self, oracle: RowOracle) -> PostMark | None:
        if self._mark is _UNSET:
            self._mark = oracle.mark(self.post.post_id)
        return self._mark  # type: ignore[return-value]

    def eligible_ids(self, oracle: RowOracle) -> frozenset[str]:
        return frozenset(c.account_id for c in self.children if c.retryable(oracle))

    def any_retryable(self, oracle: RowOracle) -> bool:
        """A failed destination that may be retried (only failures ever are)."""
        return any(
            c.destination.status is Status.FAILED and c.retryable(oracle) for c in self.children
        )

    def ticked_ids(self) -> frozenset[str]:
        return frozenset(c.account_id for c in self.children if c.ticked)

    def partially_failed(self) -> bool:
        statuses = {c.destination.status for c in self.children}
        return Status.FAILED in statuses and Status.PUBLISHED in statuses

    def texts(self, oracle: RowOracle) -> tuple[str, ...]:
        if self._texts is None:
            self._texts = _post_texts(self, oracle)
        return self._texts

    def haystack(self) -> str:
        if self._haystack is None:
            self._haystack = (self.post.content + "\n" + self.post.post_id).lower()
        return self._haystack


def _post_texts(post_row: PostRow, oracle: RowOracle) -> tuple[str, ...]:
    post = post_row.post
    counts: dict[Badge, int] = {}
    for child in post_row.children:
        badge = child.badge(oracle)
        counts[badge] = counts.get(badge, 0) + 1
    summary = ", ".join(f"{n} {BADGE_TEXT[badge].lower()}" for badge, n in sorted(counts.items()))
    moment = post.scheduled_for or post.created_at
    content = excerpt(post.content) or f"(post {post.post_id})"
    n = len(post_row.children)
    destinations = f"{n} destination" + ("" if n == 1 else "s")
    changed = max(
        (c.changed_at for c in post_row.children if c.changed_at is not None),
        default=post.updated_at,
    )
    return (
        "",
        f"{content}  ·  {when(moment)}" if moment else content,
        destinations,
        "",
        summary,
        "",
        "",
        "",
        when(changed),
        "",
    )
