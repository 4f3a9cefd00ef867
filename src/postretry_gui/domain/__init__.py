"""The domain: posts, destinations, statuses, eligibility and rate limits. No Qt, no I/O."""

from postretry_gui.domain.eligibility import (
    Eligibility,
    Verdict,
    eligibility,
    error_requires_reconnect,
    reconnect_required,
    retry_unit,
)
from postretry_gui.domain.models import (
    Account,
    AccountHealth,
    BulkRetryAck,
    Destination,
    Post,
    ProviderCapabilities,
    RetryAck,
)
from postretry_gui.domain.outcome import Outcome
from postretry_gui.domain.ratelimit import RateLimitState, parse_rate_limit
from postretry_gui.domain.status import PostStatus, Status

__all__ = [
    "Account",
    "AccountHealth",
    "BulkRetryAck",
    "Destination",
    "Eligibility",
    "Outcome",
    "Post",
    "PostStatus",
    "ProviderCapabilities",
    "RateLimitState",
    "RetryAck",
    "Status",
    "Verdict",
    "eligibility",
    "error_requires_reconnect",
    "parse_rate_limit",
    "reconnect_required",
    "retry_unit",
]
