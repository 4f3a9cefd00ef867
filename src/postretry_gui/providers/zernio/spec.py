"""Zernio's facts (API-CONTRACTS.md section 4), as the registry lists them."""

from __future__ import annotations

from postretry_gui.domain import ProviderCapabilities, Status
from postretry_gui.domain.provider_spec import ProviderSpec, SecretField
from postretry_gui.domain.status import PostStatus
from postretry_gui.providers.zernio.causes import (
    ACCOUNT_CANNOT_POST,
    CAUSES,
    RECONNECT_CATEGORIES,
)

DEFAULT_BASE_URL = "https://zernio.com/api"

CAPABILITIES = ProviderCapabilities(
    display_name="Zernio",
    # POST /v1/posts/{id}/retry has no body: every failed target of the post runs again.
    per_destination_retry=False,
    # Nothing documents a once-only rule (contract, "Left open"); a refusal is final per action.
    max_retries_per_post=None,
    reconnect_url="https://zernio.com/dashboard",
    relink_error_codes=RECONNECT_CATEGORIES | {ACCOUNT_CANNOT_POST},
)

# A target's ``status``: the current words and the older generations' (``publishing``).
# ``cancelled`` (removed by unpublish) and any new word stay UNKNOWN: never "failed".
DESTINATION_WORDS = {
    "pending": Status.QUEUED,
    "processing": Status.PUBLISHING,
    "uploading": Status.PUBLISHING,
    "publishing": Status.PUBLISHING,
    "published": Status.PUBLISHED,
    "failed": Status.FAILED,
}

# A post's ``status`` in the app's words; ``pending_approval`` waits for a human like a draft.
POST_WORDS = {
    "draft": PostStatus.DRAFT,
    "pending_approval": PostStatus.DRAFT,
    "scheduled": PostStatus.SCHEDULED,
    "publishing": PostStatus.PUBLISHING,
    "published": PostStatus.PUBLISHED,
    "partial": PostStatus.PARTIALLY_FAILED,
    "failed": PostStatus.FAILED,
}

SPEC = ProviderSpec(
    kind="zernio",
    default_base_url=DEFAULT_BASE_URL,
    # Bearer only: a full-access ``sk_`` key or a restricted ``zrk_`` one.
    secret_fields=(SecretField("api_key", "API &key:", required=True),),
    capabilities=CAPABILITIES,
    destination_words=DESTINATION_WORDS,
    causes=CAUSES,
)
