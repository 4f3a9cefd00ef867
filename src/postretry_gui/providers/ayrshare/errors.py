"""Ayrshare's error answers: the body ``{action, status: "error", code, message}`` (also
sent with HTTP 200), and the domain error each code or status stands for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from postretry_gui.domain.errors import (
    AlreadyRetried,
    DuplicateContent,
    MalformedResponse,
    ProviderError,
    ReconnectRequired,
    RetryNotApplied,
)
from postretry_gui.providers.ayrshare.causes import DUPLICATE_CODES, RELINK_CODES
from postretry_gui.providers.ayrshare.networks import platform_name, spoken_platform
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.parsing import (
    JsonObject,
    clean_text,
    decode_json,
    error_for_status,
    first,
    id_text,
    opt_bool,
)

# Error codes with a meaning of their own (the contract's table), by class.
ALREADY_RETRIED_CODES = frozenset({"329"})


@dataclass(frozen=True, slots=True)
class ErrorFields:
    code: str | None = None
    message: str | None = None
    platform: str | None = None


def error_fields(body: object) -> ErrorFields:
    """``{action, status: "error", code, message, platform?}``; when the top level names no
    code, the first ``errors[]`` entry that does (a post answer's per-network errors)."""
    if not isinstance(body, Mapping):
        return ErrorFields()
    code = id_text(body.get("code"))
    message = clean_text(first(body, "message", "error"))
    platform = platform_name(body.get("platform"))
    if code is None:
        errors = body.get("errors")
        for item in errors if isinstance(errors, list) else ():
            if isinstance(item, Mapping) and id_text(item.get("code")) is not None:
                code = id_text(item.get("code"))
                message = clean_text(item.get("message")) or message
                platform = platform_name(item.get("platform")) or platform
                break
    return ErrorFields(code, message, platform)


def error_for_fields(
    status: int,
    fields: ErrorFields,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The domain error for an Ayrshare error answer: a code with a meaning of its own
    (329 already retried, 156/161/272 relink, 107/110 duplicate) wins on a 4xx; otherwise the
    HTTP status decides, carrying the code and message."""
    code, message = fields.code, fields.message
    if 400 <= status <= 499 and status != 429 and code is not None:
        if code in ALREADY_RETRIED_CODES:
            return AlreadyRetried(message, code=code, request_id=request_id, http_status=status)
        if code in RELINK_CODES:
            where = spoken_platform(fields.platform) if fields.platform else None
            text = message or ReconnectRequired.default_message
            return ReconnectRequired(
                f"{where}: {text}" if where else text,
                code=code,
                request_id=request_id,
                http_status=status,
            )
        if code in DUPLICATE_CODES:
            return DuplicateContent(message, code=code, request_id=request_id, http_status=status)
    return error_for_status(
        status, message=message, code=code, request_id=request_id, retry_after=retry_after
    )


def request_id_of(response: HttpResponse) -> str | None:
    return id_text(response.header("x-request-id"))


def error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer. An HTML page or broken JSON keeps the class its
    HTTP status gives it."""
    try:
        body = decode_json(response.content, http_status=response.status)
    except MalformedResponse:
        body = None
    return error_for_fields(
        response.status,
        error_fields(body),
        request_id=request_id_of(response),
        retry_after=response.retry_after_s(),
    )


def read_body(response: HttpResponse) -> object:
    """The decoded body of an answer, or the domain error it stands for."""
    if not response.ok:
        raise error_from_response(response)
    return decode_json(
        response.content, http_status=response.status, request_id=request_id_of(response)
    )


def raise_if_error_body(obj: JsonObject) -> None:
    """An error answered with 200 (``status: "error"``, a code, no post id) is an error,
    classified as if it had come with a 400."""
    status = obj.get("status")
    if (
        isinstance(status, str)
        and status.strip().lower() == "error"
        and id_text(obj.get("code")) is not None
        and "id" not in obj
    ):
        error = error_for_fields(400, error_fields(obj))
        error.http_status = 200
        raise error


def _coded_errors(obj: JsonObject) -> list[JsonObject]:
    errors = obj.get("errors")
    return [
        item
        for item in (errors if isinstance(errors, list) else ())
        if isinstance(item, Mapping) and id_text(item.get("code")) is not None
    ]


def _network_answered(entry: JsonObject) -> bool:
    """A network's own refusal (it names its platform, and it is not a relink): the post
    reached the network again."""
    return bool(platform_name(entry.get("platform"))) and id_text(entry.get("code")) not in (
        RELINK_CODES
    )


def retry_refusal(obj: JsonObject) -> ProviderError | None:
    """What an answer to ``PUT /post/retry`` refuses, or None when it accepts.

    Whatever the HTTP status (200 included) and whether or not it carries an ``id``, a
    top-level status "error" or a code in ``errors[]`` is a refusal. It re-sent nothing (the
    post keeps its one retry: ``RetryNotApplied``) unless it says the retry went: 329 (spent
    before), or a network's own refusal in ``errors[]`` (110 duplicate on X: the text went
    out again). ``retryAvailable: true`` says outright that the retry is still there.
    """
    status = obj.get("status")
    coded = _coded_errors(obj)
    if not coded and not (isinstance(status, str) and status.strip().lower() == "error"):
        return None
    error = error_for_fields(400, error_fields(obj))
    error.http_status = 200
    if isinstance(error, AlreadyRetried):
        return error
    went_out = any(_network_answered(entry) for entry in coded)
    if went_out and opt_bool(obj, "retryAvailable") is not True:
        return error
    return RetryNotApplied(
        f"{error.message} Nothing was re-sent: the post can still be retried.",
        code=error.code,
        http_status=200,
    )
