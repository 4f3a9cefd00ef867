"""Fault injection: seeded decisions and the broken answers a client must survive.

Every fault is scoped by ``fault_routes`` (path prefixes, optionally "METHOD /prefix"; empty
means every API route; ``/_sim`` is never faulted).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

HTML_PAGES = {
    200: (
        "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
        "<h1>Checking your browser before accessing the site.</h1>"
        "<p>This process is automatic.</p></body></html>"
    ),
    500: (
        "<html><head><title>500 Internal Server Error</title></head><body>"
        "<center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center>"
        "</body></html>"
    ),
    502: (
        "<html><head><title>502 Bad Gateway</title></head><body>"
        "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
    ),
    503: (
        "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
        "<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
        "</body></html>"
    ),
}


def in_scope(method: str, path: str, routes: Sequence[str]) -> bool:
    if not routes:
        return True
    for route in routes:
        want_method, _, prefix = route.rpartition(" ")
        if want_method and want_method.upper() != method:
            continue
        if path.startswith(prefix):
            return True
    return False


class FaultDice:
    """The seeded random source for faults (one per server; used from its loop thread)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"faults|{seed}")  # noqa: S311 - seeded, not for secrets

    def roll(self, odds: float) -> bool:
        return odds > 0 and self._rng.random() < odds

    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self._rng.random() * len(options))]


def _first_list_to_oops(node: Any) -> bool:
    """Replace the first list found (breadth-first) in a JSON object with "oops"."""
    queue = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, dict):
            for key, value in current.items():
                if isinstance(value, list):
                    current[key] = "oops"
                    return True
            queue.extend(v for v in current.values() if isinstance(v, dict))
    return False


def malform(kind: str, status: int, body: bytes, *, enveloped: bool) -> tuple[int, str, bytes]:
    """A broken version of a JSON answer: (status, content type, body).

    ``enveloped`` says the body is PostEverywhere's ``{"data", "error", "meta"}``.
    """
    if kind in ("html_200", "html_502"):
        code = 200 if kind == "html_200" else 502
        return code, "text/html; charset=utf-8", HTML_PAGES[code].encode()
    if kind == "truncated_json":
        return status, "application/json", body[: max(1, len(body) // 2)]
    try:
        payload = json.loads(body)
    except ValueError:
        return status, "application/json", body[: max(1, len(body) // 2)]
    if kind == "wrong_types":
        if isinstance(payload, list):
            payload = "oops"
        elif not _first_list_to_oops(payload) and isinstance(payload, dict):
            target = payload.get("data") if enveloped else payload
            if isinstance(target, dict) and target:
                target[next(iter(target))] = {"oops": True}
    elif kind == "data_list":
        if enveloped and isinstance(payload, dict):
            payload["data"] = []
        else:
            payload = None
    return status, "application/json", json.dumps(payload).encode()
