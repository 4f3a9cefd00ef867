"""The Ayrshare surface under ``/ayrshare/api`` (contract section 2).

No envelope here: success bodies are plain objects (or, for the oldest ``/history``, a bare
list) and errors are ``{"action", "status": "error", "code", "message"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from postretry_gui.sim.answer_cache import AnswerCache
from postretry_gui.sim.ayr_store import AYR_PLATFORMS, AYR_STATUSES, AyrPost, Profile
from postretry_gui.sim.config import AYR_KEY_PREFIX, AYR_PREFIX, RetryError, SimConfig
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.faults import chosen_message
from postretry_gui.sim.http_util import Answer, ApiError, bearer_token, dumps, int_query
from postretry_gui.sim.idempotency import fingerprint, scope_of
from postretry_gui.sim.ratelimit import Verdict, Window
from postretry_gui.sim.stats import AYR_TRACKED_HEADERS
from postretry_gui.sim.timefmt import iso, parse_iso

ALREADY_RETRIED = "This post was already retried and cannot be retried again."
X_HEADERS_MISSING = (
    "X/Twitter operations require your own X app keys: send the X-Twitter-OAuth1-Api-Key "
    "and X-Twitter-OAuth1-Api-Secret headers."
)
# Ayrshare's codes where known (329); the rest are the simulator's own choices.
CODE_ALREADY_RETRIED = 329
CODE_BAD_REQUEST = 101
CODE_UNAUTHORIZED = 102
CODE_NOT_FOUND = 144
CODE_NOT_RETRYABLE = 330
CODE_PLAN = 169
CODE_X_KEYS = 400
CODE_RATE_LIMITED = 429
MAX_HISTORY_LIMIT = 1000
CACHED_ABOVE_LIMIT = 25  # /history pages bigger than this come from a cache (contract)
MAX_PROFILES_LIMIT = 100


class AyrshareApi:
    name = "ayrshare"
    prefix = AYR_PREFIX
    enveloped = False
    # Ayrshare answers 504 too (contract: 400-404, 429, 500, 502, 503, 504).
    server_error_statuses: tuple[int, ...] = (500, 502, 503, 504)

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.retry_templates = frozenset({f"{AYR_PREFIX}/post/retry"})
        self.history_cache = AnswerCache()

    # ------------------------------------------------------------ errors
    @staticmethod
    def error_answer(
        status: int,
        code: int | str,  # Ayrshare's codes are numbers; the retry_error knob may choose a word
        message: str,
        action: str = "request",
        extra: dict[str, Any] | None = None,
    ) -> Answer:
        body = {"action": action, "status": "error", "code": code, "message": message}
        return Answer(status, dumps({**body, **(extra or {})}))

    def unauthorized(self) -> Answer:
        return self.error_answer(
            401, CODE_UNAUTHORIZED, "API Key not valid.", action="authorization"
        )

    def route_not_found(self) -> Answer:
        return self.error_answer(404, CODE_NOT_FOUND, "Route not found.")

    def method_not_allowed(self) -> Answer:
        return self.error_answer(405, CODE_BAD_REQUEST, "Method not allowed on this route.")

    def server_error(self, status: int) -> Answer:
        return self.error_answer(status, status, "Something went wrong. Please try again.")

    def chosen_error(self, chosen: RetryError) -> Answer:
        """The ``retry_error`` knob's answer: ``{"action": "post", "status": "error", "code",
        "message"}`` plus ``platform`` when it names one; the code defaults to the status."""
        code = chosen.code if chosen.code is not None else chosen.status
        message = chosen.message if chosen.message is not None else chosen_message(chosen.status)
        extra = {"platform": chosen.platform} if chosen.platform is not None else None
        return self.error_answer(chosen.status, code, message, action="post", extra=extra)

    # ------------------------------------------------------------ auth and rate limits
    @staticmethod
    def authorized(token: str | None) -> bool:
        return token is not None and token.startswith(AYR_KEY_PREFIX)

    @staticmethod
    def rate_windows(cfg: SimConfig) -> tuple[Window, ...]:
        """300 per 5 minutes per profile (contract); none when limiting is off."""
        if not cfg.ayrshare_rate_limit:
            return ()
        length = cfg.ayrshare_rate_window_s * cfg.rate_time_scale
        return (Window("five_minutes", cfg.ayrshare_rate_limit, length),)

    @staticmethod
    def limit_key(token: str | None, headers: Headers) -> str:
        # Ayrshare counts per profile: the API key plus the Profile-Key (kept as a digest).
        profile = headers.get("profile-key") or ""
        digest = hashlib.sha256(profile.encode()).hexdigest()[:12] if profile else "-"
        return f"ayr|{token or ''}|{digest}"

    def rate_headers(self, verdict: Verdict, now: float) -> list[tuple[str, str]]:
        window = verdict.reported
        if self.ctx.config.ayrshare_header_style == "new":
            return [
                ("x-ratelimit-max", str(window.limit)),
                ("x-ratelimit-count", str(window.limit - window.remaining)),
            ]
        left_ms = max(0, math.ceil((window.reset_at - now) * 1000))
        return [
            ("x-ratelimit-remaining", str(window.remaining)),
            ("x-ratelimit-reset", str(left_ms)),
        ]

    def too_many(self, verdict: Verdict, now: float) -> Answer:
        # Ayrshare documents no Retry-After: only the rate-limit headers tell the wait.
        answer = self.error_answer(
            429, CODE_RATE_LIMITED, "Too many requests. Please slow down.", action="ratelimit"
        )
        answer.headers = self.rate_headers(verdict, now)
        return answer

    def observe(self, headers: Headers) -> None:
        self.ctx.stats.record_ayr_headers(
            {label: bool(headers.get(name)) for name, label in AYR_TRACKED_HEADERS.items()}
        )

    # ------------------------------------------------------------ routes
    def routes(self) -> list[Route]:
        p = AYR_PREFIX
        return [
            Route(f"{p}/history", self._wrap(self.history), methods=["GET"]),
            Route(f"{p}/post/retry", self._wrap(self.retry), methods=["PUT"]),
            Route(f"{p}/post/{{post_id}}", self._wrap(self.get_post), methods=["GET"]),
            Route(f"{p}/profiles", self._wrap(self.profiles), methods=["GET"]),
            Route(f"{p}/user", self._wrap(self.user), methods=["GET"]),
        ]

    def _wrap(
        self, handler: Callable[[Request], Awaitable[Answer]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            self.ctx.ayr.advance(time.time())
            try:
                answer = await handler(request)
            except ApiError as exc:
                code = exc.code if isinstance(exc.code, int) else CODE_BAD_REQUEST
                action = (exc.details or {}).get("action", "request")
                answer = self.error_answer(exc.status, code, exc.message, action=action)
            return answer.to_response()

        return endpoint

    async def history(self, request: Request) -> Answer:
        params = request.query_params
        now = time.time()
        last_days = _int(params, "lastDays", 30, low=0, high=None)
        # "lastRecords" is the oldest name of "limit".
        limit_name = "limit" if params.get("limit") else "lastRecords"
        limit = _int(params, limit_name, 25, low=1, high=MAX_HISTORY_LIMIT)
        statuses = _choices(params, "status", AYR_STATUSES)
        platforms = _choices(params, "platforms", AYR_PLATFORMS)
        post_type = params.get("type")
        if post_type is not None and post_type not in ("now", "scheduled"):
            raise ApiError(400, CODE_BAD_REQUEST, "type must be now or scheduled.")
        start, end = _date(params, "startDate"), _date(params, "endDate")
        cfg = self.ctx.config
        max_age = cfg.history_cache_s * cfg.rate_time_scale if limit > CACHED_ABOVE_LIMIT else 0

        def build(at: float) -> bytes:
            posts = self.ctx.ayr.history(
                statuses=statuses,
                platforms=platforms,
                since=None if last_days == 0 else at - last_days * 86_400,
                start=start,
                end=end,
                post_type=post_type,
                limit=limit,
            )
            items = [p.as_json() for p in posts]
            if cfg.history_shape == "list":
                return dumps(items)
            return dumps(
                {
                    "history": items,
                    "refId": self.ctx.ayr.profiles[0].ref_id,
                    "count": len(items),
                    "lastUpdated": iso(at),
                    "nextUpdate": iso(at + (max_age or 60)),
                }
            )

        if max_age <= 0:
            return Answer(200, build(now))
        # Big pages come from a snapshot up to max_age old, one per profile and query.
        key = (
            self.limit_key(bearer_token(request.headers), request.headers),
            cfg.history_shape,
            tuple(sorted(params.multi_items())),
        )
        return Answer(200, self.history_cache.get_or_build(key, now, max_age, build).body)

    async def get_post(self, request: Request) -> Answer:
        post = self.ctx.ayr.by_id.get(request.path_params["post_id"])
        if post is None:
            raise ApiError(404, CODE_NOT_FOUND, "Post not found.", {"action": "get"})
        return Answer(200, dumps(post.as_json()))

    async def retry(self, request: Request) -> Answer:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise ApiError(400, CODE_BAD_REQUEST, "The body is not valid JSON.") from None
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
            raise ApiError(400, CODE_BAD_REQUEST, 'Missing the post "id" in the body.')
        chosen = self.ctx.config.retry_error
        if chosen is not None and chosen.applies_to(self.name, [body["id"]]):
            self.ctx.stats.record_fault("retry_error")
            return self.chosen_error(chosen)  # before anything: nothing applied, nothing stored
        post = self.ctx.ayr.by_id.get(body["id"])
        if post is None:
            raise ApiError(404, CODE_NOT_FOUND, "Post not found.", {"action": "post"})
        return self.ctx.idempotency.run_once(
            scope=scope_of(bearer_token(request.headers) or ""),
            key=request.headers.get("idempotency-key"),
            request_fingerprint=fingerprint(request.method, request.url.path, body),
            apply=lambda intent: self._apply_retry(request.headers, post, intent),
            on_replay=self.ctx.stats.record_replay,
            on_reuse=lambda: self.error_answer(
                400, CODE_BAD_REQUEST, "This Idempotency-Key was used for a different request."
            ),
        )

    def _apply_retry(self, headers: Headers, post: AyrPost, intent: str | None) -> Answer:
        config = self.ctx.config
        if config.ayrshare_plan == "basic":
            raise ApiError(
                403,
                CODE_PLAN,
                "Retrying a post requires the Premium plan or higher.",
                {"action": "post"},
            )
        if "twitter" in post.platforms and not (
            headers.get("x-twitter-oauth1-api-key") and headers.get("x-twitter-oauth1-api-secret")
        ):
            raise ApiError(400, CODE_X_KEYS, X_HEADERS_MISSING, {"action": "post"})
        if post.retried:
            raise ApiError(400, CODE_ALREADY_RETRIED, ALREADY_RETRIED, {"action": "post"})
        if post.status != "error":
            raise ApiError(
                400,
                CODE_NOT_RETRYABLE,
                f'Only a post with status "error" can be retried; this one is "{post.status}".',
                {"action": "post"},
            )
        self.ctx.ayr.retry(post, time.time(), config)
        self.ctx.stats.record_ayr_retry(post.id, intent)
        return Answer(200, dumps({"status": "pending", "id": post.id}))

    async def profiles(self, request: Request) -> Answer:
        params = request.query_params
        limit = _int(params, "limit", 10, low=1, high=MAX_PROFILES_LIMIT)
        offset = _decode_cursor(params.get("cursor"))
        profiles = self.ctx.ayr.profiles
        page = profiles[offset : offset + limit]
        after = offset + len(page)
        has_more = after < len(profiles)
        return Answer(
            200,
            dumps(
                {
                    "profiles": [p.as_json() for p in page],
                    "count": len(page),
                    "pagination": {
                        "hasMore": has_more,
                        "nextCursor": _encode_cursor(after) if has_more else None,
                    },
                }
            ),
        )

    async def user(self, request: Request) -> Answer:
        return Answer(200, dumps(self._profile_for(request.headers).user_json()))

    def _profile_for(self, headers: Headers) -> Profile:
        """The primary profile, or the one a Profile-Key picks (any key picks one)."""
        profiles = self.ctx.ayr.profiles
        key = headers.get("profile-key")
        if not key:
            return profiles[0]
        digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
        return profiles[1 + digest % (len(profiles) - 1)]


# ---------------------------------------------------------------- parsing
def _int(params: QueryParams, name: str, default: int, *, low: int, high: int | None) -> int:
    return int_query(params, name, default, low=low, high=high, code=CODE_BAD_REQUEST)


def _choices(params: QueryParams, name: str, allowed: tuple[str, ...]) -> frozenset[str]:
    values = [
        part.strip()
        for raw in params.getlist(name) + params.getlist(f"{name}[]")
        for part in raw.split(",")
        if part.strip()
    ]
    bad = sorted(set(values) - set(allowed))
    if bad:
        raise ApiError(
            400, CODE_BAD_REQUEST, f"Unknown {name}: {', '.join(bad)}. Use: {', '.join(allowed)}."
        )
    return frozenset(values)


def _date(params: QueryParams, name: str) -> float | None:
    raw = params.get(name)
    if not raw:
        return None
    value = parse_iso(raw)
    if value is None:
        raise ApiError(400, CODE_BAD_REQUEST, f"{name} must be an ISO 8601 date.")
    return value


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "o":
            raise ValueError(text)
        return max(0, int(number))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, CODE_BAD_REQUEST, "cursor is not valid.") from None
