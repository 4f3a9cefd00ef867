"""What the retry confirmation (Ctrl+R) says: plain sentences the window shows as they are.

Apart from ``plan_text`` (which reads the key's budget through the providers' pacer) so the
window may import it: the UI never imports a provider, not even through a controller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryConfirmation:
    # The plan: "408 destinations in 199 posts: 16 requests".
    question: str
    # How the requests go, and the promise about resending.
    detail: str
    # A sentence that must be read before saying yes (the job does not fit the budget left);
    # None: nothing to warn about.
    warning: str | None = None
