"""Triage by cause: one cause per failed destination, from the provider's own words."""

from __future__ import annotations

import pytest

from postretry_gui.domain import AccountHealth, Destination, ProviderCapabilities, Status
from postretry_gui.domain.triage import Cause, CauseTable, classify, phrase

CAPS = ProviderCapabilities(
    display_name="Ayrshare",
    per_destination_retry=False,
    max_retries_per_post=1,
    reconnect_url="https://app.ayrshare.com/social-accounts",
    relink_error_codes=frozenset({"156", "161", "272"}),
)
# Ayrshare's documented codes: 110 (X) and 107 (Facebook) are duplicate content.
AYRSHARE = CauseTable(
    codes={"110": Cause.CONTENT, "107": Cause.CONTENT},
    phrases=(phrase(r"premium plan", Cause.REFUSED),),
)


def failed(error: str | None = None, code: str | None = None, **extra: object) -> Destination:
    return Destination(
        account_id="twitter",
        platform="twitter",
        status=Status.FAILED,
        error=error,
        error_code=code,
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("error", "code", "cause"),
    [
        ("Duplicate content. Twitter does not allow the same text twice.", "110", Cause.CONTENT),
        ("Facebook error: duplicate status message.", "107", Cause.CONTENT),
        ("Account not linked.", "156", Cause.RECONNECT),
        ("Facebook authorization error. Please unlink and relink.", "161", Cause.RECONNECT),
        ("Token expired. Please reconnect your LinkedIn account.", None, Cause.RECONNECT),
        ("Request timed out", None, Cause.TEMPORARY),
        ("Platform rate limit hit; try again later", None, Cause.TEMPORARY),
        ("502 Bad Gateway from upstream", None, Cause.TEMPORARY),
        ("Text exceeds the 280 character limit", None, Cause.CONTENT),
        ("Video aspect ratio not supported", None, Cause.CONTENT),
        ("This post violates our community guidelines", None, Cause.REFUSED),
        ("Retry requires a Premium plan or higher", None, Cause.REFUSED),
        ("Something odd happened", None, Cause.UNKNOWN),
        (None, None, Cause.UNKNOWN),
    ],
)
def test_documented_errors_get_their_cause(
    error: str | None, code: str | None, cause: Cause
) -> None:
    assert classify(failed(error, code), AYRSHARE, CAPS) is cause


def test_a_failure_with_a_live_address_may_already_be_live() -> None:
    destination = failed("Error posting", platform_post_url="https://x.com/i/status/1")
    assert classify(destination, AYRSHARE, CAPS) is Cause.MAY_BE_LIVE


def test_a_duplicate_code_wins_over_words_that_sound_temporary() -> None:
    assert classify(failed("Try again later", "110"), AYRSHARE, CAPS) is Cause.CONTENT


def test_codes_compare_without_case() -> None:
    table = CauseTable(codes={"RATE_LIMITED": Cause.TEMPORARY})
    assert classify(failed("x", "rate_limited"), table, CAPS) is Cause.TEMPORARY


def test_account_health_says_reconnect_whatever_the_error() -> None:
    health = AccountHealth(account_id="twitter", token_expired=True)
    assert classify(failed("Request timed out"), AYRSHARE, CAPS, health) is Cause.RECONNECT


def test_only_failures_have_a_cause() -> None:
    published = Destination(account_id="a", platform="x", status=Status.PUBLISHED)
    assert classify(published, AYRSHARE, CAPS) is None


def test_tick_all_takes_only_what_a_retry_can_fix() -> None:
    assert {c for c in Cause if c.ticked_by_tick_all} == {Cause.TEMPORARY, Cause.UNKNOWN}
    assert Cause.CONTENT.needs_confirmation
    assert Cause.MAY_BE_LIVE.needs_confirmation
    assert not Cause.TEMPORARY.needs_confirmation
    assert all(c.label and c.advice for c in Cause)
