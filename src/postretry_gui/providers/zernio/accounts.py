"""Zernio's accounts and their health (contract section 4): ``GET /v1/accounts``,
``GET /v1/accounts/{id}/health``. ``needsReconnection``, ``enabled`` and the health fields
are missing from older generations: absent reads as "no complaint"."""

from __future__ import annotations

from collections.abc import Mapping

from postretry_gui.domain import Account, AccountHealth
from postretry_gui.providers.parsing import (
    JsonObject,
    as_list,
    as_object,
    first,
    id_text,
    opt_bool,
    opt_text,
    required_id,
    text_list,
)
from postretry_gui.providers.zernio.parsing import account_cannot_post


def parse_account(value: object) -> Account:
    obj = as_object(value, "an account")
    account_id = required_id(obj, "_id", "id", what="an account")
    needs_reconnection = opt_bool(obj, "needsReconnection") is True
    enabled = opt_bool(obj, "enabled")
    health = AccountHealth(
        account_id=account_id,
        status="needs reconnection" if needs_reconnection else "connected",
        can_post=False if enabled is False else None,
        needs_reconnection=needs_reconnection,
        reasons=("needs_reconnection",) if needs_reconnection else (),
    )
    return Account(
        account_id=account_id,
        platform=opt_text(obj, "platform").lower(),
        name=opt_text(obj, "displayName", "username"),
        is_active=not account_cannot_post(obj),
        health=health,
    )


def parse_accounts(data: object) -> list[Account]:
    """``{"accounts": [...]}``: one ``Account`` per id (the first one read wins)."""
    items = as_list(as_object(data, "the accounts").get("accounts"), "accounts")
    by_id: dict[str, Account] = {}
    for item in items:
        account = parse_account(item)
        by_id.setdefault(account.account_id, account)
    return list(by_id.values())


def parse_health(data: object, account_id: str) -> AccountHealth:
    """``GET /v1/accounts/{id}/health``: ``healthy``/``warning``/``error``; an invalid token,
    ``needsReconnect`` or ``canPost: false`` means reconnect, whatever the status word."""
    obj = as_object(data, "the account health")
    token = obj.get("tokenStatus")
    token_obj: JsonObject = token if isinstance(token, Mapping) else {}
    permissions = obj.get("permissions")
    permissions_obj: JsonObject = permissions if isinstance(permissions, Mapping) else {}
    can_post = opt_bool(permissions_obj, "canPost")
    if can_post is None:
        can_post = opt_bool(obj, "canPost")
    token_valid = opt_bool(token_obj, "valid")
    if token_valid is None:
        token_valid = opt_bool(obj, "tokenValid")
    return AccountHealth(
        account_id=id_text(first(obj, "accountId", "_id")) or account_id,
        status=opt_text(obj, "status", default="unknown").lower(),
        can_post=can_post,
        needs_reconnection=opt_bool(obj, "needsReconnect") is True,
        token_expired=token_valid is False,
        reasons=text_list(obj.get("issues")),
    )
