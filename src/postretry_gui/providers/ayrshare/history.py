"""Ayrshare's history as pages: the app's filter in Ayrshare's words, and the cursor.

History has no offset paging: a page is ``limit`` posts (at most 1000) of one status,
newest first; the next page asks for posts created up to the oldest one seen (``endDate``).
Several statuses are asked for one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from postretry_gui.domain import Post
from postretry_gui.domain.errors import BadRequest
from postretry_gui.providers.ayrshare.networks import X_ACCOUNT_IDS
from postretry_gui.providers.base import PostFilter

# The app's post statuses (``PostStatus`` words, see ``PostFilter``) in Ayrshare's words.
# Ayrshare's own words are accepted as they are.
_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "failed": ("error",),
    "partially_failed": ("error",),
    "publishing": ("pending", "processing"),
    "scheduled": ("pending",),
    "published": ("success",),
    "draft": ("paused", "awaiting approval"),
}
_AYRSHARE_STATUSES = (
    "success",
    "error",
    "pending",
    "processing",
    "paused",
    "deleted",
    "awaiting approval",
)
_PLATFORM_WORDS = {"x": "twitter"}


def ayrshare_statuses(statuses: Sequence[str]) -> tuple[str, ...]:
    """The Ayrshare statuses to ask for, in order, once each (empty: no status filter)."""
    words: list[str] = []
    for status in statuses:
        key = status.strip().lower() if isinstance(status, str) else ""
        mapped = _STATUS_WORDS.get(key) or ((key,) if key in _AYRSHARE_STATUSES else None)
        if mapped is None:
            raise BadRequest(f"{status!r} is not a post status Ayrshare knows.", http_status=None)
        words += [w for w in mapped if w not in words]
    return tuple(words)


def ayrshare_platforms(post_filter: PostFilter) -> list[str]:
    names = [*post_filter.platforms, *([post_filter.account_id] if post_filter.account_id else [])]
    out: list[str] = []
    for name in names:
        word = _PLATFORM_WORDS.get(name.strip().lower(), name.strip().lower())
        if word and word not in out:
            out.append(word)
    return out


# -- the history cursor: which status is being read, and up to which creation date -----------


@dataclass(frozen=True, slots=True)
class HistoryCursor:
    stage: int = 0
    end: datetime | None = None

    def encode(self) -> str:
        if self.end is None:
            return str(self.stage)
        return f"{self.stage}|{iso_time(self.end)}"

    @classmethod
    def decode(cls, cursor: str | None, stages: int) -> HistoryCursor:
        if cursor is None:
            return cls()
        stage_text, _, end_text = cursor.partition("|")
        end: datetime | None = None
        try:
            stage = int(stage_text) if stage_text.isdigit() and len(stage_text) < 4 else -1
            if end_text:
                end = datetime.fromisoformat(end_text.replace("Z", "+00:00"))
        except ValueError:
            stage = -1
        if not 0 <= stage < stages or (end is not None and end.tzinfo is None):
            raise BadRequest("The page cursor is not one this client gave out.", http_status=None)
        return cls(stage, end)


def iso_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    text = aware.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def matches(post: Post, post_filter: PostFilter) -> bool:
    """What the history endpoint cannot filter by itself: text and one account."""
    if post_filter.search and post_filter.search.lower() not in post.content.lower():
        return False
    if post_filter.account_id:
        wanted = _PLATFORM_WORDS.get(post_filter.account_id, post_filter.account_id)
        ids = {d.account_id for d in post.destinations}
        if wanted in X_ACCOUNT_IDS:
            return bool(ids & X_ACCOUNT_IDS)
        return wanted in ids
    return True


def next_cursor(
    position: HistoryCursor, posts: Sequence[Post], limit: int, stages: int
) -> str | None:
    """A full page leads on to posts created up to the oldest one on it, if that moves
    back in time (a server that ignores ``endDate`` cannot make this loop); otherwise
    the next status, if any."""
    if len(posts) >= limit:
        dates = [p.created_at for p in posts if p.created_at is not None]
        oldest = min(dates) if dates else None
        if oldest is not None and (position.end is None or oldest < position.end):
            return HistoryCursor(position.stage, oldest).encode()
    if position.stage + 1 < stages:
        return HistoryCursor(position.stage + 1).encode()
    return None
