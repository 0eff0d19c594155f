"""Users and the append-only audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage_desktop.domain.audit import GENESIS, AuditEntry, chain_hash
from engage_desktop.domain.rights import Right, Role
from engage_desktop.domain.users import UserAccount
from engage_desktop.store.models import AuditRecord, UserRecord


def _account(r: UserRecord) -> UserAccount:
    return UserAccount(
        id=r.id, username=r.username, display_name=r.display_name, role=Role(r.role),
        rights=frozenset(Right(x) for x in r.rights if x in Right._value2member_map_),
        location_ids=None if r.location_ids is None else frozenset(r.location_ids),
        is_active=r.is_active, must_change_password=r.must_change_password, failed_attempts=r.failed_attempts,
        last_failure_at=r.last_failure_at, last_sign_in_at=r.last_sign_in_at,
    )


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(UserRecord)) or 0

    def get(self, user_id: int) -> UserAccount | None:
        r = self.session.get(UserRecord, user_id)
        return _account(r) if r else None

    def by_username(self, username: str) -> tuple[UserAccount, str] | None:
        """The account and its password hash, for sign-in only."""
        r = self.session.scalar(select(UserRecord).where(UserRecord.username == username.strip().casefold()))
        return (_account(r), r.password_hash) if r else None

    def all(self) -> list[UserAccount]:
        return [_account(r) for r in self.session.scalars(select(UserRecord).order_by(UserRecord.username))]

    def add(self, *, username: str, display_name: str, password_hash: str, role: Role, rights: frozenset[Right],
            location_ids: frozenset[str] | None, must_change_password: bool) -> UserAccount:
        r = UserRecord(username=username.strip().casefold(), display_name=display_name.strip(), password_hash=password_hash,
                       role=role.value, rights=sorted(x.value for x in rights),
                       location_ids=None if location_ids is None else sorted(location_ids), is_active=True,
                       must_change_password=must_change_password, failed_attempts=0, created_at=datetime.now(UTC))
        self.session.add(r)
        self.session.flush()
        return _account(r)

    def update(self, user_id: int, **values) -> None:
        if "rights" in values:
            values["rights"] = sorted(x.value for x in values["rights"])
        if "role" in values:
            values["role"] = values["role"].value
        if "location_ids" in values and values["location_ids"] is not None:
            values["location_ids"] = sorted(values["location_ids"])
        self.session.execute(update(UserRecord).where(UserRecord.id == user_id).values(**values))


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, entry: AuditEntry) -> int:
        # The chain needs the latest hash; on PostgreSQL two writers could read the same one, so
        # the read takes a row lock there (SQLite writers are serialised already).
        stmt = select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(7_464_001)))
        prev = self.session.scalar(stmt) or GENESIS
        record = AuditRecord(
            at=entry.at, user_id=entry.user_id, username=entry.username, workstation=entry.workstation,
            action=entry.action, entity_type=entry.entity_type, entity_id=entry.entity_id,
            patient_ref=entry.patient_ref, details=json.dumps(entry.details or {}, sort_keys=True, default=str),
            prev_hash=prev, hash=chain_hash(prev, entry),
        )
        self.session.add(record)
        self.session.flush()
        return record.id

    def chain(self):
        """(id, prev_hash, hash, entry) in order, for verification."""
        for r in self.session.scalars(select(AuditRecord).order_by(AuditRecord.id)):
            yield r.id, r.prev_hash, r.hash, _entry(r)

    def search(self, *, username: str | None = None, action: str | None = None, patient_ref: str | None = None,
               since: datetime | None = None, until: datetime | None = None, limit: int = 1000) -> list[tuple[int, AuditEntry]]:
        q = select(AuditRecord)
        if username:
            q = q.where(AuditRecord.username == username.casefold())
        if action:
            q = q.where(AuditRecord.action.startswith(action, autoescape=True) if action.endswith(".")
                        else AuditRecord.action == action)
        if patient_ref:
            q = q.where(AuditRecord.patient_ref == patient_ref)
        if since:
            q = q.where(AuditRecord.at >= since)
        if until:
            q = q.where(AuditRecord.at < until)
        return [(r.id, _entry(r)) for r in self.session.scalars(q.order_by(AuditRecord.id.desc()).limit(limit))]


    def usernames(self) -> list[str]:
        return list(self.session.scalars(select(AuditRecord.username).distinct().order_by(AuditRecord.username)))

    def actions(self) -> list[str]:
        return list(self.session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))


def _entry(r: AuditRecord) -> AuditEntry:
    return AuditEntry(at=r.at, username=r.username, workstation=r.workstation, action=r.action, user_id=r.user_id,
                      entity_type=r.entity_type, entity_id=r.entity_id, patient_ref=r.patient_ref,
                      details=json.loads(r.details))
