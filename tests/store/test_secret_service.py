"""The real thing: keyring's SecretService backend against gnome-keyring on a private D-Bus
session (run through scripts/with-private-keyring, which sets POSTRETRY_SECRET_SERVICE=1)."""

from __future__ import annotations

import gc
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from postretry_gui.providers.registry import CATALOG
from postretry_gui.store import (
    SERVICE,
    KeyringUnavailable,
    SecretKind,
    SecretStore,
    StoreDirs,
    WorkspaceRegistry,
    WorkspaceSecrets,
    describe_backend,
)

secretstorage = pytest.importorskip("secretstorage")
from keyring.backends import SecretService  # noqa: E402 - after the platform check above

pytestmark = pytest.mark.secret_service

KEY = "pe_live_" + uuid.uuid4().hex
# The throwaway login keyring's password, set by scripts/with-private-keyring.
THROWAWAY_PASSWORD = b"throwaway"


@pytest.fixture
def backend() -> SecretService.Keyring:
    if not SecretService.Keyring.viable:
        pytest.fail("no Secret Service: run the suite through scripts/with-private-keyring")
    return SecretService.Keyring()


@pytest.fixture
def collection() -> Iterator[object]:
    """The default (login) collection, seen directly through secretstorage; our items are
    deleted afterwards."""
    connection = secretstorage.dbus_init()
    login = secretstorage.get_default_collection(connection)
    yield login
    if login.is_locked():
        unlock(connection, login)
    for item in login.search_items({"service": SERVICE}):
        item.delete()
    connection.close()


def unlock(connection: object, login: object) -> None:
    """Unlock the collection with its password, as gnome-keyring's own login does (no
    prompter can run here)."""
    from jeepney import DBusAddress, new_method_call
    from secretstorage.util import format_secret, open_session

    session = open_session(connection)
    address = DBusAddress(
        "/org/freedesktop/secrets",
        bus_name="org.freedesktop.secrets",
        interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
    )
    message = new_method_call(
        address,
        "UnlockWithMasterPassword",
        "o(oayays)",
        (login.collection_path, format_secret(session, THROWAWAY_PASSWORD, "text/plain")),  # type: ignore[attr-defined]
    )
    connection.send_and_get_reply(message)  # type: ignore[attr-defined]


def items_of(collection: object, workspace_id: str) -> dict[str, bytes]:
    found = collection.search_items({"service": SERVICE})  # type: ignore[attr-defined]
    return {
        item.get_attributes()["username"]: item.get_secret()
        for item in found
        if item.get_attributes()["username"].startswith(f"{workspace_id}:")
    }


def test_the_backend_is_described_by_module_and_class(backend: SecretService.Keyring) -> None:
    assert describe_backend(backend) == "keyring.backends.SecretService.Keyring"


def test_save_load_and_delete_against_gnome_keyring(
    backend: SecretService.Keyring, collection: object
) -> None:
    workspace_id = uuid.uuid4().hex
    store = SecretStore(backend)

    store.save(workspace_id, SecretKind.API_KEY, KEY)

    assert items_of(collection, workspace_id) == {f"{workspace_id}:api_key": KEY.encode()}
    # A fresh backend and store (the next start of the app) read it back from the daemon.
    assert SecretStore(SecretService.Keyring()).load(workspace_id, SecretKind.API_KEY) == KEY
    store.delete(workspace_id, SecretKind.API_KEY)
    assert items_of(collection, workspace_id) == {}
    assert store.load(workspace_id, SecretKind.API_KEY) is None
    store.delete(workspace_id, SecretKind.API_KEY)  # already gone: fine


def test_removing_a_workspace_removes_its_items(
    backend: SecretService.Keyring, collection: object, tmp_path: Path
) -> None:
    workspaces = WorkspaceRegistry(
        StoreDirs.under(tmp_path).config_dir, SecretStore(backend), CATALOG
    )
    secrets = WorkspaceSecrets(
        api_key=KEY, profile_key="profile-" + uuid.uuid4().hex,
        x_api_key="xkey-" + uuid.uuid4().hex, x_api_secret="xsecret-" + uuid.uuid4().hex,
    )  # fmt: skip
    doomed = workspaces.add("Doomed", "ayrshare", secrets=secrets)
    kept = workspaces.add("Kept", "posteverywhere", secrets=WorkspaceSecrets(api_key=KEY))
    assert len(items_of(collection, doomed.workspace_id)) == 4

    workspaces.remove(doomed.workspace_id)

    assert items_of(collection, doomed.workspace_id) == {}
    assert items_of(collection, kept.workspace_id) == {f"{kept.workspace_id}:api_key": KEY.encode()}
    assert KEY.encode() not in workspaces.path.read_bytes()


def test_a_locked_collection_gives_the_typed_error_and_session_only_still_works(
    backend: SecretService.Keyring, collection: object
) -> None:
    workspace_id = uuid.uuid4().hex
    store = SecretStore(backend, platform="linux")
    collection.lock()  # type: ignore[attr-defined]

    # keyring 25.7 leaks its D-Bus connection when it raises KeyringLocked (opened before the
    # unlock check, closed only after it): the socket's ResourceWarning fires as the error is
    # released, here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with pytest.raises(KeyringUnavailable) as caught:
            store.save(workspace_id, SecretKind.API_KEY, KEY)
        gc.collect()

    assert "locked" in str(caught.value)
    assert "GNOME Keyring" in str(caught.value)
    store.save(workspace_id, SecretKind.API_KEY, KEY, session_only=True)
    assert store.load(workspace_id, SecretKind.API_KEY) == KEY
    unlock(collection.connection, collection)  # type: ignore[attr-defined]
    assert items_of(collection, workspace_id) == {}
