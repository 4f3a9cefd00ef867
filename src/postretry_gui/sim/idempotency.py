"""Idempotency-Key support for retry endpoints: a key already applied replays its stored
response instead of applying again. The real services may ignore the header; the simulator
honours it so that tests can prove a client re-sends with the same key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from postretry_gui.sim.http_util import Answer


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

    def run_once(
        self,
        *,
        scope: str,
        key: str | None,
        request_fingerprint: str,
        apply: Callable[[str | None], Answer],
        on_replay: Callable[[], None],
        on_reuse: Callable[[], Answer],
    ) -> Answer:
        """Apply once per key; a repeat with the same request replays the stored answer,
        a repeat with a different request gets ``on_reuse()``. Errors are not stored."""
        if not key:
            return apply(None)
        stored = self.get(scope, key)
        if stored is not None:
            if stored.fingerprint != request_fingerprint:
                return on_reuse()
            on_replay()
            return Answer(stored.status, stored.body, headers=[("Idempotent-Replayed", "true")])
        answer = apply(key)
        if answer.status < 300:
            self.put(scope, key, StoredResponse(request_fingerprint, answer.status, answer.body))
        return answer
