"""Fault injection: seeded decisions and the broken answers a client must survive.

Every random fault is scoped by ``fault_routes`` (path prefixes, optionally "METHOD /prefix";
empty means every API route; ``/_sim`` is never faulted). The ``retry_error`` knob is not
random and not scoped: it answers retries with the error it names (texts defaulted here).
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
    504: (
        "<html><head><title>504 Gateway Time-out</title></head><body>"
        "<center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>"
    ),
}

# Defaults for a ``retry_error`` that names only a status: PostEverywhere's code words, and a
# message close to what the services say (either API).
PE_CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    409: "no_failed_destinations",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
CHOSEN_MESSAGES = {
    400: "The request could not be processed.",
    401: "Missing or invalid API key.",
    402: "Payment required: the plan has no credits left for this action.",
    403: "This key is not allowed to do that (scope or quota).",
    404: "Post not found.",
    409: "Nothing to retry.",
    422: "The request did not validate.",
    429: "Too many requests. Please slow down.",
    504: "The gateway timed out waiting for the service.",
}


def chosen_message(status: int) -> str:
    fallback = "The server had a problem. Try again." if status >= 500 else "Request refused."
    return CHOSEN_MESSAGES.get(status, fallback)


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
