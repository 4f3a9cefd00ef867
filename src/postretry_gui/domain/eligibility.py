"""The one rule that decides whether a destination can be retried, and if not, why.

The checkbox, its tooltip, the tick-all shortcut, the bulk job and the tests all ask this
function; nothing else decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from postretry_gui.domain.models import AccountHealth, Destination, Post, ProviderCapabilities
from postretry_gui.domain.status import Status


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

    @property
    def retryable(self) -> bool:
        return self.verdict is Verdict.RETRYABLE


# "Token expired. Please reconnect your LinkedIn account.", "Reconnect required", "OAuth token
# has expired", "Account needs reconnection"; in any case.
_RECONNECT_TEXT = re.compile(
    r"token\s+(?:has\s+)?expired|expired\s+(?:oauth\s+|access\s+)?token"
    r"|re-?connect(?:ion)?\s+(?:is\s+)?required|needs?\s+re-?connect",
    re.IGNORECASE,
)


def error_requires_reconnect(error: str | None) -> bool:
    return bool(error) and _RECONNECT_TEXT.search(error or "") is not None


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
) -> Eligibility:
    """Decide for one destination of ``post``.

    ``retries_sent`` is how many retries of this post this app has recorded (the journal);
    ``locked`` is true while a retry request for this destination is on its way, so a second
    Ctrl+R can never send it twice.
    """
    platform = destination.platform.capitalize() or "the network"
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
    if reconnect_required(destination, capabilities, health):
        return Eligibility(
            Verdict.RECONNECT_REQUIRED,
            f"Reconnect required: {platform} no longer accepts the saved login, so a retry "
            f"would fail again. Reconnect the account in the {capabilities.display_name} web "
            "app, then retry.",
        )
    return Eligibility(Verdict.RETRYABLE, "Failed and can be retried.")


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
