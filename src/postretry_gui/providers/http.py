"""The shared HTTP layer: one paced httpx client per workspace, typed errors, safe retries.

Provider-neutral. A provider gives it the secret headers, a rate-limit header reader and an
error mapper (its error-body format); it gives back the bytes of a 2xx answer or raises a
domain ``ProviderError``.

What it guarantees:
- A request that is not idempotent (a retry) is sent at most once. A lost answer after it may
  have left raises ``OutcomeUnknown``, never a plain failure; a connection refused before
  anything left raises ``Unreachable``; a 429 raises ``RateLimited`` for the caller to decide.
- Idempotent requests (GET) are repeated after a 429 only, as the pacer's 429 policy allows
  (Retry-After honoured, else a back-off); then ``TooManyRateLimits``, rather than hammering.
  Every answer is reported to the pacer, which decides (``RateLimitPolicy``).
- Secrets go into request headers only. They are never logged, and any server text that
  echoes one is scrubbed before it reaches an exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from postretry_gui.domain import RateLimitState, parse_rate_limit
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.domain.errors import (
    BadRequest,
    MalformedResponse,
    OutcomeUnknown,
    ProviderError,
    ProviderSecretMissing,
    RateLimited,
    TimedOut,
    TooManyRateLimits,
    TransportError,
    Unauthorized,
    Unreachable,
)
from postretry_gui.providers.pacing import Clock, Priority, RateLimitPolicy, RatePacer

log = logging.getLogger(__name__)

RateLimitReader = Callable[[Mapping[str, str], float], RateLimitState]

# A list page of 100 posts is a few hundred KB; anything far beyond is not an API answer.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Gateways answer these when they forwarded a request and lost the upstream's answer: a
# retry behind them may have been applied.
_GATEWAY_LOST = frozenset({502, 504})
_REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One answer as the providers' parsers see it: status, lower-cased headers, raw body."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    rate_limit: RateLimitState = field(default_factory=RateLimitState)

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def retry_after_s(self) -> float | None:
        """The wait the headers ask for before the next request (None: they ask none)."""
        wait = self.rate_limit.wait_s(self.rate_limit.observed_at)
        return wait if wait > 0 else None


ErrorMapper = Callable[[HttpResponse], ProviderError]
# Query values: one string, or several sent as the same name repeated (``platforms[]=a&...``).
QueryParams = Mapping[str, str | Sequence[str]]


def check_secret(name: str, value: str, *, allow_spaces: bool = False) -> str:
    """A secret (a key, or a header value carrying one) as it will be sent: stripped,
    non-empty, sendable in a header. The error names the secret, never its value."""
    stripped = value.strip() if isinstance(value, str) else ""
    if not stripped:
        raise ProviderSecretMissing(f"No {name}: enter the key for this workspace.")
    spaces = not allow_spaces and any(c.isspace() for c in stripped)
    if spaces or not stripped.isascii() or not stripped.isprintable():
        raise Unauthorized(
            f"The {name} contains spaces or characters an HTTP header cannot carry: "
            "paste the key again.",
            http_status=None,
        )
    return stripped


def path_segment(value: str, what: str) -> str:
    """``value`` (an id) as one URL path segment: "../accounts" must not climb the path."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise BadRequest(f"No {what} given.", http_status=None)
    return quote(text, safe="")


def check_base_url(base_url: str) -> httpx.URL:
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise BadRequest("The server address is not a valid URL.", http_status=None) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise BadRequest(
            "The server address must start with http:// or https:// and name a host.",
            http_status=None,
        )
    return url


class HttpClient:
    """A paced, typed-error HTTP client for one workspace (one key, one ``RatePacer``)."""

    def __init__(
        self,
        base_url: str,
        *,
        error_mapper: ErrorMapper,
        secret_headers: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        pacer: RatePacer | None = None,
        rate_windows: Sequence[WindowSpec] = (),
        clock: Clock | None = None,
        rate_limit_reader: RateLimitReader = parse_rate_limit,
        rate_limit_policy: RateLimitPolicy = RateLimitPolicy(),  # noqa: B008 - frozen
        max_body_bytes: int = MAX_BODY_BYTES,
        scrub_secrets: Iterable[str] = (),
    ) -> None:
        """``secret_headers`` go with every request; ``scrub_secrets`` are secrets the caller
        sends in per-request ``headers`` only (Ayrshare's X keys): both are scrubbed from
        every error text. ``rate_windows``: the provider's documented rate windows, for the
        pacer this client makes when it is given none."""
        url = check_base_url(base_url)
        secrets = {
            name: check_secret(f"{name} header", value, allow_spaces=True)
            for name, value in secret_headers.items()
        }
        per_request = [v.strip() for v in scrub_secrets if isinstance(v, str) and v.strip()]
        # Scrub the whole value and its last word ("Bearer KEY" is echoed as KEY too).
        self._secrets = tuple(
            {
                part
                for value in [*secrets.values(), *per_request]
                for part in (value, value.split()[-1])
            }
        )
        self._pacer = (
            pacer
            if pacer is not None
            else RatePacer(clock=clock or time.time, windows=rate_windows)
        )
        self._clock = clock or self._pacer.clock
        self._error_mapper = error_mapper
        self._read_rate_limit = rate_limit_reader
        self._rate_limit_policy = rate_limit_policy
        self._max_body_bytes = max_body_bytes
        self._base_url = str(url)
        # httpx masks Authorization in its own reprs; the secrets live nowhere else but
        # self._secrets, which only the scrubber reads.
        self._client = httpx.AsyncClient(
            base_url=url,
            headers={"Accept": "application/json", **(headers or {}), **secrets},
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"HttpClient(base_url={self._base_url!r})"

    @property
    def pacer(self) -> RatePacer:
        return self._pacer

    @property
    def rate_limit(self) -> RateLimitState:
        return self._pacer.state

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        priority: Priority = Priority.INTERACTIVE,
        idempotent: bool | None = None,
    ) -> HttpResponse:
        """Send one request (paced) and return its 2xx answer, or raise a ``ProviderError``.

        ``idempotent`` defaults to True for GET and HEAD only. A request that is not
        idempotent is never sent twice.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD")
        repeats = 0
        while True:
            response = await self._send_once(
                method,
                path,
                params=params,
                json_body=json_body,
                headers=headers,
                priority=priority,
                idempotent=idempotent,
            )
            stopped = self._pacer.answered(
                response.status,
                named_wait=response.retry_after_s() is not None,
                policy=self._rate_limit_policy,
            )
            if response.ok:
                return response
            if stopped is not None:
                raise stopped
            error = self._map_error(response, idempotent=idempotent)
            if not (isinstance(error, RateLimited) and idempotent):
                raise error
            if not self._pacer.may_repeat(repeats, self._rate_limit_policy):
                raise TooManyRateLimits(
                    code=error.code, request_id=error.request_id, http_status=429
                )
            repeats += 1
            log.info("%s %s: rate limited, waiting before attempt %d", method, path, repeats + 1)

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        priority: Priority,
        idempotent: bool,
    ) -> HttpResponse:
        async with self._pacer.slot(priority):
            started = time.monotonic()
            try:
                async with self._client.stream(
                    method, path, params=params, json=json_body, headers=headers
                ) as answer:
                    content = await self._read_capped(answer)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                error = self._transport_error(exc, idempotent=idempotent)
                log.info("%s %s: %s", method, path, type(error).__name__)
                raise error from exc
            now = self._clock()
            lowered = {k.lower(): v for k, v in answer.headers.items()}
            state = self._read_rate_limit(lowered, now)
            self._pacer.observe(state)
        log.debug(
            "%s %s -> %d in %.0f ms (remaining %s)",
            method,
            path,
            answer.status_code,
            (time.monotonic() - started) * 1000,
            state.remaining,
        )
        return HttpResponse(answer.status_code, lowered, content, state)

    async def _read_capped(self, answer: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            if size > self._max_body_bytes:
                raise MalformedResponse(
                    "The server's answer was far larger than any API answer.",
                    http_status=answer.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _map_error(self, response: HttpResponse, *, idempotent: bool) -> ProviderError:
        try:
            error = self._error_mapper(response)
        except ProviderError as exc:
            error = exc
        except Exception:  # a mapper bug must not turn a server error into a crash
            log.exception("error mapper failed on HTTP %d", response.status)
            error = MalformedResponse(http_status=response.status)
        if not idempotent and response.status in _GATEWAY_LOST:
            error = OutcomeUnknown(
                f"A gateway answered {response.status}: the request may have reached the "
                "service and been applied. Re-reading instead of resending it.",
                code=error.code,
                request_id=error.request_id,
                http_status=response.status,
            )
        return self._scrub(error)

    def _transport_error(self, exc: Exception, *, idempotent: bool) -> ProviderError:
        """Classify a failure to get an answer by whether the request may have left."""
        if isinstance(exc, httpx.InvalidURL):
            return BadRequest("The request address is not a valid URL.", http_status=None)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return TimedOut("The server could not be reached in time; nothing was sent.")
        if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
            return Unreachable("The server refused the connection or cannot be reached.")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            return TransportError("The request could not be sent; nothing left this machine.")
        if not idempotent:
            # The request may have reached the server and been applied: never call it failed.
            return OutcomeUnknown()
        if isinstance(exc, httpx.TimeoutException):
            return TimedOut()
        if isinstance(exc, httpx.TransportError):
            return Unreachable("The connection dropped before the server answered.")
        return MalformedResponse("The server's answer could not be decoded.")

    def _scrub(self, error: ProviderError) -> ProviderError:
        """Remove any secret a server echoed back from the error's texts."""
        for secret in self._secrets:
            if secret in error.message:
                error.message = error.message.replace(secret, _REDACTED)
                error.args = (error.message,)
            if error.code and secret in error.code:
                error.code = error.code.replace(secret, _REDACTED)
            if error.request_id and secret in error.request_id:
                error.request_id = error.request_id.replace(secret, _REDACTED)
        return error
