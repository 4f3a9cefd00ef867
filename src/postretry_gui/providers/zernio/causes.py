"""Zernio's failure vocabulary for triage: each ``errorCategory`` the SDKs and the rules list
(contract section 4, "errorCategory values"), and the phrases of its error text."""

from __future__ import annotations

from postretry_gui.domain.triage import Cause, CauseTable, phrase

# ``errorCategory`` values that mean "the owner must fix the account": a retry fails again and
# repeated failures put the account into a cooldown that blocks every post to it.
RECONNECT_CATEGORIES = frozenset({"auth_expired", "account_issue"})
# Not Zernio's word: the parser gives a failed destination this code when its account says it
# cannot post (``needsReconnection: true``, ``isActive: false``, ``enabled: false``), so the
# eligibility rule, which reads ``relink_error_codes``, sees it like a category.
ACCOUNT_CANNOT_POST = "account_cannot_post"

# Not Zernio's word either: Instagram's "did not confirm" failure may be live already
# (contract, ``platformError``), whatever category it carries; triage reads this code.
UNCONFIRMED = "unconfirmed"

CATEGORY_CAUSES = {
    "auth_expired": Cause.RECONNECT,
    "account_issue": Cause.RECONNECT,
    ACCOUNT_CANNOT_POST: Cause.RECONNECT,
    "user_content": Cause.CONTENT,
    "media_error": Cause.CONTENT,
    "user_abuse": Cause.REFUSED,
    "platform_rejected": Cause.REFUSED,
    "platform_error": Cause.TEMPORARY,
    "platform_rate_limit": Cause.TEMPORARY,
    "rate_limited": Cause.TEMPORARY,
    "quota_exhausted": Cause.TEMPORARY,
    "system_error": Cause.TEMPORARY,
    "system": Cause.TEMPORARY,
    "unknown": Cause.UNKNOWN,
    UNCONFIRMED: Cause.MAY_BE_LIVE,
}

CAUSES = CauseTable(
    codes=CATEGORY_CAUSES,
    # Instagram's uncertain outcome without a category (with one, the parser's code says it).
    phrases=(phrase(r"did not confirm", Cause.MAY_BE_LIVE),),
)
