"""Patients view use cases: search as you type, list rows, the patient card.

A user sees the patients of the locations granted to them. Opening a patient card is a PHI
view and is audited (a reference to the chart, never its content).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor
from engage_desktop.domain.search import parse_query
from engage_desktop.domain.views import PatientCard, PatientListRow, SearchResult
from engage_desktop.services.audit import record

SEARCH_LIMIT = 5000  # more matches than this means "keep typing"; the count says how many


def search_patients(*, uow_factory: UnitOfWorkFactory, actor: Actor, text: str, limit: int = SEARCH_LIMIT,
                    kind: str = "all") -> SearchResult:
    """Ids of matching patients in list order (unlinked patients as negative ids). An empty
    search lists every patient. ``kind``: "all", "charts" or "unlinked"."""
    query = parse_query(text)
    with uow_factory() as uow:
        return uow.patients.search(query, limit=limit, location_ids=actor.location_ids, kind=kind)


def patient_rows(*, uow_factory: UnitOfWorkFactory, actor: Actor, ids: Sequence[int]) -> list[PatientListRow]:
    with uow_factory() as uow:
        return uow.patients.rows(ids, location_ids=actor.location_ids)


def patient_card(*, uow_factory: UnitOfWorkFactory, actor: Actor, patient_id: int,
                 now: datetime | None = None) -> PatientCard | None:
    """The card, or None when there is no such patient or it belongs to a location not granted."""
    # Appointment times are the PMS's wall clock; compare with local wall-clock time.
    with uow_factory() as uow:
        card = uow.patients.card(patient_id, now=now or datetime.now(), location_ids=actor.location_ids)
        if card is not None and card.is_linked:
            record(uow, actor, "patient.view", entity_type="patient", entity_id=str(patient_id),
                   patient_ref=f"pms:{card.pms_id}")
        elif card is not None:
            record(uow, actor, "patient.view", entity_type="unlinked_patient", entity_id=str(card.unlinked_id),
                   patient_ref=f"unlinked:{card.unlinked_id}")
        if card is not None:
            uow.commit()
        return card
