"""Start background tasks without losing them.

asyncio keeps only a weak reference to a task, and qasync 0.28's ``asyncSlot`` can lose its
task to the garbage collector mid-flight (DESIGN.md). A :class:`TaskSet` holds a strong
reference until each task is done, treats cancellation as the normal way to stop, and hands
any other exception to a callback instead of the "Task exception was never retrieved" log.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ErrorCallback = Callable[[BaseException], None]


def _to_excepthook(error: BaseException) -> None:
    sys.excepthook(type(error), error, error.__traceback__)


class TaskSet:
    """The tasks one owner started; ``aclose()`` cancels them all and waits until they end.

    ``on_error`` receives every exception a task ends with other than CancelledError
    (default: ``sys.excepthook``, which the app routes to its crash dialog and log).
    """

    def __init__(self, on_error: ErrorCallback | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error: ErrorCallback = on_error or _to_excepthook
        self._closed = False

    def start(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Schedule ``coro`` on the running loop and keep it alive until it finishes.

        Raises RuntimeError once the set is closed (the coroutine is closed, never run), so
        nothing can start behind a shutdown.
        """
        if self._closed:
            coro.close()
            raise RuntimeError("this TaskSet is closed: no new task can start")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        # Runs once per task, from its done callback or from aclose(), whichever comes first.
        if task not in self._tasks:
            return
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._on_error(error)

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        """Cancel every task and wait until each has ended. Idempotent."""
        self._closed = True
        # A task of this set may be the one closing it: it must not cancel itself.
        current = asyncio.current_task()
        while running := [t for t in self._tasks if t is not current and not t.done()]:
            for task in running:
                task.cancel()
            # asyncio.wait, not gather: on 3.12 gather of finished tasks returns without
            # yielding, which would spin here before any done callback could run.
            await asyncio.wait(running)
        # Finished tasks whose done callbacks have not run yet: settle them now, so their
        # errors are reported and nothing is left in the set.
        for task in [t for t in self._tasks if t is not current]:
            self._finished(task)
