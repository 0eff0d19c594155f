"""Writing and checking the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engage_desktop.domain.audit import AuditEntry, ChainCheck, verify_chain
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right


def record(uow, actor: Actor, action: str, *, entity_type: str = "", entity_id: str = "", patient_ref: str = "",
           details: Mapping[str, Any] | None = None) -> None:
    """Append to the audit log inside the caller's unit of work: the record commits with the change."""
    uow.audit.append(AuditEntry(at=datetime.now(UTC), username=actor.username, workstation=actor.workstation,
                                action=action, user_id=actor.user_id, entity_type=entity_type, entity_id=entity_id,
                                patient_ref=patient_ref, details=details))


def check_audit_chain(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> ChainCheck:
    actor.require(Right.VIEW_AUDIT_LOG)
    with uow_factory() as uow:
        return verify_chain(uow.audit.chain())
