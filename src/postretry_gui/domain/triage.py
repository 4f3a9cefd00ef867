"""Triage: what will fix a failed destination, decided once, from the provider's own words.

A retry re-sends the same post to the same account. It helps when the failure was passing
(network, 5xx, a platform's rate limit, a timeout) and hurts when it was not: a refused text
fails the same way (and on Ayrshare uses up the post's only retry), and a failure reported for
a post the network did publish becomes a duplicate. So every failed destination gets one
cause, and "tick all retryable" ticks only the causes a retry can fix.

Each provider describes its vocabulary in a :class:`CauseTable` (its error codes and
categories, the phrases of its error text); the order of the rules is the same for all:

1. reconnect: the token expired or the account needs relinking (text, relink codes, health),
   then the provider's own health reasons;
2. may already be live: failed, yet the network gave the post an id or a URL;
3. the provider's codes, then its phrases, then the common phrases below;
4. unknown: nothing matched (a retry may help; the operator decides).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from postretry_gui.domain.cause import Cause
from postretry_gui.domain.eligibility import reconnect_required
from postretry_gui.domain.models import AccountHealth, Destination, ProviderCapabilities
from postretry_gui.domain.status import Status

__all__ = [
    "COMMON_PHRASES",
    "Cause",
    "CauseTable",
    "FailureKey",
    "classify",
    "failure_key",
    "phrase",
]


@dataclass(frozen=True, slots=True)
class CauseTable:
    """One provider's vocabulary of failures."""

    # Error codes or categories, as the provider writes them (compared case-insensitively).
    codes: Mapping[str, Cause] = field(default_factory=dict)
    # Phrases of the provider's error text, tried in order before the common ones.
    phrases: tuple[tuple[re.Pattern[str], Cause], ...] = ()
    # Reasons of the provider's account health ("account_inactive") that decide the cause of
    # every failure of that account, whatever its error says.
    health_reasons: Mapping[str, Cause] = field(default_factory=dict)
    # Error texts already read, and their cause: the same few messages recur on thousands
    # of rows, and a window of 100,000 rows classifies each one.
    _read: dict[str, Cause | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Codes compare case-insensitively ("RATE_LIMITED", "rate_limited"): fold them once.
        object.__setattr__(self, "codes", _folded(self.codes))
        object.__setattr__(self, "health_reasons", _folded(self.health_reasons))

    def cause_of_code(self, code: str | None) -> Cause | None:
        return self.codes.get((code or "").strip().lower()) if code else None

    def cause_of_text(self, text: str) -> Cause | None:
        """The first of the provider's phrases, then the common ones, that ``text`` holds."""
        if text in self._read:
            return self._read[text]
        found = next(
            (cause for pattern, cause in (*self.phrases, *COMMON_PHRASES) if pattern.search(text)),
            None,
        )
        if len(self._read) >= _MAX_TEXTS_KEPT:
            self._read.clear()  # texts that never repeat (ids in them) must not pile up
        self._read[text] = found
        return found

    def cause_of_health(self, health: AccountHealth | None) -> Cause | None:
        for reason in health.reasons if health is not None else ():
            cause = self.health_reasons.get(reason.strip().lower())
            if cause is not None:
                return cause
        return None


_MAX_TEXTS_KEPT = 4096


def _folded(words: Mapping[str, Cause]) -> dict[str, Cause]:
    return {word.strip().lower(): cause for word, cause in words.items()}


def phrase(pattern: str, cause: Cause) -> tuple[re.Pattern[str], Cause]:
    """A phrase rule, case-insensitive."""
    return re.compile(pattern, re.IGNORECASE), cause


# What every network says in roughly the same words. Order matters: a "duplicate" that also
# says "try again" is still a duplicate.
COMMON_PHRASES: tuple[tuple[re.Pattern[str], Cause], ...] = (
    phrase(r"duplicate|already (?:been )?posted|same (?:content|text)", Cause.CONTENT),
    phrase(
        r"too long|character limit|exceeds? .*(?:length|limit|characters)|too many hashtags",
        Cause.CONTENT,
    ),
    phrase(
        r"media|image|video|aspect ratio|file (?:type|size)|thumbnail|unsupported format",
        Cause.CONTENT,
    ),
    phrase(r"invalid|validation|not allowed in|missing required", Cause.CONTENT),
    phrase(
        r"policy|spam|banned|suspended|restricted|community (?:standards|guidelines)", Cause.REFUSED
    ),
    phrase(
        r"time(?:d)? ?out|temporar|network|connection|unavailable|try again|rate limit"
        r"|too many requests|internal (?:server )?error|\b5\d\d\b|server error|overloaded",
        Cause.TEMPORARY,
    ),
)


# What ``classify`` reads of a failed destination besides its account's health.
FailureKey = tuple[str, str | None, str | None, bool]


def failure_key(destination: Destination) -> FailureKey:
    """Its account, code, error text and whether the network gave it an address: two failed
    destinations with the same key (and the account's health unchanged) have the same cause,
    so a window of 100,000 rows classifies each distinct failure once. Whatever ``classify``
    comes to read of a destination must be part of this key."""
    return (
        destination.account_id,
        destination.error_code,
        destination.error,
        bool(destination.platform_post_id or destination.platform_post_url),
    )


def classify(
    destination: Destination,
    table: CauseTable,
    capabilities: ProviderCapabilities,
    health: AccountHealth | None = None,
) -> Cause | None:
    """The cause of a failed destination; None for one that has not failed."""
    if destination.status is not Status.FAILED:
        return None
    if reconnect_required(destination, capabilities, health):
        return Cause.RECONNECT
    by_health = table.cause_of_health(health)
    if by_health is not None:
        return by_health
    if destination.platform_post_id or destination.platform_post_url:
        return Cause.MAY_BE_LIVE
    by_code = table.cause_of_code(destination.error_code)
    if by_code is not None:
        return by_code
    return table.cause_of_text(destination.error or "") or Cause.UNKNOWN
