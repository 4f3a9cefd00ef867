"""Each provider's cause table against its own documented words (API-CONTRACTS.md):
Ayrshare's error code list and messages, PostEverywhere's error text, error codes and
account health reasons."""

from __future__ import annotations

import pytest

from postretry_gui.domain import AccountHealth, Destination, Status
from postretry_gui.domain.provider_spec import ProviderSpec
from postretry_gui.domain.triage import Cause, classify
from postretry_gui.providers.ayrshare import SPEC as AYRSHARE
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE


def cause(
    spec: ProviderSpec,
    error: str | None,
    code: str | None = None,
    health: AccountHealth | None = None,
    **extra: object,
) -> Cause | None:
    destination = Destination(
        "acct",
        "x",
        Status.FAILED,
        error=error,
        error_code=code,
        **extra,  # type: ignore[arg-type]
    )
    return classify(destination, spec.causes, spec.capabilities, health)


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        # Duplicate text: the network refuses the same text again (X, Facebook).
        ("110", "Status is a duplicate.", Cause.CONTENT),
        (
            "107",
            "Facebook Error: This status update is identical to the last one you posted.",
            Cause.CONTENT,
        ),
        # Relink the account: retrying cannot help.
        ("156", "Account not linked. Please link the account again.", Cause.RECONNECT),
        ("161", "Facebook authorization error. Please unlink and relink.", Cause.RECONNECT),
        (
            "272",
            "X/Twitter authorization error. Please unlink and relink X/Twitter.",
            Cause.RECONNECT,
        ),
        # The network's passing failures (the simulator's codes; the words decide).
        ("500", "LinkedIn returned an internal error. Please retry.", Cause.TEMPORARY),
        ("503", "TikTok is temporarily unavailable. Please retry.", Cause.TEMPORARY),
        # A plan that does not include retries: the platform of the request, not the post.
        (None, "Retry requires a Premium plan or higher.", Cause.REFUSED),
        (None, "Something new Ayrshare says", Cause.UNKNOWN),
    ],
)
def test_ayrshare_documented_errors(code: str | None, message: str, expected: Cause) -> None:
    assert cause(AYRSHARE, message, code) is expected


def test_ayrshare_duplicate_codes_win_over_words_that_sound_passing() -> None:
    assert cause(AYRSHARE, "Please retry later.", "110") is Cause.CONTENT
    assert cause(AYRSHARE, "Facebook Error: try again", "107") is Cause.CONTENT


def test_ayrshare_warns_that_networks_report_errors_for_posts_they_published() -> None:
    live = cause(AYRSHARE, "Error posting", "500", platform_post_url="https://x.com/i/status/1")
    assert live is Cause.MAY_BE_LIVE


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # The simulator's passing failures, as PostEverywhere words them.
        ("Rate limit exceeded on platform", Cause.TEMPORARY),
        ("Network timeout while uploading media", Cause.TEMPORARY),
        ("Media processing failed", Cause.TEMPORARY),
        ("Platform returned an internal error (HTTP 503)", Cause.TEMPORARY),
        ("Upload session expired before the media finished processing", Cause.TEMPORARY),
        ("Temporary platform outage, please try again later", Cause.TEMPORARY),
        # The contract's reconnect phrasings, any case.
        ("Token expired. Please reconnect your LinkedIn account.", Cause.RECONNECT),
        ("Reconnect required: Instagram revoked this app's access.", Cause.RECONNECT),
        ("RECONNECT REQUIRED", Cause.RECONNECT),
        # The post itself.
        ("Text exceeds the 280 character limit", Cause.CONTENT),
        ("Duplicate content: this was already posted", Cause.CONTENT),
        ("Video aspect ratio not supported", Cause.CONTENT),
        ("This post violates our community guidelines", Cause.REFUSED),
        (None, Cause.UNKNOWN),
    ],
)
def test_posteverywhere_error_text(error: str | None, expected: Cause) -> None:
    assert cause(POSTEVERYWHERE, error) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rate_limited", Cause.TEMPORARY),
        ("RATE_LIMIT_EXCEEDED", Cause.TEMPORARY),
        ("internal_error", Cause.TEMPORARY),
        ("token_expired", Cause.RECONNECT),
    ],
)
def test_posteverywhere_nested_error_codes(code: str, expected: Cause) -> None:
    assert cause(POSTEVERYWHERE, "Something failed", code) is expected


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (AccountHealth("acct", "broken", reasons=("account_inactive",)), Cause.RECONNECT),
        (AccountHealth("acct", "broken", reasons=("needs_reconnection",)), Cause.RECONNECT),
        (AccountHealth("acct", "broken", reasons=("token_expired",)), Cause.RECONNECT),
        (AccountHealth("acct", "broken", needs_reconnection=True), Cause.RECONNECT),
        # Soon, not yet; and an account's past failures say nothing about this one.
        (AccountHealth("acct", "warning", reasons=("token_expiring_soon",)), Cause.TEMPORARY),
        (AccountHealth("acct", "warning", reasons=("recent_permanent_failures",)), Cause.TEMPORARY),
    ],
)
def test_posteverywhere_health_reasons(health: AccountHealth, expected: Cause) -> None:
    assert cause(POSTEVERYWHERE, "Request timed out", health=health) is expected


def test_an_ayrshare_network_that_reports_an_error_for_a_post_it_published_may_be_live() -> None:
    from postretry_gui.providers.ayrshare.parsing import parse_post

    post = parse_post(
        {
            "id": "N7ka",
            "status": "error",
            "platforms": ["twitter", "facebook"],
            "postIds": [
                {"platform": "twitter", "status": "error", "id": "1790", "postUrl": "https://x/1"}
            ],
            "errors": [
                {"code": 500, "message": "X returned an error.", "platform": "twitter"},
                {
                    "code": 500,
                    "message": "Facebook returned an error.",
                    "platform": "facebook",
                    "postUrl": "https://facebook.com/p/2",
                },
            ],
        }
    )
    x, facebook = post.destinations
    assert (x.status, x.platform_post_id, x.platform_post_url) == (
        Status.FAILED,
        "1790",
        "https://x/1",
    )
    assert facebook.platform_post_url == "https://facebook.com/p/2"
    for destination in post.destinations:
        live = classify(destination, AYRSHARE.causes, AYRSHARE.capabilities)
        assert live is Cause.MAY_BE_LIVE
