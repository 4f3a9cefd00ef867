"""A request is in the stats before its answer leaves.

Driven at the ASGI level, so the moment is exact: the app's ``send`` is ours, and we read the
stats each time the app hands us a piece of the answer. Over a socket the same question is a
race the test could win by luck; here a count made after the answer would be seen missing
every time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sim_helpers import QUIET

from postretry_gui.sim import DEMO_PE_KEY, SimConfig
from postretry_gui.sim.app import SimApp
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.http_util import DroppedConnection

PE = "/posteverywhere/api/v1"
RETRY_ROUTE = f"POST {PE}/posts/{{post_id}}/retry"


class Exchange:
    """One request through the app, with the stats as they were at each piece of the answer."""

    def __init__(self, ctx: SimContext) -> None:
        self.app = SimApp(ctx)
        self.ctx = ctx
        self.status = 0
        self.body = b""
        self.stats_at_head: dict[str, Any] = {}
        self.stats_at_each_piece: list[dict[str, Any]] = []

    def run(self, method: str, path: str, *, key: str | None = DEMO_PE_KEY) -> Exchange:
        headers = [(b"authorization", f"Bearer {key}".encode())] if key else []
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            seen = self.ctx.stats_snapshot()
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.stats_at_head = seen
            else:
                self.body += message.get("body", b"")
                self.stats_at_each_piece.append(seen)

        asyncio.run(self.app(scope, receive, send))
        return self


def _context(**knobs: Any) -> SimContext:
    return SimContext(SimConfig(**{**QUIET, "posts": 30, "queued_s": 30, **knobs}))


def _failed_post_id(ctx: SimContext) -> str:
    listing = Exchange(ctx).run("GET", f"{PE}/posts")
    posts = json.loads(listing.body)["data"]["posts"]
    return next(p["post_id"] for p in posts if p["status"] == "failed")


@pytest.mark.parametrize(
    ("method", "path", "key", "route", "status"),
    [
        ("GET", f"{PE}/accounts", DEMO_PE_KEY, f"GET {PE}/accounts", "200"),
        ("GET", f"{PE}/accounts", None, f"GET {PE}/accounts", "401"),
        ("GET", f"{PE}/no-such-thing", DEMO_PE_KEY, "GET (unmatched)", "404"),
        ("GET", "/", None, "GET /", "200"),
    ],
)
def test_every_answer_finds_its_request_already_counted(
    method: str, path: str, key: str | None, route: str, status: str
) -> None:
    exchange = Exchange(_context()).run(method, path, key=key)

    assert str(exchange.status) == status
    assert exchange.stats_at_head["requests"] == {route: {status: 1}}
    assert all(seen["requests"] == {route: {status: 1}} for seen in exchange.stats_at_each_piece)
    assert exchange.ctx.stats_snapshot()["requests_total"] == 1  # and counted only once


def test_a_rate_limited_answer_is_counted_as_a_429_before_it_leaves() -> None:
    ctx = _context(burst_429=1)

    exchange = Exchange(ctx).run("GET", f"{PE}/accounts")

    assert exchange.status == 429
    assert exchange.stats_at_head["rate_limited"] == 1
    assert exchange.stats_at_head["requests"] == {f"GET {PE}/accounts": {"429": 1}}


def test_a_dropped_answer_is_counted_as_dropped_before_its_first_byte() -> None:
    ctx = _context(drop_after_apply_odds=1.0)
    post_id = _failed_post_id(ctx)
    ctx.stats.reset()

    exchange = Exchange(ctx)
    with pytest.raises(DroppedConnection):
        exchange.run("POST", f"{PE}/posts/{post_id}/retry")

    # The head announces a 2xx, but the client never gets that answer: counted as dropped.
    assert exchange.status == 200
    assert exchange.stats_at_head["requests"] == {RETRY_ROUTE: {"dropped": 1}}
    assert exchange.stats_at_head["dropped_connections"] == 1
    final = ctx.stats_snapshot()
    assert final["requests"] == {RETRY_ROUTE: {"dropped": 1}}
    assert final["dropped_connections"] == 1
    assert final["retries_applied"]  # applied, as before


def test_a_5xx_after_the_retry_applied_is_counted_as_that_5xx_before_it_leaves() -> None:
    ctx = _context(error_5xx_after_apply_odds=1.0)
    post_id = _failed_post_id(ctx)
    ctx.stats.reset()

    exchange = Exchange(ctx).run("POST", f"{PE}/posts/{post_id}/retry")

    assert exchange.status >= 500
    assert exchange.stats_at_head["requests"] == {RETRY_ROUTE: {str(exchange.status): 1}}
    assert exchange.stats_at_head["faults"]["error_5xx_after_apply"] == 1
    assert exchange.stats_at_head["retries_applied"]


def test_control_calls_stay_out_of_the_stats() -> None:
    ctx = _context()

    exchange = Exchange(ctx).run("GET", "/_sim/stats", key=None)

    assert exchange.status == 200
    assert ctx.stats_snapshot()["requests_total"] == 0
