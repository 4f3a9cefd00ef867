"""What one open workspace knows right now, without I/O: posts, locks, marks, health and the
status bar's facts, and the eligibility of each row computed from them.

The syncer, the retry step and the settling of watches all change the workspace through the
methods below; the window reads it (through ``WorkspaceSession``) while painting, so every
read is synchronous and cheap. What changes is told to the listener here, in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from postretry_gui.controller.events import (
    NoticeLevel,
    PostMark,
    RetryReport,
    SessionListener,
    SyncState,
)
from postretry_gui.controller.unopened_journal import UnopenedJournal
from postretry_gui.domain import (
    Account,
    AccountHealth,
    Destination,
    Eligibility,
    Post,
    PostStatus,
    ProviderCapabilities,
    RateLimitState,
    Status,
    Verdict,
    eligibility,
    retry_unit,
)
from postretry_gui.domain.errors import ProviderError, TransportError, Unauthorized
from postretry_gui.domain.triage import Cause, CauseTable, FailureKey, classify, failure_key

# Distinct failures whose cause is kept; a list whose errors never repeat starts over.
_MAX_CAUSES_KEPT = 4096

# Retries of a post known from elsewhere (the journal); None when it cannot say.
RetryCountLookup = Callable[[str], int | None]


class WorkspaceState:
    """Posts by post_id, the locks of destinations in flight, marks, health, retry counts
    and the sync state, with the listener that hears of every change.

    ``rate_limit()``: the provider's budget as last described (for the status bar);
    ``budget()``: every window of it in words, or None (``RatePacer.describe_budget``).
    ``known_retries``: asked once per post for its retries sent before this run.
    ``retries_off``: why no retry may be sent in this workspace (``SyncState.retries_off``);
    ``unopened_journal``: the journal whose failure to open is that why (``SyncState``'s too).
    ``causes``: the provider's cause table (its spec's), which triages every failure.
    """

    def __init__(
        self,
        listener: SessionListener,
        capabilities: ProviderCapabilities,
        rate_limit: Callable[[], RateLimitState],
        *,
        known_retries: RetryCountLookup,
        retries_sent: Mapping[str, int] | None = None,
        causes: CauseTable | None = None,
        budget: Callable[[], str | None] = lambda: None,
        single_post_retries: bool = False,
        remember_single_post: Callable[[bool], None] | None = None,
        retries_off: str | None = None,
        unopened_journal: UnopenedJournal | None = None,
    ) -> None:
        self._listener = listener
        self._capabilities = capabilities
        self._causes = causes or CauseTable()
        self._rate_limit = rate_limit
        self._budget = budget
        self._known_retries = known_retries
        self._retries_sent: dict[str, int] = dict(retries_sent or {})
        self._posts: dict[str, Post] = {}
        self._locks: dict[str, set[str]] = {}
        self._marks: dict[str, PostMark] = {}
        # Team mode: post_id -> account_id -> the operator retrying it (their claim).
        self._held: dict[str, dict[str, str]] = {}
        self._health: dict[str, AccountHealth] = {}
        self._health_loaded = False
        # The cause of each distinct failure (``triage.failure_key``) with today's health:
        # the cause column, its filter's counts after every sync and each row's eligibility
        # ask for the same few failures on thousands of rows.
        self._causes_known: dict[FailureKey, Cause] = {}
        # How many failed destinations of the loaded posts have each cause, brought up to date
        # when asked (``count_causes``) with the posts replaced since: a sync costs what it
        # changed, not a pass over every row, and a load classifies nothing while it reads.
        self._cause_counts: Counter[Cause] = Counter()
        # post_id -> the version of it the counts include (None: none yet), for each post
        # replaced since the counts were last brought up to date.
        self._uncounted: dict[str, Post | None] = {}
        self._sync = SyncState(
            single_post_retries=single_post_retries,
            retries_off=retries_off,
            unopened_journal=unopened_journal,
        )
        self._remember_single_post = remember_single_post
        # Told of every post a read brought (not of a retry's own answer): a bulk retry's
        # check of what the server re-queued looks at the first read after it.
        self._read_hooks: list[Callable[[Post], None]] = []
        # Told when a 401 arrives: whatever runs in the background stops.
        self._key_rejected_hooks: list[Callable[[], None]] = []

    # -- reading (the window calls these while painting) -------------------------------------

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._capabilities

    @property
    def posts(self) -> Mapping[str, Post]:
        """Every post loaded so far, by post_id (a read-only view)."""
        return MappingProxyType(self._posts)

    @property
    def sync_state(self) -> SyncState:
        return self._sync

    @property
    def health_loaded(self) -> bool:
        return self._health_loaded

    def locked(self, post_id: str, account_id: str) -> bool:
        """True while a retry of this destination is on its way or its outcome is unknown."""
        return account_id in self._locks.get(post_id, ())

    def mark(self, post_id: str) -> PostMark | None:
        """GONE (deleted at the provider) or OUTCOME_UNKNOWN, else None."""
        return self._marks.get(post_id)

    def retries_sent(self, post_id: str) -> int:
        """Retries of this post sent (or possibly sent) by this app, this run or before."""
        known = self._retries_sent.get(post_id)
        if known is None:
            # Asked once per post (the journal is SQLite: microseconds), then counted here.
            known = self._known_retries(post_id) or 0
            self._retries_sent[post_id] = known
        return known

    def health_of(self, account_id: str) -> AccountHealth | None:
        """The account's health as ``provider.accounts()`` reported at load (None: unknown)."""
        return self._health.get(account_id)

    def eligibility_of(self, post: Post, destination: Destination) -> Eligibility:
        """The domain's verdict for one row, with this workspace's locks, health and counts."""
        if self._marks.get(post.post_id) is PostMark.GONE:
            return Eligibility(
                Verdict.NOT_FAILED,
                "The post was deleted at the provider: there is nothing left to retry.",
            )
        holder = self._held.get(post.post_id, {}).get(destination.account_id)
        if holder is not None:
            return Eligibility(
                Verdict.IN_FLIGHT, f"Being retried by {holder}: wait for it to settle."
            )
        return eligibility(
            destination,
            post,
            self._capabilities,
            self._health.get(destination.account_id),
            retries_sent=self.retries_sent(post.post_id),
            locked=self.locked(post.post_id, destination.account_id),
            cause=self.cause_of(post, destination),
        )

    def cause_of(self, post: Post, destination: Destination) -> Cause | None:
        """What will fix this failure (``triage.classify``, with the provider's table and the
        account's health); None for a destination that has not failed, or of a post deleted
        at the provider (nothing of it will be retried)."""
        if destination.status is not Status.FAILED or post.status is PostStatus.DELETED:
            return None
        key = failure_key(destination)
        cause = self._causes_known.get(key)
        if cause is None:
            health = self._health.get(destination.account_id)
            cause = classify(destination, self._causes, self._capabilities, health)
            if cause is None:
                return None
            if len(self._causes_known) >= _MAX_CAUSES_KEPT:
                self._causes_known.clear()  # errors that never repeat (ids in them)
            self._causes_known[key] = cause
        return cause

    def count_causes(self, posts_at_most: int) -> Counter[Cause] | None:
        """How many failed destinations of the loaded posts have each cause (``cause_of``),
        once the posts replaced since the last count are counted: at most ``posts_at_most``
        of them a call (a window must not freeze after a 100,000-row load), None while some
        remain."""
        for _ in range(min(posts_at_most, len(self._uncounted))):
            post_id, counted = self._uncounted.popitem()
            if counted is not None:
                self._count_causes(counted, -1)
            self._count_causes(self._posts[post_id], 1)
        if self._uncounted:
            return None
        self._uncounted = {}  # a dict keeps its size once emptied: 100,000 slots after a load
        return +self._cause_counts  # a copy, without the causes counted down to nothing

    def _keep(self, post: Post) -> None:
        """Every replacement of a loaded post goes through here: the counts will follow it."""
        if post.post_id not in self._uncounted:
            self._uncounted[post.post_id] = self._posts.get(post.post_id)
        self._posts[post.post_id] = post

    def _count_causes(self, post: Post, step: int) -> None:
        for destination in post.destinations:
            if destination.status is Status.FAILED:
                cause = self.cause_of(post, destination)
                if cause is not None:
                    self._cause_counts[cause] += step

    def eligible_account_ids(self, post: Post) -> frozenset[str]:
        """The account ids of ``post`` that may be retried now, ticked by hand or not."""
        return frozenset(
            d.account_id for d in post.destinations if self.eligibility_of(post, d).retryable
        )

    def tick_all_ids(self, post: Post) -> frozenset[str]:
        """What "tick all retryable" ticks of ``post``: retryable destinations whose cause a
        retry can fix (temporary, unknown), widened to what the retry would really touch. A
        post whose only failures need the post changed, or may be live, is left alone."""
        wanted = frozenset(
            d.account_id
            for d in post.destinations
            if self.eligibility_of(post, d).ticked_by_tick_all
        )
        return self.retry_unit_of(post, wanted) if wanted else frozenset()

    def confirmations(self, post: Post, ticked: frozenset[str]) -> tuple[str, ...]:
        """The sentences the window asks the operator to confirm before retrying ``ticked``
        of ``post`` (each once): why each will probably fail again or go out twice."""
        unit = self.retry_unit_of(post, ticked)
        texts = (
            self.eligibility_of(post, d).confirmation
            for d in post.destinations
            if d.account_id in unit
        )
        return tuple(dict.fromkeys(text for text in texts if text))

    def retry_unit_of(self, post: Post, ticked: frozenset[str]) -> frozenset[str]:
        """What a retry of ``post`` with ``ticked`` would really touch; for a provider that
        retries whole posts, ticking one failed destination ticks them all."""
        return retry_unit(post, ticked, self._capabilities, self.eligible_account_ids(post))

    def why_not(self, post: Post, ticked: frozenset[str]) -> str:
        """Why none of ``ticked`` may be retried, one sentence per distinct reason."""
        reasons = {
            self.eligibility_of(post, d).reason for d in post.destinations if d.account_id in ticked
        }
        return " ".join(sorted(reasons)) or "No destination of this post was selected."

    # -- posts -------------------------------------------------------------------------------

    def ingest(self, posts: Iterable[Post], *, force: bool = False) -> None:
        """Keep the newer of each post and emit the ones that changed, as one batch."""
        changed: list[Post] = []
        for post in posts:
            self._tell_read(post)
            old = self._posts.get(post.post_id)
            if old is not None and not force and _older(post, old):
                continue
            # Gone when it reads deleted (Ayrshare lists deleted posts); listed again as
            # anything else, it was not gone after all.
            deleted = post.status is PostStatus.DELETED
            if (self._marks.get(post.post_id) is PostMark.GONE) != deleted:
                self._set_gone(post.post_id, deleted)
            elif old == post:
                continue
            # A newer read of the post says where the other operator's retry went.
            self._held.pop(post.post_id, None)
            self._keep(post)
            changed.append(post)
        if changed:
            self._listener.posts_changed(changed)
        self.update_sync()

    def hold(self, post_id: str, held_by: Mapping[str, str]) -> None:
        """Another operator holds these destinations (account_id -> their name) until the
        post is read again; redraws the post."""
        if held_by:
            self._held.setdefault(post_id, {}).update(held_by)
            self.emit(post_id)

    def held_by(self, post_id: str, account_id: str) -> str | None:
        return self._held.get(post_id, {}).get(account_id)

    def put(self, post: Post) -> None:
        """Replace one post as a poll read it (not emitted)."""
        self._tell_read(post)
        self._keep(post)
        if post.status is PostStatus.DELETED:
            self._set_gone(post.post_id, True)

    def put_answer(self, post: Post) -> None:
        """Replace one post as a retry's answer describes it (not emitted; not a read)."""
        self._keep(post)

    def on_read(self, hook: Callable[[Post], None]) -> Callable[[], None]:
        """Call ``hook`` with every post a read brings; returns the function that stops it."""
        self._read_hooks.append(hook)

        def stop() -> None:
            if hook in self._read_hooks:
                self._read_hooks.remove(hook)

        return stop

    def _tell_read(self, post: Post) -> None:
        for hook in list(self._read_hooks):
            hook(post)

    def emit(self, post_id: str) -> None:
        post = self._posts.get(post_id)
        if post is not None:
            self._listener.posts_changed([post])

    def emit_all(self, post_ids: Iterable[str]) -> None:
        """Redraw these posts' rows as one batch (each once, the loaded ones only)."""
        batch = [self._posts[p] for p in dict.fromkeys(post_ids) if p in self._posts]
        if batch:
            self._listener.posts_changed(batch)

    # -- locks, marks, counts, health --------------------------------------------------------

    def lock(self, post_id: str, account_ids: Iterable[str]) -> None:
        self._locks.setdefault(post_id, set()).update(account_ids)

    def unlock(self, post_id: str, account_ids: Iterable[str]) -> None:
        locks = self._locks.get(post_id)
        if locks is None:
            return
        locks.difference_update(account_ids)
        if not locks:
            del self._locks[post_id]

    def mark_gone(self, post_id: str) -> None:
        self._set_gone(post_id, True)
        self.emit(post_id)
        self.notice(NoticeLevel.WARNING, f"Post {post_id} was deleted at the provider.")

    def _set_gone(self, post_id: str, gone: bool) -> None:
        if gone:
            self._marks[post_id] = PostMark.GONE
        elif self._marks.get(post_id) is PostMark.GONE:
            del self._marks[post_id]

    def mark_outcome_unknown(self, post_id: str, unknown: bool) -> None:
        """OUTCOME_UNKNOWN holds while any lost retry of the post is unexplained; a GONE
        mark outranks it."""
        mark = self._marks.get(post_id)
        if unknown:
            if mark is not PostMark.GONE:
                self._marks[post_id] = PostMark.OUTCOME_UNKNOWN
        elif mark is PostMark.OUTCOME_UNKNOWN:
            del self._marks[post_id]

    def count_retries(self, post_id: str, count: int) -> None:
        self._retries_sent[post_id] = count

    def set_health(self, accounts: Iterable[Account]) -> None:
        self._health = {a.account_id: a.health for a in accounts if a.health is not None}
        self._health_loaded = True
        # An account's health decides causes too: every failure is counted again.
        self._causes_known.clear()
        self._cause_counts = Counter()
        self._uncounted = dict.fromkeys(self._posts)

    # -- settings ----------------------------------------------------------------------------

    @property
    def single_post_retries(self) -> bool:
        """Whether retries go one post per request (no bulk request) in this workspace."""
        return self._sync.single_post_retries

    def set_single_post_retries(self, on: bool) -> None:
        """Change the setting, tell the window and remember it for the workspace."""
        if on == self._sync.single_post_retries:
            return
        self.update_sync(single_post_retries=on)
        if self._remember_single_post is not None:
            self._remember_single_post(on)

    # -- what the operator is told -----------------------------------------------------------

    def notice(self, level: NoticeLevel, text: str) -> None:
        self._listener.notice(level, text)

    def retry_finished(self, report: RetryReport) -> None:
        self._listener.retry_finished(report)

    def update_sync(self, **changes: Any) -> None:
        rate = self._rate_limit()
        state = replace(
            self._sync,
            requests_left=rate.remaining,
            request_limit=rate.limit,
            budget=self._budget(),
            posts_loaded=len(self._posts),
            **changes,
        )
        if state != self._sync:
            self._sync = state
            self._listener.sync_changed(state)

    def read_succeeded(self) -> None:
        self.update_sync(online=True, last_error=None)

    def read_failed(self, error: ProviderError) -> None:
        if isinstance(error, Unauthorized):
            self.key_rejected(error)
            return
        message = str(error)
        if isinstance(error, TransportError):
            if self._sync.online:
                self.notice(NoticeLevel.WARNING, f"Offline: {message} Showing the last data.")
            self.update_sync(online=False, last_error=message)
            return
        self.notice(NoticeLevel.ERROR, message)
        self.update_sync(last_error=message)

    def on_key_rejected(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` on a 401 (to stop background requests)."""
        self._key_rejected_hooks.append(hook)

    def key_rejected(self, error: ProviderError) -> None:
        """401: stop every background request; nothing more will work with this key."""
        if not self._sync.key_rejected:
            self.notice(NoticeLevel.ERROR, error.message)
        self.update_sync(key_rejected=True, online=True, last_error=error.message)
        for hook in self._key_rejected_hooks:
            hook()


def _older(new: Post, old: Post) -> bool:
    return (
        new.updated_at is not None
        and old.updated_at is not None
        and new.updated_at < old.updated_at
    )
