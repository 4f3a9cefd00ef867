"""The workspace shell on the real stack (simulator on loopback, real providers, the app's
own wiring), with an in-memory keyring and every folder under tmp_path.

Imported by name by tests/ui/test_workspaces*.py, test_first_run*.py and tests/test_canary.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import keyring
from keyring.backend import KeyringBackend

from postretry_gui.app_shell import DemoWorkspaces, ShellParts, build_shell
from postretry_gui.providers.ayrshare import SPEC as AYRSHARE
from postretry_gui.providers.ayrshare import AyrshareProvider
from postretry_gui.providers.base import Provider
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE
from postretry_gui.providers.posteverywhere import PostEverywhereProvider
from postretry_gui.providers.zernio import SPEC as ZERNIO
from postretry_gui.providers.zernio import ZernioProvider
from postretry_gui.sim import DEMO_PE_KEY, SimConfig, SimServer
from postretry_gui.store import (
    MemoryKeyring,
    SecretStore,
    StoreDirs,
    Workspace,
    WorkspaceSecrets,
)
from postretry_gui.store.logs import stop_logging
from postretry_gui.store.redaction import clear_registered_secrets

FAST = {"queued_s": 0.05, "publishing_s": 0.05, "success_odds": 1.0, "rate_limit": None}
PE_LIST = "GET /posteverywhere/api/v1/posts"
WAIT_MS = 10_000


class Switch(httpx.AsyncBaseTransport):
    """A real transport that can be told to send a revoked key (the server then answers
    401 for real) or to refuse to connect (offline)."""

    def __init__(self, state: NetworkState) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._state = state

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._state.offline:
            raise httpx.ConnectError("offline (test)", request=request)
        if self._state.revoked:
            request.headers["Authorization"] = "Bearer revoked"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class NetworkState:
    revoked: bool = False
    offline: bool = False


def switchable_factory(state: NetworkState) -> Callable[[Workspace, WorkspaceSecrets], Provider]:
    def factory(workspace: Workspace, secrets: WorkspaceSecrets) -> Provider:
        transport = Switch(state)
        if workspace.provider == AYRSHARE.kind:
            return AyrshareProvider(
                workspace.base_url,
                secrets.api_key or "",
                profile_key=secrets.profile_key,
                x_api_key=secrets.x_api_key,
                x_api_secret=secrets.x_api_secret,
                transport=transport,
            )
        if workspace.provider == ZERNIO.kind:
            return ZernioProvider(workspace.base_url, secrets.api_key or "", transport=transport)
        return PostEverywhereProvider(
            workspace.base_url, secrets.api_key or "", transport=transport
        )

    return factory


@dataclass
class Env:
    sim: SimServer
    dirs: StoreDirs
    secret_store: SecretStore
    network: NetworkState
    parts: ShellParts
    backend: KeyringBackend
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def shell(self) -> Any:
        return self.parts.shell

    def list_requests(self) -> int:
        return int(sum(self.sim.stats()["requests"].get(PE_LIST, {}).values()))


@contextmanager
def shell_env(
    tmp_path: Path,
    qtbot: Any,
    loop: asyncio.AbstractEventLoop,
    *,
    backend: KeyringBackend | None = None,
    sim_config: SimConfig | None = None,
    sim: SimServer | None = None,
) -> Iterator[Env]:
    """A shell over ``tmp_path``; at the end every window closes and every session ends.
    ``sim``: a running simulator to reuse (a restart must find the same server)."""
    backend = backend or MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    network = NetworkState()
    config = sim_config or SimConfig(seed=3, posts=24, **FAST)
    with contextlib.nullcontext(sim) if sim is not None else SimServer(config, port=0) as sim:
        dirs = StoreDirs.under(tmp_path)
        store = SecretStore(backend)
        demo = DemoWorkspaces(SimConfig(seed=1, posts=20, **FAST))
        parts = build_shell(
            dirs,
            secret_store=store,
            demo=demo,
            factory=switchable_factory(network),
            background=False,
        )
        env = Env(sim, dirs, store, network, parts, backend)
        try:
            yield env
        finally:
            parts.shell.close_dialogs()
            closing = loop.create_task(parts.shell.aclose())
            qtbot.waitUntil(closing.done, timeout=WAIT_MS)
            parts.crash.uninstall()
            demo.stop()
            stop_logging()
            keyring.set_keyring(previous)
            clear_registered_secrets()


def active_window(env: Env, qtbot: Any) -> Any:
    """The open workspace's window, once it is the active window (shortcuts need that)."""
    qtbot.waitUntil(lambda: env.shell.window is not None, timeout=WAIT_MS)
    window = env.shell.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    return window


def pe_workspace(env: Env, name: str = "Client A") -> Workspace:
    return Workspace("draft", name, POSTEVERYWHERE.kind, env.sim.posteverywhere_url)


def save_workspace(env: Env, name: str, *, session_only: bool = False) -> str:
    """A PostEverywhere workspace on the simulator, saved with a key of its own."""
    workspace = env.shell.book.add(
        pe_workspace(env, name),
        WorkspaceSecrets(api_key=f"{DEMO_PE_KEY}_{name.lower()}"),
        session_only=session_only,
    )
    return str(workspace.workspace_id)


def wait_synced(env: Env, qtbot: Any) -> None:
    """Until the open workspace has read its posts."""
    qtbot.waitUntil(lambda: env.shell.handle is not None, timeout=WAIT_MS)
    session = env.shell.handle.session
    qtbot.waitUntil(
        lambda: session.synced_from is not None and not session.sync_state.loading,
        timeout=WAIT_MS,
    )
