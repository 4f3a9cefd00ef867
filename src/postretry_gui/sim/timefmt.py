"""ISO 8601 formatting and parsing for the simulator's timestamps (UTC, milliseconds, "Z")."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime


@functools.lru_cache(maxsize=262_144)
def iso(t: float) -> str:
    """Unix seconds as ``2026-04-15T16:00:00.000Z``; cached because listing pages repeat them.

    Rounded to the millisecond exactly as ``to_ms`` rounds, so that a time a client read
    from the wire and sends back as a filter compares equal to the one kept in memory.
    """
    ms = to_ms(t)
    g = time.gmtime(ms // 1000)  # cheaper than datetime + strftime on listing pages
    return (
        f"{g.tm_year:04d}-{g.tm_mon:02d}-{g.tm_mday:02d}"
        f"T{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}.{ms % 1000:03d}Z"
    )


def to_ms(t: float) -> int:
    return round(t * 1000)


def iso_or_none(t: float | None) -> str | None:
    return None if t is None else iso(t)


def parse_iso(text: str) -> float | None:
    """ISO 8601 (date or date-time, "Z" or offset; naive means UTC) to unix seconds, or None."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
