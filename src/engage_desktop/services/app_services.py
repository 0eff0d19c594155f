"""The services the desktop client calls, bound to this installation's ports.

Widgets receive this object (or a fake with the same methods in tests) and call it through the
task runner, off the GUI thread. Every method is a thin call into one use-case function.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engage_desktop.domain.pms_connection import ConnectionSettings
from engage_desktop.domain.ports import SecretStore, UnitOfWorkFactory
from engage_desktop.domain.views import MirrorStats, PatientCard, PatientListRow, SearchResult
from engage_desktop.services import patients, pms_connection
from engage_desktop.services.pms_connection import ConnectionTest, ReaderFactory
from engage_desktop.services.pms_sync import INCREMENTAL, SyncProgress, SyncReport


@dataclass
class AppServices:
    uow_factory: UnitOfWorkFactory
    secrets: SecretStore
    open_reader: ReaderFactory
    is_demo: bool = False
    region: str = "US"

    # -- patients ------------------------------------------------------------------------
    def search_patients(self, text: str) -> SearchResult:
        return patients.search_patients(uow_factory=self.uow_factory, text=text)

    def patient_rows(self, ids: Sequence[int]) -> list[PatientListRow]:
        return patients.patient_rows(uow_factory=self.uow_factory, ids=ids)

    def patient_card(self, patient_id: int) -> PatientCard | None:
        return patients.patient_card(uow_factory=self.uow_factory, patient_id=patient_id)

    # -- PMS connection and sync -----------------------------------------------------------
    def load_pms_settings(self) -> ConnectionSettings | None:
        """The saved settings; the password field is blank or "*****" (it never leaves the keyring)."""
        settings = pms_connection.load_connection(uow_factory=self.uow_factory, secrets=self.secrets)
        if settings is None:
            return None
        return settings.with_password("*****" if settings.password else "")

    def has_pms_password(self) -> bool:
        return bool(self.secrets.get(pms_connection.PASSWORD_KEY))

    def save_pms_settings(self, settings: ConnectionSettings, password: str | None) -> None:
        pms_connection.save_connection(uow_factory=self.uow_factory, secrets=self.secrets, settings=settings, password=password)

    def test_pms_connection(self, settings: ConnectionSettings, password: str | None) -> ConnectionTest:
        """Test what is on screen; ``password=None`` means "the one in the keyring"."""
        if password is None:
            password = self.secrets.get(pms_connection.PASSWORD_KEY) or ""
        return pms_connection.test_connection(settings=settings.with_password(password), open_reader=self.open_reader)

    def sync_pms(self, mode: str = INCREMENTAL, progress: Callable[[SyncProgress], None] | None = None,
                 cancel: threading.Event | None = None) -> SyncReport:
        return pms_connection.run_sync(uow_factory=self.uow_factory, secrets=self.secrets, open_reader=self.open_reader,
                                       mode=mode, progress=progress, cancel=cancel)

    def mirror_stats(self) -> MirrorStats:
        return pms_connection.mirror_stats(uow_factory=self.uow_factory)
