"""How networks and accounts are named on screen: one rule for every provider.

Providers spell networks their own way (Ayrshare "twitter", PostEverywhere "x", any case)
and some answers carry no account name at all; without one rule the window showed raw
lowercase words beside the names other accounts have ("twitter" above "Primary Profile on
LinkedIn").
"""

from __future__ import annotations

from postretry_gui.domain.models import Destination

PLATFORM_NAMES = {
    "x": "X",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "threads": "Threads",
    "pinterest": "Pinterest",
    "bluesky": "Bluesky",
    "reddit": "Reddit",
    "telegram": "Telegram",
    "gmb": "Google Business Profile",
    "snapchat": "Snapchat",
}
# Other spellings of the same networks.
_ALIASES = {"twitter": "x", "google": "gmb", "googlebusiness": "gmb"}


def platform_display_name(platform: str) -> str:
    """ "X", "LinkedIn", "YouTube"; an unknown network capitalised; "" for none."""
    word = platform.strip().lower()
    word = _ALIASES.get(word, word)
    return PLATFORM_NAMES.get(word, word.capitalize())


def account_display_name(destination: Destination) -> str:
    """The account's own name; without one, its network's name, plus the account id when
    the id is not just the network's name (PostEverywhere: "LinkedIn account 2285";
    Ayrshare, whose accounts are networks: "X")."""
    name = destination.account_name.strip()
    if name:
        return name
    network = platform_display_name(destination.platform) or "Unknown network"
    account = destination.account_id.strip()
    if not account or platform_display_name(account) == network:
        return network
    return f"{network} account {account}"
