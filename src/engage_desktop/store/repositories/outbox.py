"""The outbox: queueing, claiming with a lease, and every state change as a conditional update.

Each transition names the state it expects (and, for the dispatcher's own rows, the lease
owner), so a restarted or second dispatcher that races for a row changes nothing: its update
matches no row. PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so two dispatchers take
different rows; SQLite has one writer at a time, which serialises claims by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage_desktop.domain.outbox import BatchState, OutboxRow, OutboxStatus, QueuedMessage
from engage_desktop.store.models import OutboxBatch, OutboxMessage

_CHUNK = 2000
_S = OutboxStatus
_RETURNED = (OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.channel, OutboxMessage.recipient,
             OutboxMessage.sender, OutboxMessage.body, OutboxMessage.subject, OutboxMessage.html, OutboxMessage.status,
             OutboxMessage.attempts, OutboxMessage.segments, OutboxMessage.recipient_state, OutboxMessage.time_zone,
             OutboxMessage.quiet_hours, OutboxMessage.batch_id, OutboxMessage.provider_id,
             OutboxMessage.attempt_started_at, OutboxMessage.unsubscribe_url, OutboxMessage.location_id,
             OutboxMessage.provider)


def _row(r: Any) -> OutboxRow:
    return OutboxRow(id=r.id, dedupe_key=r.dedupe_key, channel=r.channel, recipient=r.recipient, sender=r.sender,
                     body=r.body, subject=r.subject, html=r.html, status=OutboxStatus(r.status), attempts=r.attempts,
                     segments=r.segments, recipient_state=r.recipient_state, time_zone=r.time_zone,
                     quiet_hours=r.quiet_hours, batch_id=r.batch_id, provider_id=r.provider_id,
                     attempt_started_at=r.attempt_started_at, unsubscribe_url=r.unsubscribe_url,
                     location_id=r.location_id, provider=r.provider)


def _naive_utc(value):
    """What UtcDateTime stores, for the statements that bypass SQLAlchemy's type handling."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _active_batch():
    """Rows outside any batch, or in a batch that is not paused or canceled."""
    return or_(OutboxMessage.batch_id.is_(None),
               OutboxMessage.batch_id.in_(select(OutboxBatch.id).where(OutboxBatch.state == BatchState.ACTIVE.value)))


_T = OutboxMessage.__table__
_OTHER = _T.alias("other")  # another row, in "no two rows share a provider id"
_BATCH = OutboxBatch.__table__
_ACTIVE_BATCH = or_(_T.c.batch_id.is_(None),
                    _T.c.batch_id.in_(select(_BATCH.c.id).where(_BATCH.c.state == BatchState.ACTIVE.value)))
# The two statements every message runs, built once: SQLAlchemy then reuses their compiled form
# (building and keying a statement costs more than SQLite takes to run it).
_START = (update(_T)
          .where(_T.c.id == bindparam("b_id"), _T.c.status == _S.CLAIMED.value, _T.c.lease_owner == bindparam("b_owner"),
                 _ACTIVE_BATCH)
          .values(status=_S.SENDING.value, attempts=_T.c.attempts + 1, attempt_started_at=bindparam("b_now"),
                  lease_until=bindparam("b_until"), provider=bindparam("b_provider")))
_ACCEPT = (update(_T)
           .where(_T.c.id == bindparam("b_id"), _T.c.status == bindparam("b_from"), _T.c.lease_owner == bindparam("b_owner"),
                  _T.c.attempts == bindparam("b_attempt"),
                  ~select(_OTHER.c.id).where(_OTHER.c.provider_id == bindparam("b_pid")).exists())
           .values(status=bindparam("b_status"), lease_owner=None, lease_until=None, provider=bindparam("b_provider"),
                   provider_id=bindparam("b_pid"), provider_status=bindparam("b_pstatus"), submitted_at=bindparam("b_now"),
                   finished_at=bindparam("b_finished"), next_poll_at=bindparam("b_poll"), reason="", error_code=None,
                   segments=func.coalesce(bindparam("b_segments", type_=Integer), _T.c.segments)))


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- batches --------------------------------------------------------------------------
    def create_batch(self, *, kind: str, label: str, created_by: str, now: datetime) -> int:
        batch = OutboxBatch(kind=kind, label=label[:200], state=BatchState.ACTIVE.value, created_at=now, created_by=created_by)
        self.session.add(batch)
        self.session.flush()
        return batch.id

    def set_batch_state(self, batch_id: int, state: BatchState, *, expect: Sequence[BatchState]) -> bool:
        return bool(self.session.execute(
            update(OutboxBatch).where(OutboxBatch.id == batch_id, OutboxBatch.state.in_([s.value for s in expect]))
            .values(state=state.value)).rowcount)

    def batch_state(self, batch_id: int) -> BatchState | None:
        state = self.session.scalar(select(OutboxBatch.state).where(OutboxBatch.id == batch_id))
        return None if state is None else BatchState(state)

    def cancel_unsent(self, batch_id: int, *, now: datetime, reason: str) -> int:
        """Queued rows of a canceled batch become canceled. Claimed rows are left to their
        dispatcher: starting them fails on the batch state, and it releases them."""
        return self.session.execute(
            update(OutboxMessage).where(OutboxMessage.batch_id == batch_id, OutboxMessage.status == _S.QUEUED.value)
            .values(status=_S.CANCELED.value, finished_at=now, reason=reason)).rowcount

    # -- queueing -------------------------------------------------------------------------
    def enqueue(self, messages: Sequence[QueuedMessage], *, now: datetime,
                not_before: Sequence[datetime] | None = None, providers: dict[str, str] | None = None) -> set[str]:
        """Insert each message unless its dedupe key is queued already; returns the keys inserted."""
        insert = postgresql.insert if self._postgres else sqlite.insert
        inserted: set[str] = set()
        for start in range(0, len(messages), _CHUNK):
            chunk = messages[start:start + _CHUNK]
            rows = [{
                "dedupe_key": m.dedupe_key, "batch_id": m.batch_id, "channel": m.channel, "recipient": m.recipient,
                "sender": m.sender, "subject": m.subject, "body": m.body, "html": m.html,
                "unsubscribe_url": m.unsubscribe_url, "segments": m.segments, "location_id": m.location_id,
                "patient_pms_id": m.patient_pms_id, "unlinked_id": m.unlinked_id, "recipient_state": m.recipient_state,
                "time_zone": m.time_zone, "quiet_hours": m.quiet_hours, "status": _S.QUEUED.value, "reason": "",
                "not_before": not_before[start + i] if not_before else now, "attempts": 0, "created_at": now, "polls": 0,
                "provider": (providers or {}).get(m.channel),
            } for i, m in enumerate(chunk)]
            inserted.update(self._insert_new(insert, rows))
        return inserted

    def _insert_new(self, insert, rows: list[dict]) -> list[str]:
        """INSERT … ON CONFLICT DO NOTHING for many rows; returns the dedupe keys inserted."""
        if self._postgres:
            return self._insert_new_postgres(rows)
        # SQLite: one executemany with RETURNING; SQLAlchemy's "insertmanyvalues" batches it with the
        # statement compiled once (a VALUES list of thousands of rows costs seconds to compile).
        stmt = (insert(_T).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_T.c.dedupe_key))
        return list(self.session.connection().execute(stmt, rows).scalars())

    def _insert_new_postgres(self, rows: list[dict]) -> list[str]:
        # psycopg parses every multi-row VALUES statement SQLAlchemy renders (seconds for 50,000
        # rows), so the rows go through the driver's own executemany of one short prepared
        # statement. Which keys were new is read first: a key another workstation queues in
        # between is simply reported as a duplicate (the conflict rule still inserts it once).
        keys = [r["dedupe_key"] for r in rows]
        existing = set(self.session.scalars(select(_T.c.dedupe_key).where(_T.c.dedupe_key.in_(keys))))
        columns = list(rows[0])
        sql = (f"INSERT INTO {_T.name} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
               "ON CONFLICT (dedupe_key) DO NOTHING")
        self.session.connection().exec_driver_sql(sql, [tuple(_naive_utc(r[c]) for c in columns) for r in rows])
        return [k for k in dict.fromkeys(keys) if k not in existing]  # a key twice in one call: inserted once

    def skip(self, messages: Sequence[tuple[QueuedMessage, str, str]], *, now: datetime) -> set[str]:
        """Record messages that will not be sent (status, reason) so staff see why; same dedupe rule."""
        insert = postgresql.insert if self._postgres else sqlite.insert
        inserted: set[str] = set()
        for start in range(0, len(messages), _CHUNK):
            rows = [{
                "dedupe_key": m.dedupe_key, "batch_id": m.batch_id, "channel": m.channel, "recipient": m.recipient,
                "sender": m.sender, "subject": m.subject, "body": m.body, "html": m.html, "segments": m.segments,
                "location_id": m.location_id, "patient_pms_id": m.patient_pms_id, "unlinked_id": m.unlinked_id,
                "recipient_state": m.recipient_state, "time_zone": m.time_zone, "quiet_hours": m.quiet_hours,
                "status": status, "reason": reason, "not_before": now, "attempts": 0, "created_at": now,
                "finished_at": now, "polls": 0,
                "provider": None, "unsubscribe_url": m.unsubscribe_url,
            } for m, status, reason in messages[start:start + _CHUNK]]
            inserted.update(self._insert_new(insert, rows))
        return inserted

    # -- the dispatcher's transitions ---------------------------------------------------
    def release_expired(self, *, now: datetime) -> tuple[int, int]:
        """Rows whose dispatcher died: claimed → queued (never sent); sending → unknown (maybe sent);
        reconciling → unknown. Returns (requeued, unknown)."""
        expired = and_(OutboxMessage.lease_until.is_not(None), OutboxMessage.lease_until < now)
        requeued = self.session.execute(
            update(OutboxMessage).where(OutboxMessage.status == _S.CLAIMED.value, expired)
            .values(status=_S.QUEUED.value, lease_owner=None, lease_until=None)).rowcount
        unknown = self.session.execute(
            update(OutboxMessage).where(OutboxMessage.status.in_([_S.SENDING.value, _S.RECONCILING.value]), expired)
            .values(status=_S.UNKNOWN.value, lease_owner=None, lease_until=None, not_before=now,
                    reason="Sending was interrupted; checking with the provider.")).rowcount
        # Rows a dispatcher gave back after their batch was canceled (they were claimed then).
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == _S.QUEUED.value,
                   OutboxMessage.batch_id.in_(select(OutboxBatch.id).where(OutboxBatch.state == BatchState.CANCELED.value)))
            .values(status=_S.CANCELED.value, finished_at=now, reason="Canceled."))
        return requeued, unknown

    def _claim(self, from_status: OutboxStatus, to_status: OutboxStatus, *, owner: str, now: datetime, limit: int,
               lease: timedelta, extra=()) -> list[OutboxRow]:
        # One UPDATE … WHERE id IN (due rows) statement: on SQLite a transaction that reads first
        # and writes later fails with "database is locked" when another writer got in between, so
        # every transition here starts with its write.
        due = (select(OutboxMessage.id)
               .where(OutboxMessage.status == from_status.value, OutboxMessage.not_before <= now, *extra)
               .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit))
        if self._postgres:
            # A CTE is evaluated once; "id IN (… LIMIT n FOR UPDATE SKIP LOCKED)" may be re-run by
            # the planner and take more than n rows.
            locked = due.with_for_update(skip_locked=True).cte("due")
            match = OutboxMessage.id == locked.c.id
        else:
            match = OutboxMessage.id.in_(due.scalar_subquery())
        stmt = (update(OutboxMessage)
                .where(match, OutboxMessage.status == from_status.value)
                .values(status=to_status.value, lease_owner=owner, lease_until=now + lease)
                .returning(*_RETURNED, OutboxMessage.not_before))
        rows = sorted(self.session.execute(stmt), key=lambda r: (r.not_before, r.id))
        return [_row(r) for r in rows]

    def claim(self, *, owner: str, now: datetime, limit: int, lease: timedelta, batch_id: int | None = None) -> list[OutboxRow]:
        extra = [_active_batch()] + ([OutboxMessage.batch_id == batch_id] if batch_id is not None else [])
        return self._claim(_S.QUEUED, _S.CLAIMED, owner=owner, now=now, limit=limit, lease=lease, extra=extra)

    def claim_unknown(self, *, owner: str, now: datetime, limit: int, lease: timedelta,
                      batch_id: int | None = None) -> list[OutboxRow]:
        extra = [OutboxMessage.batch_id == batch_id] if batch_id is not None else []
        return self._claim(_S.UNKNOWN, _S.RECONCILING, owner=owner, now=now, limit=limit, lease=lease, extra=extra)

    # The per-message transitions below run thousands of times a campaign: they are Core
    # statements on the table (the ORM's bulk-update machinery costs more than the database).
    def _run(self, stmt) -> int:
        return self.session.connection().execute(stmt).rowcount

    def start_attempt(self, row_id: int, *, owner: str, now: datetime, lease: timedelta, provider: str) -> bool:
        """claimed → sending, only while the batch is still active (pause/cancel between messages).
        The provider is recorded: an unclear outcome is later checked with that provider only."""
        return bool(self.session.connection().execute(_START, {
            "b_id": row_id, "b_owner": owner, "b_now": now, "b_until": now + lease, "b_provider": provider}).rowcount)

    def release(self, row_id: int, *, owner: str, not_before: datetime, reason: str = "",
                from_status: OutboxStatus = _S.CLAIMED, to_status: OutboxStatus = _S.QUEUED,
                attempt: int | None = None) -> bool:
        """Give a row back (paused, quiet hours, daily cap, retry later, reconcile later)."""
        return bool(self._run(
            update(_T).where(*self._mine(row_id, owner, from_status, attempt))
            .values(status=to_status.value, lease_owner=None, lease_until=None, not_before=not_before, reason=reason)))

    @staticmethod
    def _mine(row_id: int, owner: str | None, from_status: OutboxStatus, attempt: int | None) -> list:
        """The row as this dispatcher left it: same state, same lease owner and, for an attempt in
        flight, the same attempt (a late answer to an earlier attempt changes nothing)."""
        where = [_T.c.id == row_id, _T.c.status == from_status.value]
        if owner is not None:
            where.append(_T.c.lease_owner == owner)
        if attempt is not None:
            where.append(_T.c.attempts == attempt)
        return where

    def finish(self, row_id: int, *, owner: str, from_status: OutboxStatus, status: OutboxStatus, now: datetime,
               reason: str = "", error_code: str | None = None, provider: str | None = None,
               attempt: int | None = None) -> bool:
        """A final outcome without a provider id (rejected, opted out, skipped, failed after retries)."""
        return bool(self._run(
            update(_T).where(*self._mine(row_id, owner, from_status, attempt))
            .values(status=status.value, lease_owner=None, lease_until=None, finished_at=now, reason=reason,
                    error_code=error_code, provider=provider or _T.c.provider)))

    def accepted(self, row_id: int, *, owner: str | None, from_status: OutboxStatus, provider: str, provider_id: str,
                 status: OutboxStatus, provider_status: str, segments: int | None, now: datetime, final: bool,
                 next_poll_at: datetime | None, attempt: int | None = None) -> bool:
        """The provider has the message: record its id (the one fact that prevents a second send)."""
        if owner is not None and attempt is not None and self.session.connection().execute(_ACCEPT, {
                "b_id": row_id, "b_from": from_status.value, "b_owner": owner, "b_attempt": attempt, "b_pid": provider_id,
                "b_status": status.value, "b_provider": provider, "b_pstatus": provider_status, "b_now": now,
                "b_finished": now if final else None, "b_poll": None if final else next_poll_at,
                "b_segments": segments or None}).rowcount:
            return True  # the usual case, as one prepared statement
        values: dict[str, Any] = dict(status=status.value, lease_owner=None, lease_until=None, provider=provider,
                                      provider_id=provider_id, provider_status=provider_status, submitted_at=now,
                                      finished_at=now if final else None, next_poll_at=None if final else next_poll_at,
                                      reason="", error_code=None)
        if segments:
            values["segments"] = segments
        unused = ~select(_OTHER.c.id).where(_OTHER.c.provider_id == provider_id).exists()  # one send, one row
        if self._run(update(_T).where(*self._mine(row_id, owner, from_status, attempt), unused).values(**values)):
            return True
        # Our lease ran out while the provider call was in flight and another dispatcher moved the
        # row on. The provider accepted it, so that is the truth: record it unless another sender
        # holds it right now or it already has a provider id.
        return bool(self._run(
            update(_T)
            .where(_T.c.id == row_id, _T.c.provider_id.is_(None), unused,
                   _T.c.status.in_([_S.UNKNOWN.value, _S.RECONCILING.value, _S.QUEUED.value, _S.CLAIMED.value,
                                    _S.UNCONFIRMED.value]))
            .values(**values)))

    def segments_since(self, sender: str, since: datetime) -> int:
        return int(self.session.scalar(
            select(func.coalesce(func.sum(OutboxMessage.segments), 0))
            .where(OutboxMessage.sender == sender, OutboxMessage.submitted_at >= since)) or 0)

    # -- delivery reports -----------------------------------------------------------------
    def due_polls(self, *, now: datetime, limit: int,
                  row_ids: Sequence[int] | None = None) -> list[tuple[int, str, str, str, datetime, int]]:
        """(id, channel, provider, provider_id, submitted_at, polls) of rows awaiting a report."""
        when = OutboxMessage.id.in_(row_ids) if row_ids is not None else OutboxMessage.next_poll_at <= now
        rows = self.session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.provider, OutboxMessage.provider_id,
                   OutboxMessage.submitted_at, OutboxMessage.polls)
            .where(OutboxMessage.finished_at.is_(None), OutboxMessage.provider_id.is_not(None), when)
            .order_by(OutboxMessage.next_poll_at).limit(limit))
        return [tuple(r) for r in rows]

    def record_report(self, row_id: int, *, status: OutboxStatus | None, provider_status: str | None, error_code: str | None,
                      reason: str, segments: int | None, now: datetime, final: bool, next_poll_at: datetime | None) -> bool:
        """A delivery report (status None: keep the status, e.g. when the provider stopped reporting)."""
        values: dict[str, Any] = dict(polls=OutboxMessage.polls + 1, finished_at=now if final else None,
                                      next_poll_at=None if final else next_poll_at)
        if status is not None:
            values.update(status=status.value, provider_status=provider_status)
        if error_code:
            values["error_code"] = error_code
        if reason:
            values["reason"] = reason
        if segments:
            values["segments"] = segments
        return bool(self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.finished_at.is_(None)).values(**values)
        ).rowcount)

    def postpone_poll(self, row_id: int, *, next_poll_at: datetime) -> None:
        self.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                             .values(next_poll_at=next_poll_at, polls=OutboxMessage.polls + 1))

    # -- reading ------------------------------------------------------------------------
    def counts(self, *, batch_id: int | None = None) -> dict[str, int]:
        stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if batch_id is not None:
            stmt = stmt.where(OutboxMessage.batch_id == batch_id)
        return {status: n for status, n in self.session.execute(stmt)}

    def unfinished(self) -> int:
        return int(self.session.scalar(select(func.count()).where(OutboxMessage.finished_at.is_(None))) or 0)

    def get(self, row_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, row_id)

    def by_key(self, dedupe_key: str) -> dict[str, Any] | None:
        row = self.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in OutboxMessage.__table__.columns}
