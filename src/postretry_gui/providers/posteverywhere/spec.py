"""PostEverywhere's facts (API-CONTRACTS.md section 1), as the registry lists them."""

from __future__ import annotations

from postretry_gui.domain import ProviderCapabilities, Status
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.domain.change_feed import ChangeFeed
from postretry_gui.domain.provider_spec import ProviderSpec, SecretField
from postretry_gui.providers.posteverywhere.causes import CAUSES

DEFAULT_BASE_URL = "https://app.posteverywhere.ai/api/v1"

CAPABILITIES = ProviderCapabilities(
    display_name="PostEverywhere",
    per_destination_retry=True,
    max_retries_per_post=None,
    reconnect_url="https://app.posteverywhere.ai/accounts",
    # GET /posts with updated_after, sorted by updated_at: only what changed, 100 a page.
    change_feed=ChangeFeed(page_size=100, filters_by_update=True),
    # POST /posts/retry-failed: post_ids (at most 200) and account_id combine.
    bulk_max_posts=200,
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

# Per key (API-CONTRACTS.md): every request counts in all three.
RATE_WINDOWS = (
    WindowSpec(limit=60, length_s=60.0, label="this minute"),
    WindowSpec(limit=1_000, length_s=3_600.0, label="this hour"),
    WindowSpec(limit=10_000, length_s=86_400.0, label="today"),
)

SPEC = ProviderSpec(
    kind="posteverywhere",
    default_base_url=DEFAULT_BASE_URL,
    secret_fields=(SecretField("api_key", "API &key:", required=True),),
    capabilities=CAPABILITIES,
    destination_words=DESTINATION_WORDS,
    causes=CAUSES,
    rate_windows=RATE_WINDOWS,
)
