"""What can go wrong talking to a provider, as a short hierarchy of domain errors.

Providers raise these; controllers and the UI catch them. Messages are written for the
operator and never carry a secret: no header, no key, no request body.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every provider failure.

    ``code`` is the server's own code string when it sent one, ``request_id`` its request id,
    ``http_status`` the HTTP status (None when no answer arrived).
    """

    default_message = "The server reported an error."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return " · ".join(parts)


class BadRequest(ProviderError):
    default_message = "The server refused the request as malformed."


class Unauthorized(ProviderError):
    default_message = "The API key was rejected. Check it or enter a new one."


class PaymentRequired(ProviderError):
    default_message = "The account has no credits or its plan does not include this."


class Forbidden(ProviderError):
    default_message = "The key lacks the scope for this, or a quota is exhausted."


class NotFound(ProviderError):
    default_message = "Not found: the post was deleted or never existed."


class NothingToRetry(ProviderError):
    default_message = "Nothing to retry: every destination is queued, publishing or published."


class AlreadyRetried(ProviderError):
    default_message = "This post was already retried once and cannot be retried again."


class ReconnectRequired(ProviderError):
    default_message = "The account must be reconnected before a retry can succeed."


class DuplicateContent(ProviderError):
    default_message = "The network refused the post as a duplicate."


class RetryNotApplied(ProviderError):
    """The server refused a retry and says it re-sent nothing (Ayrshare: an error body, even
    with HTTP 200, about the request itself): a once-only post keeps its retry."""

    default_message = "The server refused the retry and re-sent nothing."


class ValidationFailed(ProviderError):
    default_message = "The server could not process the request."


class RateLimited(ProviderError):
    """429. ``retry_after`` is the wait in seconds the headers asked for (None if none did)."""

    default_message = "Rate limit reached: waiting before the next request."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        code: str | None = None,
        request_id: str | None = None,
        http_status: int | None = 429,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id, http_status=http_status)
        self.retry_after = retry_after


class TooManyRateLimits(ProviderError):
    """Stopped on purpose after repeated 429s: hammering through them can suspend a profile."""

    default_message = (
        "Stopped after repeated rate-limit answers: the service suspends profiles that keep "
        "hitting the limit. Try again in a few minutes."
    )


class ServerError(ProviderError):
    default_message = "The server failed (5xx). Try again shortly."


class TransportError(ProviderError):
    """No usable answer arrived."""

    default_message = "The server could not be reached."


class Unreachable(TransportError):
    default_message = "The server is unreachable: connection refused or no network."


class TimedOut(TransportError):
    default_message = "The server did not answer in time."


class OutcomeUnknown(TransportError):
    """A retry was sent but its answer was lost. It may have been applied: never resend it
    blindly; re-read the post instead."""

    default_message = (
        "Outcome unknown: the retry was sent but no answer came back. Re-reading the post "
        "instead of resending it."
    )


class MalformedResponse(ProviderError):
    default_message = (
        "The server's answer was not what the API promises (not JSON, or wrong shape)."
    )


class ProviderSecretMissing(ProviderError):
    default_message = "No API key is available for this workspace."
