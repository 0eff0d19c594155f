"""The composition root: config -> engine -> unit of work -> adapters -> services.

Nothing in the package connects, opens or starts at import time; everything starts here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from engage_desktop.config import AppConfig
from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.domain.ports import SecretStore
from engage_desktop.keyring_store import KeyringSecretStore
from engage_desktop.pms import open_reader as default_open_reader
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.pms_connection import ReaderFactory, load_connection, save_connection
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
DATABASE_PASSWORD_KEY = "database-password"


@dataclass
class Container:
    config: AppConfig
    engine: Engine
    uow_factory: SqlUnitOfWorkFactory
    secrets: SecretStore
    open_reader: ReaderFactory
    services: AppServices

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    config: AppConfig,
    *,
    secrets: SecretStore | None = None,
    open_reader: ReaderFactory | None = None,
    upgrade_schema: bool = True,
) -> Container:
    secrets = secrets or KeyringSecretStore()
    engine = make_engine(_url_with_password(config.database_url, secrets))
    if upgrade_schema:
        backup = migrate.upgrade(engine, backup_dir=config.data_dir / "backups" if config.is_sqlite else None)
        if backup:
            log.info("database backed up before the upgrade: %s", backup.name)
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine), region=config.region)
    reader_factory = open_reader or default_open_reader
    services = AppServices(uow_factory=uow_factory, secrets=secrets, open_reader=reader_factory,
                           is_demo=config.demo, region=config.region)
    return Container(config, engine, uow_factory, secrets, reader_factory, services)


def _url_with_password(url: str, secrets: SecretStore) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.password:
        return url
    password = secrets.get(DATABASE_PASSWORD_KEY)
    return parsed.set(password=password).render_as_string(hide_password=False) if password else url


def ensure_demo_practice(container: Container, *, patients: int = 3000) -> Path:
    """Create the demo practice's PMS database once, and point the PMS connection at it."""
    from engage_desktop.pms import demo

    path = container.config.demo_pms_path
    if not path.is_file():
        log.info("creating the demo practice (%d patients)", patients)
        demo.write_sqlite(path, demo.DemoSpec(patients=patients))
    current = load_connection(uow_factory=container.uow_factory, secrets=container.secrets)
    if current is None or current.sqlite_path != str(path):
        save_connection(uow_factory=container.uow_factory, secrets=container.secrets,
                        settings=ConnectionSettings(vendor=Vendor.OPEN_DENTAL, sqlite_path=str(path)), password=None)
    return path
