"""``SimServer``: the simulator on 127.0.0.1 in a daemon thread (uvicorn), for tests and --demo.

    with SimServer(SimConfig(seed=1), port=0) as sim:
        httpx.get(sim.posteverywhere_url + "/posts", headers={"Authorization": ...})

``start()`` returns once the server accepts connections; ``stop()`` is quick and frees the
port (no keep-alive connection is waited for beyond a short grace).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from postretry_gui.sim.app import build_app
from postretry_gui.sim.config import AYR_PREFIX, PE_PREFIX, ZER_PREFIX, SimConfig
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.startup import build_context

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0


class SimServerError(RuntimeError):
    """The simulator could not start or stop."""


def bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port=0`` picks a free one)."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # accepted sockets inherit it; without it every keep-alive answer waits ~40 ms for the
    # peer's delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise SimServerError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    return sock


def uvicorn_config(app: Any, *, access_log: bool = False) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,  # leave the host program's logging alone
        log_level="info" if access_log else "warning",
        access_log=access_log,
        timeout_graceful_shutdown=1,
        timeout_keep_alive=5,
    )


class SimServer:
    def __init__(self, config: SimConfig | None = None, port: int = 0) -> None:
        self._config = config if config is not None else SimConfig()
        self._requested_port = port
        self._ctx: SimContext | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle
    def start(self) -> SimServer:
        if self._thread is not None:
            raise SimServerError("the simulator is already running")
        self._ctx = build_context(self._config, owns_process=False)
        self._sock = bind_loopback(self._requested_port)
        self.port = self._sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(build_app(self._ctx)))
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._sock]}, name="postretry-sim", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise SimServerError("the simulator did not start")
            self._thread.join(0.005)  # wait on the thread, briefly, while uvicorn starts up
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._sock
        self._server = self._thread = self._sock = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_STOP_TIMEOUT_S)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(_STOP_TIMEOUT_S)
        if sock is not None:
            sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def posteverywhere_url(self) -> str:
        return self.url + PE_PREFIX

    @property
    def ayrshare_url(self) -> str:
        return self.url + AYR_PREFIX

    @property
    def zernio_url(self) -> str:
        return self.url + ZER_PREFIX

    # ------------------------------------------------------------ control
    def _context(self) -> SimContext:
        if self._ctx is None:
            raise SimServerError("the simulator has not been started")
        return self._ctx

    @property
    def config(self) -> SimConfig:
        return self._ctx.config if self._ctx is not None else self._config

    def stats(self) -> dict[str, Any]:
        """The same JSON as ``GET /_sim/stats``."""
        return self._context().stats_snapshot()

    def configure(self, **changes: Any) -> SimConfig:
        """Change run-time knobs (as ``POST /_sim/config``); raises SimConfigError."""
        return self._context().configure(changes)

    def reset_stats(self) -> None:
        self._context().stats.reset()
