"""The retry history as CSV, one row per intent, the same for the local and the team's
journal: the header names the columns and every row has a value for each."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from postretry_gui.store.journal_intent import Intent

HEADER = (
    "intent_id", "workspace_id", "post_id", "account_ids", "created_at", "operator", "state",
    "outcome", "detail", "sent_at", "updated_at", "request_key",
)  # fmt: skip


def _spreadsheet_safe(value: str) -> str:
    # Formula injection: a server's error text starting with "=" must stay text in a sheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(intent: Intent) -> tuple[str, ...]:
    return (
        intent.intent_id,
        intent.workspace_id,
        _spreadsheet_safe(intent.post_id),
        " ".join(_spreadsheet_safe(a) for a in intent.account_ids),
        intent.created_at.isoformat(),
        _spreadsheet_safe(intent.operator),
        intent.state.value,
        "" if intent.outcome is None else intent.outcome.value,
        _spreadsheet_safe(intent.detail),
        "" if intent.sent_at is None else intent.sent_at.isoformat(),
        intent.updated_at.isoformat(),
        intent.request_key or "",
    )


def history_csv(intents: Iterable[Intent]) -> str:
    """The header, then a row per intent in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_row(intent) for intent in intents)
    return buffer.getvalue()
