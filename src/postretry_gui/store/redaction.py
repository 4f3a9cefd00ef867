"""Mask secrets in any text: log records, crash dialogs, exported reports.

Two layers. Known secrets (every key the secret store saves or loads is registered) are masked
exactly wherever they appear. Patterns catch what was never registered: the values of the
``Authorization``, ``Profile-Key`` and ``X-Twitter-OAuth1-Api-*`` headers, Bearer tokens, keys
with a provider prefix, and long hex or base64 runs that look like keys.
"""

from __future__ import annotations

import re
import threading

MASK = "[REDACTED]"

# Shorter values would mask ordinary words; no real key of either provider is this short.
MIN_REGISTERED_LENGTH = 6

# Header names whose value is a secret, followed by ":" or "=" and optional quotes, as they
# appear in raw headers, dict reprs ('Profile-Key': 'abc') and key=value logs.
_HEADER_VALUE = re.compile(
    r"""(?P<name>authorization|profile[-_]key|x-twitter-oauth1-api-[a-z-]+)"""
    r"""(?P<sep>['"]?\s*[:=]\s*['"]?)"""
    r"""(?P<scheme>(?:bearer|basic|token)\s+)?"""
    r"""(?P<value>[^\s'",;}\]]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<scheme>\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE)
_PREFIXED_KEY = re.compile(r"\b(?P<prefix>pe_(?:live|test)_|ayr_)[A-Za-z0-9_-]+", re.IGNORECASE)
# A run of base64/base64url/hex characters at least 24 long, not part of a longer word.
_LONG_RUN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{24,}={0,2}")
_GROUP_SEPARATOR = re.compile(r"[-_/]")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


def _looks_like_key(run: str) -> bool:
    # A key mixes digits and letters. A path ("/usr/lib/python3/dist-packages" style runs
    # start with "/") does not look like one, nor do names made mostly of words joined by
    # "-", "_" or "/" ("X-Twitter-OAuth1-Api-Secret", "retry_after_rate_limit_2", the tail
    # of a path under a random folder, "tmp.Xy12Ab34Cd/c/tests/store/test_x.py"), whereas
    # the groups of a grouped key ("A1B2C3D4-E5F6A7B8-...", a UUID) or the "/"-split pieces
    # of a base64 key are mostly not plain words.
    if run.startswith("/"):
        return False
    if not (_DIGIT.search(run) and _LETTER.search(run)):
        return False
    groups = [g for g in _GROUP_SEPARATOR.split(run.rstrip("=")) if g]
    words = sum(g.isalpha() for g in groups)
    return not (len(groups) > 1 and words * 2 > len(groups))


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if not isinstance(value, str) or len(value) < MIN_REGISTERED_LENGTH:
            return
        with self._lock:
            if value in self._secrets:
                return
            self._secrets.add(value)
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._pattern = None

    def mask(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)


_registry = _Registry()


def register_secret(value: str) -> None:
    """Mask ``value`` exactly, wherever it appears, in everything ``redact`` sees from now on.

    Values shorter than ``MIN_REGISTERED_LENGTH`` are ignored (they would mask ordinary words).
    """
    _registry.add(value)


def clear_registered_secrets() -> None:
    """Forget every registered secret (tests)."""
    _registry.clear()


def _mask_header(match: re.Match[str]) -> str:
    return f"{match['name']}{match['sep']}{match['scheme'] or ''}{MASK}"


def _mask_long_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if _looks_like_key(run) else run


def redact(text: str) -> str:
    """``text`` with every known or key-shaped secret replaced by ``[REDACTED]``."""
    if not isinstance(text, str):
        text = str(text)
    text = _registry.mask(text)
    text = _HEADER_VALUE.sub(_mask_header, text)
    text = _BEARER.sub(lambda m: f"{m['scheme']}{MASK}", text)
    text = _PREFIXED_KEY.sub(lambda m: f"{m['prefix']}{MASK}", text)
    return _LONG_RUN.sub(_mask_long_run, text)
