"""Ayrshare's facts (API-CONTRACTS.md section 2), as the registry lists them."""

from __future__ import annotations

from postretry_gui.domain import ProviderCapabilities, Status
from postretry_gui.domain.budget import WindowSpec
from postretry_gui.domain.change_feed import ChangeFeed
from postretry_gui.domain.provider_spec import ProviderSpec, SecretField
from postretry_gui.providers.ayrshare.causes import CAUSES, RELINK_CODES

DEFAULT_BASE_URL = "https://api.ayrshare.com/api"

CAPABILITIES = ProviderCapabilities(
    display_name="Ayrshare",
    per_destination_retry=False,
    max_retries_per_post=1,
    reconnect_url="https://app.ayrshare.com/social-accounts",
    relink_error_codes=RELINK_CODES,
    # GET /history knows no update time: read whole, up to 1,000 a page; with a limit above
    # 25 it is served from a cache up to a minute old, so once a minute at most.
    change_feed=ChangeFeed(page_size=1000, filters_by_update=False, min_interval_s=60.0),
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

# Per profile (current docs; older ones said 150-250: the answers' limit corrects it).
RATE_WINDOWS = (WindowSpec(limit=300, length_s=300.0, label="these 5 minutes"),)

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
    rate_windows=RATE_WINDOWS,
)
