"""Patients view use cases: search as you type, list rows, the patient card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.search import parse_query
from engage_desktop.domain.views import PatientCard, PatientListRow, SearchResult

SEARCH_LIMIT = 5000  # more matches than this means "keep typing"; the count says how many


def search_patients(*, uow_factory: UnitOfWorkFactory, text: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Ids of matching patients in list order. An empty search lists every patient."""
    query = parse_query(text)
    with uow_factory() as uow:
        return uow.patients.search(query, limit=limit)


def patient_rows(*, uow_factory: UnitOfWorkFactory, ids: Sequence[int]) -> list[PatientListRow]:
    with uow_factory() as uow:
        return uow.patients.rows(ids)


def patient_card(*, uow_factory: UnitOfWorkFactory, patient_id: int, now: datetime | None = None) -> PatientCard | None:
    # Appointment times are the PMS's wall clock; compare with local wall-clock time.
    with uow_factory() as uow:
        return uow.patients.card(patient_id, now=now or datetime.now())
