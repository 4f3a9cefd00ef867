from __future__ import annotations

import asyncio
import gc

import pytest
from controller_fakes import until

from postretry_gui.controller.tasks import TaskSet


@pytest.mark.asyncio
async def test_a_task_nobody_references_still_runs_to_the_end() -> None:
    tasks = TaskSet()
    done = asyncio.Event()
    release = asyncio.Event()

    async def work() -> None:
        await release.wait()
        done.set()

    tasks.start(work())  # the returned task is dropped on purpose
    gc.collect()
    release.set()
    await asyncio.wait_for(done.wait(), 2)
    await until(lambda: len(tasks) == 0)


@pytest.mark.asyncio
async def test_errors_reach_the_callback_and_cancellation_does_not() -> None:
    errors: list[BaseException] = []
    tasks = TaskSet(errors.append)

    async def boom() -> None:
        raise ValueError("broken")

    async def forever() -> None:
        await asyncio.Event().wait()

    failing = tasks.start(boom())
    waiting = tasks.start(forever())
    await asyncio.wait({failing})
    waiting.cancel()
    await asyncio.wait({waiting})
    assert [type(e) for e in errors] == [ValueError]


@pytest.mark.asyncio
async def test_aclose_cancels_everything_and_refuses_new_work() -> None:
    tasks = TaskSet()

    async def forever() -> None:
        await asyncio.Event().wait()

    for _ in range(3):
        tasks.start(forever())
    finished = tasks.start(asyncio.sleep(0))
    await asyncio.wait({finished})  # done, its done callback perhaps not run yet
    await tasks.aclose()
    assert len(tasks) == 0
    assert asyncio.all_tasks() == {asyncio.current_task()}
    coro = forever()
    with pytest.raises(RuntimeError, match="closed"):
        tasks.start(coro)


@pytest.mark.asyncio
async def test_aclose_reports_an_error_of_a_task_that_just_finished_exactly_once() -> None:
    errors: list[BaseException] = []
    tasks = TaskSet(errors.append)

    async def boom() -> None:
        raise ValueError("broken")

    failing = tasks.start(boom())
    await asyncio.wait({failing})
    await tasks.aclose()
    await asyncio.sleep(0)  # one turn, in case a second report were still queued
    assert len(errors) == 1
