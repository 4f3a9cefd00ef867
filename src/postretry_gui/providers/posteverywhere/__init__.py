"""PostEverywhere (API-CONTRACTS.md section 1): its facts (``spec``), its wire format and
the ``Provider`` on top (``client``)."""

from postretry_gui.providers.posteverywhere.client import PostEverywhereProvider, create
from postretry_gui.providers.posteverywhere.spec import CAPABILITIES, DEFAULT_BASE_URL, SPEC

__all__ = ["CAPABILITIES", "DEFAULT_BASE_URL", "SPEC", "PostEverywhereProvider", "create"]
