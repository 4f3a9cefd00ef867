"""PostEverywhere's failures by cause (API-CONTRACTS.md section 1): its error text, the
codes some payloads nest in a destination's error, and its account health reasons.

Its destination errors are free text. Several passing failures mention media ("Network
timeout while uploading media", "Upload session expired before the media finished
processing"), which the common phrases would call a content problem: the phrases here come
first and say what a retry fixes.
"""

from __future__ import annotations

from postretry_gui.domain.triage import Cause, CauseTable, phrase

CAUSES = CauseTable(
    codes={
        # The contract's error codes; 429's is spelt both ways (docs and SDKs).
        "rate_limited": Cause.TEMPORARY,
        "rate_limit_exceeded": Cause.TEMPORARY,
        "internal_error": Cause.TEMPORARY,
        "token_expired": Cause.RECONNECT,
        "needs_reconnection": Cause.RECONNECT,
    },
    phrases=(
        phrase(r"time(?:d)?\s?out|upload session expired", Cause.TEMPORARY),
        phrase(r"media processing failed", Cause.TEMPORARY),
        phrase(r"rate limit exceeded|outage|\(HTTP 5\d\d\)", Cause.TEMPORARY),
    ),
    # ``/accounts/{id}/health`` reasons: an inactive account posts nothing until it is
    # switched back on in the web app, like a reconnect.
    health_reasons={
        "account_inactive": Cause.RECONNECT,
        "needs_reconnection": Cause.RECONNECT,
        "token_expired": Cause.RECONNECT,
    },
)
