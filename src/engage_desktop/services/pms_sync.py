"""Mirror the PMS into the local store: incremental by change stamps, or a full reconciliation.

Guarantees:
- idempotent: every write is an upsert keyed by the PMS id, so re-reading a page is harmless;
- restartable: each page commits with its position, so a crash or cancel mid-run resumes a
  full pass where it stopped, and an incremental pass re-reads from its last committed cursor;
- cursors come from the PMS server's clock, taken *before* reading, and "changed since" is
  inclusive, so a row changed while we read is read again next time rather than missed;
- gentle on the PMS: short keyset-paged statements, no long transaction on its database.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from engage_desktop.domain.errors import EngageError, SyncCancelled
from engage_desktop.domain.ports import Batch, Entity, PmsReader, SyncCursor, UnitOfWorkFactory

log = logging.getLogger(__name__)

FULL = "full"
INCREMENTAL = "incremental"
# An entity whose last full reconciliation is older than this gets one (deletions, opt-outs).
FULL_RECONCILE_EVERY = timedelta(hours=24)
# Changes committed late (a long PMS transaction) carry a stamp before our cursor; re-reading a
# few minutes each cycle is cheap and catches them.
CURSOR_OVERLAP = timedelta(minutes=5)
LOCK_TTL = timedelta(minutes=10)  # renewed with every page; a dead holder frees it after this
ENTITY_LABELS = {
    Entity.LOCATIONS: "Locations",
    Entity.PROVIDERS: "Providers",
    Entity.PATIENTS: "Patients",
    Entity.APPOINTMENTS: "Appointments",
    Entity.RECALLS: "Recalls",
    Entity.PROCEDURES: "Treatment plans",
}
# Rough share of a full sync's time per entity, so the progress bar moves evenly.
_WEIGHTS = {Entity.LOCATIONS: 1, Entity.PROVIDERS: 1, Entity.PATIENTS: 40, Entity.APPOINTMENTS: 40,
            Entity.RECALLS: 8, Entity.PROCEDURES: 10}


@dataclass(frozen=True, slots=True)
class SyncProgress:
    entity: Entity
    rows: int  # rows read so far for this entity
    fraction: float  # 0..1 over the whole run (an estimate)

    @property
    def message(self) -> str:
        return f"{ENTITY_LABELS[self.entity]}: {self.rows:,} read"


@dataclass(frozen=True)
class EntityResult:
    entity: Entity
    full: bool
    read: int = 0
    written: int = 0
    rejected: int = 0
    removed: int = 0


@dataclass(frozen=True)
class SyncReport:
    run_id: int
    mode: str
    outcome: str  # ok / failed / cancelled / busy
    seconds: float
    entities: tuple[EntityResult, ...] = ()
    message: str = ""
    summaries_refreshed: int = 0
    after: str = ""  # what ran after the sync (auto-link), one sentence

    @property
    def read(self) -> int:
        return sum(e.read for e in self.entities)

    @property
    def written(self) -> int:
        return sum(e.written for e in self.entities)

    @property
    def rejected(self) -> int:
        return sum(e.rejected for e in self.entities)

    @property
    def removed(self) -> int:
        return sum(e.removed for e in self.entities)

    def summary(self) -> str:
        if self.outcome in ("failed", "busy"):
            return f"Sync failed: {self.message}" if self.outcome == "failed" else self.message
        parts = [f"{self.read:,} rows read", f"{self.written:,} updated"]
        if self.removed:
            parts.append(f"{self.removed:,} removed")
        if self.rejected:
            parts.append(f"{self.rejected:,} unreadable rows skipped")
        verb = "Sync cancelled" if self.outcome == "cancelled" else "Sync finished"
        return f"{verb} in {self.seconds:.1f} s: " + ", ".join(parts) + "." + (f" {self.after}" if self.after else "")


@dataclass
class _Run:
    run_id: int
    holder: str
    progress: Callable[[SyncProgress], None] | None
    cancel: threading.Event | None
    done_weight: float = 0.0
    touched_patients: set[str] = field(default_factory=set)
    refresh_all: bool = False
    @staticmethod
    def pages(reader: PmsReader, entity: Entity, *, after_key: str | None, changed_since, limit: int) -> Iterator[Batch]:
        # Sequential on purpose: reading the next page on another thread while writing this
        # one was measured slower (both halves are Python work that contends for the GIL).
        while True:
            batch = reader.read_batch(entity, after_key=after_key, changed_since=changed_since, limit=limit)
            yield batch
            if batch.next_key is None:
                return
            after_key = batch.next_key

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled("The sync was cancelled; everything read so far is kept.")

    def report(self, entity: Entity, rows: int) -> None:
        if self.progress is None:
            return
        total = sum(_WEIGHTS.values())
        # Within an entity the share is unknown up front; creep towards its end.
        within = _WEIGHTS[entity] * (1 - 1 / (1 + rows / 20000))
        self.progress(SyncProgress(entity, rows, min(1.0, (self.done_weight + within) / total)))


def sync_pms(
    *,
    uow_factory: UnitOfWorkFactory,
    reader: PmsReader,
    mode: str = INCREMENTAL,
    batch_size: int = 5000,
    progress: Callable[[SyncProgress], None] | None = None,
    cancel: threading.Event | None = None,
    entities: tuple[Entity, ...] = tuple(Entity),
) -> SyncReport:
    started = time.perf_counter()
    holder = f"{socket.gethostname()} (process {os.getpid()})"
    with uow_factory() as uow:
        busy = uow.mirror.acquire_sync_lock(holder, ttl=LOCK_TTL)
        if busy is None:
            run_id = uow.mirror.start_run(mode)
        uow.commit()
    if busy is not None:
        return SyncReport(run_id=0, mode=mode, outcome="busy", seconds=time.perf_counter() - started,
                          message=f"Another sync is already running on {busy}; this one was not started.")
    run = _Run(run_id=run_id, holder=holder, progress=progress, cancel=cancel)
    results: list[EntityResult] = []
    outcome, message = "ok", ""
    refreshed = 0
    try:
        for entity in entities:
            run.check_cancel()
            results.append(_sync_entity(entity, mode, uow_factory, reader, run, batch_size))
            run.done_weight += _WEIGHTS[entity]
    except SyncCancelled as exc:
        outcome, message = "cancelled", str(exc)
    except EngageError as exc:
        outcome, message = "failed", str(exc)
        log.warning("PMS sync failed: %s", exc)
    except Exception as exc:
        # Type and frames only: a database error's text can quote the patient rows it was writing.
        log.error("PMS sync failed unexpectedly with %s\n%s", type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)).rstrip())
        _finish(uow_factory, run, "failed", results, "Unexpected error; see the log file.")
        raise
    finally:
        # Whatever happened, what was committed gets its summaries: the cursors have moved on.
        try:
            refreshed = _refresh_summaries(uow_factory, run)
        except Exception as exc:  # noqa: BLE001 - never mask the original outcome
            log.error("refreshing patient summaries failed with %s", type(exc).__name__)
    report = SyncReport(run_id=run_id, mode=mode, outcome=outcome, seconds=time.perf_counter() - started,
                        entities=tuple(results), message=message, summaries_refreshed=refreshed)
    _finish(uow_factory, run, outcome, results, message)
    if run.progress is not None and outcome == "ok":
        run.progress(SyncProgress(entities[-1] if entities else Entity.PATIENTS, 0, 1.0))
    return report


def _finish(uow_factory: UnitOfWorkFactory, run: _Run, outcome: str, results: list[EntityResult], message: str) -> None:
    with uow_factory() as uow:
        uow.mirror.release_sync_lock(run.holder)
        uow.mirror.finish_run(
            run.run_id,
            outcome=outcome,
            read=sum(r.read for r in results),
            written=sum(r.written for r in results),
            rejected=sum(r.rejected for r in results),
            removed=sum(r.removed for r in results),
            message=message,
        )
        uow.commit()


def _sync_entity(entity: Entity, mode: str, uow_factory: UnitOfWorkFactory, reader: PmsReader, run: _Run, batch_size: int) -> EntityResult:
    with uow_factory() as uow:
        cursor = uow.mirror.cursor(entity)
    full = (
        mode == FULL
        or cursor.full_run_id is not None  # an unfinished full pass resumes first
        or cursor.changed_since is None
        or not reader.supports_changes_since(entity)
        or cursor.last_full_at is None
        or datetime.now(UTC) - cursor.last_full_at > FULL_RECONCILE_EVERY
    )
    if full:
        return _full_pass(entity, cursor, uow_factory, reader, run, batch_size)
    return _incremental_pass(entity, cursor, uow_factory, reader, run, batch_size)


def _full_pass(entity: Entity, cursor: SyncCursor, uow_factory: UnitOfWorkFactory, reader: PmsReader, run: _Run, batch_size: int) -> EntityResult:
    if cursor.full_run_id is None:
        cursor = replace(cursor, full_run_id=run.run_id, full_after_key=None, full_started_at=reader.server_now())
        with uow_factory() as uow:
            uow.mirror.save_cursor(cursor)
            if uow.mirror.defer_indexes(entity):
                log.info("first load of %s: building its indexes after the load", entity.value)
            uow.commit()
    else:
        log.info("resuming the unfinished full pass of %s", entity.value)
    result = EntityResult(entity, full=True)
    rows = 0
    for batch in run.pages(reader, entity, after_key=cursor.full_after_key, changed_since=None, limit=batch_size):
        with uow_factory() as uow:
            written = uow.mirror.upsert(entity, batch.records, run_id=cursor.full_run_id)
            cursor = replace(cursor, full_after_key=batch.next_key)
            uow.mirror.save_cursor(cursor)
            uow.mirror.renew_sync_lock(run.holder, ttl=LOCK_TTL)
            uow.commit()
        _touch(run, entity, batch.records, full=True)
        rows += batch.rows_read
        result = replace(result, read=result.read + batch.rows_read, written=result.written + written,
                         rejected=result.rejected + batch.rows_rejected)
        run.report(entity, rows)
        if batch.next_key is not None:  # after the last page only the final step is left: finish it
            run.check_cancel()
    with uow_factory() as uow:
        removed = uow.mirror.remove_unseen(entity, run_id=cursor.full_run_id)  # a write first (SQLite locking)
        uow.mirror.ensure_indexes(entity)  # also after a crash in the middle of a first load
        uow.mirror.save_cursor(
            replace(cursor, changed_since=cursor.full_started_at - CURSOR_OVERLAP, full_run_id=None, full_after_key=None,
                    full_started_at=None, last_full_at=datetime.now(UTC))
        )
        uow.commit()
    if removed and entity is not Entity.PATIENTS:
        run.refresh_all = True  # removed rows' patients are unknown by now
    return replace(result, removed=removed)


def _incremental_pass(entity: Entity, cursor: SyncCursor, uow_factory: UnitOfWorkFactory, reader: PmsReader, run: _Run, batch_size: int) -> EntityResult:
    pass_start = reader.server_now()
    result = EntityResult(entity, full=False)
    rows = 0
    for batch in run.pages(reader, entity, after_key=None, changed_since=cursor.changed_since, limit=batch_size):
        if batch.records:
            with uow_factory() as uow:
                uow.mirror.renew_sync_lock(run.holder, ttl=LOCK_TTL)  # a write first (SQLite locking)
                if entity in _CHILD_ENTITIES:
                    # A row moved to another patient changes the old patient's summaries too.
                    run.touched_patients |= uow.mirror.previous_patients(entity, [r.pms_id for r in batch.records])
                written = uow.mirror.upsert(entity, batch.records, run_id=None)
                uow.commit()
            result = replace(result, written=result.written + written)
        _touch(run, entity, batch.records, full=False)
        rows += batch.rows_read
        result = replace(result, read=result.read + batch.rows_read, rejected=result.rejected + batch.rows_rejected)
        run.report(entity, rows)
        if batch.next_key is not None:
            run.check_cancel()
    with uow_factory() as uow:
        uow.mirror.save_cursor(replace(cursor, changed_since=pass_start - CURSOR_OVERLAP))
        uow.commit()
    return result


_CHILD_ENTITIES = frozenset({Entity.APPOINTMENTS, Entity.RECALLS, Entity.PROCEDURES})


def _touch(run: _Run, entity: Entity, records, *, full: bool) -> None:
    if entity in (Entity.LOCATIONS, Entity.PROVIDERS) or run.refresh_all:
        return
    if full:
        run.refresh_all = True  # one set-based update beats id lists when everything was read
        run.touched_patients.clear()
        return
    for r in records:
        run.touched_patients.add(r.pms_id if entity is Entity.PATIENTS else r.patient_id)


def _refresh_summaries(uow_factory: UnitOfWorkFactory, run: _Run) -> int:
    if not run.refresh_all and not run.touched_patients:
        return 0
    with uow_factory() as uow:
        count = uow.mirror.refresh_patient_summaries(None if run.refresh_all else sorted(run.touched_patients))
        uow.commit()
    return count
