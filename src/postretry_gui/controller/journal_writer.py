"""The local retry journal's writer thread: its writes, in order, off the event loop.

The journal fsyncs every commit (a few ms on a real disk). Made on the event loop, which under
qasync is the window's own thread, each write would freeze the window that long: ~4,000 times
for a 1,000-post job. One thread per journal does them instead, from one queue: a single-worker
executor runs what it was given first in, first out, so a transition is never written before
the one asked for before it, and an intent awaited here is on disk only after every write
queued ahead of it.

The journal's connection is shared with the window's reads (history, counts), which stay on
the event loop: the journal's own lock keeps the two from using it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class JournalWriter:
    """One journal's write queue and the thread that empties it (started at the first
    write, stopped by ``flush``; a write after that starts a new one)."""

    def __init__(self, thread_name: str = "retry-journal-writer") -> None:
        self._thread_name = thread_name
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._thread_name)
        return self._executor

    async def write(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the writer thread after every write queued before it and return
        its result (or raise its exception) once it is done. Cancelled before the thread
        reaches it, it never runs; once running, it runs to the end."""
        return await asyncio.wrap_future(self._pool().submit(work))

    def queue(self, work: Callable[[], object], on_error: Callable[[Exception], None]) -> None:
        """Run ``work`` on the writer thread after every write queued before it, without
        waiting for it; if it raises, ``on_error`` gets the exception on the event loop."""
        loop = asyncio.get_running_loop()

        def run() -> None:
            try:
                work()
            except Exception as error:  # reported on the loop, whatever the store raised
                # The loop closed meanwhile (the app is gone): nobody is left to tell.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(on_error, error)

        self._pool().submit(run)

    async def drained(self) -> None:
        """Wait until every write queued so far is done (the thread keeps running)."""
        if self._executor is not None:
            await self.write(lambda: None)

    async def flush(self, timeout_s: float) -> None:
        """Wait until every write queued so far is done, at most ``timeout_s``, then stop the
        thread. Writes the wait did not reach are dropped: their intents stay unfinished in
        the journal, as after a crash, and the next open settles them by reading."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        marker = asyncio.wrap_future(executor.submit(lambda: None))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(marker, timeout_s)
        # A write still running finishes on its own; the journal's lock makes ``close`` wait.
        executor.shutdown(wait=False, cancel_futures=True)
