"""What a sync brought: the destinations that failed since the previous read, as one digest.

An operator is told once per sync, never once per row ("5 new failures in 3 posts · 2 need
a reconnect"): a sync after an outage can fail hundreds of destinations, and a message each
would bury the desktop. The causes come from :func:`postretry_gui.domain.triage.classify`
through a callback, since the cause table belongs to the provider.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from postretry_gui.domain.models import Destination, Post
from postretry_gui.domain.status import Status
from postretry_gui.domain.triage import Cause

# A destination is known by its post and its account: the key the window selects rows by.
DestinationKey = tuple[str, str]

# The causes worth naming in the message: each asks the operator for something other than a
# retry. (Temporary and unknown failures are what a retry is for; they go uncounted.)
_NAMED = (
    (Cause.RECONNECT, "needs a reconnect", "need a reconnect"),
    (Cause.CONTENT, "needs the post changed", "need the post changed"),
    (Cause.MAY_BE_LIVE, "may already be live", "may already be live"),
    (Cause.REFUSED, "was refused by the platform", "were refused by the platform"),
)


@dataclass(frozen=True, slots=True)
class FailureDigest:
    """The new failures of one sync."""

    keys: tuple[DestinationKey, ...]
    causes: Counter[Cause]

    @property
    def post_count(self) -> int:
        return len({post_id for post_id, _ in self.keys})

    def message(self) -> str:
        failures = len(self.keys)
        posts = self.post_count
        parts = [
            f"{failures} new {_plural(failures, 'failure', 'failures')} "
            f"in {posts} {_plural(posts, 'post', 'posts')}"
        ]
        for cause, one, many in _NAMED:
            count = self.causes.get(cause, 0)
            if count:
                parts.append(f"{count} {_plural(count, one, many)}")
        return " · ".join(parts)


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def new_failures(
    before: Iterable[Post],
    after: Iterable[Post],
    cause_of: Callable[[Post, Destination], Cause | None],
) -> FailureDigest | None:
    """The destinations failed in ``after`` that were not failed in ``before``; None if none.

    A destination that failed again after a retry counts as new: it was queued or publishing
    in between, and the operator is waiting to hear how the retry went.

    Compared post by post: a post that is the very object read before (the session keeps the
    old object when a read brings it unchanged) holds nothing new and is skipped, so a sync
    over 100,000 destinations costs what its changed posts cost, not a set of every failure.
    """
    earlier = {post.post_id: post for post in before}
    keys: list[DestinationKey] = []
    causes: Counter[Cause] = Counter()
    for post in after:
        old = earlier.get(post.post_id)
        if old is post:
            continue
        already = _failed_accounts(old) if old is not None else frozenset()
        for destination in post.destinations:
            if destination.status is not Status.FAILED or destination.account_id in already:
                continue
            keys.append((post.post_id, destination.account_id))
            cause = cause_of(post, destination)
            if cause is not None:
                causes[cause] += 1
    if not keys:
        return None
    return FailureDigest(tuple(keys), causes)


def _failed_accounts(post: Post) -> frozenset[str]:
    return frozenset(d.account_id for d in post.destinations if d.status is Status.FAILED)
