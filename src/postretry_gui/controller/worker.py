"""``postretry-gui worker WORKSPACE``: the leader's duties with no window.

For a team that wants its list kept current on a server while nobody has the app open: the
worker opens the shared workspace as the app does (provider, offline cache, journal), takes
part in the leader election like any window, and while it leads it loads, refreshes and
publishes the posts for the others, and settles (by reading, never resending) the retries an
instance that died left unfinished. It never retries anything. SIGTERM or SIGINT ends it
cleanly: the lead goes with its connection at once, so a window takes over.

A server often has no desktop keyring: the API key and the team database's password may come
from the environment (``POSTRETRY_API_KEY``, ``POSTRETRY_TEAM_PASSWORD``) instead, never from
arguments (arguments show in process lists).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, TextIO

from postretry_gui.controller.events import NoticeLevel, RetryReport, SyncState
from postretry_gui.controller.team_opener import TeamOptions
from postretry_gui.controller.workspace_opener import WorkspaceOpener
from postretry_gui.domain import Post
from postretry_gui.providers.registry import CATALOG
from postretry_gui.store import (
    SecretStore,
    StoreDirs,
    StoreError,
    Workspace,
    WorkspaceRegistry,
    WorkspaceSecrets,
)

KEY_ENV = "POSTRETRY_API_KEY"
PASSWORD_ENV = "POSTRETRY_TEAM_PASSWORD"  # noqa: S105 - the variable's name, not a secret


class WorkerError(Exception):
    """A readable reason the worker cannot run (printed, exit status 2)."""


class LogListener:
    """The session's events as log lines: notices, and each completed sync."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._last_sync: object = None

    def _say(self, text: str) -> None:
        print(f"postretry-gui worker: {text}", file=self._out, flush=True)

    def posts_changed(self, posts: Sequence[Post]) -> None:
        pass

    def sync_changed(self, state: SyncState) -> None:
        if state.last_sync_at is not None and state.last_sync_at != self._last_sync:
            self._last_sync = state.last_sync_at
            self._say(f"synced: {state.posts_loaded} posts")

    def retry_finished(self, report: RetryReport) -> None:
        pass

    def notice(self, level: NoticeLevel, text: str) -> None:
        self._say(f"{level.value}: {text}")


def find_workspace(registry: WorkspaceRegistry, wanted: str) -> Workspace:
    """The workspace named ``wanted`` (case-insensitive) or with that id."""
    for workspace in registry.workspaces():
        if wanted == workspace.workspace_id or workspace.name.casefold() == wanted.casefold():
            return workspace
    names = ", ".join(w.name for w in registry.workspaces()) or "none"
    raise WorkerError(f"No workspace named {wanted!r} (workspaces: {names}).")


def _secrets(
    registry: WorkspaceRegistry, workspace: Workspace
) -> tuple[WorkspaceSecrets, str | None]:
    """The keyring's secrets, with the environment's in their place where given."""
    key = os.environ.get(KEY_ENV, "").strip()
    password = os.environ.get(PASSWORD_ENV)
    try:
        secrets = registry.secrets(workspace.workspace_id)  # with the team's password
        if password is None:
            password = secrets.team_db_password
    except StoreError as error:
        if not key:
            raise WorkerError(
                f"{error} Or give the key in ${KEY_ENV} and the password in ${PASSWORD_ENV}."
            ) from None
        secrets = WorkspaceSecrets()
    if key:
        secrets = replace(secrets, api_key=key)
    return secrets, password


async def run_worker(
    dirs: StoreDirs,
    wanted: str,
    *,
    stop: asyncio.Event,
    out: TextIO = sys.stderr,
    options: Callable[[TeamOptions], TeamOptions] = lambda options: options,
) -> None:
    """Lead (or stand by to lead) the workspace ``wanted`` until ``stop`` is set.
    ``options``: adjusts how this instance takes part (tests shorten the intervals)."""
    registry = WorkspaceRegistry(dirs.config_dir, SecretStore(), CATALOG)
    workspace = find_workspace(registry, wanted)
    if workspace.team is None:
        raise WorkerError(
            f"Workspace {workspace.name!r} has no team database: the worker serves shared "
            "workspaces only (set one in the workspace's settings)."
        )
    secrets, password = _secrets(registry, workspace)
    secrets = replace(secrets, team_db_password=password)
    opener = WorkspaceOpener(dirs, team_options=options)
    opened = opener.open(workspace, secrets, LogListener(out))
    try:
        assert opened.team is not None  # a team workspace opens with its team side
        await _until_stopped(opened.team.run(give_up=True), stop)
    finally:
        await opened.aclose()


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Run ``work`` until ``stop`` is set; its error (a refused login, a schema too new)
    is the worker's exit."""
    running = asyncio.ensure_future(work)
    waiting = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()
    finally:
        for task in (running, waiting):
            task.cancel()
        await asyncio.gather(running, waiting, return_exceptions=True)


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set ``stop`` (the worker then closes cleanly)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows' loops: the plain handler, woken by the loop
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))


async def worker_main(wanted: str, dirs: StoreDirs | None = None) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    with contextlib.suppress(asyncio.CancelledError):
        await run_worker(dirs or StoreDirs.default(), wanted, stop=stop)
