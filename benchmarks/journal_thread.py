"""The local journal's writes on their own thread, against the old writes on the event loop.

Run: ``PYTHONPATH=src .venv-3.11/bin/python benchmarks/journal_thread.py [folder]``

A 1,000-post single-post job as the journal link sees it: per post, the intent (awaited),
sent, then (the loop free meanwhile, as while the request is out) acknowledged, then (as
while polls run) settled; no network, so the figures are the journal's alone. Under qasync
the event loop is the window's thread, so what counts is the time the loop spends inside
journal calls (the window is frozen for it) and the longest single stall. Both are measured
by driving the job coroutine by hand and timing each stretch it runs on the loop between two
awaits; the job makes journal calls only, so all of that time is journal time. The baseline
is the old path, every write made on the loop (``OnLoopLink``), in the same run, on the same
disk. The journal fsyncs every commit, so the folder must be on a real disk (default: the
system's temporary folder; /dev/shm is refused). Five runs of each, alternated; medians.
Last line: ``journal_thread: gui_ms=<x> baseline_gui_ms=<y> stall_ms=<z>
baseline_stall_ms=<w> wall_s=<a> baseline_wall_s=<b>``.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postretry_gui.controller.journal_port import JournalLink, RetryJournal
from postretry_gui.domain import Outcome
from postretry_gui.store.journal import RetryJournal as StoreJournal

POSTS = 1_000
RUNS = 5
WORKSPACE = "bench"


class OnLoopLink(JournalLink):
    """The link as it was: every write made where it is called, on the event loop."""

    async def record_intent(self, post_id: str, account_ids: Sequence[str]) -> str | None:
        assert self.journal is not None
        return self.journal.intend(self.workspace_id, post_id, account_ids).intent_id

    def _safely(self, write: Callable[[RetryJournal], object]) -> None:
        assert self.journal is not None
        write(self.journal)


class LoopTime:
    """Awaits a coroutine, timing each stretch it runs on the event loop between awaits."""

    def __init__(self, coro: Coroutine[Any, Any, None]) -> None:
        self.coro = coro
        self.stretches: list[float] = []

    def __await__(self) -> Generator[Any, Any, None]:
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            start = time.perf_counter()
            try:
                yielded = self.coro.throw(thrown) if thrown else self.coro.send(sent)
            except StopIteration:
                self.stretches.append(time.perf_counter() - start)
                return
            self.stretches.append(time.perf_counter() - start)
            try:
                sent, thrown = (yield yielded), None
            except BaseException as error:  # handed on to the job, as a task would
                sent, thrown = None, error


async def job(link: JournalLink) -> None:
    for n in range(POSTS):
        entry = await link.record_intent(f"post-{n}", ["acct-1"])
        link.mark_sent(entry)
        await asyncio.sleep(0)  # the request: the loop runs other work until its answer
        link.acknowledge(entry, "1 destination re-queued.")
        await asyncio.sleep(0)  # polls until the post settles
        link.settle(entry, Outcome.PUBLISHED)


@dataclass(frozen=True)
class Run:
    gui_ms: float  # loop time inside journal calls
    stall_ms: float  # the longest of those stretches
    wall_s: float  # the whole job, until every write is on disk


async def measure(path: Path, kind: type[JournalLink]) -> Run:
    with StoreJournal(path, operator="bench") as journal:
        link = kind(journal, WORKSPACE, print)
        timed = LoopTime(job(link))
        started = time.perf_counter()
        await timed
        await link.flush(timeout_s=600)
        wall = time.perf_counter() - started
    return Run(sum(timed.stretches) * 1000, max(timed.stretches) * 1000, wall)


def main() -> None:
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir())
    if base.resolve().is_relative_to("/dev/shm"):
        raise SystemExit("The journal fsyncs: measure it on a real disk, not /dev/shm.")
    folder = Path(tempfile.mkdtemp(prefix="journal-thread-", dir=base))
    runs: dict[str, list[Run]] = {"baseline": [], "thread": []}
    try:
        for n in range(RUNS):
            for name, kind in (("baseline", OnLoopLink), ("thread", JournalLink)):
                run = asyncio.run(measure(folder / f"{name}-{n}.sqlite3", kind))
                runs[name].append(run)
                print(
                    f"run {n + 1} {name:8}: loop {run.gui_ms:8.1f} ms in journal calls, "
                    f"longest stall {run.stall_ms:6.2f} ms, job {run.wall_s:5.2f} s"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in runs[name])

    print(
        f"{POSTS:,} posts x 4 transitions on {base} (medians of {RUNS}): loop time in journal "
        f"calls {median('thread', 'gui_ms'):.1f} ms (on the loop: "
        f"{median('baseline', 'gui_ms'):.1f} ms), longest stall "
        f"{median('thread', 'stall_ms'):.2f} ms (on the loop: "
        f"{median('baseline', 'stall_ms'):.2f} ms)"
    )
    print(
        f"journal_thread: gui_ms={median('thread', 'gui_ms'):.1f} "
        f"baseline_gui_ms={median('baseline', 'gui_ms'):.1f} "
        f"stall_ms={median('thread', 'stall_ms'):.2f} "
        f"baseline_stall_ms={median('baseline', 'stall_ms'):.2f} "
        f"wall_s={median('thread', 'wall_s'):.2f} "
        f"baseline_wall_s={median('baseline', 'wall_s'):.2f}"
    )


if __name__ == "__main__":
    main()
