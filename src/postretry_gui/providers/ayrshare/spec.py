"""Ayrshare's facts (API-CONTRACTS.md section 2), as the registry lists them."""

from __future__ import annotations

from postretry_gui.domain import ProviderCapabilities, Status
from postretry_gui.domain.provider_spec import ProviderSpec, SecretField
from postretry_gui.providers.ayrshare.causes import CAUSES, RELINK_CODES

DEFAULT_BASE_URL = "https://api.ayrshare.com/api"

CAPABILITIES = ProviderCapabilities(
    display_name="Ayrshare",
    per_destination_retry=False,
    max_retries_per_post=1,
    reconnect_url="https://app.ayrshare.com/social-accounts",
    relink_error_codes=RELINK_CODES,
)

# postIds[].status is "success" for networks that took the post, errors[] carry "error"; a
# retried post reads "pending" and then "processing".
DESTINATION_WORDS = {
    "success": Status.PUBLISHED,
    "error": Status.FAILED,
    "pending": Status.QUEUED,
    "processing": Status.PUBLISHING,
    "scheduled": Status.QUEUED,
}

SPEC = ProviderSpec(
    kind="ayrshare",
    default_base_url=DEFAULT_BASE_URL,
    secret_fields=(
        SecretField("api_key", "API &key:", required=True),
        # Selects a user profile; the X app keys are needed to retry a post that goes to X.
        SecretField("profile_key", "Pro&file-Key:"),
        SecretField("x_api_key", "&X API key:"),
        SecretField("x_api_secret", "X API &secret:"),
    ),
    capabilities=CAPABILITIES,
    destination_words=DESTINATION_WORDS,
    causes=CAUSES,
)
