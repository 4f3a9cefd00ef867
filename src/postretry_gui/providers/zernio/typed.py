"""The typed path: a Zernio list page read from its bytes (``wire.py``), and its domain posts
built through the tolerant reader's own helpers (``parsing.destination_from``, ``clean_text``,
``id_text``, ``opt_datetime``), so both readers give the same page for a documented answer.
Anything the typed path does not vouch for goes to the tolerant reader whole."""

from __future__ import annotations

import re
from datetime import datetime

from postretry_gui.domain import Destination, Post
from postretry_gui.providers.parsing import clean_text, first, id_text, opt_datetime
from postretry_gui.providers.zernio.parsing import (
    destination_from,
    one_per_account,
    post_status_of,
)
from postretry_gui.providers.zernio.wire import WirePage, WirePost, WireTarget, decode_list_page

# ``json.loads`` refuses integers this long (``sys.get_int_max_str_digits``) even in fields
# msgspec skips unread: such a body is left to the tolerant reader, which decides.
_HUGE_INTEGER = re.compile(rb"\d{4000}")


class _NotVouched(Exception):
    """A value the tolerant reader would read differently (or refuse)."""


def _moment(text: str | None) -> datetime | None:
    return opt_datetime({"v": text}, "v")


def _id(text: str) -> str:
    value = id_text(text)
    if value is None:
        raise _NotVouched
    return value


def _target(wire: WireTarget) -> Destination:
    account = wire.accountId
    platform: str | None = None
    name: str | None = None
    cannot_post = False
    if isinstance(account, str):
        account_id = _id(account)
    else:
        account_id = _id(account.id)
        platform = clean_text(account.platform)
        name = clean_text(first({"d": account.displayName, "u": account.username}, "d", "u"))
        cannot_post = (
            account.needsReconnection is True
            or account.isActive is False
            or account.enabled is False
        )
    message = first({"m": wire.errorMessage, "e": wire.error}, "m", "e")
    error = clean_text(message)
    if error is None and wire.platformError is not None:
        error = clean_text(wire.platformError.message)
    return destination_from(
        account_id=account_id,
        platform=clean_text(wire.platform) or platform or "",
        status_word=wire.status,
        account_name=name or "",
        error=error,
        category=clean_text(wire.errorCategory),
        cannot_post=cannot_post,
        attempts=wire.publishAttempts,
        platform_post_id=None if wire.platformPostId is None else id_text(wire.platformPostId),
        platform_post_url=clean_text(wire.platformPostUrl),
        published_at=_moment(wire.publishedAt),
    )


def _post(wire: WirePost) -> Post:
    targets = wire.platforms if wire.platforms is not None else wire.platformTargets
    return Post(
        post_id=_id(wire.id),
        destinations=one_per_account(_target(t) for t in targets or ()),
        status=post_status_of(wire.status),
        content=clean_text(first({"c": wire.content, "t": wire.title}, "c", "t")) or "",
        created_at=_moment(wire.createdAt),
        updated_at=_moment(wire.updatedAt),
        scheduled_for=_moment(wire.scheduledFor),
    )


def typed_posts(body: bytes) -> tuple[tuple[Post, ...], int | None] | None:
    """The posts and ``pagination.pages`` of a list answer as documented, or None (then
    ``parsing.parse_posts`` reads it, and decides)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _HUGE_INTEGER.search(body):
        return None
    page: WirePage | None = decode_list_page(body)
    if page is None:
        return None
    try:
        posts = tuple(_post(p) for p in page.posts)
    except _NotVouched:
        return None
    return posts, None if page.pagination is None else page.pagination.pages
