"""Everything one running simulator holds: config, data stores, counters, limiter, dice.

Requests are served on the server's loop thread; ``configure``/``stats`` may be called from
any thread, so the few fields both touch sit behind a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from postretry_gui.sim.ayr_store import AyrStore
from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.faults import FaultDice
from postretry_gui.sim.idempotency import IdempotencyStore
from postretry_gui.sim.pe_store import PeStore
from postretry_gui.sim.ratelimit import FixedWindowLimiter
from postretry_gui.sim.stats import SimStats
from postretry_gui.sim.zer_store import ZerStore


class SimContext:
    def __init__(self, config: SimConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self.started_at = time.time()
        anchor = config.epoch if config.epoch is not None else self.started_at
        self.pe = PeStore(config, anchor)
        self.ayr = AyrStore(config, anchor)
        self.zer = ZerStore(config, anchor)
        self.stats = SimStats()
        self.limiter = FixedWindowLimiter()
        self.idempotency = IdempotencyStore()
        self.dice = FaultDice(config.seed)
        self._burst_left = config.burst_429

    @property
    def config(self) -> SimConfig:
        return self._config

    def configure(self, changes: Mapping[str, Any]) -> SimConfig:
        """Apply run-time knob changes (validated; data knobs refused)."""
        with self._lock:
            self._config = self._config.runtime_replace(changes)
            if "burst_429" in changes:
                self._burst_left = self._config.burst_429
            return self._config

    def take_burst(self) -> bool:
        """True when this request is one of the next ``burst_429`` that must get a 429."""
        with self._lock:
            if self._burst_left <= 0:
                return False
            self._burst_left -= 1
            return True

    @property
    def burst_left(self) -> int:
        return self._burst_left

    def stats_snapshot(self) -> dict[str, Any]:
        snapshot = self.stats.snapshot()
        snapshot["burst_429_left"] = self._burst_left
        return snapshot
