"""The PMS connection: stored settings (shared), password (keyring), test, and sync."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from engage_desktop.domain.errors import EngageError, PmsConnectionError
from engage_desktop.domain.pms_connection import ConnectionSettings, FailureKind, Vendor
from engage_desktop.domain.pms_records import SchemaReport
from engage_desktop.domain.ports import PmsReader, SecretStore, UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.domain.views import MirrorStats
from engage_desktop.services.audit import record
from engage_desktop.services.pms_sync import INCREMENTAL, SyncProgress, SyncReport, sync_pms

SETTINGS_KEY = "pms.connection"
PASSWORD_KEY = "pms-password"

ReaderFactory = Callable[[ConnectionSettings], PmsReader]


def load_connection(*, uow_factory: UnitOfWorkFactory, secrets: SecretStore) -> ConnectionSettings | None:
    """The saved connection with its password from the keyring, or None when not set up."""
    with uow_factory() as uow:
        data = uow.settings.get(SETTINGS_KEY)
    if not data:
        return None
    settings = settings_from_dict(data)
    if settings.is_demo:
        return settings  # the demo database has no login; no keyring needed (headless machines have none)
    return settings.with_password(secrets.get(PASSWORD_KEY) or "")


def save_connection(*, uow_factory: UnitOfWorkFactory, secrets: SecretStore, settings: ConnectionSettings,
                    password: str | None, actor: Actor) -> None:
    """Save the settings; ``password=None`` keeps the stored one, "" removes it. Audited."""
    actor.require(Right.MANAGE_SETTINGS)
    data = settings_to_dict(settings)
    with uow_factory() as uow:
        before = uow.settings.get(SETTINGS_KEY) or {}
        uow.settings.set(SETTINGS_KEY, data)
        changed = {k: v for k, v in data.items() if before.get(k) != v}
        if changed or password is not None:
            details: dict = {"before": {k: before.get(k) for k in changed}, "after": changed}
            if password is not None:
                details["secrets"] = {PASSWORD_KEY: "changed" if password else "removed"}
            record(uow, actor, "settings.change", entity_type="settings", entity_id="pms_connection", details=details)
        if password is not None:  # before the commit: a keyring failure leaves nothing half-saved
            if password:
                secrets.set(PASSWORD_KEY, password)
            else:
                secrets.delete(PASSWORD_KEY)
        uow.commit()


def settings_to_dict(settings: ConnectionSettings) -> dict:
    data = asdict(settings)
    data.pop("password")  # secrets live in the keyring only
    data["vendor"] = settings.vendor.value
    return data


def settings_from_dict(data: dict) -> ConnectionSettings:
    known = {f for f in ConnectionSettings.__dataclass_fields__ if f != "password"}
    values = {k: v for k, v in data.items() if k in known}
    values["vendor"] = Vendor(values.get("vendor", Vendor.OPEN_DENTAL.value))
    if values.get("port") in ("", 0):
        values["port"] = None
    return ConnectionSettings(**values)


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    kind: str  # FailureKind value, or "ok"
    message: str
    detail: str = ""
    schema: SchemaReport | None = None
    server_version: str = ""
    checks: tuple[str, ...] = field(default=())


def test_connection(*, settings: ConnectionSettings, open_reader: ReaderFactory) -> ConnectionTest:
    """Connect, ask the server's clock, and check every table/view and column the reader uses."""
    reader = None
    try:
        reader = open_reader(settings)  # a malformed override is reported, not raised
        reader.server_now()
        report = reader.check_schema()
    except PmsConnectionError as exc:
        return ConnectionTest(False, exc.kind, str(exc), exc.detail)
    except EngageError as exc:
        return ConnectionTest(False, FailureKind.OTHER.value, str(exc))
    finally:
        if reader is not None:
            reader.close()
    checks = (f"Connected to {settings.vendor.label}", "Server clock read")
    if not report.ok:
        missing = list(report.missing_objects) + list(report.missing_columns)
        shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
        return ConnectionTest(
            False,
            FailureKind.SCHEMA_MISSING.value,
            f"Connected, but the database lacks what Engage reads: {shown}. "
            "Check the database name, the PMS version, and that the user may read these objects.",
            schema=report,
            server_version=report.server_version,
            checks=checks,
        )
    version = f" (version {report.server_version})" if report.server_version else ""
    return ConnectionTest(True, "ok", f"Connected to {settings.vendor.label}{version}. Every table Engage reads is there.",
                          schema=report, server_version=report.server_version, checks=checks + ("Schema complete",))


def run_sync(*, uow_factory: UnitOfWorkFactory, secrets: SecretStore, open_reader: ReaderFactory,
             mode: str = INCREMENTAL, progress: Callable[[SyncProgress], None] | None = None,
             cancel: threading.Event | None = None) -> SyncReport:
    settings = load_connection(uow_factory=uow_factory, secrets=secrets)
    if settings is None:
        raise PmsConnectionError(FailureKind.NOT_CONFIGURED.value, "No PMS connection is set up yet (Settings ▸ PMS connection).")
    reader = open_reader(settings)
    try:
        return sync_pms(uow_factory=uow_factory, reader=reader, mode=mode, progress=progress, cancel=cancel,
                        batch_size=settings.batch_size)
    finally:
        reader.close()


def mirror_stats(*, uow_factory: UnitOfWorkFactory) -> MirrorStats:
    with uow_factory() as uow:
        runs = uow.mirror.last_runs(1)
        return MirrorStats(counts=uow.mirror.counts(), last_run=runs[0] if runs else None)
