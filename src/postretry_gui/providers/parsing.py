"""Reading untrusted answers: JSON decoding, typed field access and status-to-error mapping.

Provider-neutral. Every function here either returns a plain value or raises a
``ProviderError`` subclass (``MalformedResponse`` for shapes, the status classes for HTTP
answers); nothing else escapes, whatever the body holds.

Policy for fields: a *required* field that is missing or of the wrong type makes the answer
malformed; an *optional* field that is missing or of the wrong type reads as its default,
because a display detail must not hide a failed destination from the operator.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from postretry_gui.domain.errors import (
    BadRequest,
    Forbidden,
    MalformedResponse,
    NotFound,
    NothingToRetry,
    PaymentRequired,
    ProviderError,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationFailed,
)

JsonObject = Mapping[str, object]

# Server text shown to the operator is cut to this; control characters are dropped.
MAX_MESSAGE_CHARS = 500
MAX_ID_CHARS = 200
_MAX_ID_INT = 10**MAX_ID_CHARS
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def decode_json(
    body: bytes, *, http_status: int | None = None, request_id: str | None = None
) -> object:
    """Decode a body as strict JSON (no NaN/Infinity), or raise ``MalformedResponse``."""
    what = "an empty answer" if not body.strip() else "an answer that is not JSON"
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and integers too long to convert.
        snippet = "an HTML page" if body.lstrip()[:1] == b"<" else what
        raise MalformedResponse(
            f"The server sent {snippet} where JSON was expected.",
            request_id=request_id,
            http_status=http_status,
        ) from exc


def clean_text(value: object, *, limit: int = MAX_MESSAGE_CHARS) -> str | None:
    """A server string made safe to show: no control characters, bounded length."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub(" ", value).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


# -- typed access to JSON trees ---------------------------------------------------------------


def malformed(what: str, *, http_status: int | None = None) -> MalformedResponse:
    return MalformedResponse(
        f"The server's answer was not what the API promises: {what}.", http_status=http_status
    )


def as_object(value: object, what: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise malformed(f"{what} is not an object")
    return value


def as_list(value: object, what: str) -> Sequence[object]:
    if not isinstance(value, list):
        raise malformed(f"{what} is not a list")
    return value


def first(obj: JsonObject, *keys: str) -> object:
    """The value of the first key present with a non-null value (for renamed fields)."""
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def id_text(value: object) -> str | None:
    """An identifier sent as an int or a string, as an opaque string (None if neither)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if abs(value) < _MAX_ID_INT else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return id_text(int(value))
    if isinstance(value, str):
        text = value.strip()
        if text and len(text) <= MAX_ID_CHARS and text.isprintable():
            return text
    return None


def required_id(obj: JsonObject, *keys: str, what: str) -> str:
    for key in keys:
        text = id_text(obj.get(key))
        if text is not None:
            return text
    raise malformed(f"{what} has no usable {' or '.join(keys)}")


def opt_text(obj: JsonObject, *keys: str, default: str = "") -> str:
    text = clean_text(first(obj, *keys))
    return default if text is None else text


def opt_text_or_none(obj: JsonObject, *keys: str) -> str | None:
    return clean_text(first(obj, *keys))


def opt_int(obj: JsonObject, *keys: str, default: int = 0) -> int:
    value = first(obj, *keys)
    if isinstance(value, bool):
        return default
    if isinstance(value, int) and abs(value) < 2**63:
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return opt_int({"v": int(value)}, "v", default=default)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    return default


def opt_bool(obj: JsonObject, *keys: str) -> bool | None:
    value = first(obj, *keys)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def text_list(value: object) -> tuple[str, ...]:
    """The strings of a list (other items skipped); anything else: empty."""
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (clean_text(item, limit=MAX_ID_CHARS) for item in value) if t)


def opt_datetime(obj: JsonObject, *keys: str) -> datetime | None:
    """ISO 8601 (``Z`` or offset; naive read as UTC) or unix seconds/milliseconds."""
    value = first(obj, *keys)
    try:
        if isinstance(value, str) and len(value) <= 64:
            parsed = datetime.fromisoformat(value.strip())
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value) / 1000.0 if value >= 1e12 else float(value)
            if not math.isfinite(seconds) or seconds < 0:
                return None
            return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


# -- HTTP status to domain error ------------------------------------------------------------

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequest,
    401: Unauthorized,
    402: PaymentRequired,
    403: Forbidden,
    404: NotFound,
    409: NothingToRetry,
    422: ValidationFailed,
}


def error_for_status(
    status: int,
    *,
    message: str | None = None,
    code: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The domain error for a non-2xx answer, chosen by HTTP status first (code strings vary
    between a service's docs and its SDKs), carrying the server's code, message and id."""
    if status == 429:
        return RateLimited(message, retry_after=retry_after, code=code, request_id=request_id)
    kind = _BY_STATUS.get(status)
    if kind is None and 500 <= status <= 599:
        kind = ServerError
    if kind is None and 400 <= status <= 499:
        kind = BadRequest
    if kind is None:
        return MalformedResponse(
            message or f"The server answered with an unexpected HTTP status {status}.",
            code=code,
            request_id=request_id,
            http_status=status,
        )
    return kind(message, code=code, request_id=request_id, http_status=status)
