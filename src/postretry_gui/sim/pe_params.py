"""Reading PostEverywhere requests: query strings and JSON bodies into checked values.

Every refusal is an ``ApiError`` with the status and wording the service uses (400 for what
cannot be read, 422 for what reads but breaks a rule), rendered by ``pe_routes``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from postretry_gui.sim.http_util import ApiError
from postretry_gui.sim.pe_model import PLATFORMS, POST_STATUSES, SORT_FIELDS
from postretry_gui.sim.pe_store import BulkFilter, PostQuery
from postretry_gui.sim.timefmt import parse_iso

MAX_BULK_POST_IDS = 200


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None


def int_list(value: Any, field: str) -> list[int]:
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


def int_param(params: QueryParams, name: str, default: int, *, low: int, high: int | None) -> int:
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
