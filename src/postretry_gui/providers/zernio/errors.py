"""Zernio's error answers (contract section 4): ``{"error", "type"?, "code"?, "details"?,
...}``, the Node SDK's ``message`` when ``error`` is missing, the rules' older
``{"error", "code", "details"}``; and the domain error each stands for, by HTTP status first
(code strings differ between the rules, the spec and the SDKs, and in case)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from postretry_gui.domain.errors import (
    DuplicateContent,
    Forbidden,
    MalformedResponse,
    NothingToRetry,
    ProviderError,
    ReconnectRequired,
)
from postretry_gui.providers.http import HttpResponse
from postretry_gui.providers.parsing import clean_text, decode_json, error_for_status, id_text

# Codes with a meaning of their own, compared case-insensitively.
DUPLICATE_CODE = "duplicate_content"
DISCONNECTED_CODE = "account_disconnected"
MISSING_GROUP_CODE = "insufficient_permissions"


@dataclass(frozen=True, slots=True)
class ErrorFields:
    message: str | None = None
    code: str | None = None
    # 403 ``insufficient_permissions``: the key's missing resource group.
    required_group: str | None = None
    # 409 on create (and the rules' DUPLICATE_CONTENT): ``details.existingPostId``.
    existing_post_id: str | None = None


def error_fields(body: object) -> ErrorFields:
    if not isinstance(body, Mapping):
        return ErrorFields()
    error = body.get("error")
    message = clean_text(error) or clean_text(body.get("message"))
    if message is None and isinstance(error, Mapping):  # a nested {"message", "code"}
        message = clean_text(error.get("message"))
    details = body.get("details")
    detail_map: Mapping[str, object] = details if isinstance(details, Mapping) else {}
    return ErrorFields(
        message=message,
        code=id_text(body.get("code")),
        required_group=id_text(body.get("required_group")) or id_text(detail_map.get("group")),
        existing_post_id=id_text(detail_map.get("existingPostId")),
    )


def error_for_fields(
    status: int,
    fields: ErrorFields,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    retrying: bool = False,
) -> ProviderError:
    """The domain error for an error answer. ``retrying``: the answer of
    ``POST /v1/posts/{id}/retry``, where 400 ("Invalid state") and 409 ("currently
    publishing") both mean this action has nothing to send: re-read the post, never resend."""
    code, message = fields.code, fields.message
    folded = (code or "").lower()
    kind: type[ProviderError] | None = None
    if status == 409 and folded == DUPLICATE_CODE:
        kind = DuplicateContent
    elif status == 403 and folded == DISCONNECTED_CODE:
        kind = ReconnectRequired
    elif status == 403 and folded == MISSING_GROUP_CODE:
        kind = Forbidden
        group = fields.required_group
        text = message or Forbidden.default_message
        message = f"{text} (the key lacks the {group} group)" if group else text
    elif retrying and status in (400, 409):
        kind = NothingToRetry
    if kind is not None:
        return kind(message, code=code, request_id=request_id, http_status=status)
    return error_for_status(
        status, message=message, code=code, request_id=request_id, retry_after=retry_after
    )


def request_id_of(response: HttpResponse) -> str | None:
    return id_text(response.header("x-request-id"))


def _error_from(response: HttpResponse, *, retrying: bool) -> ProviderError:
    try:
        body = decode_json(response.content, http_status=response.status)
    except MalformedResponse:  # an HTML page keeps the class its status gives it
        body = None
    return error_for_fields(
        response.status,
        error_fields(body),
        request_id=request_id_of(response),
        retry_after=response.retry_after_s(),
        retrying=retrying,
    )


def error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer of any read."""
    return _error_from(response, retrying=False)


def retry_error_from_response(response: HttpResponse) -> ProviderError:
    """The domain error for a non-2xx answer of the retry route."""
    return _error_from(response, retrying=True)


def read_body(response: HttpResponse) -> object:
    """The decoded body of an answer, or the domain error it stands for."""
    if not response.ok:
        raise error_from_response(response)
    return decode_json(
        response.content, http_status=response.status, request_id=request_id_of(response)
    )
