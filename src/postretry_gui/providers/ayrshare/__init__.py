"""Ayrshare (API-CONTRACTS.md section 2): its facts (``spec``), its wire format and the
``Provider`` on top (``client``)."""

from postretry_gui.providers.ayrshare.client import AyrshareProvider, create, read_rate_limit
from postretry_gui.providers.ayrshare.spec import CAPABILITIES, DEFAULT_BASE_URL, SPEC

__all__ = [
    "CAPABILITIES",
    "DEFAULT_BASE_URL",
    "SPEC",
    "AyrshareProvider",
    "create",
    "read_rate_limit",
]
