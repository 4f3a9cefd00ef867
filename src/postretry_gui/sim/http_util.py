"""Small HTTP helpers shared by the simulator's two surfaces."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import Send


class ApiError(Exception):
    """An error answer a handler chose; each surface renders it in its own shape."""

    def __init__(
        self,
        status: int,
        code: str | int,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class DroppedConnection(Exception):
    """Raised after a response started, so the server closes the connection mid-body."""


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def to_response(self) -> Response:
        return Response(
            self.body, self.status, headers=dict(self.headers), media_type=self.content_type
        )

    async def send(self, send: Send) -> None:
        raw = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
        ]
        raw += [(k.lower().encode(), v.encode()) for k, v in self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


_ENCODER = msgspec.json.Encoder()


def encode_json(payload: Any) -> bytes:
    """Compact JSON like ``dumps`` (the same bytes for strings, ints, bools, null, lists and
    objects; floats may be spelled differently), where ``msgspec.Raw`` values are inserted
    verbatim: a page of posts joins their cached bytes instead of encoding them again."""
    return _ENCODER.encode(payload)


def bearer_token(headers: Headers) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def int_query(
    params: QueryParams,
    name: str,
    default: int,
    *,
    low: int,
    high: int | None,
    code: str | int,
    range_status: int = 400,
) -> int:
    """An integer query parameter, or the ``ApiError`` the surface answers (``code`` in its
    vocabulary; ``range_status`` for a number out of range)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, code, f"{name} must be an integer.") from None
    if value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(range_status, code, f"{name} must be {span}.")
    return value
