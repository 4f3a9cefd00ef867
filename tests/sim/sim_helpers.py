"""Helpers for the simulator tests (a plain module: the tests folder is not a package)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from postretry_gui.sim import DEMO_AYR_KEY, DEMO_PE_KEY, DEMO_ZER_KEY, SimServer

T = TypeVar("T")

# No rate limit, so that tests never trip the limiter by accident.
QUIET = {"rate_limit": None, "ayrshare_rate_limit": None, "zernio_rate_limit": None}


def wait_for(probe: Callable[[], T | None], timeout: float = 5.0, every: float = 0.02) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        pause.wait(every)  # poll interval, bounded by the deadline above


def pe_client(sim: SimServer, key: str = DEMO_PE_KEY) -> httpx.Client:
    return httpx.Client(
        base_url=sim.posteverywhere_url, headers={"Authorization": f"Bearer {key}"}, timeout=5
    )


def ayr_client(sim: SimServer, key: str = DEMO_AYR_KEY, **headers: str) -> httpx.Client:
    return httpx.Client(
        base_url=sim.ayrshare_url,
        headers={"Authorization": f"Bearer {key}", **headers},
        timeout=5,
    )


def zer_client(sim: SimServer, key: str = DEMO_ZER_KEY) -> httpx.Client:
    return httpx.Client(
        base_url=sim.zernio_url + "/v1", headers={"Authorization": f"Bearer {key}"}, timeout=5
    )


def all_posts(client: httpx.Client, **params: object) -> list[dict]:
    """Every post of the PostEverywhere listing, page by page (100 a page)."""
    posts: list[dict] = []
    offset = 0
    while True:
        page = client.get("/posts", params={**params, "limit": 100, "offset": offset})
        assert page.status_code == 200, page.text
        data = page.json()["data"]
        posts += data["posts"]
        offset += len(data["posts"])
        if not data["pagination"]["has_more"]:
            return posts
