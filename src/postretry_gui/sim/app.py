"""The simulator's ASGI application: one pipeline in front of both API surfaces.

For an API request, in order: latency -> burst_429 -> 5xx fault (before anything is done) ->
rate limit (every window, per key) -> auth -> routing -> handler -> rate-limit headers ->
drop-after-apply or 5xx-after-apply (retry routes only) or malformed answer. ``/_sim/*``
skips all of it (no auth, no limit, no faults, not counted). Every other request is counted
in the stats by route template and final status, just before its answer's head is sent (a
deliberate drop as "dropped"): a client that has its answer finds its request counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Message, Receive, Scope, Send

from postretry_gui.sim.ayr_routes import AyrshareApi
from postretry_gui.sim.config import SIM_PREFIX, SimConfig, SimConfigError
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.faults import HTML_PAGES, in_scope, malform
from postretry_gui.sim.http_util import Answer, DroppedConnection, bearer_token
from postretry_gui.sim.pe_routes import PostEverywhereApi
from postretry_gui.sim.ratelimit import Verdict, Window
from postretry_gui.sim.zer_routes import ZernioApi


class Surface(Protocol):
    """What the pipeline needs from an API surface (PostEverywhere, Ayrshare, Zernio)."""

    name: str
    prefix: str
    enveloped: bool
    retry_templates: frozenset[str]
    server_error_statuses: tuple[int, ...]  # what the error_5xx fault picks from

    def routes(self) -> list[Route]: ...
    def authorized(self, token: str | None) -> bool: ...
    def rate_windows(self, cfg: SimConfig) -> tuple[Window, ...]: ...
    def limit_key(self, token: str | None, headers: Headers) -> str: ...
    def rate_headers(self, verdict: Verdict, now: float) -> list[tuple[str, str]]: ...
    def too_many(self, verdict: Verdict, now: float) -> Answer: ...
    def unauthorized(self) -> Answer: ...
    def route_not_found(self) -> Answer: ...
    def method_not_allowed(self) -> Answer: ...
    def server_error(self, status: int) -> Answer: ...
    def observe(self, headers: Headers) -> None: ...


class _DropFilter(logging.Filter):
    """Keep deliberate drops out of uvicorn's error log: they are the point, not a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())


class _CountingSend:
    """The ``send`` of one counted request: the request is counted once, with its status,
    just before its answer's head goes out, so a client that got its answer (or saw the
    connection break) always finds its request in the stats, and a ``reset-stats`` made after
    that answer is never followed by a late count of it."""

    def __init__(self, send: Send, record: Callable[[str], None]) -> None:
        self._send = send
        self._record = record
        self._counted = False

    def count(self, status: str) -> None:
        """Count the request as ``status`` unless it was counted already."""
        if not self._counted:
            self._counted = True
            self._record(status)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.count(str(message["status"]))
        await self._send(message)


class SimApp:
    def __init__(self, ctx: SimContext, surfaces: list[Surface] | None = None) -> None:
        self.ctx = ctx
        self.surfaces: list[Surface] = (
            surfaces
            if surfaces is not None
            else [PostEverywhereApi(ctx), AyrshareApi(ctx), ZernioApi(ctx)]
        )
        routes: list[BaseRoute] = []
        for surface in self.surfaces:
            routes += surface.routes()
        routes += self._control_routes()
        self.routes = routes
        self.router = Starlette(routes=routes)

    # ------------------------------------------------------------ control surface
    def _control_routes(self) -> list[Route]:
        return [
            Route("/", self._index, methods=["GET"]),
            Route(f"{SIM_PREFIX}/stats", self._stats, methods=["GET"]),
            Route(f"{SIM_PREFIX}/config", self._get_config, methods=["GET"]),
            Route(f"{SIM_PREFIX}/config", self._set_config, methods=["POST"]),
            Route(f"{SIM_PREFIX}/reset-stats", self._reset_stats, methods=["POST"]),
        ]

    async def _index(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse({s.name: base + s.prefix for s in self.surfaces})

    async def _stats(self, request: Request) -> Response:
        return JSONResponse(self.ctx.stats_snapshot())

    async def _get_config(self, request: Request) -> Response:
        return JSONResponse(self.ctx.config.as_dict())

    async def _set_config(self, request: Request) -> Response:
        try:
            changes = await request.json()
        except ValueError:
            return JSONResponse({"error": "body must be a JSON object of knobs"}, 400)
        if not isinstance(changes, dict):
            return JSONResponse({"error": "body must be a JSON object of knobs"}, 400)
        try:
            config = self.ctx.configure(changes)
        except SimConfigError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(config.as_dict())

    async def _reset_stats(self, request: Request) -> Response:
        self.ctx.stats.reset()
        return JSONResponse({"reset": True})

    # ------------------------------------------------------------ the pipeline
    def _resolve(self, scope: Scope) -> tuple[Route | None, bool]:
        """(route, method allowed) for a request, as Starlette's router would pick it."""
        partial: Route | None = None
        for route in self.routes:
            assert isinstance(route, Route)
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route, True
            if match is Match.PARTIAL and partial is None:
                partial = route
        return partial, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websockets; lifespan is switched off in the server
        surface = next((s for s in self.surfaces if scope["path"].startswith(s.prefix)), None)
        if surface is None and scope["path"].startswith(SIM_PREFIX):
            await self.router(scope, receive, send)  # control calls stay out of the stats
            return
        route, allowed = self._resolve(scope)
        label = f"{scope['method']} {route.path if route else '(unmatched)'}"
        counting = _CountingSend(send, lambda status: self.ctx.stats.record_request(label, status))
        try:
            if surface is None:
                await self.router(scope, receive, counting)
            else:
                await self._api(surface, scope, receive, counting, route, allowed)
        finally:
            counting.count("none")  # nothing was sent: still a request the client made

    async def _api(
        self,
        surface: Surface,
        scope: Scope,
        receive: Receive,
        send: _CountingSend,
        route: Route | None,
        allowed: bool,
    ) -> None:
        cfg = self.ctx.config
        ctx = self.ctx
        headers = Headers(scope=scope)
        surface.observe(headers)
        scoped = in_scope(scope["method"], scope["path"], cfg.fault_routes)
        if scoped and cfg.latency_ms > 0:
            ctx.stats.record_fault("latency")
            await asyncio.sleep(cfg.latency_ms / 1000)
        now = time.time()
        windows = surface.rate_windows(cfg)
        if scoped and ctx.take_burst():
            ctx.stats.record_fault("burst_429")
            ctx.stats.record_limited("burst_429")
            refused = Verdict.refused_for("burst_429", windows[0].limit if windows else 0, now + 1)
            await surface.too_many(refused, now).send(send)
            return
        if scoped and ctx.dice.roll(cfg.error_5xx_odds):
            ctx.stats.record_fault("error_5xx")
            await self._server_error(surface).send(send)
            return
        token = bearer_token(headers)
        verdict: Verdict | None = None
        if windows:
            verdict = ctx.limiter.hit(surface.limit_key(token, headers), windows, now)
            if not verdict.allowed:
                ctx.stats.record_limited(verdict.blocking.kind)
                await surface.too_many(verdict, now).send(send)
                return
        rate_headers = surface.rate_headers(verdict, now) if verdict is not None else []
        answer: Answer | None = None
        if not surface.authorized(token):
            answer = surface.unauthorized()
        elif route is None:
            answer = surface.route_not_found()
        elif not allowed:
            answer = surface.method_not_allowed()
        if answer is not None:
            answer.headers += rate_headers
            await answer.send(send)
            return
        assert route is not None
        answer = await self._buffered(scope, receive)
        answer.headers += rate_headers
        if answer.status < 300 and scoped:
            if route.path in surface.retry_templates and ctx.dice.roll(cfg.drop_after_apply_odds):
                ctx.stats.record_fault("drop_after_apply")
                await self._drop(answer, send)
            if route.path in surface.retry_templates and ctx.dice.roll(
                cfg.error_5xx_after_apply_odds
            ):
                ctx.stats.record_fault("error_5xx_after_apply")
                await self._server_error(surface).send(send)
                return
            if ctx.dice.roll(cfg.malformed_odds):
                ctx.stats.record_fault("malformed")
                kind = ctx.dice.pick(cfg.malformed_kinds)
                answer.status, answer.content_type, answer.body = malform(
                    kind, answer.status, answer.body, enveloped=surface.enveloped
                )
        await answer.send(send)

    def _server_error(self, surface: Surface) -> Answer:
        status = self.ctx.dice.pick(surface.server_error_statuses)
        if self.ctx.dice.roll(0.5):
            return Answer(status, HTML_PAGES[status].encode(), "text/html; charset=utf-8")
        return surface.server_error(status)

    @staticmethod
    async def _drop(answer: Answer, send: _CountingSend) -> NoReturn:
        """Announce the whole body, send half, and break the connection: the retry is
        applied but the client cannot know it."""
        send.count("dropped")  # not as the 2xx its head announces
        head = [
            (b"content-type", answer.content_type.encode()),
            (b"content-length", str(len(answer.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": head})
        half = answer.body[: len(answer.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise DroppedConnection("deliberately dropped after applying the retry")

    async def _buffered(self, scope: Scope, receive: Receive) -> Answer:
        """Run the router and keep its whole answer, so it can be decorated or broken."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.router(scope, receive, capture)
        content_type = "application/json"
        extra: list[tuple[str, str]] = []
        for key, value in start.get("headers", []):
            name = key.decode("latin-1").lower()
            if name == "content-type":
                content_type = value.decode("latin-1")
            elif name != "content-length":
                extra.append((name, value.decode("latin-1")))
        return Answer(int(start.get("status", 500)), b"".join(chunks), content_type, extra)


def build_app(ctx: SimContext) -> SimApp:
    install_log_filter()
    return SimApp(ctx)
