"""The PostEverywhere surface under ``/posteverywhere/api/v1`` (contract section 1).

Handlers do the work; auth, rate limiting and faults happen around them in ``app.py``.
Every answer is the envelope ``{"data", "error", "meta": {"request_id", "timestamp"}}``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from postretry_gui.sim.config import PE_KEY_PREFIX, PE_PREFIX, RetryError, SimConfig
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.faults import PE_CODES, chosen_message
from postretry_gui.sim.http_util import Answer, ApiError, bearer_token, encode_json
from postretry_gui.sim.idempotency import fingerprint, scope_of
from postretry_gui.sim.pe_model import PLATFORMS, POST_STATUSES, SORT_FIELDS, Post
from postretry_gui.sim.pe_store import BulkFilter, PostQuery
from postretry_gui.sim.ratelimit import Verdict
from postretry_gui.sim.timefmt import iso, parse_iso

NOTHING_TO_RETRY = (
    "Nothing to retry — all destinations are currently queued, publishing, or published."
)
MAX_BULK_POST_IDS = 200

Handler = Callable[[Request], Awaitable[Response]]


class PostEverywhereApi:
    name = "posteverywhere"
    prefix = PE_PREFIX
    enveloped = True
    server_error_statuses: tuple[int, ...] = (500, 502, 503)

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.retry_templates = frozenset(
            {f"{PE_PREFIX}/posts/{{post_id}}/retry", f"{PE_PREFIX}/posts/retry-failed"}
        )

    # ------------------------------------------------------------ envelope and errors
    def envelope(self, data: Any = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
        cfg = self.ctx.config
        id_key = "requestId" if cfg.camel_case_meta else "request_id"
        body: dict[str, Any] = {
            "data": data,
            "error": error,
            "meta": {id_key: uuid.uuid4().hex[:16], "timestamp": iso(time.time())},
        }
        if error is None and cfg.omit_null_error:
            del body["error"]
        return body

    def ok(self, data: Any, status: int = 200) -> Answer:
        """``data`` in the envelope; it may hold ``msgspec.Raw`` (a post's cached JSON)."""
        return Answer(status, encode_json(self.envelope(data)))

    def error_answer(
        self, status: int, code: str | int, message: str, details: dict[str, Any] | None = None
    ) -> Answer:
        error: dict[str, Any] = {"message": message, "code": code}
        if details is not None:
            error["details"] = details
        return Answer(status, encode_json(self.envelope(None, error)))

    def unauthorized(self) -> Answer:
        return self.error_answer(401, "unauthorized", "Missing or invalid API key.")

    def route_not_found(self) -> Answer:
        return self.error_answer(404, "not_found", "Route not found.")

    def method_not_allowed(self) -> Answer:
        return self.error_answer(405, "method_not_allowed", "Method not allowed on this route.")

    def server_error(self, status: int) -> Answer:
        codes = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}
        return self.error_answer(status, codes[status], "The server had a problem. Try again.")

    def chosen_error(self, chosen: RetryError) -> Answer:
        """The ``retry_error`` knob's answer in the envelope; the code defaults to the status's
        word (402 ``payment_required``), ``platform`` goes into ``error.details``."""
        code = chosen.code if chosen.code is not None else PE_CODES.get(chosen.status, "error")
        message = chosen.message if chosen.message is not None else chosen_message(chosen.status)
        details = {"platform": chosen.platform} if chosen.platform is not None else None
        return self.error_answer(chosen.status, code, message, details)

    def _chosen_error_for(self, post_ids: list[str]) -> Answer | None:
        """The ``retry_error`` answer when the knob covers a retry naming ``post_ids``."""
        chosen = self.ctx.config.retry_error
        if chosen is None or not chosen.applies_to(self.name, post_ids):
            return None
        self.ctx.stats.record_fault("retry_error")
        return self.chosen_error(chosen)

    # ------------------------------------------------------------ auth and rate limits
    @staticmethod
    def authorized(token: str | None) -> bool:
        return token is not None and token.startswith(PE_KEY_PREFIX)

    @staticmethod
    def rate_budget(cfg: SimConfig) -> tuple[int | None, float]:
        return cfg.rate_limit, cfg.rate_window_s

    @staticmethod
    def limit_key(token: str | None, headers: Headers) -> str:
        return f"pe|{token or ''}"

    @staticmethod
    def rate_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(verdict.limit)),
            ("X-RateLimit-Remaining", str(verdict.remaining)),
            ("X-RateLimit-Reset", str(verdict.reset_header)),
        ]

    def too_many(self, verdict: Verdict, now: float) -> Answer:
        wait = verdict.retry_after(now)
        answer = self.error_answer(
            429, "rate_limited", f"Rate limit exceeded. Try again in {wait} seconds."
        )
        answer.headers = [*self.rate_headers(verdict, now), ("Retry-After", str(wait))]
        return answer

    def observe(self, headers: Headers) -> None:
        """Nothing to record for PostEverywhere requests."""

    # ------------------------------------------------------------ routes
    def routes(self) -> list[Route]:
        p = PE_PREFIX
        return [
            Route(f"{p}/posts", self._wrap(self.list_posts), methods=["GET"]),
            Route(f"{p}/posts/retry-failed", self._wrap(self.retry_failed), methods=["POST"]),
            Route(f"{p}/posts/{{post_id}}", self._wrap(self.get_post), methods=["GET"]),
            Route(f"{p}/posts/{{post_id}}/results", self._wrap(self.results), methods=["GET"]),
            Route(f"{p}/posts/{{post_id}}/retry", self._wrap(self.retry), methods=["POST"]),
            Route(f"{p}/accounts", self._wrap(self.accounts), methods=["GET"]),
            Route(f"{p}/accounts/{{account_id}}/health", self._wrap(self.health), methods=["GET"]),
        ]

    def _wrap(self, handler: Callable[[Request], Awaitable[Answer]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            self.ctx.pe.advance(time.time())
            try:
                answer = await handler(request)
            except ApiError as exc:
                answer = self.error_answer(exc.status, exc.code, exc.message, exc.details)
            return answer.to_response()

        return endpoint

    def _post(self, request: Request) -> Post:
        post = self.ctx.pe.by_id.get(request.path_params["post_id"])
        if post is None:
            raise ApiError(404, "not_found", "Post not found.")
        return post

    async def list_posts(self, request: Request) -> Answer:
        params = request.query_params
        query = parse_post_query(params)
        limit = _int_param(params, "limit", 20, low=1, high=100)
        offset = _int_param(params, "offset", 0, low=0, high=None)
        matched = self.ctx.pe.query(query)
        page = matched[offset : offset + limit]
        return self.ok(
            {
                "posts": [msgspec.Raw(p.encoded()) for p in page],
                "pagination": {
                    "limit": limit,
                    "offset": offset,
                    "total": len(matched),
                    "has_more": offset + len(page) < len(matched),
                },
            }
        )

    async def get_post(self, request: Request) -> Answer:
        return self.ok(msgspec.Raw(self._post(request).encoded()))

    async def results(self, request: Request) -> Answer:
        return self.ok(self._post(request).results_json())

    async def accounts(self, request: Request) -> Answer:
        now = time.time()
        return self.ok({"accounts": [a.summary_json(now) for a in self.ctx.pe.accounts]})

    async def health(self, request: Request) -> Answer:
        raw = request.path_params["account_id"]
        try:
            account_id = int(raw)
        except ValueError:
            raise ApiError(404, "not_found", "Account not found.") from None
        account = self.ctx.pe.accounts_by_id.get(account_id)
        if account is None:
            raise ApiError(404, "not_found", "Account not found.")
        return self.ok(account.health_json(time.time()))

    # ------------------------------------------------------------ retries
    async def retry(self, request: Request) -> Answer:
        # The retry_error knob answers before anything is looked up or applied.
        chosen = self._chosen_error_for([request.path_params["post_id"]])
        if chosen is not None:
            return chosen
        post = self._post(request)
        body = await _json_body(request)
        return self._idempotent(request, body, lambda intent: self._apply_retry(post, body, intent))

    def _apply_retry(self, post: Post, body: Any, intent: str | None) -> Answer:
        account_ids: list[int] | None = None
        if body is not None:
            if not isinstance(body, dict):
                raise ApiError(400, "bad_request", "The request body must be a JSON object.")
            if "account_ids" in body and body["account_ids"] is not None:
                account_ids = _int_list(body["account_ids"], "account_ids")
                unknown = sorted(set(account_ids) - post.account_ids)
                if unknown:
                    raise ApiError(
                        422,
                        "validation_error",
                        "Some account_ids are not destinations of this post.",
                        {"field": "account_ids", "unknown": unknown},
                    )
        retried = self.ctx.pe.retry(post, account_ids, time.time(), self.ctx.config)
        if not retried:
            raise ApiError(409, "no_failed_destinations", NOTHING_TO_RETRY)
        for d in retried:
            self.ctx.stats.record_pe_retry(post.post_id, d.account_id, intent)
        n = len(retried)
        noun = "destination" if n == 1 else "destinations"
        return self.ok(
            {
                "post_id": post.post_id,
                "retried_count": n,
                "destinations": [d.as_json() for d in retried],
                "next_step": (
                    f"{n} {noun} re-queued. Poll GET /v1/posts/{post.post_id} to watch "
                    "publish status."
                ),
            }
        )

    async def retry_failed(self, request: Request) -> Answer:
        body = await _json_body(request)
        named = body.get("post_ids") if isinstance(body, dict) else None
        chosen = self._chosen_error_for([str(i) for i in named] if isinstance(named, list) else [])
        if chosen is not None:
            return chosen
        return self._idempotent(request, body, lambda intent: self._apply_bulk(body, intent))

    def _apply_bulk(self, body: Any, intent: str | None) -> Answer:
        f = parse_bulk_filter(body)
        now = time.time()
        store = self.ctx.pe
        retried: list[dict[str, Any]] = []
        posts = 0
        for post, ids in store.bulk_targets(f):
            done = store.retry(post, ids, now, self.ctx.config)
            posts += 1 if done else 0
            for d in done:
                self.ctx.stats.record_pe_retry(post.post_id, d.account_id, intent)
                retried.append({"post_id": post.post_id, **d.as_json()})
        return self.ok(
            {
                "retried_count": len(retried),
                "destinations": retried,
                "message": f"{len(retried)} destinations re-queued across {posts} posts.",
            }
        )

    def _idempotent(
        self, request: Request, body: Any, apply: Callable[[str | None], Answer]
    ) -> Answer:
        """Apply once per Idempotency-Key; a repeat replays the stored answer."""
        return self.ctx.idempotency.run_once(
            scope=scope_of(bearer_token(request.headers) or ""),
            key=request.headers.get("idempotency-key"),
            request_fingerprint=fingerprint(request.method, request.url.path, body),
            apply=apply,
            on_replay=self.ctx.stats.record_replay,
            on_reuse=lambda: self.error_answer(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
        )


# ---------------------------------------------------------------- parsing
async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None


def _int_list(value: Any, field: str) -> list[int]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ApiError(
            422,
            "validation_error",
            f"{field} must be a non-empty list of integers.",
            {"field": field},
        )
    return value


def _int_param(params: QueryParams, name: str, default: int, *, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be an integer.", {"field": name}) from None
    if value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(422, "validation_error", f"{name} must be {span}.", {"field": name})
    return value


def _list_param(params: QueryParams, name: str, allowed: tuple[str, ...]) -> frozenset[str]:
    values = [
        part.strip()
        for raw in params.getlist(name) + params.getlist(f"{name}[]")
        for part in raw.split(",")
        if part.strip()
    ]
    bad = sorted(set(values) - set(allowed))
    if bad:
        raise ApiError(
            422,
            "validation_error",
            f"Unknown {name} {', '.join(bad)}; expected one of {', '.join(allowed)}.",
            {"field": name},
        )
    return frozenset(values)


def _date_param(params: QueryParams, name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    value = parse_iso(raw)
    if value is None:
        raise ApiError(
            400, "bad_request", f"{name} must be an ISO 8601 date-time.", {"field": name}
        )
    return value


def parse_post_query(params: QueryParams) -> PostQuery:
    account_id = params.get("account_id")
    parsed_account: int | None = None
    if account_id:
        try:
            parsed_account = int(account_id)
        except ValueError:
            raise ApiError(
                400, "bad_request", "account_id must be an integer.", {"field": "account_id"}
            ) from None
    sort = params.get("sort") or "created_at"
    if sort not in SORT_FIELDS:
        raise ApiError(
            422,
            "validation_error",
            f"sort must be one of {', '.join(SORT_FIELDS)}.",
            {"field": "sort"},
        )
    order = (params.get("order") or "desc").lower()
    if order not in ("asc", "desc"):
        raise ApiError(422, "validation_error", "order must be asc or desc.", {"field": "order"})
    return PostQuery(
        statuses=_list_param(params, "status", POST_STATUSES),
        platforms=_list_param(params, "platform", PLATFORMS),
        account_id=parsed_account,
        updated_after=_date_param(params, "updated_after"),
        created_after=_date_param(params, "created_after"),
        created_before=_date_param(params, "created_before"),
        search=(params.get("search") or "").strip().lower(),
        sort=sort,
        descending=order == "desc",
    )


def parse_bulk_filter(body: Any) -> BulkFilter:
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The request body must be a JSON object.")
    post_ids = body.get("post_ids")
    if post_ids is not None and (
        not isinstance(post_ids, list)
        or not post_ids
        or not all(isinstance(i, str | int) and not isinstance(i, bool) for i in post_ids)
    ):
        raise ApiError(
            422,
            "validation_error",
            "post_ids must be a non-empty list of post ids.",
            {"field": "post_ids"},
        )
    if post_ids is not None and len(post_ids) > MAX_BULK_POST_IDS:
        raise ApiError(
            422,
            "validation_error",
            f"post_ids accepts at most {MAX_BULK_POST_IDS} ids.",
            {"field": "post_ids"},
        )
    account_id = body.get("account_id")
    if account_id is not None and (not isinstance(account_id, int) or isinstance(account_id, bool)):
        raise ApiError(422, "validation_error", "account_id must be an integer.")
    platform = body.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ApiError(422, "validation_error", f"platform must be one of {', '.join(PLATFORMS)}.")
    max_attempts = body.get("max_attempts")
    if max_attempts is not None and (
        not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1
    ):
        raise ApiError(422, "validation_error", "max_attempts must be a positive integer.")
    dates: dict[str, float | None] = {}
    for name in ("failed_after", "failed_before"):
        raw = body.get(name)
        dates[name] = None if raw is None else parse_iso(raw) if isinstance(raw, str) else None
        if raw is not None and dates[name] is None:
            raise ApiError(422, "validation_error", f"{name} must be an ISO 8601 date-time.")
    f = BulkFilter(
        post_ids=None if post_ids is None else tuple(str(i) for i in post_ids),
        account_id=account_id,
        platform=platform,
        failed_after=dates["failed_after"],
        failed_before=dates["failed_before"],
        max_attempts=max_attempts,
    )
    if f == BulkFilter():
        raise ApiError(
            422,
            "validation_error",
            "Give at least one filter: post_ids, account_id, platform, failed_after, "
            "failed_before or max_attempts.",
        )
    return f
