"""Test doubles for the ports."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from engage_desktop.domain.pms_records import SchemaReport
from engage_desktop.domain.ports import Batch, Entity


class FakeSecretStore:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key):
        return self.values.get(key)

    def set(self, key, value):
        self.values[key] = value

    def delete(self, key):
        self.values.pop(key, None)


class FakePmsReader:
    """An in-memory PMS: records per entity with change stamps from a controllable clock.

    ``fail_after_pages`` makes the N-th page read raise, to simulate a crash mid-sync.
    """

    vendor = "Fake PMS"

    def __init__(self, *, stamps: bool = True) -> None:
        self.clock = datetime(2026, 1, 1, 9, 0, 0)
        self.rows: dict[Entity, dict[str, tuple[object, datetime]]] = {e: {} for e in Entity}
        self.stamps = stamps
        self.pages_read = 0
        self.fail_after_pages: int | None = None
        self.lock = threading.Lock()
        self.closed = False

    def tick(self, seconds: int = 1) -> None:
        self.clock += timedelta(seconds=seconds)

    def put(self, entity: Entity, *records) -> None:
        for r in records:
            self.rows[entity][r.pms_id] = (r, self.clock)

    def delete(self, entity: Entity, pms_id: str) -> None:
        self.rows[entity].pop(pms_id, None)

    def update(self, entity: Entity, pms_id: str, **changes) -> None:
        record, _ = self.rows[entity][pms_id]
        self.rows[entity][pms_id] = (replace(record, **changes), self.clock)

    # -- PmsReader ----------------------------------------------------------------------
    def server_now(self) -> datetime:
        return self.clock

    def check_schema(self) -> SchemaReport:
        return SchemaReport(vendor=self.vendor)

    def supports_changes_since(self, entity: Entity) -> bool:
        return self.stamps and entity not in (Entity.LOCATIONS, Entity.PROVIDERS)

    def read_batch(self, entity, *, after_key, changed_since, limit) -> Batch:
        with self.lock:
            self.pages_read += 1
            if self.fail_after_pages is not None and self.pages_read > self.fail_after_pages:
                raise RuntimeError("simulated crash while reading")
        keyed = sorted(self.rows[entity].items(), key=lambda kv: int(kv[0]))
        after = int(after_key) if after_key else -1
        out = []
        for key, (record, stamp) in keyed:
            if int(key) <= after:
                continue
            if changed_since is not None and self.supports_changes_since(entity) and stamp < changed_since:
                continue
            out.append(record)
            if len(out) >= limit:
                break
        next_key = out[-1].pms_id if len(out) >= limit else None
        return Batch(records=out, next_key=next_key, rows_read=len(out))

    def close(self) -> None:
        self.closed = True


def fast_hasher():
    """Real argon2id with tiny costs: the same code path, milliseconds instead of a second per test."""
    import argon2

    from engage_desktop.passwords import Argon2PasswordHasher

    return Argon2PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Clock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 12, 1, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class ScriptedSms:
    """An in-memory SMS provider for the dispatcher's state-machine tests. ``script`` maps a body
    to the outcomes of successive sends (default: accepted). An "unknown_stored" outcome keeps the
    message (the provider got it, the reply was lost); "unknown" drops it."""

    name = "scripted"
    delivers = True

    def __init__(self, clock=None) -> None:
        import itertools
        import threading

        self.clock = clock
        self.script: dict[str, list[str]] = {}
        self.stored: list = []  # ProviderMessage of every message the provider really has
        self.statuses: dict[str, list] = {}  # provider id -> statuses fetch returns in turn
        self.calls: list[str] = []  # bodies, in call order
        self.on_send = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.list_fails = False

    def _now(self):
        return self.clock() if self.clock else datetime.now(UTC)

    def send(self, message):
        from engage_desktop.domain.messages import DeliveryStatus, ProviderMessage, SendOutcome, SendResult

        with self._lock:
            self.calls.append(message.body)
            steps = self.script.get(message.body)
            outcome = steps.pop(0) if steps else "accepted"
            sid = f"SM{next(self._ids):032d}"
        if self.on_send:
            self.on_send(message)
        if outcome in ("accepted", "unknown_stored"):
            with self._lock:
                self.stored.append(ProviderMessage(provider_id=sid, inbound=False, sender=message.sender, to=message.to,
                                                   body=message.body, status=DeliveryStatus.QUEUED, raw_status="queued",
                                                   created_at=self._now()))
        if outcome == "accepted":
            return SendResult(SendOutcome.ACCEPTED, provider_id=sid, status=DeliveryStatus.QUEUED)
        if outcome in ("unknown", "unknown_stored"):
            return SendResult(SendOutcome.UNKNOWN, error_message="read timeout")
        if outcome == "retry":
            return SendResult(SendOutcome.RETRY, error_code="20429", error_message="Too many requests")
        if outcome == "opted_out":
            return SendResult(SendOutcome.OPTED_OUT, error_code="21610")
        if outcome == "blocked":
            return SendResult(SendOutcome.BLOCKED, error_code="20003", error_message="Authentication failed")
        return SendResult(SendOutcome.REJECTED, error_code="21211", error_message="Invalid 'To' number")

    def fetch(self, provider_id):
        from dataclasses import replace

        from engage_desktop.domain.messages import ProviderError

        with self._lock:
            message = next((m for m in self.stored if m.provider_id == provider_id), None)
            if message is None:
                raise ProviderError("not found", transient=False, status_code=404)
            queue = self.statuses.get(provider_id)
            if queue:
                status = queue.pop(0) if len(queue) > 1 else queue[0]
                return replace(message, status=status, raw_status=status.value)
            return message

    def list_messages(self, *, to=None, sender=None, since=None, day_filter=True, max_pages=20):
        from engage_desktop.domain.messages import ProviderError

        if self.list_fails:
            raise ProviderError("list failed", transient=True, status_code=503)
        with self._lock:
            items = [m for m in self.stored if (to is None or m.to == to) and (sender is None or m.sender == sender)
                     and (since is None or m.created_at >= since)]
        return iter(sorted(items, key=lambda m: m.created_at, reverse=True))
