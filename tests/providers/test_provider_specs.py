"""Each provider's status vocabulary (its spec's words) in the app's ``Status``; and the
registry: one spec per provider, each kind once, each with a factory."""

from __future__ import annotations

import pytest

from postretry_gui.domain import Status
from postretry_gui.domain.provider_spec import ProviderCatalog
from postretry_gui.providers.ayrshare import SPEC as AYRSHARE
from postretry_gui.providers.posteverywhere import SPEC as POSTEVERYWHERE
from postretry_gui.providers.registry import CATALOG, PROVIDERS, create_provider
from postretry_gui.providers.zernio import SPEC as ZERNIO
from postretry_gui.store.secrets import SecretKind
from postretry_gui.store.workspaces import secret_kinds


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", Status.QUEUED),
        ("Publishing", Status.PUBLISHING),
        ("published", Status.PUBLISHED),
        ("FAILED", Status.FAILED),
        ("exploded", Status.UNKNOWN),
        (None, Status.UNKNOWN),
        (3, Status.UNKNOWN),
    ],
)
def test_posteverywhere_statuses_normalise(raw: object, status: Status) -> None:
    assert POSTEVERYWHERE.destination_status(raw) is status


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("success", Status.PUBLISHED),
        ("error", Status.FAILED),
        ("pending", Status.QUEUED),
        ("processing", Status.PUBLISHING),
        ("awaiting approval", Status.UNKNOWN),
    ],
)
def test_ayrshare_statuses_normalise(raw: str, status: Status) -> None:
    assert AYRSHARE.destination_status(raw) is status


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("pending", Status.QUEUED),
        ("processing", Status.PUBLISHING),
        ("uploading", Status.PUBLISHING),
        ("publishing", Status.PUBLISHING),  # older generations
        ("published", Status.PUBLISHED),
        ("failed", Status.FAILED),
        ("cancelled", Status.UNKNOWN),  # removed by unpublish: never "failed"
        ("exploded", Status.UNKNOWN),
    ],
)
def test_zernio_statuses_normalise(raw: str, status: Status) -> None:
    assert ZERNIO.destination_status(raw) is status


def test_every_registered_provider_has_one_spec_and_a_factory() -> None:
    kinds = [entry.spec.kind for entry in PROVIDERS]
    assert kinds == list(CATALOG.kinds()) == ["posteverywhere", "ayrshare", "zernio"]
    for entry in PROVIDERS:
        assert CATALOG.spec(entry.spec.kind) is entry.spec
        assert callable(entry.factory)


def test_every_secret_field_is_one_the_keyring_stores_and_the_api_key_is_required() -> None:
    for spec in CATALOG:
        names = [f.name for f in spec.secret_fields]
        assert {SecretKind(name) for name in names} == set(secret_kinds(spec))
        assert names[0] == "api_key"
        assert spec.secret_fields[0].required


@pytest.mark.asyncio
async def test_the_registry_builds_each_providers_client_from_its_secrets() -> None:
    pe = create_provider("posteverywhere", POSTEVERYWHERE.default_base_url, {"api_key": "k"})
    ayr = create_provider("ayrshare", AYRSHARE.default_base_url, {"api_key": "k"})
    assert pe.capabilities is POSTEVERYWHERE.capabilities
    zer = create_provider("zernio", ZERNIO.default_base_url, {"api_key": "k"})
    assert ayr.capabilities is AYRSHARE.capabilities
    assert zer.capabilities is ZERNIO.capabilities
    await pe.aclose()
    await ayr.aclose()
    await zer.aclose()


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        ProviderCatalog([POSTEVERYWHERE, POSTEVERYWHERE])
