"""Posts, destinations, accounts and what a provider can do: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from postretry_gui.domain.change_feed import ChangeFeed
from postretry_gui.domain.status import PostStatus, Status


@dataclass(frozen=True, slots=True)
class Destination:
    """One social account a post goes to.

    ``account_id`` is the key the provider's retry call takes, kept as an opaque string:
    PostEverywhere's integer account id ("2285"), or the platform name for Ayrshare, whose
    destinations are networks rather than accounts.
    """

    account_id: str
    platform: str
    status: Status
    account_name: str = ""
    error: str | None = None
    error_code: str | None = None
    attempts: int = 0
    platform_post_id: str | None = None
    platform_post_url: str | None = None
    published_at: datetime | None = None
    next_retry_at: datetime | None = None

    def with_status(self, status: Status) -> Destination:
        return replace(self, status=status)


@dataclass(frozen=True, slots=True)
class Post:
    post_id: str
    destinations: tuple[Destination, ...]
    status: PostStatus = PostStatus.UNKNOWN
    content: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    scheduled_for: datetime | None = None

    def destination(self, account_id: str) -> Destination | None:
        for destination in self.destinations:
            if destination.account_id == account_id:
                return destination
        return None

    @property
    def failed(self) -> tuple[Destination, ...]:
        return tuple(d for d in self.destinations if d.status is Status.FAILED)

    @property
    def in_flight(self) -> tuple[Destination, ...]:
        return tuple(d for d in self.destinations if d.status.in_flight)

    def merged(self, updates: tuple[Destination, ...]) -> Post:
        """This post with the given destinations replacing those of the same account."""
        by_account = {d.account_id: d for d in updates}
        merged = tuple(by_account.pop(d.account_id, d) for d in self.destinations)
        return replace(self, destinations=merged + tuple(by_account.values()))


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """What a provider says about an account's connection, in either vocabulary."""

    account_id: str
    status: str = "unknown"
    can_post: bool | None = None
    needs_reconnection: bool = False
    token_expired: bool = False
    reasons: tuple[str, ...] = ()
    # When the account's token runs out, where the provider says (the detail pane shows it).
    expires_at: datetime | None = None

    @property
    def requires_reconnect(self) -> bool:
        return (
            self.needs_reconnection
            or self.token_expired
            or self.can_post is False
            or "token_expired" in self.reasons
            or "needs_reconnection" in self.reasons
        )


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    platform: str
    name: str = ""
    is_active: bool = True
    health: AccountHealth | None = None


@dataclass(frozen=True, slots=True)
class ProviderCapabilities:
    """What a provider's retry can do. The UI and the eligibility rule read these; nothing
    tests a provider's name."""

    display_name: str
    # False: a retry re-sends every failed destination of the post (Ayrshare), so ticking one
    # failed destination ticks all of them.
    per_destination_retry: bool
    # None: no limit. Ayrshare answers 329 to a second retry of the same post.
    max_retries_per_post: int | None
    # Where an operator reconnects an account: retrying cannot fix an expired token.
    reconnect_url: str
    # Error codes (as strings) that mean "relink the account, retrying cannot help".
    relink_error_codes: frozenset[str] = field(default_factory=frozenset)
    # How the provider lists changed posts (None: settling reads each watched post).
    change_feed: ChangeFeed | None = None
    # Posts one bulk retry (one account, many posts, one request) may name; 0: the provider
    # has no bulk retry, every retry is one request per post.
    bulk_max_posts: int = 0


@dataclass(frozen=True, slots=True)
class RetryAck:
    """The server's answer to a retry: which destinations it re-queued."""

    post_id: str
    retried_count: int
    destinations: tuple[Destination, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class BulkRetryAck:
    """The server's answer to a bulk retry (one account, many posts).

    ``requeued``: the (post id, destination) pairs the server says it re-queued, when its
    answer lists them (``None``: the answer did not say; only the next read can tell).
    """

    retried_count: int
    requeued: tuple[tuple[str, Destination], ...] | None = None
    message: str = ""
