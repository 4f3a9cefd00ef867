"""Ayrshare's user and profiles (``GET /user``, ``GET /profiles``) and the accounts and
account health the app reads from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from postretry_gui.domain import Account, AccountHealth
from postretry_gui.providers.ayrshare.networks import (
    X_ACCOUNT_IDS,
    app_platform,
    platform_list,
    platform_name,
)
from postretry_gui.providers.parsing import (
    JsonObject,
    as_list,
    as_object,
    id_text,
    opt_bool,
    opt_text,
)


@dataclass(frozen=True, slots=True)
class AyrshareUser:
    """``GET /user``: the networks linked to the profile, and how they are shown."""

    active_social_accounts: tuple[str, ...] = ()
    display_names: Mapping[str, str] | None = None

    def names(self) -> dict[str, str]:
        return dict(self.display_names or {})

    def linked(self, account_id: str) -> bool:
        if account_id in X_ACCOUNT_IDS:
            return any(a in X_ACCOUNT_IDS for a in self.active_social_accounts)
        return account_id in self.active_social_accounts


def parse_user(body: object) -> AyrshareUser:
    obj = as_object(body, "the user")
    active = tuple(platform_list(obj.get("activeSocialAccounts")))
    names: dict[str, str] = {}
    display = obj.get("displayNames")
    for item in display if isinstance(display, list) else ():
        if not isinstance(item, Mapping):
            continue
        platform = platform_name(item.get("platform"))
        name = opt_text(item, "displayName", "username")
        if platform and name and platform not in names:
            names[platform] = name
    return AyrshareUser(active, names)


def accounts_of(user: AyrshareUser) -> list[Account]:
    names = user.names()
    return [
        Account(
            account_id=platform,
            platform=app_platform(platform),
            name=names.get(platform, ""),
            is_active=True,
            health=AccountHealth(account_id=platform, status="linked", can_post=True),
        )
        for platform in user.active_social_accounts
    ]


def health_of(user: AyrshareUser, account_id: str) -> AccountHealth:
    """A network not linked to the profile (any more) must be relinked before a retry."""
    if user.linked(account_id):
        return AccountHealth(account_id=account_id, status="linked", can_post=True)
    return AccountHealth(
        account_id=account_id,
        status="not_linked",
        can_post=False,
        needs_reconnection=True,
        reasons=("needs_reconnection",),
    )


@dataclass(frozen=True, slots=True)
class AyrshareProfile:
    """A user profile (``GET /profiles``). Its profile key is never returned by the API."""

    title: str
    ref_id: str | None
    status: str
    active_social_accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfilesPage:
    profiles: tuple[AyrshareProfile, ...]
    next_cursor: str | None


def parse_profiles(body: object) -> ProfilesPage:
    obj = as_object(body, "the profiles")
    profiles = []
    for item in as_list(obj.get("profiles"), "profiles"):
        profile = as_object(item, "a profile")
        profiles.append(
            AyrshareProfile(
                title=opt_text(profile, "title"),
                ref_id=id_text(profile.get("refId")),
                status=opt_text(profile, "status", default="unknown").lower(),
                active_social_accounts=tuple(platform_list(profile.get("activeSocialAccounts"))),
            )
        )
    pagination = obj.get("pagination")
    paging: JsonObject = pagination if isinstance(pagination, Mapping) else {}
    cursor = id_text(paging.get("nextCursor"))
    more = opt_bool(paging, "hasMore")
    next_cursor = cursor if (more is not False and cursor and profiles) else None
    return ProfilesPage(tuple(profiles), next_cursor)
