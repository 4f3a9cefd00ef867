"""The account's token expiry, read from both of PostEverywhere's health vocabularies, so the
detail pane can say when an account will need a reconnect."""

from __future__ import annotations

from datetime import UTC, datetime

from postretry_gui.providers.posteverywhere.parsing import parse_account, parse_health

EXPIRY = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)


def test_the_health_endpoint_gives_the_tokens_expiry() -> None:
    health = parse_health(
        {
            "account_id": 2285,
            "status": "warning",
            "can_post": True,
            "reasons": ["token_expiring_soon"],
            "needs_reconnection": False,
            "token": {"expires_at": "2026-12-20T08:00:00Z", "expired": False},
        },
        "2285",
    )
    assert health.expires_at == EXPIRY
    assert not health.requires_reconnect


def test_an_account_list_entry_with_a_token_gives_its_expiry() -> None:
    account = parse_account(
        {
            "account_id": 2285,
            "platform": "linkedin",
            "health": {"status": "healthy", "can_post": True, "token_expires_at": 1797753600},
        }
    )
    assert account.health is not None
    assert account.health.expires_at == EXPIRY


def test_health_without_a_token_has_no_expiry() -> None:
    assert parse_health({"status": "healthy"}, "7").expires_at is None
    account = parse_account({"account_id": 7, "health": {"status": "expired"}})
    assert account.health is not None
    assert account.health.expires_at is None
