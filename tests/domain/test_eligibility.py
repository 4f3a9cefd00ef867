"""The one eligibility rule: what an operator may tick, and what the tooltip tells them."""

from __future__ import annotations

import pytest

from postretry_gui.domain import (
    AccountHealth,
    Destination,
    Post,
    ProviderCapabilities,
    Status,
    Verdict,
    eligibility,
    retry_unit,
)

PER_DESTINATION = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://example.invalid/accounts",
)
WHOLE_POST_ONCE = ProviderCapabilities(
    display_name="Ayrshare",
    per_destination_retry=False,
    max_retries_per_post=1,
    reconnect_url="https://example.invalid/social",
    relink_error_codes=frozenset({"156", "161", "272"}),
)


def dest(account_id: str = "1", status: Status = Status.FAILED, **kw: object) -> Destination:
    return Destination(account_id=account_id, platform="linkedin", status=status, **kw)  # type: ignore[arg-type]


def post_of(*destinations: Destination) -> Post:
    return Post(post_id="p1", destinations=destinations)


def test_a_plain_failure_is_retryable() -> None:
    d = dest(error="Network timeout while uploading media")
    assert eligibility(d, post_of(d), PER_DESTINATION).retryable


@pytest.mark.parametrize(
    "error",
    [
        "Token expired. Please reconnect your LinkedIn account.",
        "TOKEN EXPIRED",
        "OAuth token has expired",
        "Reconnect required",
        "reconnect is required before posting",
        "Account needs reconnection",
    ],
)
def test_token_expired_or_reconnect_text_blocks_the_retry_and_says_what_to_do(error: str) -> None:
    d = dest(error=error)
    verdict = eligibility(d, post_of(d), PER_DESTINATION)
    assert verdict.verdict is Verdict.RECONNECT_REQUIRED
    assert "Reconnect the account in the PostEverywhere web app" in verdict.reason


@pytest.mark.parametrize(
    "error", ["Rate limit exceeded on platform", "Media processing failed", "", None]
)
def test_other_errors_do_not_look_like_reconnects(error: str | None) -> None:
    d = dest(error=error)
    assert eligibility(d, post_of(d), PER_DESTINATION).retryable


@pytest.mark.parametrize(
    "health",
    [
        AccountHealth("1", needs_reconnection=True),
        AccountHealth("1", can_post=False),
        AccountHealth("1", reasons=("token_expired",)),
        AccountHealth("1", status="broken", token_expired=True),
    ],
)
def test_account_health_alone_can_require_a_reconnect(health: AccountHealth) -> None:
    d = dest(error="Something went wrong")
    assert eligibility(d, post_of(d), PER_DESTINATION, health).verdict is (
        Verdict.RECONNECT_REQUIRED
    )


def test_healthy_account_with_expiring_soon_token_is_still_retryable() -> None:
    d = dest(error="Network timeout")
    health = AccountHealth("1", status="warning", can_post=True, reasons=("token_expiring_soon",))
    assert eligibility(d, post_of(d), PER_DESTINATION, health).retryable


@pytest.mark.parametrize("code", ["156", "161", "272"])
def test_relink_codes_require_a_reconnect_where_the_provider_says_so(code: str) -> None:
    d = dest(error="Authorization error", error_code=code)
    assert eligibility(d, post_of(d), WHOLE_POST_ONCE).verdict is Verdict.RECONNECT_REQUIRED
    # The same code means nothing to a provider that does not list it.
    assert eligibility(d, post_of(d), PER_DESTINATION).retryable


@pytest.mark.parametrize("status", [Status.QUEUED, Status.PUBLISHING])
def test_in_flight_destinations_cannot_be_ticked(status: Status) -> None:
    d = dest(status=status)
    assert eligibility(d, post_of(d), PER_DESTINATION).verdict is Verdict.IN_FLIGHT


def test_a_locked_failure_is_in_flight_so_a_second_retry_sends_nothing() -> None:
    d = dest()
    assert eligibility(d, post_of(d), PER_DESTINATION, locked=True).verdict is Verdict.IN_FLIGHT


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.UNKNOWN])
def test_not_failed_destinations_cannot_be_ticked(status: Status) -> None:
    d = dest(status=status)
    assert eligibility(d, post_of(d), PER_DESTINATION).verdict is Verdict.NOT_FAILED


def test_a_once_only_provider_refuses_a_second_retry() -> None:
    d = dest(error="Network error")
    first = eligibility(d, post_of(d), WHOLE_POST_ONCE, retries_sent=0)
    second = eligibility(d, post_of(d), WHOLE_POST_ONCE, retries_sent=1)
    assert first.retryable
    assert second.verdict is Verdict.ALREADY_RETRIED
    assert "already retried once" in second.reason.lower()
    # A provider without a limit does not care how often it was retried.
    assert eligibility(d, post_of(d), PER_DESTINATION, retries_sent=7).retryable


def test_whole_post_providers_tick_every_eligible_destination_together() -> None:
    post = post_of(dest("x"), dest("facebook"), dest("instagram", Status.PUBLISHED))
    eligible = frozenset({"x", "facebook"})
    assert retry_unit(post, frozenset({"x"}), WHOLE_POST_ONCE, eligible) == eligible
    assert retry_unit(post, frozenset({"x"}), PER_DESTINATION, eligible) == {"x"}
    assert retry_unit(post, frozenset(), WHOLE_POST_ONCE, eligible) == frozenset()
    # Ticking an ineligible destination alone never turns into a retry.
    assert retry_unit(post, frozenset({"instagram"}), WHOLE_POST_ONCE, eligible) == frozenset()
