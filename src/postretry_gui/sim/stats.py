"""Counters the simulator keeps about what clients did (``GET /_sim/stats``).

Thread-safe: the server's loop thread writes, tests read from theirs. Header *values* are
never recorded, only whether a header was present.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

FAULT_KINDS = (
    "latency",
    "error_5xx",
    "burst_429",
    "malformed",
    "drop_after_apply",
    "error_5xx_after_apply",  # a retry applied, then answered with a 5xx
    "retry_error",  # a retry answered with the retry_error knob's error (never applied)
    "ignored_account_id",  # a retry-failed widened by ignore_retry_failed_account_id
)
# What a 429 was for: the window that made the client wait (the one reopening last), or the
# burst_429 fault.
LIMITED_KINDS = ("minute", "hour", "day", "five_minutes", "burst_429")
AYR_TRACKED_HEADERS = {
    "profile-key": "profile_key",
    "x-twitter-oauth1-api-key": "x_twitter_oauth1_api_key",
    "x-twitter-oauth1-api-secret": "x_twitter_oauth1_api_secret",
}


class SimStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self._rate_limited = 0
            self._limited_by: Counter[str] = Counter()
            self._dropped = 0
            self._faults: Counter[str] = Counter()
            self._pe_retries: Counter[str] = Counter()
            self._pe_by_intent: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self._ayr_retries: Counter[str] = Counter()
            self._ayr_by_intent: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self._zer_retries: Counter[str] = Counter()
            self._replays = 0
            self._ayr_headers: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def record_request(self, route: str, status: str) -> None:
        with self._lock:
            self._requests[route][status] += 1
            if status == "429":
                self._rate_limited += 1
            elif status == "dropped":
                self._dropped += 1

    def record_limited(self, kind: str) -> None:
        """A 429 and what it was for (one of ``LIMITED_KINDS``)."""
        with self._lock:
            self._limited_by[kind] += 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def record_pe_retry(self, post_id: str, account_id: int, intent: str | None) -> None:
        key = f"{post_id}|{account_id}"
        with self._lock:
            self._pe_retries[key] += 1
            if intent is not None:
                self._pe_by_intent[intent][key] += 1

    def record_ayr_retry(self, post_id: str, intent: str | None) -> None:
        with self._lock:
            self._ayr_retries[post_id] += 1
            if intent is not None:
                self._ayr_by_intent[intent][post_id] += 1

    def record_zer_retry(self, post_id: str) -> None:
        with self._lock:
            self._zer_retries[post_id] += 1

    def record_replay(self) -> None:
        with self._lock:
            self._replays += 1

    def record_ayr_headers(self, present: dict[str, bool]) -> None:
        with self._lock:
            for name, is_present in present.items():
                self._ayr_headers[name]["true" if is_present else "false"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": {route: dict(by) for route, by in sorted(self._requests.items())},
                "requests_by_route": {
                    route: sum(by.values()) for route, by in sorted(self._requests.items())
                },
                "requests_total": sum(sum(by.values()) for by in self._requests.values()),
                "rate_limited": self._rate_limited,
                "rate_limited_by_window": {
                    kind: self._limited_by[kind]
                    for kind in dict.fromkeys((*LIMITED_KINDS, *self._limited_by))
                },
                "dropped_connections": self._dropped,
                "faults": {kind: self._faults[kind] for kind in FAULT_KINDS},
                "retries_applied": dict(self._pe_retries),
                "retries_applied_by_intent": {k: dict(v) for k, v in self._pe_by_intent.items()},
                "idempotent_replays": self._replays,
                "ayrshare": {
                    "retries_applied": dict(self._ayr_retries),
                    "retries_applied_by_intent": {
                        k: dict(v) for k, v in self._ayr_by_intent.items()
                    },
                    "headers_present": {
                        name: {
                            "true": self._ayr_headers[name]["true"],
                            "false": self._ayr_headers[name]["false"],
                        }
                        for name in AYR_TRACKED_HEADERS.values()
                    },
                },
                "zernio": {"retries_applied": dict(self._zer_retries)},
            }
