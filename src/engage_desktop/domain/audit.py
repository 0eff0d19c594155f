"""Audit records and their hash chain (pure).

Each record stores the hash of the previous record and its own hash over its content, so an
edited, inserted or deleted row breaks the chain from that point on. Records carry references
(patient id, entity id) and before/after values of settings and links — never message bodies
or clinical details.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    username: str
    workstation: str
    action: str  # e.g. "user.sign_in", "patient.view", "settings.change"
    user_id: int | None = None
    entity_type: str = ""
    entity_id: str = ""
    patient_ref: str = ""  # "pms:123" or "unlinked:45": a reference, never a name
    details: Mapping[str, Any] | None = None  # before/after and counts, no message bodies


def canonical(entry: AuditEntry) -> str:
    at = entry.at.astimezone(UTC).replace(tzinfo=None) if entry.at.tzinfo else entry.at
    return json.dumps(
        {
            "at": at.isoformat(timespec="microseconds"),
            "user_id": entry.user_id,
            "username": entry.username,
            "workstation": entry.workstation,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "patient_ref": entry.patient_ref,
            "details": entry.details or {},
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + "\n" + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    records: int
    first_broken_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(rows: Iterable[tuple[int, str, str, AuditEntry]]) -> ChainCheck:
    """``rows``: (id, prev_hash, hash, entry) in id order. Reports the first record that breaks."""
    expected_prev = GENESIS
    count = 0
    for record_id, prev_hash, stored_hash, entry in rows:
        count += 1
        if prev_hash != expected_prev or chain_hash(prev_hash, entry) != stored_hash:
            return ChainCheck(records=count, first_broken_id=record_id)
        expected_prev = stored_hash
    return ChainCheck(records=count)


# What the viewer shows for each action; an action not listed shows its code.
ACTION_LABELS: dict[str, str] = {
    "user.sign_in": "Signed in",
    "user.sign_in_failed": "Sign-in failed",
    "user.sign_out": "Signed out",
    "user.lock": "Screen locked",
    "user.unlock": "Screen unlocked",
    "user.create": "User created",
    "user.access_change": "User rights changed",
    "user.password_change": "Password changed",
    "user.password_reset": "Password reset by an administrator",
    "user.disable": "User disabled",
    "user.enable": "User enabled",
    "patient.view": "Patient card viewed",
    "patient.create_unlinked": "Unlinked patient created",
    "patient.import_csv": "Patients imported from CSV",
    "patient.link": "Linked to PMS chart",
    "patient.relink": "Re-linked to another chart",
    "patient.unlink": "Unlinked from PMS chart",
    "patient.auto_link": "Linked automatically",
    "patient.link_verified": "Link verified",
    "patient.create_in_pms": "Create in PMS",
    "patient.merge": "Unlinked patients merged",
    "patient.match_dismissed": "Match proposal dismissed",
    "patient.kept_unlinked": "Kept unlinked (no chart fits)",
    "settings.change": "Settings changed",
    "settings.location_change": "Location settings changed",
    "audit.export": "Audit log exported",
    "audit.check": "Audit chain checked",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
