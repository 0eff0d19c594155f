"""Writing, searching, exporting and checking the audit log."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from engage_desktop.domain.audit import AuditEntry, ChainCheck, action_label, verify_chain
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.domain.spreadsheet import safe_row

MAX_ROWS = 5000  # the viewer's page; an export takes every matching row


def record(uow, actor: Actor, action: str, *, entity_type: str = "", entity_id: str = "", patient_ref: str = "",
           details: Mapping[str, Any] | None = None) -> None:
    """Append to the audit log inside the caller's unit of work: the record commits with the change."""
    uow.audit.append(AuditEntry(at=datetime.now(UTC), username=actor.username, workstation=actor.workstation,
                                action=action, user_id=actor.user_id, entity_type=entity_type, entity_id=entity_id,
                                patient_ref=patient_ref, details=details))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the viewer filters by. Dates are local calendar days, both ends included.

    ``action`` is an action code ("patient.view") or a category ending in "." ("user.").
    ``patient`` is a reference ("pms:123") or a bare PMS patient number.
    """

    username: str = ""
    action: str = ""
    patient: str = ""
    since: date | None = None
    until: date | None = None

    def patient_ref(self) -> str:
        text = self.patient.strip()
        return f"pms:{text}" if text.isdigit() else text

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as UTC instants, from this computer's time zone."""
        since = datetime.combine(self.since, time.min).astimezone(UTC) if self.since else None
        until = datetime.combine(self.until + timedelta(days=1), time.min).astimezone(UTC) if self.until else None
        return since, until


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    entry: AuditEntry

    @property
    def action_label(self) -> str:
        return action_label(self.entry.action)

    @property
    def summary(self) -> str:
        """The details in one line: before → after for changes, the reason for failures."""
        details = dict(self.entry.details or {})
        parts = []
        if "reason" in details:
            parts.append(str(details.pop("reason")))
        before, after = details.pop("before", None), details.pop("after", None)
        if isinstance(after, dict):
            for key, value in after.items():
                old = before.get(key) if isinstance(before, dict) else None
                if old == value or (old is None and _blank(value)):
                    continue  # unchanged (a whole account is logged), or a blank field saved the first time
                parts.append(f"{key}: {_short(old)} → {_short(value)}" if old is not None else f"{key}: {_short(value)}")
        for key, value in sorted(details.items(), key=lambda item: isinstance(item[1], dict)):  # counts first
            parts.append(f"{key}: {_short(value)}")
        return "; ".join(parts)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _short(value: Any) -> str:
    if _blank(value):
        return "(blank)"
    if isinstance(value, dict):  # e.g. an export's filter: "action=patient., since=2026-10-23"
        text = ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v, default=str)}"
                         for k, v in value.items() if not _blank(v))
    else:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def search(*, uow_factory: UnitOfWorkFactory, actor: Actor, query: AuditFilter, limit: int = MAX_ROWS) -> list[AuditRow]:
    """Newest first."""
    actor.require(Right.VIEW_AUDIT_LOG)
    since, until = query.bounds()
    with uow_factory() as uow:
        found = uow.audit.search(username=query.username or None, action=query.action or None,
                                 patient_ref=query.patient_ref() or None, since=since, until=until, limit=limit)
    return [AuditRow(record_id, entry) for record_id, entry in found]


def choices(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> tuple[list[str], list[str]]:
    actor.require(Right.VIEW_AUDIT_LOG)
    with uow_factory() as uow:
        return uow.audit.usernames(), uow.audit.actions()


CSV_COLUMNS = ("id", "when_utc", "user", "workstation", "action", "action_code", "entity_type", "entity_id",
               "patient_ref", "details")


def export_csv(*, uow_factory: UnitOfWorkFactory, actor: Actor, query: AuditFilter, path: Path) -> int:
    """Every matching record to a CSV file (written whole, then moved into place). Audited."""
    actor.require(Right.VIEW_AUDIT_LOG)
    rows = search(uow_factory=uow_factory, actor=actor, query=query, limit=10_000_000)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8-sig") as fh:  # the BOM lets Excel read UTF-8
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            for row in rows:
                e = row.entry
                writer.writerow(safe_row([row.id, e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), e.username,
                                          e.workstation, row.action_label, e.action, e.entity_type, e.entity_id,
                                          e.patient_ref, json.dumps(e.details or {}, sort_keys=True, default=str)]))
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    with uow_factory() as uow:
        record(uow, actor, "audit.export", details={"rows": len(rows), "filter": {
            "user": query.username, "action": query.action, "patient": query.patient_ref(),
            "since": query.since, "until": query.until}})
        uow.commit()
    return len(rows)


def check_audit_chain(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> ChainCheck:
    actor.require(Right.VIEW_AUDIT_LOG)
    with uow_factory() as uow:
        return verify_chain(uow.audit.chain())
