"""Idempotency-Key support for retry endpoints: a key already applied replays its stored
response instead of applying again. The real services may ignore the header; the simulator
honours it so that tests can prove a client re-sends with the same key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status: int
    body: bytes


def scope_of(api_key: str) -> str:
    """Keys are scoped per API key; store a digest, never the key itself."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def fingerprint(method: str, path: str, body: object) -> str:
    return f"{method} {path} {json.dumps(body, sort_keys=True, default=str)}"


class IdempotencyStore:
    def __init__(self) -> None:
        self._stored: dict[tuple[str, str], StoredResponse] = {}

    def get(self, scope: str, key: str) -> StoredResponse | None:
        return self._stored.get((scope, key))

    def put(self, scope: str, key: str, response: StoredResponse) -> None:
        self._stored[(scope, key)] = response
