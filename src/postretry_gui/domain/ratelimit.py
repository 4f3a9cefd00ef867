"""Rate-limit state read from response headers, defensively.

Any header may be missing or malformed. ``Reset`` has been seen as unix seconds, unix
milliseconds, seconds left, milliseconds left (Ayrshare's older header) and as a date.
``Retry-After`` wins over everything else. Waits are clamped so that a hostile or broken
header can slow the app down but never freeze it for a day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

# A header that asks for more than this is treated as asking for this.
MAX_WAIT_S = 3600.0

_EPOCH_MS = 1e12  # anything above is unix milliseconds (year 2001 onwards)
_EPOCH_S = 1e9  # anything above is unix seconds; below it is a delta


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """What the last response said about the budget, with absolute wall-clock times."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    retry_after_until: float | None = None
    observed_at: float = 0.0

    def wait_s(self, now: float) -> float:
        """How long to wait before the next request may leave (0 when it may go now)."""
        wait = 0.0
        if self.retry_after_until is not None:
            wait = max(wait, self.retry_after_until - now)
        if self.remaining is not None and self.remaining <= 0:
            # Exhausted with no usable reset: fall back to a short pause, not a stall.
            reset_at = self.reset_at if self.reset_at is not None else self.observed_at + 1.0
            wait = max(wait, reset_at - now)
        return min(max(wait, 0.0), MAX_WAIT_S)

    @property
    def known(self) -> bool:
        return self.limit is not None or self.remaining is not None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value if isinstance(value, str) else None
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def _count(text: str | None) -> int | None:
    value = _number(text)
    if value is None or value > 2**31:
        return None
    return int(value)


def _date(text: str | None) -> float | None:
    if not text:
        return None
    stripped = text.strip()
    try:
        return parsedate_to_datetime(stripped).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:
        parsed = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return parsed.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _clamp_at(at: float, now: float) -> float:
    return min(max(at, now), now + MAX_WAIT_S)


def _reset_at(text: str | None, now: float, *, delta_in_ms: bool) -> float | None:
    value = _number(text)
    if value is None:
        at = _date(text)
        return None if at is None else _clamp_at(at, now)
    if value >= _EPOCH_MS:
        return _clamp_at(value / 1000.0, now)
    if value >= _EPOCH_S:
        return _clamp_at(value, now)
    return _clamp_at(now + (value / 1000.0 if delta_in_ms else value), now)


def _retry_after_until(text: str | None, now: float) -> float | None:
    value = _number(text)
    if value is not None:
        return _clamp_at(now + value, now)
    at = _date(text)
    return None if at is None else _clamp_at(at, now)


def parse_rate_limit(
    headers: Mapping[str, str],
    now: float,
    *,
    reset_delta_in_ms: bool = False,
) -> RateLimitState:
    """Read the budget from ``headers`` at wall-clock time ``now`` (unix seconds).

    Understands ``X-RateLimit-Limit/Remaining/Reset`` and ``Retry-After`` (PostEverywhere),
    and Ayrshare's ``x-ratelimit-max``/``x-ratelimit-count`` (used so far), with its older
    ``x-ratelimit-remaining``/``x-ratelimit-reset`` where a small reset is milliseconds left
    (``reset_delta_in_ms``).
    """
    limit = _count(_header(headers, "X-RateLimit-Limit"))
    remaining = _count(_header(headers, "X-RateLimit-Remaining"))
    maximum = _count(_header(headers, "x-ratelimit-max"))
    used = _count(_header(headers, "x-ratelimit-count"))
    if limit is None and maximum is not None:
        limit = maximum
    if remaining is None and maximum is not None and used is not None:
        remaining = max(maximum - used, 0)
    if remaining is not None and limit is not None and remaining > limit:
        remaining = limit
    return RateLimitState(
        limit=limit,
        remaining=remaining,
        reset_at=_reset_at(
            _header(headers, "X-RateLimit-Reset"), now, delta_in_ms=reset_delta_in_ms
        ),
        retry_after_until=_retry_after_until(_header(headers, "Retry-After"), now),
        observed_at=now,
    )
