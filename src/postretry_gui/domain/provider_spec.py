"""What the app knows about a provider, as plain data: one ``ProviderSpec`` per provider.

Why here, in the domain: every layer reads these facts (the store its default URLs and
known kinds, the dialogs the secret fields and display names, the providers their status
vocabulary), but the UI may not import ``providers`` and the store may not import its
sibling layer. So the data type lives at the bottom, each provider package fills in its own
spec (``providers/<name>/spec.py``), and ``providers.registry`` lists them with the
factories that build clients. Nothing here names a provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from postretry_gui.domain.budget import WindowSpec
from postretry_gui.domain.models import ProviderCapabilities
from postretry_gui.domain.status import Status, status_from_word
from postretry_gui.domain.triage import CauseTable


@dataclass(frozen=True, slots=True)
class SecretField:
    """One secret a workspace of the provider may keep in the keyring."""

    # The keyring's name for it (the store's ``SecretKind`` value): "api_key", "profile_key"...
    name: str
    # How a form labels it, with its mnemonic ("API &key:").
    label: str
    # False: the workspace works without it (a form shows "optional").
    required: bool = False


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider's facts. ``kind`` is the id saved in the settings file: never rename it."""

    kind: str
    default_base_url: str
    secret_fields: tuple[SecretField, ...]
    capabilities: ProviderCapabilities
    # The provider's words for a destination's state (lower case), in the app's ``Status``.
    destination_words: Mapping[str, Status]
    # Its failures by cause (``domain.triage``): codes, error phrases, health reasons.
    causes: CauseTable = field(default_factory=CauseTable)
    # The published rate windows of one key (shortest first is not required): the pacer
    # counts every one of them. Empty: the answers' headers alone pace the key.
    rate_windows: tuple[WindowSpec, ...] = ()

    @property
    def display_name(self) -> str:
        return self.capabilities.display_name

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.secret_fields)

    def destination_status(self, raw: object) -> Status:
        """A destination status word as the app's ``Status`` (``UNKNOWN`` for a new word)."""
        return status_from_word(self.destination_words, raw)


class ProviderCatalog:
    """The specs of every provider this build knows, in the order forms list them."""

    def __init__(self, specs: Iterable[ProviderSpec]) -> None:
        self._specs: dict[str, ProviderSpec] = {}
        for spec in specs:
            if spec.kind in self._specs:
                raise ValueError(f"provider kind {spec.kind!r} registered twice")
            self._specs[spec.kind] = spec

    def __iter__(self) -> Iterator[ProviderSpec]:
        return iter(self._specs.values())

    def __contains__(self, kind: object) -> bool:
        return kind in self._specs

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, kind: str) -> ProviderSpec:
        """The spec of ``kind`` (``KeyError`` for a kind this build does not know)."""
        return self._specs[kind]
