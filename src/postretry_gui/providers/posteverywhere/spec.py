"""PostEverywhere's facts (API-CONTRACTS.md section 1), as the registry lists them."""

from __future__ import annotations

from postretry_gui.domain import ProviderCapabilities, Status
from postretry_gui.domain.provider_spec import ProviderSpec, SecretField
from postretry_gui.providers.posteverywhere.causes import CAUSES

DEFAULT_BASE_URL = "https://app.posteverywhere.ai/api/v1"

CAPABILITIES = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://app.posteverywhere.ai/accounts",
)

# A destination's status words. The documented four, plus words older payloads and the
# other vocabularies have been seen to use for the same states.
DESTINATION_WORDS = {
    "queued": Status.QUEUED,
    "pending": Status.QUEUED,
    "scheduled": Status.QUEUED,
    "publishing": Status.PUBLISHING,
    "processing": Status.PUBLISHING,
    "published": Status.PUBLISHED,
    "success": Status.PUBLISHED,
    "failed": Status.FAILED,
    "error": Status.FAILED,
}

SPEC = ProviderSpec(
    kind="posteverywhere",
    default_base_url=DEFAULT_BASE_URL,
    secret_fields=(SecretField("api_key", "API &key:", required=True),),
    capabilities=CAPABILITIES,
    destination_words=DESTINATION_WORDS,
    causes=CAUSES,
)
