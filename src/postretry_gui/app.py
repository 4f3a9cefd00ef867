"""Start-up: arguments, QApplication, the qasync loop and the wiring (composition root).

``postretry-gui --demo`` opens the window on the embedded simulator (no credentials);
``--self-test`` runs the same wiring headless, retries one destination and prints a JSON
report; ``--base-url`` points either at a real server, with the key from the environment
variable ``POSTRETRY_API_KEY`` (never an argument: arguments show in process lists).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from postretry_gui import __version__

if TYPE_CHECKING:
    from postretry_gui.controller import WorkspaceSession
    from postretry_gui.ui.main_window import MainWindow

_IMPORTED_AT = time.monotonic()
KEY_ENV = "POSTRETRY_API_KEY"
DEFAULT_SELF_TEST_TIMEOUT_S = 60.0


class StartupError(Exception):
    """A readable reason the app cannot start (printed, never a traceback)."""


def seconds_since_process_start() -> float:
    """Wall seconds since this process started (Linux: from /proc; elsewhere since this
    module was imported, which misses only the interpreter's own start)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime_file:
            uptime = float(uptime_file.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(uptime - int(fields[19]) / ticks, 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED_AT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postretry-gui",
        description="Retry failed social-publishing destinations from the keyboard, never twice.",
        epilog=f"The API key for --base-url is read from the environment variable {KEY_ENV}.",
    )
    parser.add_argument("--version", action="version", version=f"postretry-gui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open on the built-in simulator with demo data"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="headless check: load posts, retry one failed destination (for real with "
        "--base-url), wait for it to settle, check the keyring backend; prints a JSON report "
        "and exits 0 only if all worked",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API base URL of a --provider server (key from ${KEY_ENV})",
    )
    from postretry_gui.providers.registry import CATALOG

    parser.add_argument(
        "--provider",
        choices=CATALOG.kinds(),
        default=CATALOG.kinds()[0],
        help="which API --base-url speaks, or which of the simulator's surfaces --self-test "
        "and the measuring flags use (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_SELF_TEST_TIMEOUT_S,
        metavar="SECONDS",
        help="upper bound for --self-test (default %(default)s)",
    )
    # Hidden: prints painted_s=<seconds since process start> after the first paint, then
    # exits. The installer's start-up measurement (frozen vs venv) uses it.
    parser.add_argument("--quit-after-paint", action="store_true", help=argparse.SUPPRESS)
    # Hidden: the same after the first rows (failures) are painted: failures_s=<seconds>.
    parser.add_argument("--quit-after-failures", action="store_true", help=argparse.SUPPRESS)
    return parser


# -- the endpoint: a server and its key, optionally the simulator behind it -----------------


@dataclass
class Endpoint:
    """Where ``--base-url``/``--self-test``/the measuring flags point: a server of provider
    ``kind`` and its key (the saved workspaces go through the shell instead)."""

    base_url: str
    api_key: str = field(repr=False)
    label: str
    demo: bool = False
    # The registry's kind; the endpoint spoke PostEverywhere before ``--provider`` existed.
    kind: str = "posteverywhere"


@contextmanager
def open_endpoint(args: argparse.Namespace, *, fast_demo: bool = False) -> Iterator[Endpoint]:
    """The demo simulator (started in its own thread) or the server ``--base-url`` names."""
    if args.base_url:
        key = os.environ.get(KEY_ENV, "").strip()
        if not key:
            raise StartupError(
                f"--base-url needs the API key in the environment variable {KEY_ENV}."
            )
        yield Endpoint(args.base_url, key, args.base_url, kind=args.provider)
        return
    from postretry_gui.app_shell import DEMO_SURFACES, demo_sim_config
    from postretry_gui.sim import SimServer

    sim = SimServer(demo_sim_config(fast=fast_demo), port=0)
    sim.start()
    try:
        url, key = DEMO_SURFACES[args.provider].endpoint(sim)
        yield Endpoint(url, key, "demo (simulator)", demo=True, kind=args.provider)
    finally:
        sim.stop()


def make_session(
    endpoint: Endpoint, window: MainWindow
) -> tuple[WorkspaceSession, Callable[[], Awaitable[None]]]:
    """The session for ``endpoint`` reporting to ``window``, and how to close it with its
    provider, cache and journal.

    It is opened exactly as the shell opens a saved workspace (``WorkspaceOpener``: provider,
    offline cache, write-ahead retry journal), only with its files in a temporary folder,
    so the self-test exercises the same path the operator uses and writes nothing of theirs.
    """
    import tempfile
    from pathlib import Path

    from postretry_gui.controller.workspace_opener import WorkspaceOpener
    from postretry_gui.store import (
        InvalidWorkspace,
        StoreDirs,
        Workspace,
        WorkspaceSecrets,
    )

    scratch = tempfile.TemporaryDirectory(prefix="postretry-session-")
    try:
        workspace = Workspace("endpoint", endpoint.label, endpoint.kind, endpoint.base_url)
        opened = WorkspaceOpener(
            StoreDirs.under(Path(scratch.name)), on_error=_report_task_error(window)
        ).open(workspace, WorkspaceSecrets(api_key=endpoint.api_key), window)
    except (InvalidWorkspace, ValueError) as error:
        scratch.cleanup()
        raise StartupError(str(error)) from None
    except BaseException:
        scratch.cleanup()
        raise

    async def close() -> None:
        try:
            await opened.aclose()
        finally:
            scratch.cleanup()

    return opened.session, close


def _report_task_error(window: MainWindow) -> Callable[[BaseException], None]:
    from postretry_gui.controller import NoticeLevel

    def report(error: BaseException) -> None:
        # A bug in a background task: say so readably and keep the window alive; the
        # traceback goes to stderr for the bug report.
        window.notice(NoticeLevel.ERROR, f"Internal error ({type(error).__name__}); see stderr.")
        sys.__excepthook__(type(error), error, error.__traceback__)

    return report


# -- the GUI --------------------------------------------------------------------------------


def qt_application() -> Any:
    """The QApplication as the app runs it (names, quit policy, GUI-thread-only garbage
    collection); benchmarks start it the same way."""
    from PySide6.QtWidgets import QApplication

    from postretry_gui import gc_policy
    from postretry_gui.ui.theme import ThemeFollower

    app = QApplication.instance()
    if app is None:
        fresh = QApplication(sys.argv[:1])
        # Once per process, with the application that owns it (gc_policy says why).
        gc_policy.install(fresh)
        # Light or dark as the desktop is, now and whenever it changes; owned by the app.
        ThemeFollower(fresh, parent=fresh)
        app = fresh
    app.setApplicationName("postretry-gui")
    app.setApplicationVersion(__version__)
    QApplication.setQuitOnLastWindowClosed(False)  # closing waits for the session's tasks first
    return app


def _run_qasync(coro_factory: Callable[[], Any]) -> Any:
    # PySide6 must be imported before qasync so qasync binds to it (DESIGN.md).
    import PySide6  # noqa: F401
    import qasync  # type: ignore[import-untyped]

    return qasync.run(coro_factory())


async def _window_main(endpoint: Endpoint, args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from postretry_gui.ui.main_window import MainWindow

    app = QApplication.instance()
    assert app is not None
    window = MainWindow(title=endpoint.label)
    session, close_session = make_session(endpoint, window)
    window.attach(session)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def finished() -> None:
        if not done.done():
            done.set_result(None)

    window.closed.connect(finished)
    # Cancel on aboutToQuit as well: a session manager may end the app without a close.
    app.aboutToQuit.connect(window.close)
    if args.quit_after_paint:

        def painted() -> None:
            print(f"painted_s={seconds_since_process_start():.3f}", flush=True)
            window.close()

        window.firstPainted.connect(painted)
    if args.quit_after_failures:

        def rows_painted() -> None:
            print(f"failures_s={seconds_since_process_start():.3f}", flush=True)
            window.close()

        window.firstRowsPainted.connect(rows_painted)
    window.show()
    session.start_load()
    if not (args.quit_after_paint or args.quit_after_failures):
        session.start_background()
    try:
        await done
    finally:
        await close_session()
    return 0


def run_window(args: argparse.Namespace) -> int:
    qt_application()
    with open_endpoint(args) as endpoint:
        return int(_run_qasync(lambda: _window_main(endpoint, args)))


# -- the self-test -----------------------------------------------------------------------------


async def _self_test(endpoint: Endpoint, timeout_s: float) -> dict[str, Any]:
    """Load, retry one retryable destination through the window's model, wait for it to
    settle, check the keyring backend. Every step's result lands in the report."""
    import PySide6
    from PySide6.QtWidgets import QApplication

    from postretry_gui.store.secrets import describe_backend
    from postretry_gui.ui.main_window import MainWindow

    started = time.monotonic()
    report: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "qt": PySide6.__version__,
        "qpa_platform": QApplication.platformName(),
        "server": "simulator" if endpoint.demo else endpoint.base_url,
        "provider": endpoint.kind,
        "checks": {},
        "errors": [],
    }
    checks: dict[str, bool] = report["checks"]
    window = MainWindow(title=endpoint.label)
    session, close_session = make_session(endpoint, window)
    window.attach(session)
    window.show()
    try:
        async with asyncio.timeout(timeout_s):
            await _self_test_steps(window, session, report)
    except TimeoutError:
        report["errors"].append(f"timed out after {timeout_s:g} s")
    except Exception as error:  # the report must come out whatever broke
        report["errors"].append(f"{type(error).__name__}: {error}")
    finally:
        await close_session()
        window.close()
    try:
        report["keyring_backend"] = describe_backend()
        checks["keyring"] = "keyring.backends.fail" not in report["keyring_backend"]
    except Exception as error:  # a broken keyring install must be reported, not raised
        report["keyring_backend"] = f"unavailable ({type(error).__name__})"
        checks["keyring"] = False
    for name in ("loaded", "retried", "journalled", "settled", "keyring"):
        checks.setdefault(name, False)
    report["elapsed_s"] = round(time.monotonic() - started, 3)
    report["ok"] = all(checks.values()) and not report["errors"]
    return report


async def _self_test_steps(
    window: MainWindow, session: WorkspaceSession, report: dict[str, Any]
) -> None:
    from postretry_gui.domain import Outcome
    from postretry_gui.ui.rows import DestinationRow, StatusTab

    checks: dict[str, bool] = report["checks"]
    await session.load()
    await session.wait_loaded()
    state = session.sync_state
    if state.last_error:
        report["errors"].append(state.last_error)
    # The window shows arriving posts on a timer: hand it the last batches now, so the row
    # searched for below is among every loaded one, and count what the session holds (the
    # window's rows lagged behind it).
    window.flush_posts()
    model = window.model
    posts = session.posts.values()
    report["posts_loaded"] = len(posts)
    report["destinations_loaded"] = sum(len(post.destinations) for post in posts)
    report["rows_shown"] = model.post_count()
    checks["loaded"] = len(posts) > 0 and state.online and not state.key_rejected
    model.set_tab(StatusTab.FAILED)
    target = None
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        # One destination, not a post row (its box ticks the whole post).
        if isinstance(model.row_at(index), DestinationRow) and model.toggle(index):
            target = model.selection()
            break
    if not target:
        report["errors"].append("no retryable destination found to retry")
        return
    model.clear_ticks()
    retry = await session.retry(target)
    outcomes = [o.outcome.value for o in retry.outcomes]
    report["retried"] = {
        "posts": len(target),
        "destinations": sum(len(ids) for ids in target.values()),
        "outcomes": outcomes,
    }
    checks["retried"] = outcomes == [Outcome.RETRIED.value]
    journal = session.journal
    intents = journal.history(limit=10) if journal is not None else []
    report["journal_intents"] = [f"{i.post_id}: {i.state}" for i in intents]
    checks["journalled"] = any(i.post_id in target for i in intents)
    if not checks["retried"]:
        report["errors"].extend(o.message for o in retry.outcomes if o.message)
        return
    # Settled: every retried destination reads published or failed and is unlocked. The
    # session's poller does the reading; this only looks at its state.
    while True:
        statuses = {}
        for post_id, account_ids in target.items():
            post = session.posts.get(post_id)
            for account_id in account_ids:
                destination = post.destination(account_id) if post else None
                settled = (
                    destination is not None
                    and destination.status.settled
                    and not session.locked(post_id, account_id)
                )
                statuses[account_id] = destination.status.value if settled and destination else ""
        if all(statuses.values()):
            report["settled"] = sorted(statuses.values())
            checks["settled"] = True
            return
        await asyncio.sleep(0.05)


def run_self_test(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt_application()
    with open_endpoint(args, fast_demo=True) as endpoint:
        report = _run_qasync(lambda: _self_test(endpoint, args.timeout))
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0 if report["ok"] else 1


def run_worker_command(argv: Sequence[str]) -> int:
    """``postretry-gui worker WORKSPACE``: the leader's duties of a shared workspace, no
    window (``controller/worker.py``); ends cleanly on SIGTERM or SIGINT."""
    from postretry_gui.controller.worker import KEY_ENV as WORKER_KEY_ENV
    from postretry_gui.controller.worker import PASSWORD_ENV, WorkerError, worker_main
    from postretry_gui.store import StoreError

    parser = argparse.ArgumentParser(
        prog="postretry-gui worker",
        description="Keep a shared workspace's list current for the team, with no window.",
        epilog=f"Without a keyring, the key is read from ${WORKER_KEY_ENV} and the team "
        f"database's password from ${PASSWORD_ENV}.",
    )
    parser.add_argument("workspace", help="the workspace's name (or id)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(worker_main(args.workspace))
    except (WorkerError, StoreError) as error:
        print(f"postretry-gui worker: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["worker"]:
        return run_worker_command(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if args.self_test:
            return run_self_test(args)
        measuring = args.quit_after_paint or args.quit_after_failures
        if args.base_url or measuring:
            return run_window(args)
        # The operator's workspaces (or the welcome screen); --demo opens the simulator's.
        from postretry_gui.app_shell import run_shell

        qt_application()
        return run_shell(demo=args.demo, run=_run_qasync)
    except StartupError as error:
        print(f"postretry-gui: {error}", file=sys.stderr)
        return 2
