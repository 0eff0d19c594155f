"""PMS connection settings: shared in the database, password only in the keyring."""

from __future__ import annotations

import json

import pytest

from engage_desktop.domain.errors import PmsConnectionError
from engage_desktop.domain.pms_connection import ConnectionSettings, FailureKind, Vendor
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.services import pms_connection
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AppSetting
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeSecretStore


@pytest.fixture
def uow_factory(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


def test_password_goes_to_the_keyring_and_never_to_the_database(uow_factory):
    secrets = FakeSecretStore()
    settings = ConnectionSettings(vendor=Vendor.DENTRIX, dsn="Dentrix", user="ddp", port=6597, overrides={"schema": "admin"})
    pms_connection.save_connection(uow_factory=uow_factory, secrets=secrets, settings=settings, password="s3cret!", actor=SYSTEM)
    with uow_factory() as uow:
        stored = [row.value for row in uow.session.query(AppSetting)]
    assert stored and all("s3cret!" not in v for v in stored)
    assert "password" not in json.loads(stored[0])
    assert secrets.get(pms_connection.PASSWORD_KEY) == "s3cret!"
    loaded = pms_connection.load_connection(uow_factory=uow_factory, secrets=secrets)
    assert loaded == settings.with_password("s3cret!")


def test_saving_without_a_password_keeps_the_stored_one_and_blank_removes_it(uow_factory):
    secrets = FakeSecretStore()
    settings = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, host="server", user="engage")
    pms_connection.save_connection(uow_factory=uow_factory, secrets=secrets, settings=settings, password="one", actor=SYSTEM)
    pms_connection.save_connection(uow_factory=uow_factory, secrets=secrets, settings=settings, password=None, actor=SYSTEM)
    assert secrets.get(pms_connection.PASSWORD_KEY) == "one"
    pms_connection.save_connection(uow_factory=uow_factory, secrets=secrets, settings=settings, password="", actor=SYSTEM)
    assert secrets.get(pms_connection.PASSWORD_KEY) is None


def test_sync_without_a_connection_is_a_clear_error(uow_factory):
    with pytest.raises(PmsConnectionError) as err:
        pms_connection.run_sync(uow_factory=uow_factory, secrets=FakeSecretStore(), open_reader=lambda s: None)
    assert err.value.kind == FailureKind.NOT_CONFIGURED


def test_connection_string_braces_odd_values_and_redacts_the_password():
    s = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, host="db;server", user="u", password="p;w}d", port=3307)
    text = s.connection_string()
    assert "SERVER={db;server}" in text and "PWD={p;w}}d}" in text and "PORT=3307" in text
    assert "p;w}d" not in s.redacted_connection_string()
    braced = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, host="h", password="{abc}").connection_string()
    assert "PWD={{abc}}}" in braced  # a password that looks braced is still escaped, not unwrapped
    assert "DRIVER={MariaDB Unicode}" in braced


def test_the_demo_practice_needs_no_keyring(uow_factory):
    class NoKeyring(FakeSecretStore):
        def get(self, key):
            raise AssertionError("the demo must not touch the keyring")

    demo = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, sqlite_path="/tmp/demo.sqlite")
    pms_connection.save_connection(uow_factory=uow_factory, secrets=FakeSecretStore(), settings=demo, password=None, actor=SYSTEM)
    assert pms_connection.load_connection(uow_factory=uow_factory, secrets=NoKeyring()) == demo


def test_a_missing_system_keyring_is_a_clear_error(monkeypatch):
    import keyring
    from keyring.backends import fail

    from engage_desktop.domain.errors import ConfigurationError
    from engage_desktop.keyring_store import KeyringSecretStore

    keyring.set_keyring(fail.Keyring())
    with pytest.raises(ConfigurationError, match="system keyring is not available"):
        KeyringSecretStore().get(pms_connection.PASSWORD_KEY)
