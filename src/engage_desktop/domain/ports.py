"""Ports: what the core needs from the outside world, as Protocols.

Adapters implement them (``store``, ``pms``); tests use fakes from ``tests/fakes.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, Self

from engage_desktop.domain.pms_records import (
    PmsAppointment,
    PmsLocation,
    PmsPatient,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    SchemaReport,
)


class Entity(enum.StrEnum):
    """What a PMS sync mirrors, in the order it is synced (referenced rows first)."""

    LOCATIONS = "locations"
    PROVIDERS = "providers"
    PATIENTS = "patients"
    APPOINTMENTS = "appointments"
    RECALLS = "recalls"
    PROCEDURES = "procedures"


PmsRecord = PmsPatient | PmsAppointment | PmsRecall | PmsProcedure | PmsProvider | PmsLocation


@dataclass(frozen=True, slots=True)
class Batch:
    """One page of rows read by keyset pagination; ``next_key`` is None after the last page."""

    records: Sequence[PmsRecord]
    next_key: str | None
    rows_read: int = 0
    rows_rejected: int = 0


class PmsReader(Protocol):
    """Read-only access to one practice-management system."""

    vendor: str

    def server_now(self) -> datetime:
        """The PMS server's clock: incremental cursors come from here, never from ours."""

    def check_schema(self) -> SchemaReport: ...

    def supports_changes_since(self, entity: Entity) -> bool:
        """True when ``read_batch(changed_since=...)`` returns only changed rows."""

    def read_batch(
        self,
        entity: Entity,
        *,
        after_key: str | None,
        changed_since: datetime | None,
        limit: int,
    ) -> Batch: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SyncCursor:
    """Per entity: where incremental sync continues, and an unfinished full pass if any."""

    entity: Entity
    changed_since: datetime | None = None
    full_run_id: int | None = None  # set while a full pass is under way
    full_after_key: str | None = None
    full_started_at: datetime | None = None  # the PMS clock when the full pass began
    last_full_at: datetime | None = None


class MirrorRepository(Protocol):
    """Writes PMS records into the local mirror."""

    def upsert(self, entity: Entity, records: Sequence[PmsRecord], *, run_id: int | None) -> int: ...

    def defer_indexes(self, entity: Entity) -> bool:
        """Drop secondary indexes of an empty table before a full load; False if not empty."""

    def ensure_indexes(self, entity: Entity) -> None:
        """Create any missing secondary index (after a load, or after a crash during one)."""

    def remove_unseen(self, entity: Entity, *, run_id: int) -> int:
        """After a full pass: delete (or mark deleted) every row the pass did not see."""

    def refresh_patient_summaries(self, patient_pms_ids: Sequence[str] | None) -> int:
        """Recompute last visit, recall due, planned treatment... (None = every patient)."""

    def cursor(self, entity: Entity) -> SyncCursor: ...

    def save_cursor(self, cursor: SyncCursor) -> None: ...

    def previous_patients(self, entity: Entity, pms_ids: Sequence[str]) -> set[str]:
        """The patients these rows belong to in the mirror now (before an update moves them)."""

    def start_run(self, mode: str) -> int: ...

    def finish_run(self, run_id: int, *, outcome: str, read: int, written: int, rejected: int, removed: int,
                   message: str) -> None: ...

    def last_runs(self, limit: int = 10) -> list: ...

    def acquire_sync_lock(self, holder: str, *, ttl: timedelta) -> str | None:
        """None when taken; otherwise who holds it."""

    def renew_sync_lock(self, holder: str, *, ttl: timedelta) -> bool: ...

    def release_sync_lock(self, holder: str) -> None: ...

    def locations(self) -> list[PmsLocation]: ...

    def counts(self) -> dict[str, int]: ...


class UnitOfWork(Protocol):
    """One transaction. Rolls back on exit unless ``commit()`` was called."""

    mirror: MirrorRepository
    patients: Any  # read-side queries for the Patients view (store.repositories.patients)
    settings: Any
    users: Any
    audit: Any  # append-only; see domain.audit for the hash chain
    unlinked: Any  # unlinked patients and candidate lookups (store.repositories.unlinked)
    outbox: Any  # the outbox and its conditional transitions (store.repositories.outbox)
    messaging: Any  # suppression list, threads, inbound, polling state, job lease (store.repositories.messaging)

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class SecretStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...


class PasswordHasher(Protocol):
    """argon2 in production (engage_desktop.passwords); never a reversible encoding."""

    def hash(self, password: str) -> str: ...

    def verify(self, stored_hash: str, password: str) -> bool: ...

    def needs_rehash(self, stored_hash: str) -> bool: ...
