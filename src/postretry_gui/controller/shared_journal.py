"""The team's journal behind the session's journal link: the same calls, written to
PostgreSQL (``store.team.TeamJournal``, whose calls are coroutines) with the operator's name.

The intent is awaited before the request leaves (write-ahead: unrecorded means unsent; while
the server is away, the wait lasts until it is back), a bulk request's intents likewise, in
one transaction. The writes after it (sent, acknowledged, unknown, settled; of one intent or
of a whole bulk request) keep their callers synchronous: they queue, in order, on one writer
task, and a write that meets an outage waits for the server and is written then, so no
intent is left unfinished in the team's history by a short outage.
Counts of earlier retries are read once per post in the background and handed to the
workspace as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from postretry_gui.controller.journal_port import (
    JournalIntent,
    JournalLink,
    JournalRecord,
    JournalWriteFailed,
    intents_by_pair,
)
from postretry_gui.controller.team_link import TeamLink
from postretry_gui.domain import Outcome
from postretry_gui.store import InvalidTransition
from postretry_gui.store.team import TeamStoreUnavailable


class AsyncRetryJournal(Protocol):
    """The journal port with coroutines (the team's journal)."""

    async def intend(
        self, workspace_id: str, post_id: str, account_ids: Iterable[str]
    ) -> JournalIntent: ...

    async def mark_sent(self, intent_id: str) -> object: ...

    async def acknowledge(self, intent_id: str, outcome: str, detail: str = "") -> object: ...

    async def mark_unknown(self, intent_id: str, detail: str) -> object: ...

    async def settle(self, intent_id: str, outcome: str, detail: str = "") -> object: ...

    async def retries_sent(self, post_id: str, *, workspace_id: str | None = None) -> int: ...

    async def orphaned(self, lease_s: float) -> Sequence[JournalIntent]: ...

    async def intend_request(
        self, workspace_id: str, request_key: str, pairs: Iterable[tuple[str, str]]
    ) -> Sequence[JournalIntent]: ...

    async def mark_request_sent(self, request_key: str) -> object: ...

    async def acknowledge_request(
        self, request_key: str, outcome: str, detail: str = ""
    ) -> object: ...

    async def mark_request_unknown(self, request_key: str, detail: str) -> object: ...

    async def settle_request(self, request_key: str, outcome: str, detail: str = "") -> object: ...


class AsyncHistory(Protocol):
    """The team's history as the window's Ctrl+H reads it (coroutines)."""

    async def history(
        self, limit: int = 100, offset: int = 0, search: str | None = None
    ) -> Sequence[JournalRecord]: ...

    async def history_count(self, search: str | None = None) -> int: ...

    async def export_csv(self, path: Path) -> int: ...


Write = Callable[[AsyncRetryJournal], Awaitable[object]]
T = TypeVar("T")

# Closing waits this long for outcomes still queued; what is left stays unfinished in the
# team's history (as after a crash) rather than keep the window from closing.
FLUSH_TIMEOUT_S = 5.0


class SharedJournalLink(JournalLink):
    """``on_count(post_id, retries)``: a post's retries sent by the team, once read."""

    def __init__(
        self,
        shared: AsyncRetryJournal,
        link: TeamLink,
        workspace_id: str,
        on_failure: Callable[[str], None],
        on_count: Callable[[str, int], None],
    ) -> None:
        super().__init__(None, workspace_id, on_failure)
        self.shared = shared
        self._link = link
        self._on_count = on_count
        self._writes: asyncio.Queue[Write] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._counting: set[str] = set()
        self._count_tasks: set[asyncio.Task[None]] = set()
        # Intents of instances that stopped, handed to this instance's settler (once each).
        self._adopted: set[str] = set()

    async def record_intent(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        """The intent, written before the request leaves; while the server is away this
        waits for it (the job pauses), since nothing may leave unrecorded."""
        # Written and the answer lost: that intent stays "intended" in the history, never
        # sent, and this one is written again under a new id.
        intent = await self._record(lambda j: j.intend(self.workspace_id, post_id, account_ids))
        return intent.intent_id

    async def record_request_intent(
        self, request_key: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str] | None:
        """A bulk request's intents, one per pair, written (all or none) before it leaves;
        waits while the server is away, as ``record_intent``."""
        # Written and the answer lost: the same key finds them, nothing is written twice.
        intents = await self._record(
            lambda j: j.intend_request(self.workspace_id, request_key, pairs)
        )
        return intents_by_pair(intents)

    async def _record(self, write: Callable[[AsyncRetryJournal], Awaitable[T]]) -> T:
        """``write`` once the server is up, again after each outage it meets; any other
        failure refuses the send (``JournalWriteFailed``)."""
        while True:
            await self._link.wait_up()
            try:
                return await write(self.shared)
            except TeamStoreUnavailable as error:
                self._link.lost(error)
                continue
            except Exception as error:  # any other store failure: refuse to send
                said = f"Could not record the retry in the team's journal: {error}"
                raise JournalWriteFailed(f"{said} It was not sent.") from error

    def _queue(self, write: Write) -> None:
        self._writes.put_nowait(write)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_forever(), name="team-journal-writes"
            )

    async def _write_forever(self) -> None:
        while True:
            write = await self._writes.get()
            try:
                await self._write_once_up(write)
            finally:
                self._writes.task_done()

    async def _write_once_up(self, write: Write) -> None:
        while True:
            await self._link.wait_up()
            try:
                await write(self.shared)
                return
            except TeamStoreUnavailable as error:
                self._link.lost(error)
            except Exception as error:  # the request already left; report and carry on
                self._on_failure(f"Could not update the team's journal: {error}")
                return

    def mark_sent(self, intent_id: str | None) -> None:
        if intent_id:
            self._queue(lambda j: j.mark_sent(intent_id))

    def acknowledge(self, intent_id: str | None, detail: str) -> None:
        if intent_id:
            self._queue(lambda j: j.acknowledge(intent_id, Outcome.RETRIED, detail))

    def mark_unknown(self, intent_id: str | None, detail: str) -> None:
        if intent_id:
            self._queue(lambda j: j.mark_unknown(intent_id, detail))

    def settle(self, intent_id: str | None, outcome: Outcome, detail: str = "") -> None:
        if not intent_id:
            return
        if intent_id in self._adopted:
            self._queue(lambda j: _settle_unless_settled(j, intent_id, outcome, detail))
        else:
            self._queue(lambda j: j.settle(intent_id, outcome, detail))

    def request_sent(self, request_key: str) -> None:
        self._queue(lambda j: j.mark_request_sent(request_key))

    def request_acknowledged(self, request_key: str, detail: str) -> None:
        self._queue(lambda j: j.acknowledge_request(request_key, Outcome.RETRIED, detail))

    def request_unknown(self, request_key: str, detail: str) -> None:
        self._queue(lambda j: j.mark_request_unknown(request_key, detail))

    def request_settled(self, request_key: str, outcome: Outcome, detail: str = "") -> None:
        self._queue(lambda j: j.settle_request(request_key, outcome, detail))

    def retries_sent(self, post_id: str) -> int | None:
        """Unknown yet (None): read in the background and handed to ``on_count``."""
        if post_id not in self._counting:
            self._counting.add(post_id)
            task = asyncio.get_running_loop().create_task(self._count(post_id))
            self._count_tasks.add(task)
            task.add_done_callback(self._count_tasks.discard)
        return None

    async def _count(self, post_id: str) -> None:
        try:
            count = await self.shared.retries_sent(post_id, workspace_id=self.workspace_id)
        except TeamStoreUnavailable as error:
            self._counting.discard(post_id)  # asked again at the next paint
            self._link.lost(error)
            return
        if count:
            self._on_count(post_id, count)

    def unfinished(self) -> list[JournalIntent]:
        # The team's unfinished intents include the other instances' retries in flight:
        # reconciling them here would lock and poll what is theirs to settle. The leader
        # settles only those no live instance holds (``orphaned``).
        return []

    async def orphaned(self, lease_s: float) -> list[JournalIntent]:
        """The workspace's retries that instances which stopped left unfinished (no running
        claim on them, unmoved for ``lease_s``: ``TeamJournal.orphaned``), each handed out
        once in this run, for the leader to settle; none while the server is away."""
        try:
            intents = await self.shared.orphaned(lease_s)
        except TeamStoreUnavailable as error:
            self._link.lost(error)
            return []
        fresh = [i for i in intents if i.intent_id not in self._adopted]
        self._adopted.update(i.intent_id for i in fresh)
        return fresh

    async def written(self) -> None:
        """Wait until every queued write is in (while the server is away, until it is back)."""
        await self._writes.join()

    async def flush(self, timeout_s: float = FLUSH_TIMEOUT_S) -> None:
        """Wait until every queued write is in (at most ``timeout_s``: the server may be
        away); then stop the writer."""
        if self._writer is not None and not self._writer.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._writes.join(), timeout_s)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        for task in list(self._count_tasks):
            task.cancel()


async def _settle_unless_settled(
    journal: AsyncRetryJournal, intent_id: str, outcome: Outcome, detail: str
) -> None:
    """An adopted intent's final word, unless another instance had it settled first (its
    sender, alive after all once its lease ran out, or an earlier leader): the first word
    stands, since states only move forward, and both read the same post."""
    with contextlib.suppress(InvalidTransition):
        await journal.settle(intent_id, outcome, detail)
