"""PostEverywhere's envelope: every answer is ``{"data", "error", "meta"}``; this module finds
the ``data`` of a success and the domain error of anything else.

Tolerance, as the contract asks: ``meta.request_id`` or ``meta.requestId``; ``error`` null or
absent on success; an HTML page or broken JSON on an error keeps the class its status gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from postretry_gui.domain.errors import MalformedResponse, ProviderError
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.parsing import (
    clean_text,
    decode_json,
    error_for_status,
    first,
    id_text,
    opt_datetime,
)


class _Meta(msgspec.Struct):
    timestamp: str | float | None = None


class _MetaOnly(msgspec.Struct):
    meta: _Meta | None = None


# Reads ``meta`` alone: the posts in ``data`` are skipped, not built.
_META_DECODER = msgspec.json.Decoder(_MetaOnly)


def request_id_of(response: HttpResponse, body: object = None) -> str | None:
    """``meta.request_id`` or ``meta.requestId``, else an ``X-Request-Id`` header."""
    if isinstance(body, Mapping):
        meta = body.get("meta")
        if isinstance(meta, Mapping):
            found = id_text(first(meta, "request_id", "requestId"))
            if found is not None:
                return found
    return id_text(response.header("x-request-id"))


def error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer: class by HTTP status, then the body's
    ``error.code``/``error.message`` and request id if the body is the usual envelope.
    An HTML page or broken JSON keeps the class its status gives it."""
    code: str | None = None
    message: str | None = None
    request_id = request_id_of(response)
    try:
        body = decode_json(response.content, http_status=response.status)
    except MalformedResponse:
        body = None
    if isinstance(body, Mapping):
        request_id = request_id_of(response, body)
        error = body.get("error")
        if isinstance(error, Mapping):
            code = clean_text(error.get("code")) or id_text(error.get("code"))
            message = clean_text(error.get("message"))
        elif isinstance(error, str):
            message = clean_text(error)
    return error_for_status(
        response.status,
        message=message,
        code=code,
        request_id=request_id,
        retry_after=response.retry_after_s(),
    )


def read_data(response: HttpResponse) -> object:
    """The ``data`` of an answer, or the domain error it stands for."""
    if not response.ok:
        raise error_from_response(response)
    request_id = request_id_of(response)
    body = decode_json(response.content, http_status=response.status, request_id=request_id)
    if not isinstance(body, Mapping):
        raise MalformedResponse(
            "The server's answer was JSON but not the usual envelope.",
            request_id=request_id,
            http_status=response.status,
        )
    request_id = request_id_of(response, body)
    data = body.get("data")
    if data is None:
        raise MalformedResponse(
            "The server answered success but sent no data.",
            request_id=request_id,
            http_status=response.status,
        )
    return data


# Keys that make an answer the usual envelope rather than a bare object.
_ENVELOPE_KEYS = ("data", "error", "meta")


def read_data_or_bare(response: HttpResponse) -> object:
    """The ``data`` of an enveloped answer, or the answer itself when it is a bare object:
    ``GET /accounts/{id}/health`` is documented without the envelope the rest wears, and
    the contract asks for both. Anything else reads as ``read_data`` does."""
    if response.ok:
        request_id = request_id_of(response)
        body = decode_json(response.content, http_status=response.status, request_id=request_id)
        if isinstance(body, Mapping) and not any(key in body for key in _ENVELOPE_KEYS):
            return body
    return read_data(response)


def server_time_of(body: bytes) -> datetime | None:
    """``meta.timestamp`` of an answer's body: the server's time of it (None: absent,
    unreadable)."""
    try:
        meta = _META_DECODER.decode(body).meta
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    if meta is None:
        return None
    return opt_datetime({"timestamp": meta.timestamp}, "timestamp")
