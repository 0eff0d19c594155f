"""The services the desktop client calls, bound to this installation's ports and to the user
signed in at this workstation.

Widgets receive this object (or a fake with the same methods in tests) and call it through the
task runner, off the GUI thread. Every method is a thin call into one use-case function, with
the signed-in user as the actor: the use case checks the right and writes the audit record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engage_desktop.domain import patient_csv
from engage_desktop.domain.audit import ChainCheck
from engage_desktop.domain.errors import ConfigurationError, NotSignedIn
from engage_desktop.domain.pms_connection import ConnectionSettings
from engage_desktop.domain.pms_write import PatientCreator, PmsWriteError, WriteFailure
from engage_desktop.domain.ports import Entity, PasswordHasher, SecretStore, UnitOfWorkFactory
from engage_desktop.domain.practice_settings import LocationSettings
from engage_desktop.domain.rights import SYSTEM, Actor, Right, Role
from engage_desktop.domain.unlinked import UnlinkedInput, UnlinkedPatient
from engage_desktop.domain.users import UserAccount
from engage_desktop.domain.views import MirrorStats, PatientCard, PatientListRow, SearchResult
from engage_desktop.services import (
    audit,
    linking,
    patient_import,
    patients,
    pms_connection,
    practice_settings,
    review,
    users,
)
from engage_desktop.services.audit import AuditFilter, AuditRow
from engage_desktop.services.engine import MessagingEngine, MessagingStatus, TestSend
from engage_desktop.services.linking import CreateOutcome, LinkProposal
from engage_desktop.services.pms_connection import ConnectionTest, ReaderFactory
from engage_desktop.services.pms_sync import FULL, INCREMENTAL, SyncProgress, SyncReport


@dataclass
class AppServices:
    uow_factory: UnitOfWorkFactory
    secrets: SecretStore
    open_reader: ReaderFactory
    hasher: PasswordHasher
    is_demo: bool = False
    region: str = "US"
    workstation: str = ""
    actor: Actor | None = field(default=None)  # who is signed in here; None before sign-in
    # Create in PMS: the PMS's sanctioned write path, or None where there is none (hand-off card).
    patient_creator: Callable[[], PatientCreator | None] = field(default=lambda: None)
    # The messaging engine (providers from the current settings); None in tests that do not send.
    engine: MessagingEngine | None = None

    @property
    def signed_in(self) -> Actor:
        if self.actor is None:
            raise NotSignedIn("Sign in first.")
        return self.actor

    def can(self, right: Right) -> bool:
        return self.actor is not None and self.actor.can(right)

    # -- sign-in -------------------------------------------------------------------------
    def needs_first_administrator(self) -> bool:
        return users.needs_first_administrator(uow_factory=self.uow_factory)

    def create_first_administrator(self, username: str, display_name: str, password: str) -> Actor:
        self.actor = users.create_first_administrator(uow_factory=self.uow_factory, hasher=self.hasher, username=username,
                                                      display_name=display_name, password=password,
                                                      workstation=self.workstation)
        return self.actor

    def sign_in(self, username: str, password: str) -> Actor:
        self.actor = users.sign_in(uow_factory=self.uow_factory, hasher=self.hasher, username=username, password=password,
                                   workstation=self.workstation)
        return self.actor

    def lock(self, reason: str = "idle") -> None:
        users.lock_screen(uow_factory=self.uow_factory, actor=self.signed_in, reason=reason)

    def unlock(self, password: str) -> Actor:
        """The locked user signs in again (rights are read afresh: an administrator may have changed them)."""
        self.actor = users.sign_in(uow_factory=self.uow_factory, hasher=self.hasher, username=self.signed_in.username,
                                   password=password, workstation=self.workstation, action="user.unlock")
        return self.actor

    def sign_out(self, reason: str = "user") -> None:
        if self.actor is not None:
            users.sign_out(uow_factory=self.uow_factory, actor=self.actor, reason=reason)
        self.actor = None

    def change_own_password(self, current: str, new: str) -> None:
        users.change_own_password(uow_factory=self.uow_factory, hasher=self.hasher, actor=self.signed_in,
                                  current=current, new=new)
        self.actor = self.signed_in.with_password_changed()

    # -- users and roles -----------------------------------------------------------------
    def list_users(self) -> list[UserAccount]:
        return users.list_users(uow_factory=self.uow_factory, actor=self.signed_in)

    def create_user(self, username: str, display_name: str, temporary_password: str, role: Role,
                    location_ids: frozenset[str] | None = None) -> UserAccount:
        return users.create_user(uow_factory=self.uow_factory, hasher=self.hasher, actor=self.signed_in, username=username,
                                 display_name=display_name, temporary_password=temporary_password, role=role,
                                 location_ids=location_ids)

    def set_user_access(self, user_id: int, role: Role, granted: frozenset[Right] = frozenset(),
                        revoked: frozenset[Right] = frozenset(), location_ids: frozenset[str] | None = None,
                        display_name: str | None = None) -> UserAccount:
        return users.set_user_access(uow_factory=self.uow_factory, actor=self.signed_in, user_id=user_id, role=role,
                                     granted=granted, revoked=revoked, location_ids=location_ids,
                                     display_name=display_name)

    def reset_password(self, user_id: int, temporary_password: str) -> None:
        users.reset_password(uow_factory=self.uow_factory, hasher=self.hasher, actor=self.signed_in, user_id=user_id,
                             temporary_password=temporary_password)

    def set_user_active(self, user_id: int, active: bool) -> None:
        users.set_user_active(uow_factory=self.uow_factory, actor=self.signed_in, user_id=user_id, active=active)

    # -- audit log -----------------------------------------------------------------------
    def search_audit(self, query: AuditFilter) -> list[AuditRow]:
        return audit.search(uow_factory=self.uow_factory, actor=self.signed_in, query=query)

    def audit_choices(self) -> tuple[list[str], list[str]]:
        """(user names, actions) seen in the log, for the viewer's filters."""
        return audit.choices(uow_factory=self.uow_factory, actor=self.signed_in)

    def export_audit_csv(self, query: AuditFilter, path: Path) -> int:
        return audit.export_csv(uow_factory=self.uow_factory, actor=self.signed_in, query=query, path=path)

    def check_audit_chain(self) -> ChainCheck:
        return audit.check_audit_chain(uow_factory=self.uow_factory, actor=self.signed_in)

    # -- practice settings ---------------------------------------------------------------
    def load_settings(self, group: str) -> dict[str, Any]:
        return practice_settings.load_settings(uow_factory=self.uow_factory, secrets=self.secrets, actor=self.signed_in,
                                               group=group)

    def save_settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Any settings by key, validated and saved together (or not at all)."""
        return practice_settings.save_settings(uow_factory=self.uow_factory, secrets=self.secrets, actor=self.signed_in,
                                               values=values, region=self.region)

    def setting_value(self, key: str) -> Any:
        return practice_settings.setting_value(uow_factory=self.uow_factory, key=key)

    def list_locations(self) -> list[LocationSettings]:
        return practice_settings.list_locations(uow_factory=self.uow_factory, actor=self.signed_in)

    def save_location(self, pms_id: str, values: Mapping[str, Any]) -> LocationSettings:
        return practice_settings.save_location(uow_factory=self.uow_factory, actor=self.signed_in, pms_id=pms_id,
                                               values=values, region=self.region)

    # -- patients ------------------------------------------------------------------------
    def search_patients(self, text: str, kind: str = "all") -> SearchResult:
        return patients.search_patients(uow_factory=self.uow_factory, actor=self.signed_in, text=text, kind=kind)

    def patient_rows(self, ids: Sequence[int]) -> list[PatientListRow]:
        return patients.patient_rows(uow_factory=self.uow_factory, actor=self.signed_in, ids=ids)

    def patient_card(self, patient_id: int) -> PatientCard | None:
        return patients.patient_card(uow_factory=self.uow_factory, actor=self.signed_in, patient_id=patient_id)

    # -- unlinked patients and linking ------------------------------------------------------
    def create_unlinked_patient(self, data: UnlinkedInput, confirmed: bool = False) -> CreateOutcome:
        return linking.create_unlinked_patient(uow_factory=self.uow_factory, actor=self.signed_in, data=data,
                                               region=self.region, confirmed=confirmed)

    def link_candidates(self, unlinked_id: int) -> LinkProposal:
        return linking.link_candidates(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    def link_patient(self, unlinked_id: int, chart_id: int) -> UnlinkedPatient:
        return linking.link_patient(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id,
                                    chart_id=chart_id)

    def unlink_patient(self, unlinked_id: int) -> UnlinkedPatient:
        return linking.unlink_patient(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    def link_comparison(self, unlinked_id: int) -> linking.LinkComparison:
        return linking.link_comparison(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    def confirm_link(self, unlinked_id: int) -> UnlinkedPatient:
        return linking.confirm_link(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    def handoff_card(self, unlinked_id: int) -> linking.HandoffCard:
        settings = pms_connection.load_connection(uow_factory=self.uow_factory, secrets=self.secrets)
        vendor = settings.vendor.label if settings is not None else "the PMS"
        return linking.handoff_card(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id,
                                    vendor=vendor, region=self.region)

    def create_in_pms_mode(self) -> str:
        """"api" when charts can be created through the PMS's API, "handoff" otherwise."""
        return "api" if self.patient_creator() is not None else "handoff"

    def create_in_pms(self, unlinked_id: int, retry_unknown: bool = False) -> UnlinkedPatient:
        creator = self.patient_creator()
        if creator is None:
            raise PmsWriteError(WriteFailure.NOT_CONFIGURED, "Creating charts through the PMS is not set up "
                                "(Settings ▸ Create in PMS); use the hand-off card instead.")
        return linking.create_in_pms(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id,
                                     creator=creator, retry_unknown=retry_unknown)

    def mark_handed_off(self, unlinked_id: int) -> UnlinkedPatient:
        return linking.mark_handed_off(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    # -- review queues (auto-link, needs review, duplicates) ----------------------------------------
    def needs_review(self) -> list[review.ReviewItem]:
        return review.needs_review(uow_factory=self.uow_factory, actor=self.signed_in)

    def duplicate_pairs(self) -> list[review.DuplicateItem]:
        return review.duplicate_pairs(uow_factory=self.uow_factory, actor=self.signed_in)

    def review_counts(self) -> tuple[int, int]:
        return review.review_counts(uow_factory=self.uow_factory, actor=self.signed_in)

    def link_from_review(self, pair_id: int) -> UnlinkedPatient:
        return review.link_from_review(uow_factory=self.uow_factory, actor=self.signed_in, pair_id=pair_id)

    def dismiss_pair(self, pair_id: int) -> None:
        review.dismiss_pair(uow_factory=self.uow_factory, actor=self.signed_in, pair_id=pair_id)

    def keep_unlinked(self, unlinked_id: int) -> int:
        return review.keep_unlinked(uow_factory=self.uow_factory, actor=self.signed_in, unlinked_id=unlinked_id)

    def merge_unlinked(self, keep_id: int, merge_id: int) -> UnlinkedPatient:
        return review.merge_unlinked(uow_factory=self.uow_factory, actor=self.signed_in, keep_id=keep_id,
                                     merge_id=merge_id)

    # -- CSV import ------------------------------------------------------------------------------
    def patient_csv_template(self) -> bytes:
        return patient_csv.template_csv()

    def preview_import(self, data: bytes, file_name: str, default_location: str | None,
                       progress: patient_import.Progress | None = None,
                       cancel: threading.Event | None = None) -> patient_import.ImportPreview:
        return patient_import.preview_import(uow_factory=self.uow_factory, actor=self.signed_in, data=data,
                                             file_name=file_name, default_location=default_location, region=self.region,
                                             progress=progress, cancel=cancel)

    def run_import(self, preview: patient_import.ImportPreview, include_matches: bool = False,
                   progress: patient_import.Progress | None = None,
                   cancel: threading.Event | None = None) -> patient_import.ImportResult:
        return patient_import.run_import(uow_factory=self.uow_factory, actor=self.signed_in, preview=preview,
                                         include_matches=include_matches, progress=progress, cancel=cancel)

    # -- PMS connection and sync -----------------------------------------------------------
    def load_pms_settings(self) -> ConnectionSettings | None:
        """The saved settings; the password field is blank or "*****" (it never leaves the keyring)."""
        self.signed_in.require(Right.MANAGE_SETTINGS)
        settings = pms_connection.load_connection(uow_factory=self.uow_factory, secrets=self.secrets)
        if settings is None:
            return None
        return settings.with_password("*****" if settings.password else "")

    def has_pms_password(self) -> bool:
        return bool(self.secrets.get(pms_connection.PASSWORD_KEY))

    def save_pms_settings(self, settings: ConnectionSettings, password: str | None) -> None:
        pms_connection.save_connection(uow_factory=self.uow_factory, secrets=self.secrets, settings=settings,
                                       password=password, actor=self.signed_in)

    def test_pms_connection(self, settings: ConnectionSettings, password: str | None) -> ConnectionTest:
        """Test what is on screen; ``password=None`` means "the one in the keyring"."""
        self.signed_in.require(Right.MANAGE_SETTINGS)
        if password is None:
            password = self.secrets.get(pms_connection.PASSWORD_KEY) or ""
        return pms_connection.test_connection(settings=settings.with_password(password), open_reader=self.open_reader)

    def sync_pms(self, mode: str = INCREMENTAL, progress: Callable[[SyncProgress], None] | None = None,
                 cancel: threading.Event | None = None) -> SyncReport:
        """Anyone signed in may fetch the latest changes; a full reconciliation is a settings task."""
        if mode == FULL:
            self.signed_in.require(Right.MANAGE_SETTINGS)
        else:
            self.signed_in  # noqa: B018 - raises NotSignedIn
        report = pms_connection.run_sync(uow_factory=self.uow_factory, secrets=self.secrets, open_reader=self.open_reader,
                                         mode=mode, progress=progress, cancel=cancel)
        charts_changed = any(e.entity is Entity.PATIENTS and (e.written or e.removed) for e in report.entities)
        if report.outcome != "ok" or not charts_changed:
            return report  # no new or changed chart: nothing new to link (the nightly run still checks all)
        return replace(report, after=self.auto_link().summary)

    def auto_link(self, cancel: threading.Event | None = None) -> review.AutoLinkReport:
        """The auto-link job runs as the system after every sync (and nightly), whoever started the sync."""
        return review.run_auto_link(uow_factory=self.uow_factory, actor=replace(SYSTEM, workstation=self.workstation),
                                    cancel=cancel)

    def mirror_stats(self) -> MirrorStats:
        return pms_connection.mirror_stats(uow_factory=self.uow_factory)

    # -- messaging ---------------------------------------------------------------------------
    def messaging_status(self) -> MessagingStatus | None:
        """Sandbox or live, and whether replies are coming in (the status bar shows both)."""
        return None if self.engine is None else self.engine.status()

    def send_test(self, to: str, via: str) -> TestSend:
        if self.engine is None:
            raise ConfigurationError("Messaging is not set up in this installation.")
        return self.engine.send_test(actor=self.signed_in, to=to, via=via)

