"""Ayrshare's failures by cause (API-CONTRACTS.md section 2): its error codes and words.

The codes are the contract's: 110 (X) and 107 (Facebook) are the network refusing the text
as a duplicate, so a retry re-sends the same text, fails the same way and spends the post's
only retry; 156, 161 and 272 mean relink the account. The phrases are the wording of its
error messages where no code says enough.
"""

from __future__ import annotations

from postretry_gui.domain.triage import Cause, CauseTable, phrase

DUPLICATE_CODES = frozenset({"107", "110"})
RELINK_CODES = frozenset({"156", "161", "272"})

CAUSES = CauseTable(
    codes={
        **dict.fromkeys(DUPLICATE_CODES, Cause.CONTENT),
        **dict.fromkeys(RELINK_CODES, Cause.RECONNECT),
    },
    phrases=(
        phrase(r"identical to the last one|is a duplicate", Cause.CONTENT),
        phrase(r"unlink and relink|not linked|link the account again", Cause.RECONNECT),
        phrase(r"premium plan|upgrade your plan", Cause.REFUSED),
    ),
)
