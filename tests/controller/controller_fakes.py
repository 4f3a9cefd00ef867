"""An in-memory Provider, a fake clock and a recording listener for the controller tests."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.controller.journal_port import JournalRecord
from postretry_gui.domain import (
    Account,
    AccountHealth,
    Destination,
    Post,
    PostStatus,
    ProviderCapabilities,
    RateLimitState,
    RetryAck,
    Status,
)
from postretry_gui.domain.errors import NotFound, NothingToRetry
from postretry_gui.providers.ayrshare import CAPABILITIES as AYRSHARE_CAPABILITIES
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.pacing import Priority, RatePacer
from postretry_gui.providers.posteverywhere import CAPABILITIES as POSTEVERYWHERE_CAPABILITIES

# What the app really ships, so these tests follow the providers' rules as they change, less
# two routes this fake does not serve: PostEverywhere's bulk retry (the fake drives the
# single-post path, one request per post) and the lists of what changed (its server moves a
# retried destination on per read of the post, so settling here reads post by post). Both
# are tested against the simulator (test_bulk_requests.py, test_settle_by_list.py).
PER_DESTINATION = replace(POSTEVERYWHERE_CAPABILITIES, bulk_max_posts=0, change_feed=None)
WHOLE_POST_ONCE = replace(AYRSHARE_CAPABILITIES, change_feed=None)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def dest(account_id: str, status: Status = Status.FAILED, **kw: object) -> Destination:
    return Destination(account_id=account_id, platform="x", status=status, **kw)  # type: ignore[arg-type]


def post(post_id: str, *destinations: Destination, status: PostStatus | None = None) -> Post:
    if status is None:
        failed = any(d.status is Status.FAILED for d in destinations)
        status = PostStatus.FAILED if failed else PostStatus.PUBLISHED
    return Post(post_id=post_id, destinations=destinations, status=status, updated_at=T0)


class FakeClock:
    """Monotonic and wall time that move only when told. ``auto``: every sleep advances time
    at once (and yields to the loop), so interval logic runs without real waiting;
    otherwise sleepers wait until ``advance()`` passes their deadline."""

    def __init__(self, *, auto: bool = True) -> None:
        self.auto = auto
        self.now = 1000.0
        self.wall0 = 1_793_610_000.0  # 2026-11-02
        self.sleeps: list[float] = []
        self._moved = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall0 + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        deadline = self.now + seconds
        if self.auto:
            self.now = deadline
            await asyncio.sleep(0)
            return
        while self.now < deadline:
            self._moved.clear()
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()


@dataclass
class Call:
    method: str
    args: tuple[object, ...]
    kwargs: dict[str, object] = field(default_factory=dict)


class FakeProvider:
    """Server state in a dict; records every call; errors and gates injectable per method.

    ``progress``: how a retried destination moves on each ``results``/``get_post`` read,
    e.g. [QUEUED, PUBLISHING, PUBLISHED]; the last state sticks.
    """

    def __init__(
        self,
        posts: Sequence[Post] = (),
        *,
        capabilities: ProviderCapabilities = PER_DESTINATION,
        accounts: Sequence[Account] = (),
        progress: Sequence[Status] = (Status.PUBLISHING, Status.PUBLISHED),
        overlap: int = 0,
    ) -> None:
        self.server: dict[str, Post] = {p.post_id: p for p in posts}
        # 1: offset pages overlap by one post and list the later pages, as PostEverywhere's.
        self.overlap = overlap
        # Every list page's ``server_time`` (PostEverywhere's ``meta.timestamp``); None: the
        # answers do not say.
        self.server_time: datetime | None = None
        self._capabilities = capabilities
        self._accounts = list(accounts)
        self.progress = list(progress)
        self.calls: list[Call] = []
        # method -> exceptions raised by its next calls, in order
        self.errors: dict[str, list[Exception]] = {}
        # post_id -> an exception every retry of that post raises
        self.retry_errors: dict[str, Exception] = {}
        # method -> an event the call waits on before answering
        self.gates: dict[str, asyncio.Event] = {}
        # The budget a test sets stands until it sets another (no window ends on its own).
        self._pacer = RatePacer(unknown_window_s=math.inf)
        self._pacer.observe(RateLimitState(limit=60, remaining=60))
        # post_id -> {account_id: reads since retry}
        self._retried: dict[str, dict[str, int]] = {}
        self.applied: dict[tuple[str, str], int] = {}
        self.on_call: Callable[[Call], None] | None = None

    # -- knobs --
    def set_rate(
        self, *, limit: int | None, remaining: int | None, reset_at: float | None = None
    ) -> None:
        self._pacer.observe(RateLimitState(limit=limit, remaining=remaining, reset_at=reset_at))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _enter(self, method: str, *args: object, **kwargs: object) -> None:
        call = Call(method, args, kwargs)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        gate = self.gates.get(method)
        if gate is not None:
            await gate.wait()
        queued = self.errors.get(method)
        if queued:
            raise queued.pop(0)

    # -- the protocol --
    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._capabilities

    @property
    def rate_limit(self) -> RateLimitState:
        return self._pacer.state

    @property
    def pacer(self) -> RatePacer:
        return self._pacer

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = 100,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        await self._enter("list_posts", post_filter, cursor, limit, priority=priority)
        chosen = [
            p
            for p in self.server.values()
            if (not post_filter.statuses or p.status.value in post_filter.statuses)
            and (
                post_filter.updated_after is None
                or (p.updated_at is not None and p.updated_at > post_filter.updated_after)
            )
        ]
        offset = int(cursor or 0)
        page = chosen[offset : offset + limit]
        more = offset + limit < len(chosen)
        if not self.overlap or len(page) < 2:
            return Page(
                tuple(page),
                str(offset + limit) if more else None,
                len(chosen),
                server_time=self.server_time,
            )
        step = len(page) - 1
        later = tuple(str(o) for o in range(offset + step, len(chosen) - 1, step))
        return Page(
            tuple(page),
            str(offset + step) if more else None,
            len(chosen),
            later_cursors=later if more else (),
            overlap=1,
            server_time=self.server_time,
        )

    def _read(self, post_id: str) -> Post:
        if post_id not in self.server:
            raise NotFound()
        current = self.server[post_id]
        reads = self._retried.get(post_id, {})
        for account_id, count in list(reads.items()):
            if count < len(self.progress):
                status = self.progress[count]
                reads[account_id] = count + 1
                d = current.destination(account_id)
                assert d is not None
                attempts = d.attempts + (1 if status.settled else 0)
                current = current.merged((replace(d, status=status, attempts=attempts),))
        self.server[post_id] = current
        return current

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        await self._enter("get_post", post_id)
        return self._read(post_id)

    async def results(self, post_id: str, *, priority: Priority = Priority.BACKGROUND) -> Post:
        await self._enter("results", post_id)
        full = self._read(post_id)
        # The light-weight read carries destinations only.
        return Post(post_id=post_id, destinations=full.destinations)

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        await self._enter(
            "retry", post.post_id, tuple(account_ids), idempotency_key=idempotency_key
        )
        if post.post_id in self.retry_errors:
            raise self.retry_errors[post.post_id]
        current = self.server.get(post.post_id)
        if current is None:
            raise NotFound()
        failed = [
            d
            for d in current.destinations
            if d.account_id in account_ids and d.status is Status.FAILED
        ]
        if not failed:
            raise NothingToRetry()
        queued = tuple(d.with_status(Status.QUEUED) for d in failed)
        self.server[post.post_id] = current.merged(queued)
        reads = self._retried.setdefault(post.post_id, {})
        for d in queued:
            reads[d.account_id] = 0
            key = (post.post_id, d.account_id)
            self.applied[key] = self.applied.get(key, 0) + 1
        return RetryAck(post.post_id, len(queued), queued)

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        await self._enter("accounts")
        return list(self._accounts)

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> AccountHealth:
        await self._enter("account_health", account_id)
        return AccountHealth(account_id)

    async def aclose(self) -> None:
        pass


class RecordingListener:
    def __init__(self) -> None:
        self.batches: list[list[Post]] = []
        self.states: list[SyncState] = []
        self.reports: list[RetryReport] = []
        self.notices: list[tuple[NoticeLevel, str]] = []

    def posts_changed(self, posts: Sequence[Post]) -> None:
        self.batches.append(list(posts))

    def sync_changed(self, state: SyncState) -> None:
        self.states.append(state)

    def retry_finished(self, report: RetryReport) -> None:
        self.reports.append(report)

    def notice(self, level: NoticeLevel, text: str) -> None:
        self.notices.append((level, text))


async def until(condition: Callable[[], bool], *, timeout_s: float = 2.0) -> None:
    """Let the loop run until ``condition()`` holds; fail after ``timeout_s`` of real time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0)


@dataclass(frozen=True)
class FakeIntent:
    intent_id: str
    workspace_id: str
    post_id: str
    account_ids: tuple[str, ...]
    state: str = "intended"
    created_at: datetime | None = None


class RecordingJournal:
    """The journal's calls, in order; ``fail_intend`` makes the write-ahead step fail."""

    def __init__(self, *, unfinished: Sequence[FakeIntent] = (), sent: int = 0) -> None:
        self.events: list[tuple[str, ...]] = []
        self._ids = itertools.count(1)
        self._unfinished = list(unfinished)
        self._sent = sent
        self.fail_intend = False

    def intend(self, workspace_id: str, post_id: str, account_ids: Iterable[str]) -> FakeIntent:
        if self.fail_intend:
            raise OSError("disk full")
        intent = FakeIntent(f"j{next(self._ids)}", workspace_id, post_id, tuple(account_ids))
        self.events.append(("intend", intent.intent_id, post_id, ",".join(intent.account_ids)))
        return intent

    def mark_sent(self, intent_id: str) -> None:
        self.events.append(("sent", intent_id))

    def acknowledge(self, intent_id: str, outcome: str, detail: str = "") -> None:
        self.events.append(("ack", intent_id, outcome))

    def mark_unknown(self, intent_id: str, detail: str) -> None:
        self.events.append(("unknown", intent_id))

    def settle(self, intent_id: str, outcome: str, detail: str = "") -> None:
        self.events.append(("settle", intent_id, outcome))

    def unfinished(self) -> list[FakeIntent]:
        return list(self._unfinished)

    def retries_sent(self, post_id: str, *, workspace_id: str | None = None) -> int:
        return self._sent

    # The history the window reads: these tests never open it.
    def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> list[JournalRecord]:
        return []

    def history_count(self, search: str | None = None) -> int:
        return 0

    def export_csv(self, path: Path) -> int:
        return 0
