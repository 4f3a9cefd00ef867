"""The bulk retry tests' shared kit, and a child process that runs one bulk job.

As a script (the kill test starts it, the simulator lives in the parent so it survives
SIGKILL)::

    python bulk_child.py BASE_URL JOURNAL_PATH POSTS [bulk] [stall-sent]

loads the failures, retries the first POSTS posts that have a retryable destination as ONE
job over the store's journal at JOURNAL_PATH (one request per post; with ``bulk``, the plan's
bulk requests too), prints ``sending <n>`` before and ``done`` after. The parent kills it
somewhere in between. With ``stall-sent`` the journal's disk never finishes writing "sent"
(``StalledSentJournal``): each request leaves with that write still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postretry_gui.controller import NullListener, SyncState, WorkspaceSession
from postretry_gui.controller.bulk import BulkSettings
from postretry_gui.controller.poller import PollSettings
from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.store.journal import Intent, IntentState, RetryJournal

API_KEY = "pe_test_bulk"
WORKSPACE = "bulk"
# Tests poll quickly: the simulator's queued/publishing delays are tiny too.
FAST_POLLS = PollSettings(initial_interval_s=0.05, backoff=1.5, max_interval_s=0.2)
# The fault matrices' simulator: no rate limit, retries settle at once, most publish.
FAULT_MATRIX_SIM = {"rate_limit": None, "queued_s": 0.02, "publishing_s": 0.02, "success_odds": 0.6}


@contextlib.contextmanager
def journal_dir() -> Iterator[Path]:
    """A fresh folder for a journal, in memory when the machine has /dev/shm: the journal
    fsyncs every transition (~6 ms on this disk), which is the durability under test on a
    real disk but only slows a thousand-intent test down here."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="postretry-bulk-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def make_provider(base_url: str, *, timeout: float = 10.0) -> PostEverywhereProvider:
    # The app's own background reserve (two requests at 60/min, three at 300/10 s); only
    # the jitter is smaller, to keep the trials quick.
    pacer = RatePacer(jitter_s=0.01)
    return PostEverywhereProvider(base_url, API_KEY, pacer=pacer, timeout=timeout)


class LoadWatcher(NullListener):
    """Sets ``failures`` once every failed post is loaded (the job needs nothing else)."""

    def __init__(self) -> None:
        self.failures = asyncio.Event()

    def sync_changed(self, state: SyncState) -> None:
        if state.failures_loaded:
            self.failures.set()


def make_session(
    provider: PostEverywhereProvider,
    journal: RetryJournal,
    listener: NullListener | None = None,
    *,
    bulk: BulkSettings | None = None,
    single_post: bool = True,
) -> WorkspaceSession:
    """``single_post``: one request per post (the fault matrix and kill test of that path);
    False: bulk requests where the plan finds them cheaper."""
    return WorkspaceSession(
        provider,
        listener or NullListener(),
        journal=journal,
        workspace_id=WORKSPACE,
        poll_settings=FAST_POLLS,
        bulk_settings=bulk,
        single_post_retries=single_post,
    )


def retryable_selection(
    session: WorkspaceSession, limit: int | None = None
) -> dict[str, frozenset[str]]:
    """Every retryable destination, by post id in a stable order (the first ``limit`` posts)."""
    selection: dict[str, frozenset[str]] = {}
    for post_id in sorted(session.posts):
        ids = session.eligible_account_ids(session.posts[post_id])
        if ids:
            selection[post_id] = ids
        if limit is not None and len(selection) >= limit:
            break
    return selection


def journal_rows(path: Path) -> int:
    """Intents in the journal file as another process sees them (0 before it exists)."""
    if not path.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute("SELECT count(*) FROM intents").fetchone()[0])
    except sqlite3.Error:
        return 0  # the child is still creating the schema


def applied_twice(stats: Mapping[str, object]) -> dict[str, int]:
    """(post|account) -> count, for every destination the simulator applied more than once."""
    applied = stats["retries_applied"]
    assert isinstance(applied, dict)
    return {key: n for key, n in applied.items() if n > 1}


@dataclass(frozen=True)
class KillTrial:
    kill_after: int  # intents journalled when the kill was ordered
    rows_at_kill: int  # intents in the journal once the child was dead
    unfinished_at_restart: int
    # Intents the restart found sent or unknown: their answers never reached the journal.
    unknown_at_restart: int
    intents: tuple[Intent, ...]  # every intent after the restart settled them
    applied_by_intent: Mapping[str, Mapping[str, int]]
    duplicates: Mapping[str, int]  # destinations applied more than once in this trial
    child_finished_first: bool
    requests_by_route: Mapping[str, int]

    @property
    def lost(self) -> int:
        """Intents not settled after the restart, plus retries the simulator applied for
        an intent the journal never recorded (which write-ahead forbids)."""
        # The key a request was applied under: its intent's id, or a bulk request's key.
        known = {i.idempotency_key for i in self.intents}
        unsettled = sum(1 for i in self.intents if i.state is not IntentState.SETTLED)
        return unsettled + len(set(self.applied_by_intent) - known)


def run_kill_trial(
    sim_url: str,
    stats: StatsReader,
    folder: Path,
    kill_after: int,
    posts: int,
    *,
    bulk: bool = False,
) -> KillTrial:
    """Start the child, SIGKILL it once ``kill_after`` intents are journalled, then settle
    what it left with a new session over the same journal, as the next start would."""
    path = folder / "journal.sqlite3"
    stats.reset()
    child = subprocess.Popen(
        [sys.executable, __file__, sim_url, str(path), str(posts), *(["bulk"] if bulk else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    finished_first = False
    try:
        # Poll the journal file (another process writes it) until the kill point.
        while journal_rows(path) < kill_after:
            if child.poll() is not None:
                finished_first = True
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the child journalled fewer than {kill_after} intents")
            time.sleep(0.001)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    if finished_first and child.returncode != 0:
        raise AssertionError(f"the child failed: {err.decode(errors='replace')[-2000:]}")
    rows = journal_rows(path)
    unfinished, unknown, intents = asyncio.run(settle_after_restart(sim_url, path))
    snapshot = stats.read()
    by_intent = snapshot["retries_applied_by_intent"]
    return KillTrial(
        kill_after=kill_after,
        rows_at_kill=rows,
        unfinished_at_restart=unfinished,
        unknown_at_restart=unknown,
        intents=tuple(intents),
        applied_by_intent=by_intent,
        duplicates=applied_twice(snapshot),
        child_finished_first=finished_first,
        requests_by_route=snapshot["requests_by_route"],
    )


class StatsReader:
    """The simulator's counters, read and reset (in-process here, over HTTP if needed)."""

    def __init__(self, read: Callable[[], Mapping[str, Any]], reset: Callable[[], None]) -> None:
        self.read = read
        self.reset = reset


async def settle_after_restart(base_url: str, path: Path) -> tuple[int, int, list[Intent]]:
    """The next start: a new session over the journal loads, reconciles what is unfinished
    and polls until every intent settled. Returns (unfinished at start, of them sent or
    unknown, all intents)."""
    journal = RetryJournal(path, operator="restart")
    provider = make_provider(base_url)
    session = make_session(provider, journal)
    try:
        left = journal.unfinished()
        unfinished = len(left)
        unknown = sum(1 for i in left if i.state in (IntentState.SENT, IntentState.UNKNOWN))
        await session.load()
        await session.wait_loaded()
        await asyncio.wait_for(session.wait_settled(), timeout=60)
        await session.journal_written()
        return unfinished, unknown, journal.history(limit=100_000)
    finally:
        await session.aclose()
        await provider.aclose()
        journal.close()


class StalledSentJournal(RetryJournal):
    """A disk that takes the intent but never finishes writing "sent": the writer thread
    stops there, so the request leaves while "sent" (and all after it) is still queued."""

    def mark_sent(self, intent_id: str) -> Intent:
        threading.Event().wait()  # for good: the parent kills this process
        raise AssertionError("unreachable")


def run_kill_after_send(sim_url: str, stats: StatsReader, folder: Path) -> KillTrial:
    """Start a child that retries ONE post with "sent" stuck in its journal's queue, SIGKILL
    it as soon as the simulator applied the retry (the request left), then settle what it
    left with a new session over the same journal, as the next start would."""
    path = folder / "journal.sqlite3"
    stats.reset()
    child = subprocess.Popen(
        [sys.executable, __file__, sim_url, str(path), "1", "stall-sent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    try:
        while not stats.read()["retries_applied_by_intent"]:
            if child.poll() is not None or time.monotonic() > deadline:
                err = child.stderr.read() if child.stderr else b""
                raise AssertionError(f"no retry left the child: {err.decode()[-2000:]}")
            time.sleep(0.001)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
    rows = journal_rows(path)
    unfinished, unknown, intents = asyncio.run(settle_after_restart(sim_url, path))
    snapshot = stats.read()
    return KillTrial(
        kill_after=1,
        rows_at_kill=rows,
        unfinished_at_restart=unfinished,
        unknown_at_restart=unknown,
        intents=tuple(intents),
        applied_by_intent=snapshot["retries_applied_by_intent"],
        duplicates=applied_twice(snapshot),
        child_finished_first=False,
        requests_by_route=snapshot["requests_by_route"],
    )


async def _child(
    base_url: str, journal_path: Path, posts: int, bulk: bool, stall_sent: bool
) -> None:
    provider = make_provider(base_url)
    kind = StalledSentJournal if stall_sent else RetryJournal
    journal = kind(journal_path, operator="kill-test")
    watcher = LoadWatcher()
    session = make_session(provider, journal, watcher, single_post=not bulk)
    try:
        await session.load()
        await asyncio.wait_for(watcher.failures.wait(), timeout=30)
        selection = retryable_selection(session, posts)
        print(f"sending {len(selection)}", flush=True)
        await session.retry(selection)
        print("done", flush=True)
    finally:
        await session.aclose()
        await provider.aclose()
        journal.close()


if __name__ == "__main__":
    flags = sys.argv[4:]
    asyncio.run(
        _child(
            sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), "bulk" in flags, "stall-sent" in flags
        )
    )
