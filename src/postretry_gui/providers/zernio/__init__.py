"""Zernio, formerly Late (API-CONTRACTS.md section 4): its facts (``spec``), its failure
vocabulary (``causes``), its wire format and the ``Provider`` on top (``client``)."""

from postretry_gui.providers.zernio.causes import CAUSES
from postretry_gui.providers.zernio.client import ZernioProvider, create, read_rate_limit
from postretry_gui.providers.zernio.spec import CAPABILITIES, DEFAULT_BASE_URL, SPEC

__all__ = [
    "CAPABILITIES",
    "CAUSES",
    "DEFAULT_BASE_URL",
    "SPEC",
    "ZernioProvider",
    "create",
    "read_rate_limit",
]
