"""The PostEverywhere surface under ``/posteverywhere/api/v1`` (contract section 1).

Handlers do the work; reading the request is ``pe_params``; auth, rate limiting and faults
happen around them in ``app.py``.
Every answer is the envelope ``{"data", "error", "meta": {"request_id", "timestamp"}}``.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from postretry_gui.sim.config import PE_KEY_PREFIX, PE_PREFIX, RetryError, SimConfig
from postretry_gui.sim.context import SimContext
from postretry_gui.sim.faults import PE_CODES, chosen_message
from postretry_gui.sim.http_util import Answer, ApiError, bearer_token, encode_json
from postretry_gui.sim.idempotency import fingerprint, scope_of
from postretry_gui.sim.pe_model import Post
from postretry_gui.sim.pe_params import (
    int_list,
    int_param,
    json_body,
    parse_bulk_filter,
    parse_post_query,
)
from postretry_gui.sim.ratelimit import Verdict, Window
from postretry_gui.sim.timefmt import iso

NOTHING_TO_RETRY = (
    "Nothing to retry — all destinations are currently queued, publishing, or published."
)

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
            # As of when the state was last brought up to date: a client that asks for posts
            # updated after this time sees every change since this answer.
            "meta": {id_key: uuid.uuid4().hex[:16], "timestamp": iso(self.ctx.pe.state_time())},
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
    def rate_windows(cfg: SimConfig) -> tuple[Window, ...]:
        """A minute, an hour and a day per key (contract); none when limiting is off."""
        if not cfg.rate_limit:
            return ()
        scale = cfg.rate_time_scale
        windows = [Window("minute", cfg.rate_limit, cfg.rate_window_s * scale)]
        if cfg.rate_limit_hour:
            windows.append(Window("hour", cfg.rate_limit_hour, 3_600 * scale))
        if cfg.rate_limit_day:
            windows.append(Window("day", cfg.rate_limit_day, 86_400 * scale))
        return tuple(windows)

    @staticmethod
    def limit_key(token: str | None, headers: Headers) -> str:
        return f"pe|{token or ''}"

    @staticmethod
    def rate_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(verdict.reported.limit)),
            ("X-RateLimit-Remaining", str(verdict.reported.remaining)),
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
        limit = int_param(params, "limit", 20, low=1, high=100)
        offset = int_param(params, "offset", 0, low=0, high=None)
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
        body = await json_body(request)
        return self._idempotent(request, body, lambda intent: self._apply_retry(post, body, intent))

    def _apply_retry(self, post: Post, body: Any, intent: str | None) -> Answer:
        account_ids: list[int] | None = None
        if body is not None:
            if not isinstance(body, dict):
                raise ApiError(400, "bad_request", "The request body must be a JSON object.")
            if "account_ids" in body and body["account_ids"] is not None:
                account_ids = int_list(body["account_ids"], "account_ids")
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
        body = await json_body(request)
        named = body.get("post_ids") if isinstance(body, dict) else None
        chosen = self._chosen_error_for([str(i) for i in named] if isinstance(named, list) else [])
        if chosen is not None:
            return chosen
        return self._idempotent(request, body, lambda intent: self._apply_bulk(body, intent))

    def _apply_bulk(self, body: Any, intent: str | None) -> Answer:
        f = parse_bulk_filter(body)
        if (
            self.ctx.config.ignore_retry_failed_account_id
            and f.post_ids is not None
            and f.account_id is not None
        ):
            # The server bug a client must detect: every failed destination of the named
            # posts is re-queued, not only the asked-for account's.
            self.ctx.stats.record_fault("ignored_account_id")
            f = dataclasses.replace(f, account_id=None)
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
        answer: dict[str, Any] = {
            "retried_count": len(retried),
            "destinations": retried,
            "message": f"{len(retried)} destinations re-queued across {posts} posts.",
        }
        if self.ctx.config.omit_retry_failed_destinations:
            del answer["destinations"]
        return self.ok(answer)

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
