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
  429s a day, so its policy (``rate_limit_policy``) has the pacer back off on its own and
  stop after a few in a row (``TooManyRateLimits``), sending nothing until a cool-down.
- History pages by status and creation date (``history.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from postretry_gui.domain import (
    Account,
    AccountHealth,
    Post,
    RateLimitState,
    RetryAck,
    parse_rate_limit,
)
from postretry_gui.domain.errors import BadRequest, ProviderSecretMissing
from postretry_gui.providers.ayrshare.accounts import (
    AyrshareProfile,
    AyrshareUser,
    ProfilesPage,
    accounts_of,
    health_of,
    parse_profiles,
    parse_user,
)
from postretry_gui.providers.ayrshare.errors import error_from_response, read_body
from postretry_gui.providers.ayrshare.history import (
    HistoryCursor,
    ayrshare_platforms,
    ayrshare_statuses,
    iso_time,
    matches,
    next_cursor,
)
from postretry_gui.providers.ayrshare.networks import goes_to_x
from postretry_gui.providers.ayrshare.parsing import parse_history, parse_post, parse_retry_ack
from postretry_gui.providers.ayrshare.spec import CAPABILITIES, RATE_WINDOWS
from postretry_gui.providers.base import Page, PostFilter
from postretry_gui.providers.http import HttpClient, HttpResponse, check_secret, path_segment
from postretry_gui.providers.pacing import Clock, Priority, RateLimitPolicy, RatePacer
from postretry_gui.providers.whole_post import WholePostReads, check_whole_post_choice

MAX_PAGE_SIZE = 1000
MAX_PROFILE_PAGES = 100
# Ayrshare's own default: posts older than this are rarely worth a retry.
DEFAULT_LAST_DAYS = 30


def rate_limit_policy(
    *, backoff_s: float = 2.0, stop_after: int = 3, cooldown_s: float = 60.0
) -> RateLimitPolicy:
    """Ayrshare's 429s name no wait, and past 1,000 a day it suspends the profile: back off
    from ``backoff_s``, and stop everything after ``stop_after`` in a row."""
    return RateLimitPolicy(
        backoff_s=backoff_s,
        repeats=stop_after,
        stop_after=stop_after,
        cooldown_s=cooldown_s,
        stop_reason="Ayrshare suspends profiles that keep hitting the limit (more than 1,000 "
        "a day)",
    )


class AyrshareProvider(WholePostReads):
    """The Ayrshare API as a ``Provider``. One instance per workspace (key and profile).

    ``profile_key`` selects a user profile; ``x_api_key``/``x_api_secret`` are the user's own
    X app keys, needed to retry a post that goes to X/Twitter. ``last_days`` bounds history
    reads (0: all). ``pacer`` may be shared by every client of the same key and profile;
    ``clock`` is wall-clock unix seconds. ``backoff_s``, ``max_rate_limits_in_a_row`` and
    ``cooldown_s`` tune the 429 policy the pacer applies (``rate_limit_policy``).
    """

    capabilities = CAPABILITIES
    max_page_size = MAX_PAGE_SIZE

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
        self._http = HttpClient(
            base_url,
            error_mapper=error_from_response,
            secret_headers=secret_headers,
            transport=transport,
            timeout=timeout,
            pacer=pacer,
            rate_windows=RATE_WINDOWS,
            clock=clock,
            rate_limit_reader=read_rate_limit,
            rate_limit_policy=rate_limit_policy(
                backoff_s=backoff_s, stop_after=max_rate_limits_in_a_row, cooldown_s=cooldown_s
            ),
            scrub_secrets=tuple((self._x_headers or {}).values()),
        )
        # Display names by Ayrshare platform name, from GET /user (accounts()).
        self._names: dict[str, str] = {}

    @property
    def rate_limits_in_a_row(self) -> int:
        return self.pacer.rate_limits_in_a_row

    def _read_body(self, response: HttpResponse) -> object:
        return read_body(response)

    # -- posts -------------------------------------------------------------------------------

    async def _list_page(
        self, post_filter: PostFilter, cursor: str | None, limit: int, priority: Priority
    ) -> Page:
        """One page of history: ``limit`` posts of one status, newest first.

        ``updated_after`` cannot be asked of Ayrshare (it knows no update time): such a
        filter reads recent history, and the caller keeps what changed.
        """
        statuses = ayrshare_statuses(post_filter.statuses)
        stages = max(len(statuses), 1)
        position = HistoryCursor.decode(cursor, stages)
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
            params["endDate"] = iso_time(position.end)
        body = await self._get("history", params, priority=priority)
        posts = parse_history(body, self._names)
        following = next_cursor(position, posts, limit, stages)
        kept = tuple(p for p in posts if matches(p, post_filter))
        return Page(posts=kept, next_cursor=following)

    async def get_post(self, post_id: str, *, priority: Priority = Priority.INTERACTIVE) -> Post:
        body = await self._get(f"post/{path_segment(post_id, 'post id')}", priority=priority)
        return parse_post(body, post_id=post_id, names=self._names)

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
        check_whole_post_choice(post, account_ids, "Ayrshare")
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
        response = await self._http.request(
            "PUT",
            "post/retry",
            json_body={"id": post.post_id},
            headers=headers,
            priority=priority,
            idempotent=False,
        )
        return parse_retry_ack(read_body(response), post)

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


def create(base_url: str, secrets: Mapping[str, str | None]) -> AyrshareProvider:
    """The registry's factory: a client from a workspace's URL and secrets (by field name)."""
    return AyrshareProvider(
        base_url,
        secrets.get("api_key") or "",
        profile_key=secrets.get("profile_key"),
        x_api_key=secrets.get("x_api_key"),
        x_api_secret=secrets.get("x_api_secret"),
    )
