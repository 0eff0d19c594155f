"""The composition root: config -> engine -> unit of work -> adapters -> services.

Nothing in the package connects, opens or starts at import time; everything starts here.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from engage_desktop.config import AppConfig
from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.domain.pms_write import PatientCreator, PmsWriteError, WriteFailure
from engage_desktop.domain.ports import PasswordHasher, SecretStore
from engage_desktop.domain.practice_settings import Group
from engage_desktop.domain.rights import SYSTEM, Role
from engage_desktop.keyring_store import KeyringSecretStore
from engage_desktop.passwords import Argon2PasswordHasher
from engage_desktop.pms import open_reader as default_open_reader
from engage_desktop.services import practice_settings, users
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.dispatch import Providers
from engage_desktop.services.engine import MessagingEngine
from engage_desktop.services.messaging_config import MessagingConfig
from engage_desktop.services.pms_connection import ReaderFactory, load_connection, save_connection
from engage_desktop.services.practice_settings import load_settings
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
    hasher: PasswordHasher | None = None,
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
    messaging_engine = MessagingEngine(uow_factory=uow_factory, providers_for=ProviderFactory(config, secrets),
                             owner=f"{config.workstation}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    services = AppServices(uow_factory=uow_factory, secrets=secrets, open_reader=reader_factory,
                           hasher=hasher or Argon2PasswordHasher(), is_demo=config.demo, region=config.region,
                           workstation=config.workstation,
                           patient_creator=lambda: _patient_creator(config, uow_factory, secrets),
                           engine=messaging_engine)
    return Container(config, engine, uow_factory, secrets, reader_factory, services)


class ProviderFactory:
    """The providers the current settings ask for, built once per distinct setting (a provider keeps
    its HTTP session or SMTP connection between job runs). The demo always uses the sandbox."""

    def __init__(self, config: AppConfig, secrets: SecretStore) -> None:
        self.config, self.secrets = config, secrets
        self._cached: tuple[tuple, Providers] | None = None
        self._lock = threading.Lock()

    def __call__(self, messaging: MessagingConfig) -> Providers:
        live = messaging.get("messaging.mode") == "live" and not self.config.demo
        token = self.secrets.get("twilio.auth_token") if live else None
        password = self.secrets.get("smtp.password") if live and messaging.get("smtp.username") else None
        keys = ("twilio.account_sid", "twilio.base_url", "smtp.host", "smtp.port", "smtp.security", "smtp.username")
        key = (live, token, password, *(messaging.get(k) for k in keys))
        with self._lock:
            if self._cached is None or self._cached[0] != key:
                previous = self._cached
                self._cached = (key, self._build(messaging, live, token, password))
                old_email = previous[1].email if previous is not None else None
                if old_email is not None and old_email.name == "smtp":
                    old_email.close()  # settings changed: hang up (waits for a send in flight; reconnects if used again)
            return self._cached[1]

    def _build(self, messaging: MessagingConfig, live: bool, token: str | None, password: str | None) -> Providers:
        if not live:
            from engage_desktop.messaging.sandbox import SandboxEmail, SandboxSms

            state = self.config.data_dir / "sandbox.sqlite"
            return Providers(sms=SandboxSms(state), email=SandboxEmail(state))
        sms = email = None
        sid = messaging.get("twilio.account_sid")
        if sid and token:
            from engage_desktop.messaging.twilio import TwilioProvider

            sms = TwilioProvider(account_sid=sid, auth_secret=token, base_url=messaging.get("twilio.base_url"))
        host = messaging.get("smtp.host")
        if host:
            from engage_desktop.messaging.smtp import SmtpProvider

            security = "tls" if messaging.get("smtp.security") == "ssl" else "starttls"
            email = SmtpProvider(host=host, port=int(messaging.get("smtp.port")), security=security,
                                 username=messaging.get("smtp.username") or None, password=password)
        return Providers(sms=sms, email=email)


def _patient_creator(config: AppConfig, uow_factory: SqlUnitOfWorkFactory,
                     secrets: SecretStore) -> PatientCreator | None:
    """Create in PMS: the Open Dental API when the office set it up; the demo practice's own file in
    the demo; None (the hand-off card) otherwise. Read afresh each time: settings may change."""
    connection = load_connection(uow_factory=uow_factory, secrets=secrets)
    if connection is None or connection.vendor is not Vendor.OPEN_DENTAL:
        return None
    if config.demo and connection.sqlite_path == str(config.demo_pms_path):
        from engage_desktop.pms.demo_writer import DemoPatientCreator

        return DemoPatientCreator(config.demo_pms_path)
    values = load_settings(uow_factory=uow_factory, secrets=secrets, actor=SYSTEM, group=Group.PMS_API.value)
    mode = values.get("pms_api.mode", "off")
    if mode == "off":
        return None
    from engage_desktop.pms.opendental_api import API_MODES, ApiMode, OpenDentalApiClient

    developer, customer = secrets.get("pms_api.developer_key"), secrets.get("pms_api.customer_key")
    if not developer or not customer:
        raise PmsWriteError(WriteFailure.NOT_CONFIGURED, "The Open Dental API keys are missing: enter the developer "
                            "and customer keys in Settings ▸ Create in PMS.")
    base = API_MODES[ApiMode(mode)]
    if mode == "service":
        base = base.replace("localhost", values.get("pms_api.host") or "localhost")
    return OpenDentalApiClient(base, developer, customer)


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
                        settings=ConnectionSettings(vendor=Vendor.OPEN_DENTAL, sqlite_path=str(path)), password=None,
                        actor=SYSTEM)
    _ensure_demo_users_and_settings(container)
    return path


# The demo practice signs in with published passwords (shown on its sign-in screen); a real
# practice has no default account: its first start asks for the first administrator.
DEMO_USERS = (
    ("admin", "Dana Admin", "smile-demo-2026", Role.ADMINISTRATOR),
    ("frontdesk", "Riley Front Desk", "welcome-desk-2026", Role.FRONT_DESK),
)
DEMO_SETTINGS = {
    "practice.name": "Demo Family Dental", "practice.phone": "+15035550100", "practice.address1": "100 Example St",
    "practice.address2": "Suite 200", "practice.city": "Portland", "practice.state": "OR", "practice.postcode": "97201",
    "practice.time_zone": "America/Los_Angeles",
}
DEMO_LOCATIONS = {
    "1": {"texting_number": "+15035550111", "sms_registered": True, "email_sender": "downtown@example.com"},
    "2": {"texting_number": "+15035550112", "sms_registered": False, "email_sender": "eastside@example.com"},
}


def _ensure_demo_users_and_settings(container: Container) -> None:
    services = container.services
    if not services.needs_first_administrator():
        return
    admin_name, admin_display, admin_password, _ = DEMO_USERS[0]
    admin = users.create_first_administrator(uow_factory=container.uow_factory, hasher=services.hasher,
                                             username=admin_name, display_name=admin_display, password=admin_password,
                                             workstation=services.workstation)
    for username, display_name, password, role in DEMO_USERS[1:]:
        created = users.create_user(uow_factory=container.uow_factory, hasher=services.hasher, actor=admin,
                                    username=username, display_name=display_name, temporary_password=password, role=role)
        with container.uow_factory() as uow:  # a demo password is not temporary
            uow.users.update(created.id, must_change_password=False)
            uow.commit()
    practice_settings.save_settings(uow_factory=container.uow_factory, secrets=container.secrets, actor=admin,
                                    values=DEMO_SETTINGS)
    with container.uow_factory() as uow:  # the locations arrive with the first sync; their values can wait for them
        uow.settings.set(practice_settings.LOCATIONS_KEY, {
            pms_id: {**values} for pms_id, values in DEMO_LOCATIONS.items()})
        uow.commit()
