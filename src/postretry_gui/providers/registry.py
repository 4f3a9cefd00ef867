"""Every provider this build knows, one line each: its spec (facts) and its factory.

Adding a provider means one new package under ``providers/`` (a ``spec.py`` with its
``ProviderSpec``, a client with a ``create`` factory, its wire format) and one line in
``PROVIDERS``. Everything above reads this registry: the opener builds clients through
``create_provider``; the composition root hands ``CATALOG`` (plain data, a domain type) to
the store and, through the controller, to the dialogs, which may not import ``providers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from postretry_gui.domain.provider_spec import ProviderCatalog, ProviderSpec
from postretry_gui.providers import ayrshare, posteverywhere, zernio
from postretry_gui.providers.base import Provider

# (base URL, the workspace's secrets by ``SecretField.name``) -> a client. Raises a
# ``ProviderError`` for a missing or unsendable secret, naming it, never its value.
ProviderFactory = Callable[[str, Mapping[str, str | None]], Provider]


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    spec: ProviderSpec
    factory: ProviderFactory


PROVIDERS = (
    ProviderEntry(posteverywhere.SPEC, posteverywhere.create),
    ProviderEntry(ayrshare.SPEC, ayrshare.create),
    ProviderEntry(zernio.SPEC, zernio.create),
)

CATALOG = ProviderCatalog(entry.spec for entry in PROVIDERS)

_FACTORIES = {entry.spec.kind: entry.factory for entry in PROVIDERS}


def create_provider(kind: str, base_url: str, secrets: Mapping[str, str | None]) -> Provider:
    """The client of provider ``kind`` (``KeyError`` for a kind not in ``PROVIDERS``)."""
    return _FACTORIES[kind](base_url, secrets)
