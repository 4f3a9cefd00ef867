"""Composition of the workspace shell (part of the composition root, beside ``app.py``):
logs, the crash reporter, the registry over the keyring, the opener that builds providers,
and the demo workspaces on the embedded simulator.

``app.py`` calls :func:`run_shell` when started without ``--base-url``/``--self-test``;
tests call :func:`build_shell` with their own folders and keyring.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postretry_gui.controller.events import SessionListener
from postretry_gui.controller.workspace_opener import (
    OpenedWorkspace,
    ProviderFactory,
    WorkspaceOpener,
    build_provider,
    check_key,
)
from postretry_gui.controller.workspaces import WorkspaceBook
from postretry_gui.providers import ayrshare, posteverywhere, zernio
from postretry_gui.providers.registry import CATALOG
from postretry_gui.store import (
    SecretStore,
    StoreDirs,
    StoreUnavailable,
    Workspace,
    WorkspaceRegistry,
    WorkspaceSecrets,
    configure_logging,
)
from postretry_gui.ui.crash_dialog import CrashReporter
from postretry_gui.ui.window_memory import WINDOWS_FILE, SettingsFileBackend, WindowMemory
from postretry_gui.ui.workspace_shell import WorkspaceShell

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSurface:
    """One provider the simulator serves: its demo workspace's id, and where and with which
    key the simulator answers for it."""

    workspace_id: str
    url_attribute: str  # the ``SimServer`` property with the surface's base URL
    key_name: str  # the ``postretry_gui.sim`` constant with its demo key

    def endpoint(self, sim: Any) -> tuple[str, str]:
        """(base URL, demo key) on a running simulator."""
        import postretry_gui.sim

        return getattr(sim, self.url_attribute), getattr(postretry_gui.sim, self.key_name)


# The simulator serves these providers: the demo is the one place here that names them.
DEMO_SURFACES = {
    posteverywhere.SPEC.kind: DemoSurface(
        "demo-posteverywhere", "posteverywhere_url", "DEMO_PE_KEY"
    ),
    ayrshare.SPEC.kind: DemoSurface("demo-ayrshare", "ayrshare_url", "DEMO_AYR_KEY"),
    zernio.SPEC.kind: DemoSurface("demo-zernio", "zernio_url", "DEMO_ZER_KEY"),
}
DEMO_IDS = {kind: surface.workspace_id for kind, surface in DEMO_SURFACES.items()}


# The demo's PostEverywhere refuses a handful of destinations for their content (a few in a
# hundred failures with this seed: duplicate text, too long, a video's shape), so the demo
# shows the failure a retry cannot fix, which Ctrl+Shift+A leaves unticked, beside the rest.
DEMO_CONTENT_FAILURE_ODDS = 0.09


def demo_sim_config(*, fast: bool = False) -> Any:
    """The simulator's demo data (the same for ``--demo`` and "Try the demo")."""
    from postretry_gui.sim import SimConfig

    # A self-test should settle in seconds, not in the demo's human-paced minutes.
    if fast:
        return SimConfig(seed=1, posts=120, queued_s=0.2, publishing_s=0.3, success_odds=1.0)
    return SimConfig(seed=1, posts=120, content_failure_odds=DEMO_CONTENT_FAILURE_ODDS)


class DemoWorkspaces:
    """Starts the simulator on first use and hands out its demo workspaces. Their cache
    and journal live in a temporary folder: demo data never mixes with the operator's."""

    def __init__(self, config: Any = None) -> None:
        self._config = config
        self.sim: Any = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def dirs(self) -> StoreDirs:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="postretry-demo-")
        return StoreDirs.under(Path(self._tmp.name))

    def workspaces(self) -> list[tuple[Workspace, WorkspaceSecrets]]:
        from postretry_gui.sim import SimServer

        if self.sim is None:
            self.sim = SimServer(self._config or demo_sim_config(), port=0)
            self.sim.start()
        out = []
        for kind, surface in DEMO_SURFACES.items():
            url, key = surface.endpoint(self.sim)
            name = f"Demo {CATALOG.spec(kind).display_name}"
            out.append(
                (Workspace(surface.workspace_id, name, kind, url), WorkspaceSecrets(api_key=key))
            )
        return out

    def stop(self) -> None:
        if self.sim is not None:
            self.sim.stop()
            self.sim = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


@dataclass
class ShellParts:
    shell: WorkspaceShell
    book: WorkspaceBook
    crash: CrashReporter
    demo: DemoWorkspaces
    log_path: Path | None


def build_shell(
    dirs: StoreDirs,
    *,
    secret_store: SecretStore | None = None,
    demo: DemoWorkspaces | None = None,
    factory: ProviderFactory = build_provider,
    background: bool = True,
    refresh_interval_s: float = 60.0,
) -> ShellParts:
    """Everything the shell needs, wired. Logging goes to ``dirs.log_dir`` behind the
    redaction filter; unexpected errors go to the crash reporter (call
    ``parts.crash.install()`` to route ``sys.excepthook`` there too)."""
    log_path: Path | None
    try:
        log_path = configure_logging(dirs.log_dir)
    except StoreUnavailable as error:
        log_path = None
        sys.stderr.write(f"postretry-gui: logging disabled: {error}\n")
    demo = demo or DemoWorkspaces()
    registry = WorkspaceRegistry(dirs.config_dir, secret_store or SecretStore(), CATALOG)
    book = WorkspaceBook(registry)
    holder: list[WorkspaceShell] = []

    def parent() -> Any:
        shell = holder[0] if holder else None
        return shell and (shell.window or shell.welcome)

    crash = CrashReporter(log_path, parent)
    opener = WorkspaceOpener(
        dirs,
        factory=factory,
        on_error=crash.report,
        refresh_interval_s=refresh_interval_s,
        remember_single_post=book.set_single_post_retries,
    )
    demo_opener: list[WorkspaceOpener] = []

    def open_workspace(
        workspace: Workspace, secrets: WorkspaceSecrets, listener: SessionListener
    ) -> OpenedWorkspace:
        if book.is_demo(workspace.workspace_id):
            if not demo_opener:
                demo_opener.append(
                    WorkspaceOpener(
                        demo.dirs,
                        factory=factory,
                        on_error=crash.report,
                        refresh_interval_s=refresh_interval_s,
                        remember_single_post=book.set_single_post_retries,
                    )
                )
            return demo_opener[0].open(workspace, secrets, listener)
        return opener.open(workspace, secrets, listener)

    async def checker(workspace: Workspace, secrets: WorkspaceSecrets) -> Any:
        return await check_key(workspace, secrets, factory=factory)

    # How each workspace's window was left, beside the workspace settings (ui/window_memory).
    memory = WindowMemory(SettingsFileBackend(dirs.config_dir / WINDOWS_FILE))
    shell = WorkspaceShell(
        book, open_workspace, checker, demo.workspaces, background=background, memory=memory
    )
    holder.append(shell)
    log.info("postretry-gui started; %d saved workspace(s)", len(registry.workspaces()))
    return ShellParts(shell, book, crash, demo, log_path)


async def _shell_main(parts: ShellParts, then: Callable[[WorkspaceShell], object]) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def finished() -> None:
        if not done.done():
            done.set_result(None)

    parts.shell.finished.connect(finished)
    app.aboutToQuit.connect(parts.shell.quit)
    then(parts.shell)
    try:
        await done
    finally:
        parts.crash.uninstall()
    return 0


def run_shell(*, demo: bool, run: Callable[[Callable[[], Any]], Any]) -> int:
    """The app on the operator's workspaces (``demo``: open the demo workspaces first).
    ``run`` runs a coroutine factory on the qasync loop (``app._run_qasync``)."""
    parts = build_shell(StoreDirs.default())
    parts.crash.install()
    try:
        start = WorkspaceShell.try_demo if demo else WorkspaceShell.start
        return int(run(lambda: _shell_main(parts, start)))
    finally:
        parts.demo.stop()
