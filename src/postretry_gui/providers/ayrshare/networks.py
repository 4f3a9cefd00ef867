"""Ayrshare's networks: its platform names, the app's names for them, and how texts say them.

Ayrshare posts go to networks, not accounts, so a destination's ``account_id`` is
Ayrshare's platform name ("twitter", "linkedin"); its ``platform`` is the app's name for the
network ("x" for Twitter) so icons and texts match the other providers'.
"""

from __future__ import annotations

from postretry_gui.domain import Post
from postretry_gui.domain.platforms import platform_display_name
from postretry_gui.providers.parsing import clean_text

# Ayrshare's platform names that the app shows under another name.
_APP_PLATFORM = {"twitter": "x"}
X_ACCOUNT_IDS = frozenset({"twitter", "x"})


def app_platform(ayrshare_name: str) -> str:
    return _APP_PLATFORM.get(ayrshare_name, ayrshare_name)


def spoken_platform(ayrshare_name: str) -> str:
    """How a network is named in an error text ("LinkedIn: ...", not "linkedin: ..."): the
    app's one rule for every provider."""
    return platform_display_name(app_platform(ayrshare_name))


def goes_to_x(post: Post) -> bool:
    return any(d.account_id in X_ACCOUNT_IDS for d in post.destinations)


def platform_name(value: object) -> str | None:
    text = clean_text(value, limit=40)
    return text.lower() if text else None


def platform_list(value: object) -> list[str]:
    """``platforms`` as a list of names (a single string accepted); others skipped."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names: list[str] = []
    for item in items:
        name = platform_name(item)
        if name and name not in names:
            names.append(name)
    return names
