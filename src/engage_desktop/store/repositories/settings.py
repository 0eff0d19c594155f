"""Practice-wide settings as JSON values keyed by name (shared by every workstation)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage_desktop.store.models import AppSetting


class SqlSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, default: Any = None) -> Any:
        row = self.session.get(AppSetting, key)
        return default if row is None else json.loads(row.value)

    def set(self, key: str, value: Any) -> None:
        row = self.session.get(AppSetting, key)
        text = json.dumps(value, sort_keys=True)
        if row is None:
            self.session.add(AppSetting(key=key, value=text, updated_at=datetime.now(UTC)))
        elif row.value != text:
            row.value = text
            row.updated_at = datetime.now(UTC)
        self.session.flush()

    def all(self) -> dict[str, Any]:
        return {r.key: json.loads(r.value) for r in self.session.scalars(select(AppSetting))}
