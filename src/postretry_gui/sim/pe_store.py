"""PostEverywhere's state: posts in memory, queries with cached orderings, and the retry
state machine (``failed -> queued -> publishing -> published | failed``).

States are computed lazily: a retry records when it started and how it will end; each
request first calls ``advance(now)``, which applies every transition that is due (a heap of
due times), so nothing runs in the background. Orderings of query results are cached per
query and dropped when a change could affect that query (``version``), so walking 200
pages of 20,000 posts sorts once. Every post is encoded to JSON at start-up and re-encoded
only after it changes (``Post.touch``), so a page costs about the same on every read.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from postretry_gui.sim.config import SimConfig
from postretry_gui.sim.pe_generate import (
    CONTENT_ERRORS,
    TRANSIENT_ERRORS,
    generate_accounts,
    generate_posts,
)
from postretry_gui.sim.pe_model import (
    Account,
    Attempt,
    Destination,
    Post,
    derive_post_status,
    token_error,
)
from postretry_gui.sim.timefmt import to_ms

_CACHE_SIZE = 16
_MOVING_SORTS = frozenset({"updated_at", "published_at"})


@dataclass(frozen=True, slots=True)
class PostQuery:
    statuses: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    account_id: int | None = None
    updated_after: float | None = None
    created_after: float | None = None
    created_before: float | None = None
    search: str = ""
    sort: str = "created_at"
    descending: bool = True


@dataclass(frozen=True, slots=True)
class BulkFilter:
    post_ids: tuple[str, ...] | None = None
    account_id: int | None = None
    platform: str | None = None
    failed_after: float | None = None
    failed_before: float | None = None
    max_attempts: int | None = None


def stamp_after(previous: float, changed_at: float) -> float:
    """A post's new ``updated_at`` for a change at ``changed_at``, in whole milliseconds (the
    wire's precision): rounded up, so it is later than any ``state_time`` before the change,
    and at least one millisecond after the previous stamp, so every change shows as a later
    ``updated_at`` (a retry with ``queued_s=0`` moves to publishing the instant it is
    queued)."""
    return max(math.ceil(changed_at * 1000), to_ms(previous) + 1) / 1000


def outcome_roll(seed: int, post_id: str, account_id: int, attempt: int) -> float:
    """A seeded number in [0, 1) per (post, account, attempt): the same retry story every run,
    whatever order the requests arrive in."""
    return random.Random(f"{seed}|{post_id}|{account_id}|{attempt}").random()  # noqa: S311


class PeStore:
    def __init__(self, config: SimConfig, now: float) -> None:
        self.seed = config.seed
        rng = random.Random(config.seed)  # noqa: S311 - seeded demo data, not secrets
        self.accounts: list[Account] = generate_accounts(rng, config.accounts, now)
        self.accounts_by_id = {a.account_id: a for a in self.accounts}
        self.posts: list[Post] = generate_posts(
            rng,
            config.posts,
            self.accounts,
            now,
            min_destinations=config.min_destinations,
            max_destinations=config.max_destinations,
            queued_s=config.queued_s,
            publishing_s=config.publishing_s,
            content_odds=config.content_failure_odds,
        )
        # Encode every post now, so that the first read of a page costs what the next one
        # does (joining cached bytes) instead of building 100 posts' JSON.
        for post in self.posts:
            post.encoded()
        self.by_id = {p.post_id: p for p in self.posts}
        self.version = 0
        self.advanced_to = 0.0
        self._heap: list[tuple[float, int, Post]] = []
        self._seq = 0
        self._cache: OrderedDict[PostQuery, tuple[int, list[Post]]] = OrderedDict()
        for post in self.posts:
            if any(d.attempt is not None for d in post.destinations):
                self._schedule(post, now)
        # Up to date from the start, so that even an answer before the first read (a 401, a
        # 429) carries a state time that nothing unseen predates.
        self.advance(time.time())
        # The unfiltered listing (what a client walks first) never goes stale: order it now
        # rather than on the first page read.
        self.query(PostQuery())

    # ----------------------------------------------------------------- state machine
    def _schedule(self, post: Post, now: float) -> None:
        due = [
            t
            for d in post.destinations
            if d.attempt is not None
            for t in (d.attempt.publishing_at, d.attempt.settles_at)
            if t > now
        ]
        # A due time already past still needs one visit to settle.
        when = min(due) if due else now
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, post))

    def advance(self, now: float) -> None:
        """Apply every transition due by ``now``."""
        self.advanced_to = max(self.advanced_to, now)
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, post = heapq.heappop(heap)
            if self._refresh(post, now):
                self._schedule(post, now)

    def state_time(self) -> float:
        """The time the state was last brought up to, in whole milliseconds rounded down (the
        answers' ``meta.timestamp``): any change a reader has not seen yet gets an
        ``updated_at`` after it, so ``updated_after`` this time misses nothing."""
        return math.floor(self.advanced_to * 1000) / 1000

    def _refresh(self, post: Post, now: float) -> bool:
        """Bring ``post`` up to ``now``; True while some destination is still in flight."""
        in_flight = False
        changed_at: float | None = None
        for d in post.destinations:
            attempt = d.attempt
            if attempt is None:
                continue
            before = d.status
            if now >= attempt.settles_at:
                d.attempt = None
                if attempt.succeeds:
                    d.status = "published"
                    d.published_at = attempt.settles_at
                    d.platform_post_id = str(
                        int(outcome_roll(self.seed, post.post_id, d.account_id, -d.attempts) * 1e17)
                    )
                    d.error = None
                else:
                    d.status = "failed"
                    d.failed_at = attempt.settles_at
                    d.error = attempt.failure
                when = attempt.settles_at
            elif now >= attempt.publishing_at:
                d.status = "publishing"
                when = attempt.publishing_at
                in_flight = True
            else:
                d.status = "queued"
                when = attempt.started
                in_flight = True
            if d.status != before:
                changed_at = when if changed_at is None else max(changed_at, when)
        if changed_at is not None:
            post.updated_at = stamp_after(post.updated_at, changed_at)
        post.status = derive_post_status(post)
        published = [d.published_at for d in post.destinations if d.published_at is not None]
        post.published_at = max(published) if published else None
        post.touch()
        self.version += 1
        return in_flight

    def retry(
        self,
        post: Post,
        account_ids: Iterable[int] | None,
        now: float,
        config: SimConfig,
    ) -> list[Destination]:
        """Queue the chosen failed destinations (all failed ones when ``account_ids`` is None).

        Returns the destinations retried (empty when nothing chosen had failed).
        """
        wanted = None if account_ids is None else set(account_ids)
        chosen = [
            d
            for d in post.destinations
            if d.status == "failed" and (wanted is None or d.account_id in wanted)
        ]
        for d in chosen:
            self._start_attempt(post, d, now, config)
        if chosen:
            post.updated_at = stamp_after(post.updated_at, now)
            post.status = derive_post_status(post)
            post.touch()
            self.version += 1
            self._schedule(post, now)
        return chosen

    def _start_attempt(self, post: Post, d: Destination, now: float, config: SimConfig) -> None:
        d.attempts += 1
        account = self.accounts_by_id.get(d.account_id)
        roll = outcome_roll(self.seed, post.post_id, d.account_id, d.attempts)
        if account is not None and account.token_expired(now):
            # Retrying cannot help until the owner reconnects: the platform rejects the token.
            succeeds, failure = False, token_error(d.platform, 0)
        elif d.error in CONTENT_ERRORS:
            # The same post is refused the same way.
            succeeds, failure = False, d.error
        else:
            succeeds = roll < config.success_odds
            failure = TRANSIENT_ERRORS[int(roll * 1000) % len(TRANSIENT_ERRORS)]
        d.status = "queued"
        d.error = None
        d.platform_post_id = None
        d.published_at = None
        d.attempt = Attempt(now, config.queued_s, config.publishing_s, succeeds, failure)

    def bulk_targets(self, f: BulkFilter) -> list[tuple[Post, list[int]]]:
        """Posts and the account ids of their failed destinations that match a bulk filter."""
        posts: Iterable[Post]
        if f.post_ids is not None:
            posts = [self.by_id[i] for i in dict.fromkeys(f.post_ids) if i in self.by_id]
        else:
            posts = self.posts
        out = []
        for post in posts:
            ids = [
                d.account_id
                for d in post.destinations
                if d.status == "failed"
                and (f.account_id is None or d.account_id == f.account_id)
                and (f.platform is None or d.platform == f.platform)
                and (f.failed_after is None or (d.failed_at or 0) > f.failed_after)
                and (f.failed_before is None or (d.failed_at or 0) < f.failed_before)
                and (f.max_attempts is None or d.attempts < f.max_attempts)
            ]
            if ids:
                out.append((post, ids))
        return out

    # ----------------------------------------------------------------- queries
    def query(self, q: PostQuery) -> list[Post]:
        """Every post matching ``q`` in order (cached until anything changes)."""
        # Posts are never added or removed, and created_at/scheduled_for never change: a
        # query that looks at neither status nor the moving dates stays valid for good,
        # even while destinations publish in the background.
        volatile = bool(q.statuses) or q.updated_after is not None or q.sort in _MOVING_SORTS
        version = self.version if volatile else -1
        hit = self._cache.get(q)
        if hit is not None and hit[0] == version:
            self._cache.move_to_end(q)
            return hit[1]
        result = self._sorted(self._filtered(q), q)
        self._cache[q] = (version, result)
        self._cache.move_to_end(q)
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def _filtered(self, q: PostQuery) -> list[Post]:
        posts: Iterable[Post] = self.posts
        if q.statuses:
            posts = [p for p in posts if p.status in q.statuses]
        if q.platforms:
            posts = [p for p in posts if not p.platforms.isdisjoint(q.platforms)]
        if q.account_id is not None:
            posts = [p for p in posts if q.account_id in p.account_ids]
        # Dates compare in whole milliseconds, the precision clients see on the wire.
        if q.updated_after is not None:
            after = to_ms(q.updated_after)
            posts = [p for p in posts if to_ms(p.updated_at) > after]
        if q.created_after is not None:
            after = to_ms(q.created_after)
            posts = [p for p in posts if to_ms(p.created_at) > after]
        if q.created_before is not None:
            before = to_ms(q.created_before)
            posts = [p for p in posts if to_ms(p.created_at) < before]
        if q.search:
            needle = q.search.lower()
            posts = [p for p in posts if needle in p.search_text]
        return list(posts)

    @staticmethod
    def _sorted(posts: list[Post], q: PostQuery) -> list[Post]:
        field = q.sort
        present = [p for p in posts if getattr(p, field) is not None]
        missing = [p for p in posts if getattr(p, field) is None]
        # The id breaks ties so that pages never overlap or skip between requests.
        present.sort(key=lambda p: (getattr(p, field), p.post_id), reverse=q.descending)
        missing.sort(key=lambda p: p.post_id, reverse=q.descending)
        return present + missing  # posts without the date come last in both orders
