"""Ayrshare's wire format (API-CONTRACTS.md section 2) as pure functions.

Each ``parse_*`` takes a decoded body (or an ``HttpResponse``) and returns a domain object or
raises a ``ProviderError``; nothing else escapes, whatever the body holds. The provider in
``ayrshare.py`` adds the requests.

Tolerance, as the contract asks: history as ``{"history": [...]}`` or a bare list; the
creation date as ``created``, ``createDate`` or ``create_date``; every date as an ISO
string, unix seconds/milliseconds or Firestore's ``{_seconds, _nanoseconds, utc}``; error
codes as numbers or strings; unknown fields ignored.

Destinations: Ayrshare posts go to networks, not accounts, so a destination's
``account_id`` is Ayrshare's platform name ("twitter", "linkedin"); its ``platform`` is the
app's name for the network ("x" for Twitter) so icons and texts match PostEverywhere's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from postretry_gui.domain import Account, AccountHealth, Destination, Post, RetryAck, Status
from postretry_gui.domain.errors import (
    AlreadyRetried,
    DuplicateContent,
    MalformedResponse,
    ProviderError,
    ReconnectRequired,
)
from postretry_gui.domain.status import PostStatus, ayrshare_status, post_status
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.parsing import (
    JsonObject,
    as_list,
    as_object,
    clean_text,
    decode_json,
    error_for_status,
    first,
    id_text,
    opt_bool,
    opt_datetime,
    opt_text,
    opt_text_or_none,
    required_id,
)

# Error codes with a meaning of their own (the contract's table), by class.
ALREADY_RETRIED_CODES = frozenset({"329"})
RELINK_CODES = frozenset({"156", "161", "272"})
DUPLICATE_CODES = frozenset({"107", "110"})

# Ayrshare's platform names that the app shows under another name.
_APP_PLATFORM = {"twitter": "x"}
X_ACCOUNT_IDS = frozenset({"twitter", "x"})

# A post reading one of these is being (re)published: what has not published yet is on its way.
_IN_FLIGHT_POST = {"pending": Status.QUEUED, "processing": Status.PUBLISHING}


# How a network is named in an error text ("LinkedIn: ...", not "Linkedin: ...").
_SPOKEN_PLATFORM = {"x": "X", "linkedin": "LinkedIn", "youtube": "YouTube", "tiktok": "TikTok"}


def app_platform(ayrshare_name: str) -> str:
    return _APP_PLATFORM.get(ayrshare_name, ayrshare_name)


def spoken_platform(ayrshare_name: str) -> str:
    name = app_platform(ayrshare_name)
    return _SPOKEN_PLATFORM.get(name, name.capitalize())


def goes_to_x(post: Post) -> bool:
    return any(d.account_id in X_ACCOUNT_IDS for d in post.destinations)


def _platform_name(value: object) -> str | None:
    text = clean_text(value, limit=40)
    return text.lower() if text else None


# -- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorFields:
    code: str | None = None
    message: str | None = None
    platform: str | None = None


def error_fields(body: object) -> ErrorFields:
    """``{action, status: "error", code, message, platform?}``; when the top level names no
    code, the first ``errors[]`` entry that does (a post answer's per-network errors)."""
    if not isinstance(body, Mapping):
        return ErrorFields()
    code = id_text(body.get("code"))
    message = clean_text(first(body, "message", "error"))
    platform = _platform_name(body.get("platform"))
    if code is None:
        errors = body.get("errors")
        for item in errors if isinstance(errors, list) else ():
            if isinstance(item, Mapping) and id_text(item.get("code")) is not None:
                code = id_text(item.get("code"))
                message = clean_text(item.get("message")) or message
                platform = _platform_name(item.get("platform")) or platform
                break
    return ErrorFields(code, message, platform)


def error_for_fields(
    status: int,
    fields: ErrorFields,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The domain error for an Ayrshare error answer: a code with a meaning of its own
    (329 already retried, 156/161/272 relink, 107/110 duplicate) wins on a 4xx; otherwise the
    HTTP status decides, carrying the code and message."""
    code, message = fields.code, fields.message
    if 400 <= status <= 499 and status != 429 and code is not None:
        if code in ALREADY_RETRIED_CODES:
            return AlreadyRetried(message, code=code, request_id=request_id, http_status=status)
        if code in RELINK_CODES:
            where = spoken_platform(fields.platform) if fields.platform else None
            text = message or ReconnectRequired.default_message
            return ReconnectRequired(
                f"{where}: {text}" if where else text,
                code=code,
                request_id=request_id,
                http_status=status,
            )
        if code in DUPLICATE_CODES:
            return DuplicateContent(message, code=code, request_id=request_id, http_status=status)
    return error_for_status(
        status, message=message, code=code, request_id=request_id, retry_after=retry_after
    )


def request_id_of(response: HttpResponse) -> str | None:
    return id_text(response.header("x-request-id"))


def error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer. An HTML page or broken JSON keeps the class its
    HTTP status gives it."""
    try:
        body = decode_json(response.content, http_status=response.status)
    except MalformedResponse:
        body = None
    return error_for_fields(
        response.status,
        error_fields(body),
        request_id=request_id_of(response),
        retry_after=response.retry_after_s(),
    )


def read_body(response: HttpResponse) -> object:
    """The decoded body of an answer, or the domain error it stands for."""
    if not response.ok:
        raise error_from_response(response)
    return decode_json(
        response.content, http_status=response.status, request_id=request_id_of(response)
    )


def raise_if_error_body(obj: JsonObject) -> None:
    """An error answered with 200 (``status: "error"``, a code, no post id) is an error,
    classified as if it had come with a 400."""
    status = obj.get("status")
    if (
        isinstance(status, str)
        and status.strip().lower() == "error"
        and id_text(obj.get("code")) is not None
        and "id" not in obj
    ):
        error = error_for_fields(400, error_fields(obj))
        error.http_status = 200
        raise error


# -- dates -------------------------------------------------------------------------------------


def ayrshare_datetime(value: object) -> datetime | None:
    """An ISO string, unix seconds/milliseconds, or ``{_seconds, _nanoseconds, utc}``."""
    if isinstance(value, Mapping):
        from_utc = opt_datetime(value, "utc")
        if from_utc is not None:
            return from_utc
        seconds = value.get("_seconds")
        nanos = value.get("_nanoseconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            return None
        extra = 0.0
        if isinstance(nanos, int | float) and not isinstance(nanos, bool):
            extra = nanos / 1e9 if 0 <= nanos < 1e9 else 0.0
        try:
            # float() of a hostile integer (10**400) overflows before any range check.
            total = float(seconds) + extra
            if not math.isfinite(total) or total < 0:
                return None
            return datetime.fromtimestamp(total, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return opt_datetime({"v": value}, "v")


# -- posts -------------------------------------------------------------------------------------


def _platforms(value: object) -> list[str]:
    """``platforms`` as a list of names (a single string accepted); others skipped."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names: list[str] = []
    for item in items:
        name = _platform_name(item)
        if name and name not in names:
            names.append(name)
    return names


def _entries(value: object) -> list[JsonObject]:
    """The objects of a list (``postIds``/``errors``) that name a platform; others skipped:
    one odd entry must not hide the post's other networks."""
    if not isinstance(value, list):
        return []
    return [
        item for item in value if isinstance(item, Mapping) and _platform_name(item.get("platform"))
    ]


def _published(entry: JsonObject, account_id: str, names: Mapping[str, str]) -> Destination:
    raw = entry.get("status")
    status = ayrshare_status(raw) if raw is not None else Status.PUBLISHED
    if status is Status.UNKNOWN:
        status = Status.PUBLISHED  # listed in postIds: the network took the post
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=status,
        account_name=names.get(account_id, ""),
        platform_post_id=id_text(first(entry, "id", "postId")),
        platform_post_url=opt_text_or_none(entry, "postUrl", "url"),
        # A postIds entry that itself reads "error" and has no errors[] entry to explain it
        # (found by the hostile-body property test): the operator still needs a reason.
        error=(
            clean_text(first(entry, "message", "error")) or "The network reported an error."
            if status is Status.FAILED
            else None
        ),
    )


def _failed(entry: JsonObject, account_id: str, names: Mapping[str, str]) -> Destination:
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=Status.FAILED,
        account_name=names.get(account_id, ""),
        error=clean_text(first(entry, "message", "error")) or "The network refused the post.",
        error_code=id_text(entry.get("code")),
    )


def _other(account_id: str, post_word: str, names: Mapping[str, str]) -> Destination:
    """A network the post names with neither a post id nor an error: the post's status says."""
    status = Status.PUBLISHED if post_word == "success" else ayrshare_status(post_word)
    if status is Status.FAILED:
        status = Status.UNKNOWN  # the post failed somewhere, but not visibly here
    return Destination(
        account_id=account_id,
        platform=app_platform(account_id),
        status=status,
        account_name=names.get(account_id, ""),
    )


def parse_destinations(
    obj: JsonObject, post_word: str, names: Mapping[str, str] | None = None
) -> tuple[Destination, ...]:
    """One destination per network of the post, from ``platforms``, ``postIds`` and
    ``errors``. A published network wins over an error for the same network (networks have
    reported errors for posts they published). While the post reads pending/processing,
    every network not published yet is on its way, whatever its old error said."""
    names = names or {}
    published = {_platform_name(e.get("platform")): e for e in _entries(obj.get("postIds"))}
    failed = {_platform_name(e.get("platform")): e for e in _entries(obj.get("errors"))}
    order = _platforms(obj.get("platforms"))
    for name in [*published, *failed]:
        if name and name not in order:
            order.append(name)
    in_flight = _IN_FLIGHT_POST.get(post_word)
    destinations: list[Destination] = []
    for account_id in order:
        if account_id in published:
            destination = _published(published[account_id], account_id, names)
            if destination.status is Status.FAILED and account_id in failed:
                destination = _failed(failed[account_id], account_id, names)
        elif account_id in failed:
            destination = _failed(failed[account_id], account_id, names)
        else:
            destination = _other(account_id, post_word, names)
        if in_flight is not None and destination.status is not Status.PUBLISHED:
            destination = replace(destination, status=in_flight, error=None, error_code=None)
        destinations.append(destination)
    return tuple(destinations)


def _post_word(obj: JsonObject) -> str:
    raw = obj.get("status")
    return raw.strip().lower() if isinstance(raw, str) else ""


def parse_post(
    data: object, *, post_id: str | None = None, names: Mapping[str, str] | None = None
) -> Post:
    """A history item or ``GET /post/{id}``. ``post_id``: the id the post was asked by,
    kept even when the answer's ``id`` differs (the contract warns it may)."""
    obj = as_object(data, "the post")
    raise_if_error_body(obj)
    known_id = post_id if post_id is not None else required_id(obj, "id", what="a post")
    word = _post_word(obj)
    destinations = parse_destinations(obj, word, names)
    status = post_status(word)
    if status is PostStatus.FAILED and any(d.status is Status.PUBLISHED for d in destinations):
        status = PostStatus.PARTIALLY_FAILED
    return Post(
        post_id=known_id,
        destinations=destinations,
        status=status,
        content=opt_text(obj, "post", "content"),
        created_at=ayrshare_datetime(first(obj, "created", "createDate", "create_date")),
        updated_at=ayrshare_datetime(first(obj, "updated", "updateDate", "update_date")),
        scheduled_for=ayrshare_datetime(obj.get("scheduleDate")),
    )


def history_items(body: object) -> Sequence[object]:
    """``{"history": [...]}`` or the oldest version's bare list."""
    if isinstance(body, list):
        return body
    obj = as_object(body, "the history")
    raise_if_error_body(obj)
    return as_list(obj.get("history"), "history")


def parse_history(body: object, names: Mapping[str, str] | None = None) -> tuple[Post, ...]:
    return tuple(parse_post(item, names=names) for item in history_items(body))


def parse_retry_ack(body: object, post: Post) -> RetryAck:
    """``{"status": "pending", "id": ...}``: every failed destination of ``post`` is queued
    now (Ayrshare re-sends the whole post). An error body answered with 200 is an error."""
    obj = as_object(body, "the retry answer")
    raise_if_error_body(obj)
    queued = tuple(
        replace(d, status=Status.QUEUED, error=None, error_code=None) for d in post.failed
    )
    word = opt_text(obj, "status", default="pending").lower()
    return RetryAck(
        post_id=post.post_id,
        retried_count=len(queued),
        destinations=queued,
        message=f"Retry accepted ({word}): {len(queued)} destination(s) queued.",
    )


# -- the user, profiles and accounts -------------------------------------------------------


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
    active = tuple(_platforms(obj.get("activeSocialAccounts")))
    names: dict[str, str] = {}
    display = obj.get("displayNames")
    for item in display if isinstance(display, list) else ():
        if not isinstance(item, Mapping):
            continue
        platform = _platform_name(item.get("platform"))
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
                active_social_accounts=tuple(_platforms(profile.get("activeSocialAccounts"))),
            )
        )
    pagination = obj.get("pagination")
    paging: JsonObject = pagination if isinstance(pagination, Mapping) else {}
    cursor = id_text(paging.get("nextCursor"))
    more = opt_bool(paging, "hasMore")
    next_cursor = cursor if (more is not False and cursor and profiles) else None
    return ProfilesPage(tuple(profiles), next_cursor)
