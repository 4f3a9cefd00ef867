"""Zernio's list answer (``GET /v1/posts``) exactly as documented, as msgspec Structs.

``decode_list_page`` reads a page straight from its bytes in C and vouches for it only when
every value read has the documented type and range; ``typed.py`` then builds the domain posts
with the same helpers as the tolerant reader (``parsing.py``). Anything else gives None and the
tolerant reader reads the whole page: it stays the single source of truth for odd answers.
Unknown fields (``title``, ``tags``, ``metadata``, ``customContent``, ...) are skipped unread.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from postretry_gui.providers.parsing import MAX_ID_CHARS, MAX_MESSAGE_CHARS

TargetWord = Literal[
    "pending", "processing", "uploading", "publishing", "published", "failed", "cancelled"
]
PostWord = Literal[
    "draft",
    "pending_approval",
    "scheduled",
    "publishing",
    "published",
    "partial",
    "failed",
    "cancelled",
]

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
# Longer text is cut by the tolerant reader: such a page is left to it.
Text = Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE_CHARS)]
Moment = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class WireAccount(msgspec.Struct, gc=False):
    id: Id = msgspec.field(name="_id")
    platform: Text | None = None
    username: Text | None = None
    displayName: Text | None = None
    isActive: bool | None = None
    needsReconnection: bool | None = None
    enabled: bool | None = None


class WirePlatformError(msgspec.Struct, gc=False):
    message: Text | None = None


class WireTarget(msgspec.Struct, gc=False):
    platform: Text
    accountId: Id | WireAccount
    status: TargetWord
    errorMessage: Text | None = None
    error: Text | None = None  # the webhook's name for errorMessage
    platformError: WirePlatformError | None = None
    errorCategory: Text | None = None
    publishAttempts: Count = 0
    platformPostId: Id | None = None
    platformPostUrl: Text | None = None
    publishedAt: Moment | None = None


class WirePost(msgspec.Struct, gc=False):
    id: Id = msgspec.field(name="_id")
    status: PostWord
    content: Text | None = None
    title: Text | None = None
    platforms: list[WireTarget] | None = None
    platformTargets: list[WireTarget] | None = None  # one rules example's name
    createdAt: Moment | None = None
    updatedAt: Moment | None = None
    scheduledFor: Moment | None = None


class WirePagination(msgspec.Struct, gc=False):
    pages: Count | None = None


class WirePage(msgspec.Struct, gc=False):
    posts: list[WirePost]
    pagination: WirePagination | None = None


_DECODER = msgspec.json.Decoder(WirePage)


def decode_list_page(body: bytes) -> WirePage | None:
    """The page as documented, or None (the tolerant reader decides)."""
    try:
        return _DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
