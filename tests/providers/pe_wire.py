"""Test doubles for the provider tests: a fake clock, a recording MockTransport, and
PostEverywhere answers in the shapes of API-CONTRACTS.md section 1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from postretry_gui.providers.pacing import RatePacer
from postretry_gui.providers.posteverywhere import PostEverywhereProvider

KEY = "pe_live_0123456789abcdef0123456789abcdef"
BASE = "https://pe.test/api/v1"
T0 = 1_800_000_000.0


class FakeClock:
    """Wall-clock seconds that move only when someone sleeps."""

    def __init__(self, start: float = T0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def settle(rounds: int = 20) -> None:
    """Let every ready task run (bounded): used before asserting that something did NOT
    happen."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def until(condition: Callable[[], bool], rounds: int = 1000) -> None:
    """Yield to the loop until ``condition`` holds, failing after ``rounds`` turns."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def rate_headers(
    *,
    limit: int = 60,
    remaining: int = 59,
    reset: float | None = None,
    retry_after: float | None = None,
) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset if reset is not None else T0 + 60)),
    }
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def envelope(
    data: Any,
    *,
    request_id: str = "req-ok",
    camel: bool = False,
    omit_error: bool = False,
) -> bytes:
    meta_key = "requestId" if camel else "request_id"
    body: dict[str, Any] = {"data": data, "meta": {meta_key: request_id}}
    if not omit_error:
        body["error"] = None
    return json.dumps(body).encode()


def ok(data: Any, *, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    return httpx.Response(
        200,
        content=envelope(data, **kw),
        headers={"Content-Type": "application/json", **(headers or rate_headers())},
    )


def fail(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str = "req-err",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {
        "data": None,
        "error": {"message": message, "code": code},
        "meta": {"request_id": request_id, "timestamp": "2026-04-15T16:00:00.000Z"},
    }
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or rate_headers())},
    )


def destination(account_id: int = 2285, status: str = "failed", **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "account_name": "My Brand Inc.",
        "platform": "linkedin",
        "status": status,
        "platform_post_id": None,
        "platform_post_url": None,
        "published_at": None,
        "error": "Token expired. Please reconnect your LinkedIn account."
        if status == "failed"
        else None,
        "attempts": 3,
        **extra,
    }


def post(post_id: str = "f47ac10b-58cc-4372-a567-0e02b2c3d479", **extra: Any) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "id": post_id,
        "status": "partially_failed",
        "content": "Hello",
        "account_ids": [2285, 2286],
        "scheduled_for": None,
        "timezone": "UTC",
        "media": [],
        "destinations": [destination(2285), destination(2286, "published")],
        "created_at": "2026-04-15T15:00:00.000Z",
        "updated_at": "2026-04-15T16:00:00.000Z",
        **extra,
    }


Answer = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


class Wire:
    """A MockTransport that answers with ``answer`` and records every request it saw."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.answer(request)
        if isinstance(result, httpx.Response):
            return result
        return await result

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def provider_on(
    answer: Answer, clock: FakeClock | None = None, **kw: Any
) -> tuple[PostEverywhereProvider, Wire]:
    clock = clock or FakeClock()
    wire = Wire(answer)
    pacer = RatePacer(clock=clock, sleep=clock.sleep, jitter_s=0.0)
    provider = PostEverywhereProvider(
        BASE, KEY, transport=wire.transport, pacer=pacer, clock=clock, **kw
    )
    return provider, wire
