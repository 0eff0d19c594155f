"""Practice-wide settings as JSON values keyed by name (shared by every workstation)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage_desktop.store.models import AppSetting


class SqlSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, default: Any = None) -> Any:
        row = self.session.get(AppSetting, key)
        return default if row is None else json.loads(row.value)

    def set(self, key: str, value: Any) -> None:
        # An upsert, not read-then-write (see SqlMirrorRepository.save_cursor).
        values = {"key": key, "value": json.dumps(value, sort_keys=True), "updated_at": datetime.now(UTC)}
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(AppSetting.__table__).values(**values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value,
                                                                                     "updated_at": stmt.excluded.updated_at}))
        self.session.expire_all()

    def all(self) -> dict[str, Any]:
        return {r.key: json.loads(r.value) for r in self.session.scalars(select(AppSetting))}
