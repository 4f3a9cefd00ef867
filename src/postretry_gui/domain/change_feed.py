"""How a provider can list what changed, so settling costs pages, not one read per post.

A fact about the provider's API, like its capabilities: the settler reads it to decide
between one list read a round and a read per watched post, and how often a list may be read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeFeed:
    # Posts per list page (the most the API gives in one request).
    page_size: int
    # True: the list takes ``updated_after`` and sorts by update time (only changed posts
    # come back); False: the list is read whole, newest first, and the watched posts picked.
    filters_by_update: bool
    # A list answer may be served from a cache this old: reading it faster learns nothing.
    min_interval_s: float = 0.0
