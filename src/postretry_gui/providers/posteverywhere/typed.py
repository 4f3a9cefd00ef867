"""The typed path: a PostEverywhere list page read from its bytes.

``wire.decode_list_page`` vouches that every value is documented and plain text, so what is
left here is what the tolerant reader (``parsing.py``) would do to such values: times
through the same parser, ids as text, the status vocabulary, ``.lower()``. Anything the
typed path does not vouch for goes to the tolerant reader whole: one page, one reader.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import get_args

from postretry_gui.domain import Destination, Post
from postretry_gui.domain.status import post_status
from postretry_gui.providers.base import Page
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.posteverywhere.envelope import read_data, server_time_of
from postretry_gui.providers.posteverywhere.paging import page_of
from postretry_gui.providers.posteverywhere.parsing import parse_page
from postretry_gui.providers.posteverywhere.spec import SPEC
from postretry_gui.providers.posteverywhere.wire import (
    DestinationWord,
    PostWord,
    WirePost,
    decode_list_page,
)

_DOCUMENTED_STATUS = {word: SPEC.destination_status(word) for word in get_args(DestinationWord)}
_DOCUMENTED_POST_STATUS = {word: post_status(word) for word in get_args(PostWord)}


def _typed_posts(wire_posts: list[WirePost]) -> tuple[Post, ...] | None:
    """The domain posts of a vouched-for page, or None where a time needs the tolerant
    reader (one ``fromisoformat`` cannot parse, or without an offset)."""
    moment = datetime.fromisoformat
    statuses = _DOCUMENTED_STATUS
    post_statuses = _DOCUMENTED_POST_STATUS
    posts: list[Post] = []
    try:
        for wire in wire_posts:
            destinations: list[Destination] = []
            for d in wire.destinations:
                account_id = d.account_id
                published = d.published_at
                published_at = None if published is None else moment(published)
                if published_at is not None and published_at.tzinfo is None:
                    return None
                destinations.append(
                    Destination(
                        account_id=str(account_id) if isinstance(account_id, int) else account_id,
                        platform=d.platform.lower(),
                        status=statuses[d.status],
                        account_name=d.account_name or "",
                        error=d.error,
                        attempts=d.attempts,
                        platform_post_id=d.platform_post_id,
                        platform_post_url=d.platform_post_url,
                        published_at=published_at,
                    )
                )
            created, updated, scheduled = wire.created_at, wire.updated_at, wire.scheduled_for
            created_at = None if created is None else moment(created)
            updated_at = None if updated is None else moment(updated)
            scheduled_for = None if scheduled is None else moment(scheduled)
            if (
                (created_at is not None and created_at.tzinfo is None)
                or (updated_at is not None and updated_at.tzinfo is None)
                or (scheduled_for is not None and scheduled_for.tzinfo is None)
            ):
                return None
            posts.append(
                Post(
                    post_id=wire.post_id,
                    destinations=tuple(destinations),
                    status=post_statuses[wire.status],
                    content=wire.content or "",
                    created_at=created_at,
                    updated_at=updated_at,
                    scheduled_for=scheduled_for,
                )
            )
    except ValueError:  # a time ``fromisoformat`` refuses: the tolerant reader decides
        return None
    return tuple(posts)


def typed_page(body: bytes, *, offset: int, limit: int) -> Page | None:
    """The page of a 2xx list answer read straight from its bytes, or None when it is not
    exactly as documented (then ``parse_page(read_data(...))`` reads it, and decides). Both
    carry the envelope's ``meta.timestamp`` as ``server_time``."""
    wire = decode_list_page(body)
    if wire is None:
        return None
    posts = _typed_posts(wire.posts)
    if posts is None:
        return None
    paging = wire.pagination
    page = page_of(
        posts,
        has_more=None if paging is None else paging.has_more,
        total=-1 if paging is None or paging.total is None else paging.total,
        offset=offset,
        limit=limit,
    )
    return replace(page, server_time=server_time_of(body))


def read_page(response: HttpResponse, *, offset: int, limit: int) -> Page:
    """A list answer as a ``Page``, or the domain error it stands for: the typed path first,
    the tolerant reader (``read_data`` + ``parse_page``) for anything it does not vouch for."""
    if response.ok:
        page = typed_page(response.content, offset=offset, limit=limit)
        if page is not None:
            return page
    page = parse_page(read_data(response), offset=offset, limit=limit)
    return replace(page, server_time=server_time_of(response.content))
