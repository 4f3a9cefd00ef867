"""Ayrshare as a ``Provider`` (API-CONTRACTS.md section 2), on the shared ``HttpClient``.

What Ayrshare's rules mean here:
- Retry is per post and once only: ``PUT /post/retry {id}`` re-sends every failed network;
  a second try answers 329 (``AlreadyRetried``). ``capabilities`` says so, and the window's
  ticks and the eligibility rule follow from it; this module never resends.
- Headers: ``Authorization: Bearer``, ``Profile-Key`` when the workspace has one, and the X
  app keys (``X-Twitter-OAuth1-Api-Key``/``-Secret``) only on a retry of a post that goes to
  X/Twitter. All four are secrets: never in a repr, a log line or an error text.
- Rate limits: ``x-ratelimit-max``/``-count`` or the older ``-remaining``/``-reset``
  (milliseconds left); 429s carry no Retry-After. Ayrshare suspends a profile past 1,000
  429s a day, so this client backs off on its own and stops after a few in a row
  (``TooManyRateLimits``), refusing to send anything until a cool-down has passed.
- History has no offset paging: a page is ``limit`` posts (at most 1000) of one status,
  newest first; the next page asks for posts created up to the oldest one seen
  (``endDate``). Several statuses are asked for one after the other.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from postretry_gui.domain import (
    Account,
    AccountHealth,
    Post,
    ProviderCapabilities,
    RateLimitState,
    RetryAck,
    parse_rate_limit,
)
from postretry_gui.domain.errors import (
    BadRequest,
    NothingToRetry,
    ProviderError,
    ProviderSecretMissing,
    TooManyRateLimits,
)
from postretry_gui.providers.ayrshare_parsing import (
    X_ACCOUNT_IDS,
    AyrshareProfile,
    AyrshareUser,
    ProfilesPage,
    accounts_of,
    error_from_response,
    goes_to_x,
    health_of,
    parse_history,
    parse_post,
    parse_profiles,
    parse_retry_ack,
    parse_user,
    read_body,
)
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import (
    HttpBackedProvider,
    HttpClient,
    HttpResponse,
    QueryParams,
    check_secret,
)
from postretry_gui.providers.pacing import Clock, Priority, RatePacer

DEFAULT_BASE_URL = "https://api.ayrshare.com/api"

CAPABILITIES = ProviderCapabilities(
    display_name="Ayrshare",
    per_destination_retry=False,
    max_retries_per_post=1,
    reconnect_url="https://app.ayrshare.com/social-accounts",
    relink_error_codes=frozenset({"156", "161", "272"}),
)

MAX_PAGE_SIZE = 1000
MAX_PROFILE_PAGES = 100
# Ayrshare's own default: posts older than this are rarely worth a retry.
DEFAULT_LAST_DAYS = 30

# The app's post statuses (PostEverywhere's words, see ``PostFilter``) in Ayrshare's words.
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
        return f"{self.stage}|{_iso(self.end)}"

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


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    text = aware.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _path_id(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise BadRequest(f"No {what} given.", http_status=None)
    return quote(text, safe="")  # "../user" must stay one path segment


def _matches(post: Post, post_filter: PostFilter) -> bool:
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


class RateLimitBreaker:
    """Counts 429 answers in a row across every request of one key, and stops sending.

    Each 429 holds the pacer for an exponential backoff (Ayrshare names no wait). At
    ``limit`` in a row the client stops: the answer becomes ``TooManyRateLimits``, and
    nothing is sent for ``cooldown_s``. Only an answer that is not a 429 resets the count,
    so after the cool-down one probe is sent, not another volley.
    """

    def __init__(
        self, pacer: RatePacer, *, limit: int = 3, backoff_s: float = 2.0, cooldown_s: float = 60.0
    ) -> None:
        self._pacer = pacer
        self.limit = max(limit, 1)
        self._backoff_s = max(backoff_s, 0.0)
        self._cooldown_s = max(cooldown_s, 0.0)
        self.in_a_row = 0
        self._stopped_until: float | None = None

    def check(self) -> None:
        """Raise instead of sending while stopped."""
        until = self._stopped_until
        now = self._pacer.clock()
        if until is not None and now < until:
            raise self._stopped(math.ceil(until - now))

    def answered(self, status: int) -> ProviderError | None:
        """Count one answer; a ``TooManyRateLimits`` to raise instead when it trips."""
        if status != 429:
            self.in_a_row = 0
            return None
        self.in_a_row += 1
        now = self._pacer.clock()
        if self.in_a_row >= self.limit:
            self._stopped_until = now + self._cooldown_s
            self._pacer.hold_until(now + self._cooldown_s)
            return self._stopped(math.ceil(self._cooldown_s))
        self._pacer.hold_until(now + self._backoff_s * 2 ** (self.in_a_row - 1))
        return None

    def _stopped(self, seconds: int) -> TooManyRateLimits:
        return TooManyRateLimits(
            f"Stopped after {self.in_a_row} rate-limit answers in a row: Ayrshare suspends "
            "profiles that keep hitting the limit (more than 1,000 a day). Nothing more is "
            f"sent for {seconds} s; try again after that.",
            http_status=429,
        )


class AyrshareProvider(HttpBackedProvider):
    """The Ayrshare API as a ``Provider``. One instance per workspace (key and profile).

    ``profile_key`` selects a user profile; ``x_api_key``/``x_api_secret`` are the user's own
    X app keys, needed to retry a post that goes to X/Twitter. ``last_days`` bounds history
    reads (0: all). ``pacer`` may be shared by every client of the same key and profile;
    ``clock`` is wall-clock unix seconds. ``backoff_s``, ``max_rate_limits_in_a_row`` and
    ``cooldown_s`` tune the 429 breaker (``RateLimitBreaker``).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        profile_key: str | None = None,
        x_api_key: str | None = None,
        x_api_secret: str | None = None,
        last_days: int = DEFAULT_LAST_DAYS,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: RatePacer | None = None,
        timeout: float = 20.0,
        clock: Clock | None = None,
        backoff_s: float = 2.0,
        max_rate_limits_in_a_row: int = 3,
        cooldown_s: float = 60.0,
    ) -> None:
        secret_headers = {"Authorization": f"Bearer {check_secret('API key', api_key)}"}
        if profile_key is not None and profile_key.strip():
            secret_headers["Profile-Key"] = check_secret("Profile-Key", profile_key)
        self._x_headers: dict[str, str] | None = None
        if (x_api_key or "").strip() or (x_api_secret or "").strip():
            self._x_headers = {
                "X-Twitter-OAuth1-Api-Key": check_secret("X API key", x_api_key or ""),
                "X-Twitter-OAuth1-Api-Secret": check_secret("X API secret", x_api_secret or ""),
            }
        if not 0 <= int(last_days) <= 36_500:
            raise BadRequest("last_days must be between 0 (all) and 36,500.", http_status=None)
        self._last_days = int(last_days)
        pacer = pacer if pacer is not None else RatePacer(clock=clock or time.time)
        self._breaker = RateLimitBreaker(
            pacer, limit=max_rate_limits_in_a_row, backoff_s=backoff_s, cooldown_s=cooldown_s
        )
        self._http = HttpClient(
            base_url,
            error_mapper=self._map_error,
            secret_headers=secret_headers,
            transport=transport,
            timeout=timeout,
            pacer=pacer,
            clock=clock,
            rate_limit_reader=read_rate_limit,
            # The breaker decides when to stop; the HTTP layer only repeats GETs until then.
            max_rate_limit_retries=max_rate_limits_in_a_row,
            backoff_s=0.0,
            scrub_secrets=tuple((self._x_headers or {}).values()),
        )
        # Display names by Ayrshare platform name, from GET /user (accounts()).
        self._names: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"AyrshareProvider({self._http!r})"

    @property
    def capabilities(self) -> ProviderCapabilities:
        return CAPABILITIES

    @property
    def rate_limits_in_a_row(self) -> int:
        return self._breaker.in_a_row

    # -- requests ----------------------------------------------------------------------------

    def _map_error(self, response: HttpResponse) -> ProviderError:
        tripped = self._breaker.answered(response.status)
        return tripped if tripped is not None else error_from_response(response)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        priority: Priority,
        idempotent: bool | None = None,
    ) -> object:
        self._breaker.check()
        response = await self._http.request(
            method,
            path,
            params=params,
            json_body=json_body,
            headers=headers,
            priority=priority,
            idempotent=idempotent,
        )
        self._breaker.answered(response.status)  # a 2xx ends a run of 429s
        return read_body(response)

    async def _get(
        self, path: str, params: QueryParams | None = None, *, priority: Priority
    ) -> object:
        return await self._request("GET", path, params=params, priority=priority)

    # -- posts -------------------------------------------------------------------------------

    async def list_posts(
        self,
        post_filter: PostFilter,
        cursor: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Page:
        """One page of history: ``limit`` posts of one status, newest first.

        ``updated_after`` cannot be asked of Ayrshare (it knows no update time): such a
        filter reads recent history, and the caller keeps what changed.
        """
        statuses = ayrshare_statuses(post_filter.statuses)
        stages = max(len(statuses), 1)
        position = HistoryCursor.decode(cursor, stages)
        limit = min(max(int(limit), 1), MAX_PAGE_SIZE)
        params: dict[str, str | list[str]] = {
            "lastDays": str(self._last_days),
            "limit": str(limit),
        }
        if statuses:
            params["status"] = statuses[position.stage]
        platforms = ayrshare_platforms(post_filter)
        if platforms:
            params["platforms[]"] = platforms
        if position.end is not None:
            params["endDate"] = _iso(position.end)
        body = await self._get("history", params, priority=priority)
        posts = parse_history(body, self._names)
        next_cursor = self._next_cursor(position, posts, limit, stages)
        kept = tuple(p for p in posts if _matches(p, post_filter))
        return Page(posts=kept, next_cursor=next_cursor)

    @staticmethod
    def _next_cursor(
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

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        body = await self._get(f"post/{_path_id(post_id, 'post id')}", priority=priority)
        return parse_post(body, post_id=post_id, names=self._names)

    async def results(self, post_id: str, *, priority: Priority = Priority.BACKGROUND) -> Post:
        """Ayrshare has no lighter read than the post itself."""
        return await self.get_post(post_id, priority=priority)

    async def retry(
        self,
        post: Post,
        account_ids: Sequence[str],
        *,
        idempotency_key: str | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> RetryAck:
        """ONE ``PUT /post/retry {id}``, never resent. Ayrshare re-sends every failed network
        of the post, so ``account_ids`` only has to name failed destinations of it."""
        failed = {d.account_id for d in post.failed}
        if not failed:
            raise NothingToRetry(
                "Nothing to retry: no destination of this post has failed.", http_status=None
            )
        chosen = {a.strip() for a in account_ids if isinstance(a, str)}
        if not chosen:
            raise BadRequest("No destination chosen to retry.", http_status=None)
        strangers = sorted(chosen - failed)
        if strangers:
            raise BadRequest(
                f"Not failed destinations of this post: {', '.join(strangers)[:200]}. Ayrshare "
                "retries a post's failed networks only.",
                http_status=None,
            )
        headers: dict[str, str] = {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if goes_to_x(post):
            if self._x_headers is None:
                raise ProviderSecretMissing(
                    "This post goes to X/Twitter: Ayrshare needs your X app's API key and "
                    "secret to retry it. Add them to the workspace, then retry."
                )
            headers.update(self._x_headers)
        body = await self._request(
            "PUT",
            "post/retry",
            json_body={"id": post.post_id},
            headers=headers,
            priority=priority,
            idempotent=False,
        )
        return parse_retry_ack(body, post)

    # -- the user, profiles and accounts ------------------------------------------------------

    async def user(self, *, priority: Priority = Priority.INTERACTIVE) -> AyrshareUser:
        user = parse_user(await self._get("user", priority=priority))
        self._names = user.names()
        return user

    async def profiles_page(
        self,
        cursor: str | None = None,
        limit: int = 100,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> ProfilesPage:
        params = {"limit": str(min(max(int(limit), 1), 100))}
        if cursor:
            params["cursor"] = cursor
        return parse_profiles(await self._get("profiles", params, priority=priority))

    async def profiles(
        self, *, page_size: int = 100, priority: Priority = Priority.INTERACTIVE
    ) -> list[AyrshareProfile]:
        """Every user profile (without keys: the API never returns them)."""
        out: list[AyrshareProfile] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PROFILE_PAGES):
            page = await self.profiles_page(cursor, page_size, priority=priority)
            out += page.profiles
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                break
            seen.add(cursor)
        return out

    async def accounts(self, *, priority: Priority = Priority.INTERACTIVE) -> list[Account]:
        """The networks linked to the profile, one account each (account_id: the network)."""
        return accounts_of(await self.user(priority=priority))

    async def account_health(
        self, account_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> AccountHealth:
        return health_of(await self.user(priority=priority), account_id.strip().lower())


def read_rate_limit(headers: Mapping[str, str], now: float) -> RateLimitState:
    # Ayrshare's older x-ratelimit-reset is milliseconds left, not seconds.
    return parse_rate_limit(headers, now, reset_delta_in_ms=True)
