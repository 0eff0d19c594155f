"""Shared fixtures. Qt runs offscreen; secrets go to an in-memory keyring; real servers start
on 127.0.0.1 when a test asks for them."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

# Must be set before any QApplication exists (Qt aborts the process without a platform).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests import servers  # noqa: E402


class MemoryKeyring(KeyringBackend):
    """A keyring for tests only: in memory, never on disk."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def server_root():
    with tempfile.TemporaryDirectory(prefix="engage-servers-") as d:
        os.chmod(d, 0o755)
        yield Path(d)


@pytest.fixture(scope="session")
def mariadb(server_root):
    server = servers.start_mariadb(server_root)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(server_root):
    server = servers.start_postgres(server_root)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{(tmp_path / 'engage.db').as_posix()}"
        return
    pg = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield pg.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
