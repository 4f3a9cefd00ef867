"""The simulator's knobs: one frozen dataclass, validated on every change.

Data knobs (seed, sizes, the time anchor) shape the generated data and are fixed when the
server starts; every other knob can change at run time (``SimServer.configure`` or
``POST /_sim/config``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEMO_PE_KEY = "pe_test_demo"
DEMO_AYR_KEY = "ayr_test_demo"
# Zernio's full-access keys start ``sk_``; the simulator takes ``sk_test_*``.
DEMO_ZER_KEY = "sk_test_demo"

PE_KEY_PREFIX = "pe_test_"
AYR_KEY_PREFIX = "ayr_test_"
ZER_KEY_PREFIX = "sk_test_"

PE_PREFIX = "/posteverywhere/api/v1"
AYR_PREFIX = "/ayrshare/api"
ZER_PREFIX = "/zernio/api"
SIM_PREFIX = "/_sim"

MALFORMED_KINDS: tuple[str, ...] = (
    "html_200",  # a proxy's HTML page answered with 200
    "html_502",  # a proxy's HTML page answered with 502
    "truncated_json",  # a complete HTTP response whose JSON body stops half-way
    "wrong_types",  # the first list in the body becomes the string "oops"
    "data_list",  # PostEverywhere: "data": []; Ayrshare: the body is JSON null
)

# Knobs that shape the generated data: changing them at run time would need new data.
DATA_KNOBS = frozenset(
    {
        "seed",
        "posts",
        "accounts",
        "min_destinations",
        "max_destinations",
        "ayrshare_posts",
        "zernio_posts",
        "epoch",
    }
)


class SimConfigError(ValueError):
    """A knob has a value the simulator cannot honour (the message names the knob)."""


SURFACE_NAMES = ("posteverywhere", "ayrshare", "zernio")
_RETRY_ERROR_KEYS = ("status", "code", "message", "platform", "post_ids", "api")
_RETRY_STATUS_RULE = "retry_error.status must be an HTTP error status (400-599)"


@dataclass(frozen=True, slots=True)
class RetryError:
    """The ``retry_error`` knob: answer retries with this error instead of applying them.

    Checked first in a retry handler, so nothing changes and nothing is counted as applied.
    ``code``/``message`` default by status (each surface renders them in its own shape);
    ``platform`` is the network an Ayrshare error names (PostEverywhere puts it in
    ``error.details``); ``post_ids`` limits it to retries naming one of these posts (empty:
    every retry); ``api`` limits it to one surface (None: both).
    """

    status: int
    code: int | str | None = None
    message: str | None = None
    platform: str | None = None
    post_ids: tuple[str, ...] = ()
    api: str | None = None

    def applies_to(self, api: str, post_ids: Iterable[str]) -> bool:
        if self.api is not None and self.api != api:
            return False
        return not self.post_ids or not set(self.post_ids).isdisjoint(post_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "platform": self.platform,
            "post_ids": list(self.post_ids),
            "api": self.api,
        }


def retry_error_from(value: object) -> RetryError | None:
    """The knob from what a caller gave: None, a ``RetryError`` or a JSON-style object."""
    if value is None or isinstance(value, RetryError):
        return value
    if not isinstance(value, Mapping):
        raise SimConfigError('retry_error must be an object like {"status": 402} or null')
    unknown = sorted(str(k) for k in set(value) - set(_RETRY_ERROR_KEYS))
    if unknown:
        raise SimConfigError(
            f"retry_error: unknown key(s) {', '.join(unknown)}; use {', '.join(_RETRY_ERROR_KEYS)}"
        )
    post_ids = value.get("post_ids") or ()
    if isinstance(post_ids, str) or not isinstance(post_ids, list | tuple):
        raise SimConfigError("retry_error.post_ids must be a list of post ids")
    status = value.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        raise SimConfigError(_RETRY_STATUS_RULE)
    return RetryError(
        status=status,  # its range and the other types are checked with the rest of the config
        code=value.get("code"),
        message=value.get("message"),
        platform=value.get("platform"),
        post_ids=tuple(post_ids),
        api=value.get("api"),
    )


@dataclass(frozen=True, slots=True)
class SimConfig:
    # --- generated data (start-up only) ---
    seed: int = 1
    posts: int = 120
    accounts: int = 16
    min_destinations: int = 1
    max_destinations: int = 5
    ayrshare_posts: int = 60
    zernio_posts: int = 60
    # Wall-clock anchor (unix seconds) for generated timestamps; None = the start time.
    # Health is judged against the real clock, so an old anchor means expired tokens.
    epoch: float | None = None

    # --- the retry state machine ---
    queued_s: float = 1.0
    publishing_s: float = 2.0
    success_odds: float = 0.75
    # Share of PostEverywhere's generated failures that are the post's own fault (duplicate
    # text, too long, media refused): they fail the same way on every retry. 0 (the default)
    # draws no extra dice, so every seed keeps the data it had.
    content_failure_odds: float = 0.0

    # --- rate limiting (fixed windows per key, the real services' allowances) ---
    # PostEverywhere: ``rate_limit`` per ``rate_window_s`` (the per-minute window), and
    # ``rate_limit_hour``/``rate_limit_day`` beside it; a request needs room in every one.
    # 0 or None for ``rate_limit`` switches PostEverywhere's limiter off altogether (every
    # window); for the hour or day knob, just that window.
    rate_limit: int | None = 60
    rate_window_s: float = 60.0
    rate_limit_hour: int | None = 1_000
    rate_limit_day: int | None = 10_000
    ayrshare_rate_limit: int | None = 300  # per profile per 5 minutes; 0 or None: off
    ayrshare_rate_window_s: float = 300.0
    # Zernio: per minute for the whole team, by plan (Free 60 ... Unlimited 1,200); 0 or None:
    # off. Each account also publishes at most 25 posts an hour (retries count).
    zernio_rate_limit: int | None = 60
    zernio_publish_per_hour: int | None = 25
    # Every window's length (and the Ayrshare history cache's age) times this factor:
    # 0.01 makes a minute 0.6 s, an hour 36 s, a day 864 s, at the real allowances.
    rate_time_scale: float = 1.0

    # --- Ayrshare variants ---
    history_shape: str = "object"  # "object" -> {"history": [...]}, "list" -> bare list
    # /history with limit above 25 is served from a snapshot up to this old (scaled by
    # rate_time_scale); 0 = always fresh.
    history_cache_s: float = 60.0
    ayrshare_header_style: str = "new"  # "new": x-ratelimit-max/-count, "old": -remaining/-reset
    ayrshare_plan: str = "premium"  # "basic" gets the plan error on retry

    # --- Zernio variants: "sync" publishes inside the retry request (documented), "async"
    # answers at once and settles later (the reading the SDKs leave open) ---
    zernio_retry_mode: str = "sync"

    # --- PostEverywhere envelope variants seen in published examples ---
    camel_case_meta: bool = False  # meta.requestId instead of meta.request_id
    omit_null_error: bool = False  # success bodies without the "error" key

    # --- fault injection (seeded), scoped to fault_routes ---
    latency_ms: float = 0.0
    error_5xx_odds: float = 0.0
    burst_429: int = 0
    drop_after_apply_odds: float = 0.0
    # A retry applied, then answered 500/502/503 anyway (a gateway that timed out on it).
    error_5xx_after_apply_odds: float = 0.0
    malformed_odds: float = 0.0
    malformed_kinds: tuple[str, ...] = MALFORMED_KINDS
    # Path prefixes, optionally "METHOD /path/prefix"; empty = every API route.
    fault_routes: tuple[str, ...] = field(default=())
    # Answer retries with this error before applying them (see RetryError); None = off.
    # A JSON-style object is accepted here and at run time.
    retry_error: RetryError | None = None
    # A server bug to detect: retry-failed ignores account_id when post_ids name posts, and
    # re-queues every failed destination of those posts.
    ignore_retry_failed_account_id: bool = False
    # retry-failed answers without its ``destinations`` list (seen in the SDKs only): the
    # client learns what was re-queued from its next read.
    omit_retry_failed_destinations: bool = False

    def __post_init__(self) -> None:
        # A frozen dataclass: the object form of the knob becomes a RetryError in place.
        object.__setattr__(self, "retry_error", retry_error_from(self.retry_error))
        _validate(self)

    def replace(self, **changes: Any) -> SimConfig:
        """A copy with ``changes`` applied and validated (lists become tuples)."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise SimConfigError(f"unknown knob(s): {', '.join(unknown)}")
        for name in ("malformed_kinds", "fault_routes"):
            if name in changes and isinstance(changes[name], list):
                changes[name] = tuple(changes[name])
        if "fault_routes" in changes and isinstance(changes["fault_routes"], str):
            changes["fault_routes"] = (changes["fault_routes"],)
        try:
            return dataclasses.replace(self, **changes)
        except TypeError as exc:  # pragma: no cover - replace() only raises this for bad names
            raise SimConfigError(str(exc)) from None

    def runtime_replace(self, changes: Mapping[str, Any]) -> SimConfig:
        """Like ``replace`` but refuses the knobs that shape already generated data."""
        fixed = sorted(set(changes) & DATA_KNOBS)
        if fixed:
            raise SimConfigError(
                f"knob(s) {', '.join(fixed)} shape the generated data; set them at start-up"
            )
        return self.replace(**dict(changes))

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for name in ("malformed_kinds", "fault_routes"):
            out[name] = list(out[name])
        out["retry_error"] = self.retry_error.as_dict() if self.retry_error else None
        return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise SimConfigError(message)


def _validate(c: SimConfig) -> None:
    for name in ("seed", "posts", "accounts", "min_destinations", "max_destinations"):
        value = getattr(c, name)
        _require(isinstance(value, int) and not isinstance(value, bool), f"{name} must be an int")
    _require(isinstance(c.ayrshare_posts, int), "ayrshare_posts must be an int")
    _require(
        isinstance(c.zernio_posts, int) and 0 <= c.zernio_posts <= 100_000,
        "zernio_posts must be an int between 0 and 100,000",
    )
    _require(c.zernio_retry_mode in ("sync", "async"), "zernio_retry_mode must be sync/async")
    _require(0 <= c.posts <= 1_000_000, "posts must be between 0 and 1,000,000")
    _require(0 <= c.ayrshare_posts <= 100_000, "ayrshare_posts must be between 0 and 100,000")
    _require(1 <= c.accounts <= 10_000, "accounts must be between 1 and 10,000")
    _require(
        1 <= c.min_destinations <= c.max_destinations <= min(c.accounts, 20),
        "need 1 <= min_destinations <= max_destinations <= min(accounts, 20)",
    )
    _require(
        c.epoch is None or (_is_number(c.epoch) and math.isfinite(c.epoch)),
        "epoch must be unix seconds or None",
    )
    for name in (
        "queued_s",
        "publishing_s",
        "latency_ms",
        "rate_window_s",
        "ayrshare_rate_window_s",
        "history_cache_s",
    ):
        value = getattr(c, name)
        _require(_is_number(value) and math.isfinite(value) and value >= 0, f"{name} must be >= 0")
    _require(c.rate_window_s > 0 and c.ayrshare_rate_window_s > 0, "rate windows must be > 0")
    _require(
        _is_number(c.rate_time_scale)
        and math.isfinite(c.rate_time_scale)
        and c.rate_time_scale > 0,
        "rate_time_scale must be > 0",
    )
    for name in (
        "success_odds",
        "content_failure_odds",
        "error_5xx_odds",
        "drop_after_apply_odds",
        "error_5xx_after_apply_odds",
        "malformed_odds",
    ):
        value = getattr(c, name)
        _require(_is_number(value) and 0 <= value <= 1, f"{name} must be between 0 and 1")
    for name in (
        "rate_limit",
        "rate_limit_hour",
        "rate_limit_day",
        "ayrshare_rate_limit",
        "zernio_rate_limit",
        "zernio_publish_per_hour",
    ):
        value = getattr(c, name)
        _require(
            value is None
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 0),
            f"{name} must be an int >= 0 or None",
        )
    _require(
        isinstance(c.burst_429, int) and not isinstance(c.burst_429, bool) and c.burst_429 >= 0,
        "burst_429 must be an int >= 0",
    )
    _require(c.history_shape in ("object", "list"), "history_shape must be 'object' or 'list'")
    _require(c.ayrshare_header_style in ("new", "old"), "ayrshare_header_style must be new/old")
    _require(
        c.ayrshare_plan in ("basic", "premium", "business"), "ayrshare_plan: basic/premium/business"
    )
    for name in (
        "camel_case_meta",
        "omit_null_error",
        "ignore_retry_failed_account_id",
        "omit_retry_failed_destinations",
    ):
        _require(isinstance(getattr(c, name), bool), f"{name} must be a bool")
    _require(
        isinstance(c.malformed_kinds, tuple)
        and len(c.malformed_kinds) > 0
        and all(k in MALFORMED_KINDS for k in c.malformed_kinds),
        f"malformed_kinds must be a non-empty subset of {', '.join(MALFORMED_KINDS)}",
    )
    _require(
        isinstance(c.fault_routes, tuple) and all(isinstance(r, str) for r in c.fault_routes),
        "fault_routes must be a list of path prefixes",
    )
    if c.retry_error is not None:
        _validate_retry_error(c.retry_error)


def _validate_retry_error(e: RetryError) -> None:
    _require(
        isinstance(e.status, int) and not isinstance(e.status, bool) and 400 <= e.status <= 599,
        _RETRY_STATUS_RULE,
    )
    _require(
        e.code is None or (isinstance(e.code, int | str) and not isinstance(e.code, bool)),
        "retry_error.code must be a number, a string or null",
    )
    for name in ("message", "platform"):
        value = getattr(e, name)
        _require(value is None or isinstance(value, str), f"retry_error.{name} must be a string")
    _require(
        all(isinstance(p, str) and p for p in e.post_ids),
        "retry_error.post_ids must be a list of post ids (strings)",
    )
    _require(
        e.api is None or e.api in SURFACE_NAMES,
        f"retry_error.api must be one of {', '.join(SURFACE_NAMES)} or null",
    )
