"""The one rule that decides whether a destination can be retried, and if not, why.

The checkbox, its tooltip, the tick-all shortcut, the bulk job and the tests all ask this
function; nothing else decides.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from postretry_gui.domain.cause import Cause
from postretry_gui.domain.models import AccountHealth, Destination, Post, ProviderCapabilities
from postretry_gui.domain.platforms import platform_display_name
from postretry_gui.domain.status import PostStatus, Status


class Verdict(StrEnum):
    RETRYABLE = "retryable"
    NOT_FAILED = "not_failed"
    IN_FLIGHT = "in_flight"
    RECONNECT_REQUIRED = "reconnect_required"
    ALREADY_RETRIED = "already_retried"


@dataclass(frozen=True, slots=True)
class Eligibility:
    verdict: Verdict
    # One sentence for the tooltip: why, and what to do instead.
    reason: str
    # The failure's cause (``domain.triage``), when the caller classified it.
    cause: Cause | None = None
    # For a retryable row whose cause says the retry will probably fail again or go out
    # twice: what the window asks the operator to confirm before ticking it by hand.
    confirmation: str | None = None

    @property
    def retryable(self) -> bool:
        return self.verdict is Verdict.RETRYABLE

    @property
    def ticked_by_tick_all(self) -> bool:
        """Whether "tick all retryable" takes it: retryable, and a retry is the likely fix
        (or nobody classified it)."""
        return self.retryable and (self.cause is None or self.cause.ticked_by_tick_all)


# "Token expired. Please reconnect your LinkedIn account.", "Reconnect required", "OAuth token
# has expired", "Account needs reconnection"; in any case.
_RECONNECT_TEXT = re.compile(
    r"token\s+(?:has\s+)?expired|expired\s+(?:oauth\s+|access\s+)?token"
    r"|re-?connect(?:ion)?\s+(?:is\s+)?required|needs?\s+re-?connect",
    re.IGNORECASE,
)


def error_requires_reconnect(error: str | None) -> bool:
    return bool(error) and _mentions_reconnect(error or "")


# Every row asks, and the same few messages recur on thousands of rows.
@functools.lru_cache(maxsize=4096)
def _mentions_reconnect(error: str) -> bool:
    return _RECONNECT_TEXT.search(error) is not None


def reconnect_required(
    destination: Destination,
    capabilities: ProviderCapabilities,
    health: AccountHealth | None = None,
) -> bool:
    if error_requires_reconnect(destination.error):
        return True
    if destination.error_code is not None and (
        destination.error_code in capabilities.relink_error_codes
    ):
        return True
    return health is not None and health.requires_reconnect


def eligibility(
    destination: Destination,
    post: Post,
    capabilities: ProviderCapabilities,
    health: AccountHealth | None = None,
    *,
    retries_sent: int = 0,
    locked: bool = False,
    cause: Cause | None = None,
) -> Eligibility:
    """Decide for one destination of ``post``.

    ``retries_sent`` is how many retries of this post this app has recorded (the journal);
    ``locked`` is true while a retry request for this destination is on its way, so a second
    Ctrl+R can never send it twice. ``cause`` is the failure's cause (``triage.classify``):
    *reconnect* blocks the retry; a cause a retry will probably not fix leaves it allowed
    but asks for a confirmation, and keeps it out of "tick all retryable".
    """
    if post.status is PostStatus.DELETED:
        return Eligibility(
            Verdict.NOT_FAILED,
            f"The post was deleted at {capabilities.display_name}: there is nothing left to retry.",
        )
    if locked or destination.status.in_flight:
        return Eligibility(
            Verdict.IN_FLIGHT,
            f"Already on its way ({destination.status.value}): wait for it to settle.",
        )
    if destination.status is not Status.FAILED:
        return Eligibility(Verdict.NOT_FAILED, f"Nothing to retry: {destination.status.value}.")
    limit = capabilities.max_retries_per_post
    if limit is not None and retries_sent >= limit:
        times = "once" if limit == 1 else f"{limit} times"
        return Eligibility(
            Verdict.ALREADY_RETRIED,
            f"Already retried {times}: {capabilities.display_name} allows no further retry "
            "of this post. Publish it again as a new post if it must go out.",
        )
    # A cause was classified with the same rule (triage.classify): no need to ask it again.
    if cause is Cause.RECONNECT or (
        cause is None and reconnect_required(destination, capabilities, health)
    ):
        return Eligibility(
            Verdict.RECONNECT_REQUIRED,
            f"Reconnect required: {_network(destination)} no longer accepts the saved login, "
            f"so a retry would fail again. Reconnect the account in the "
            f"{capabilities.display_name} web app, then retry.",
            cause,
        )
    if cause is not None and cause.needs_confirmation:
        return Eligibility(
            Verdict.RETRYABLE,
            f"{cause.label}: {cause.advice}",
            cause,
            confirmation=confirmation_text(cause, _network(destination), capabilities),
        )
    return Eligibility(Verdict.RETRYABLE, "Failed and can be retried.", cause)


def _network(destination: Destination) -> str:
    return platform_display_name(destination.platform) or "the network"


# Why a retry of a failure with this cause will probably not help, said about one network.
_WHY_NOT = {
    Cause.CONTENT: (
        "{platform} refused the post itself (duplicate text, length, media or validation): a "
        "retry sends the same post again and will probably fail the same way."
    ),
    Cause.REFUSED: (
        "{platform} refused the post for good (its policy): a retry will probably fail the "
        "same way."
    ),
    Cause.MAY_BE_LIVE: (
        "{platform} reported a failure but gave the post an address: it may already be live, "
        "and a retry may publish it twice. Check the live post first."
    ),
}


def confirmation_text(cause: Cause, platform: str, capabilities: ProviderCapabilities) -> str:
    """The sentence a hand-ticked retry of this failure is confirmed with."""
    text = _WHY_NOT.get(cause, cause.advice).format(platform=platform)
    limit = capabilities.max_retries_per_post
    if limit is not None:
        allowed = "one retry" if limit == 1 else f"{limit} retries"
        spent = "it" if limit == 1 else "one of them"
        text += f" {capabilities.display_name} allows {allowed} per post; this uses {spent} up."
    return text


def retry_unit(
    post: Post,
    ticked: frozenset[str],
    capabilities: ProviderCapabilities,
    eligible: frozenset[str],
) -> frozenset[str]:
    """The account ids a retry of ``post`` will really touch, given what was ticked.

    A provider that retries whole posts re-sends every failed destination, so ticking one
    ticks all the eligible ones of that post; untick one and the whole post unticks.
    """
    chosen = ticked & eligible
    if capabilities.per_destination_retry or not chosen:
        return chosen
    return eligible
