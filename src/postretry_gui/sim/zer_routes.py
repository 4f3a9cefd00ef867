"""The Zernio surface under ``/zernio/api`` (contract section 4).

No envelope: each route answers a plain object; errors are ``{"error", "code"?, "type"?,
"details"?}``. Every answer carries ``X-Request-Id`` and the team's per-minute budget as
``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (unix seconds); a 429 of that budget adds
``Retry-After``. The retry's own refusals (velocity per account) carry no headers, as the
contract leaves them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from postretry_gui.sim.config import ZER_KEY_PREFIX, ZER_PREFIX, RetryError, SimConfig
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.faults import chosen_message
from postretry_gui.sim.http_util import Answer, ApiError, dumps, int_query
from postretry_gui.sim.ratelimit import Verdict, Window
from postretry_gui.sim.timefmt import parse_iso
from postretry_gui.sim.zer_store import PLATFORMS, POST_STATUSES, ZerPost

# Every parameter some server version lists for GET /v1/posts; any other is a 400.
LIST_PARAMS = frozenset(
    {"page", "limit", "status", "platform", "profileId", "accountId", "dateFrom", "dateTo",
     "fromDate", "toDate", "sortBy", "search", "createdBy", "includeHidden", "source",
     "offset"}
)  # fmt: skip
SORTS = ("scheduled-desc", "scheduled-asc", "created-desc", "created-asc", "status", "platform")
MAX_LIST_LIMIT = 500
# The rules' code words by status, for the retry_error knob's default.
CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
         409: "DUPLICATE_CONTENT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED",
         500: "INTERNAL_ERROR"}  # fmt: skip


class ZernioApi:
    name = "zernio"
    prefix = ZER_PREFIX
    enveloped = False
    server_error_statuses: tuple[int, ...] = (500, 502, 503, 504)

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.retry_templates = frozenset({f"{ZER_PREFIX}/v1/posts/{{post_id}}/retry"})

    # ------------------------------------------------------------ errors
    @staticmethod
    def error_answer(status: int, message: str, code: str | None = None, **extra: Any) -> Answer:
        body: dict[str, Any] = {"error": message}
        if code is not None:
            body["code"] = code
        return Answer(status, dumps({**body, **extra}), headers=[request_id()])

    def unauthorized(self) -> Answer:
        return self.error_answer(
            401, "Invalid API key", "invalid_credentials", type="authentication_error"
        )

    def route_not_found(self) -> Answer:
        return self.error_answer(404, "Not found")

    def method_not_allowed(self) -> Answer:
        return self.error_answer(405, "Method not allowed", "method_not_allowed")

    def server_error(self, status: int) -> Answer:
        if status == 503:
            answer = self.error_answer(
                503, "Service temporarily unavailable", "temporarily_unavailable"
            )
            answer.headers.append(("retry-after", "5"))
            return answer
        return self.error_answer(status, "Internal server error", "INTERNAL_ERROR")

    def chosen_error(self, chosen: RetryError) -> Answer:
        code = chosen.code if chosen.code is not None else CODES.get(chosen.status)
        message = chosen.message if chosen.message is not None else chosen_message(chosen.status)
        return self.error_answer(chosen.status, message, None if code is None else str(code))

    # ------------------------------------------------------------ auth and rate limits
    @staticmethod
    def authorized(token: str | None) -> bool:
        return token is not None and token.startswith(ZER_KEY_PREFIX)

    @staticmethod
    def rate_windows(cfg: SimConfig) -> tuple[Window, ...]:
        if not cfg.zernio_rate_limit:
            return ()
        return (Window("minute", cfg.zernio_rate_limit, 60.0 * cfg.rate_time_scale),)

    @staticmethod
    def limit_key(token: str | None, headers: Headers) -> str:
        # The budget is the team's: every key of the simulator is one team.
        return "zer|team"

    def rate_headers(self, verdict: Verdict, now: float) -> list[tuple[str, str]]:
        window = verdict.reported
        return [
            ("x-ratelimit-limit", str(window.limit)),
            ("x-ratelimit-remaining", str(window.remaining)),
            ("x-ratelimit-reset", str(verdict.reset_header)),
        ]

    def too_many(self, verdict: Verdict, now: float) -> Answer:
        answer = self.error_answer(
            429, "Rate limit exceeded", "rate_limited", type="rate_limit_error"
        )
        answer.headers += [
            *self.rate_headers(verdict, now),
            ("retry-after", str(verdict.retry_after(now))),
        ]
        return answer

    def observe(self, headers: Headers) -> None:
        """Nothing to count beyond the shared stats: Zernio takes one header, the key."""

    # ------------------------------------------------------------ routes
    def routes(self) -> list[Route]:
        p = f"{ZER_PREFIX}/v1"
        return [
            Route(f"{p}/posts", self._wrap(self.list_posts), methods=["GET"]),
            Route(f"{p}/posts/{{post_id}}", self._wrap(self.get_post), methods=["GET"]),
            Route(f"{p}/posts/{{post_id}}/retry", self._wrap(self.retry), methods=["POST"]),
            Route(f"{p}/accounts", self._wrap(self.accounts), methods=["GET"]),
            Route(f"{p}/accounts/health", self._wrap(self.all_health), methods=["GET"]),
            Route(f"{p}/accounts/{{account_id}}/health", self._wrap(self.health), methods=["GET"]),
            Route(f"{p}/profiles", self._wrap(self.profiles), methods=["GET"]),
        ]

    def _wrap(
        self, handler: Callable[[Request], Awaitable[Answer]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            self.ctx.zer.advance(time.time())
            try:
                answer = await handler(request)
            except ApiError as exc:
                extra = {"details": exc.details} if exc.details else {}
                answer = self.error_answer(exc.status, exc.message, str(exc.code), **extra)
            if not any(name == "x-request-id" for name, _ in answer.headers):
                answer.headers.append(request_id())
            return answer.to_response()

        return endpoint

    async def list_posts(self, request: Request) -> Answer:
        params = request.query_params
        unknown = sorted(set(params) - LIST_PARAMS)
        if unknown:
            raise ApiError(400, "validation_error", f"Unknown query parameter: {unknown[0]}")
        page = _int(params, "page", 1, low=1, high=None)
        limit = _int(params, "limit", 10, low=1, high=MAX_LIST_LIMIT)
        status = _one_of(params, "status", POST_STATUSES)
        platform = _one_of(params, "platform", PLATFORMS)
        sort = _one_of(params, "sortBy", SORTS) or "scheduled-desc"
        profile = params.get("profileId") or None
        account = params.get("accountId") or None
        start = _date(params, "dateFrom", "fromDate")
        end = _date(params, "dateTo", "toDate")
        posts = [
            p
            for p in self.ctx.zer.posts
            if (status is None or p.status == status)
            and (platform is None or any(t.account.platform == platform for t in p.targets))
            and (profile in (None, "all") or p.profile_id == profile)
            and (account is None or any(t.account.id == account for t in p.targets))
            and (start is None or p.scheduled >= start)
            and (end is None or p.scheduled <= end)
        ]
        posts.sort(key=_sort_key(sort), reverse=sort.endswith("-desc"))
        offset = _int(params, "offset", (page - 1) * limit, low=0, high=None)
        chunk = posts[offset : offset + limit]
        pages = max(1, -(-len(posts) // limit))
        pagination = {"page": page, "limit": limit, "total": len(posts), "pages": pages}
        return Answer(200, dumps({"posts": [p.as_json() for p in chunk], "pagination": pagination}))

    def _post(self, request: Request) -> ZerPost:
        post = self.ctx.zer.by_id.get(request.path_params["post_id"])
        if post is None:
            raise ApiError(404, "NOT_FOUND", "Not found")
        return post

    async def get_post(self, request: Request) -> Answer:
        return Answer(200, dumps({"post": self._post(request).as_json()}))

    async def retry(self, request: Request) -> Answer:
        if request.query_params:
            raise ApiError(400, "validation_error", "The retry takes no query parameters.")
        post_id = request.path_params["post_id"]
        chosen = self.ctx.config.retry_error
        if chosen is not None and chosen.applies_to(self.name, [post_id]):
            self.ctx.stats.record_fault("retry_error")
            return self.chosen_error(chosen)  # before anything: nothing applied, nothing stored
        post = self._post(request)
        if post.status == "publishing":
            raise ApiError(409, "invalid_resource_state", "Post is currently publishing")
        if not post.failed:
            raise ApiError(400, "invalid_resource_state", "Invalid state: nothing to retry")
        now = time.time()
        self._check_publishing_budget(post, now)
        self.ctx.zer.retry(post, now, self.ctx.config)
        self.ctx.stats.record_zer_retry(post.id)
        body = {"post": post.as_json()}
        if post.status in ("published", "publishing"):
            return Answer(200, dumps({"message": "Post published successfully", **body}))
        failed = len(post.failed)
        return Answer(
            207,
            dumps(
                {
                    "message": "Post partially published"
                    if post.status == "partial"
                    else "Post failed to publish",
                    "error": f"{failed} of {len(post.targets)} platforms failed",
                    **body,
                }
            ),
        )

    def _check_publishing_budget(self, post: ZerPost, now: float) -> None:
        """25 posts an hour per account: a retry publishes, so it counts (contract)."""
        per_hour = self.ctx.config.zernio_publish_per_hour
        if not per_hour:
            return
        window = (Window("account_hour", per_hour, 3600.0 * self.ctx.config.rate_time_scale),)
        for target in post.failed:
            verdict = self.ctx.limiter.hit(f"zer-publish|{target.account.id}", window, now)
            if not verdict.allowed:
                self.ctx.stats.record_limited("account_hour")
                raise ApiError(
                    429,
                    "rate_limited",
                    "Publishing limit reached for this account: at most "
                    f"{per_hour} posts per hour.",
                    {"accountId": target.account.id, "reason": "velocity"},
                )

    async def accounts(self, request: Request) -> Answer:
        accounts = self._accounts(request.query_params)
        return Answer(
            200,
            dumps({"accounts": [a.as_json() for a in accounts], "hasAnalyticsAccess": False}),
        )

    def _accounts(self, params: QueryParams) -> list[Any]:
        profile = params.get("profileId") or None
        platform = params.get("platform") or None
        return [
            a
            for a in self.ctx.zer.accounts
            if (profile in (None, "all") or a.profile_id == profile)
            and (platform is None or a.platform == platform)
        ]

    async def all_health(self, request: Request) -> Answer:
        health = [a.health() for a in self._accounts(request.query_params)]
        summary = {
            "total": len(health),
            "healthy": sum(h["status"] == "healthy" for h in health),
            "warning": sum(h["status"] == "warning" for h in health),
            "error": sum(h["status"] == "error" for h in health),
            "needsReconnect": sum(bool(h["needsReconnect"]) for h in health),
        }
        return Answer(200, dumps({"summary": summary, "accounts": health}))

    async def health(self, request: Request) -> Answer:
        account = self.ctx.zer.accounts_by_id.get(request.path_params["account_id"])
        if account is None:
            raise ApiError(404, "NOT_FOUND", "Not found")
        flat = account.health()
        valid = bool(flat["tokenValid"])
        return Answer(
            200,
            dumps(
                {
                    **{k: flat[k] for k in ("accountId", "platform", "username", "displayName")},
                    "status": flat["status"],
                    "tokenStatus": {"valid": valid, "needsRefresh": not valid},
                    "permissions": {"canPost": flat["canPost"], "missingRequired": []},
                    "issues": flat["issues"],
                    "recommendations": [] if valid else ["Reconnect the account"],
                }
            ),
        )

    async def profiles(self, request: Request) -> Answer:
        profiles = [
            {"_id": pid, "name": name, "isDefault": i == 0, "accountCount": sum(
                a.profile_id == pid for a in self.ctx.zer.accounts)}
            for i, (pid, name) in enumerate(self.ctx.zer.profiles)
        ]  # fmt: skip
        return Answer(200, dumps({"profiles": profiles}))


def request_id() -> tuple[str, str]:
    """Every Zernio answer names itself (quote it in support reports)."""
    return ("x-request-id", uuid.uuid4().hex)


# ---------------------------------------------------------------- parsing
def _int(params: QueryParams, name: str, default: int, *, low: int, high: int | None) -> int:
    return int_query(params, name, default, low=low, high=high, code="validation_error")


def _one_of(params: QueryParams, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = params.get(name)
    if not raw:
        return None
    if raw not in allowed:  # one value: a comma list is not documented
        raise ApiError(400, "validation_error", f"{name} must be one of {', '.join(allowed)}.")
    return raw


def _date(params: QueryParams, *names: str) -> float | None:
    for name in names:
        raw = params.get(name)
        if raw:
            value = parse_iso(raw)  # YYYY-MM-DD or ISO 8601
            if value is None:
                raise ApiError(400, "validation_error", f"{name} must be a date.")
            return value
    return None


def _sort_key(sort: str) -> Callable[[ZerPost], Any]:
    if sort.startswith("created"):
        return lambda p: (p.created, p.id)
    if sort == "status":
        return lambda p: (p.status, p.id)
    if sort == "platform":
        return lambda p: (p.targets[0].account.platform if p.targets else "", p.id)
    return lambda p: (p.scheduled, p.id)
