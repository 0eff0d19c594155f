"""Test doubles for the ports."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

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
