"""Answers served from a snapshot for a while: Ayrshare's ``/history`` with ``limit`` above 25
comes from a cache up to a minute old (contract section 2), so a client polling it faster
sees the same, possibly stale, answer."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snapshot:
    built_at: float
    body: bytes


class AnswerCache:
    _MAX_ENTRIES = 256  # distinct queries kept; a flood of them must not grow memory

    def __init__(self) -> None:
        self._entries: dict[Hashable, Snapshot] = {}

    def get_or_build(
        self, key: Hashable, now: float, max_age_s: float, build: Callable[[float], bytes]
    ) -> Snapshot:
        """The snapshot for ``key`` while younger than ``max_age_s``, else a new one made by
        ``build(now)``."""
        hit = self._entries.get(key)
        if hit is not None and now - hit.built_at < max_age_s:
            return hit
        if len(self._entries) >= self._MAX_ENTRIES and key not in self._entries:
            self._entries.clear()
        snapshot = Snapshot(now, build(now))
        self._entries[key] = snapshot
        return snapshot
