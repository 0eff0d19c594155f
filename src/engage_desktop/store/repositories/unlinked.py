"""Unlinked patients, their search keys, and candidate lookups through the match-key indexes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from engage_desktop.domain.matching import MAX_BLOCK, ChartRecord, Person, blocking_keys
from engage_desktop.domain.pms_records import PatientStatus, Phone, PmsPatient
from engage_desktop.domain.search import search_keys
from engage_desktop.domain.unlinked import ContactPreference, LinkState, NewUnlinked, Source, UnlinkedPatient, person_of
from engage_desktop.store.models import (
    PatientMatchKey,
    PatientRecord,
    UnlinkedMatchKey,
    UnlinkedPatientRecord,
    UnlinkedSearchToken,
)

_CHUNK = 500


def chart_record(p: PatientRecord) -> ChartRecord:
    """A mirrored chart as the matcher sees it (its id is the mirror row id, as text)."""
    return ChartRecord(id=str(p.id), first_name=p.first_name, last_name=p.last_name, birthdate=p.birthdate,
                       phone=p.mobile_phone or p.mobile_phone_raw or None, email=p.email, postcode=p.postcode or None,
                       preferred_name=p.preferred_name or None,
                       other_phones=tuple(x for x in (p.home_phone or p.home_phone_raw, p.work_phone or p.work_phone_raw)
                                          if x),
                       family_id=p.guarantor_id)


def _dto(r: UnlinkedPatientRecord) -> UnlinkedPatient:
    return UnlinkedPatient(id=r.id, first_name=r.first_name, last_name=r.last_name, preferred_name=r.preferred_name,
                           birthdate=r.birthdate, mobile_phone=r.mobile_phone, email=r.email, location_id=r.location_id,
                           contact_preference=ContactPreference(r.contact_preference), source=Source(r.source),
                           state=LinkState(r.status), linked_pms_id=r.linked_pms_id, merged_into_id=r.merged_into_id,
                           created_by=r.created_by)


class SqlUnlinkedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new: NewUnlinked, *, source: Source, by: str, now: datetime) -> int:
        row = UnlinkedPatientRecord(
            first_name=new.first_name, last_name=new.last_name, preferred_name=new.preferred_name,
            sort_name=new.sort_name, birthdate=new.birthdate, mobile_phone=new.mobile_e164, mobile_phone_raw=new.mobile_raw,
            email=new.email, location_id=new.location_id, contact_preference=new.contact_preference.value,
            source=source.value, status=LinkState.UNLINKED.value, created_at=now, created_by=by, updated_at=now)
        self.session.add(row)
        self.session.flush()
        self._index(row)
        return row.id

    def get(self, unlinked_id: int) -> UnlinkedPatient | None:
        row = self.session.get(UnlinkedPatientRecord, unlinked_id)
        return _dto(row) if row is not None else None

    def linked_to(self, pms_id: str) -> list[UnlinkedPatient]:
        stmt = select(UnlinkedPatientRecord).where(UnlinkedPatientRecord.linked_pms_id == pms_id,
                                                   UnlinkedPatientRecord.status == LinkState.LINKED.value)
        return [_dto(r) for r in self.session.scalars(stmt)]

    def set_link(self, unlinked_id: int, pms_id: str | None, *, by: str, now: datetime) -> None:
        row = self.session.get(UnlinkedPatientRecord, unlinked_id, with_for_update=True)
        assert row is not None
        row.linked_pms_id = pms_id
        row.status = (LinkState.LINKED if pms_id else LinkState.UNLINKED).value
        row.linked_at = now if pms_id else None
        row.linked_by = by if pms_id else None
        row.updated_at = now

    # -- candidates ---------------------------------------------------------------------------
    def chart_candidates(self, person: Person, *, location_ids: frozenset[str] | None = None) -> list[ChartRecord]:
        """Charts sharing a blocking key with ``person`` (keys shared by too many charts are skipped)."""
        ids = self._blocked_ids(PatientMatchKey.key, PatientMatchKey.patient_id, blocking_keys(person))
        charts: list[ChartRecord] = []
        for i in range(0, len(ids), _CHUNK):
            stmt = select(PatientRecord).where(PatientRecord.id.in_(ids[i : i + _CHUNK]),
                                               PatientRecord.status != PatientStatus.DELETED.value)
            if location_ids is not None:
                stmt = stmt.where(PatientRecord.location_id.in_(sorted(location_ids)))
            charts.extend(chart_record(p) for p in self.session.scalars(stmt))
        return charts

    def unlinked_candidates(self, person: Person, *, exclude: int | None = None) -> list[tuple[int, Person]]:
        ids = self._blocked_ids(UnlinkedMatchKey.key, UnlinkedMatchKey.unlinked_id, blocking_keys(person))
        out = []
        for i in range(0, len(ids), _CHUNK):
            stmt = select(UnlinkedPatientRecord).where(UnlinkedPatientRecord.id.in_(ids[i : i + _CHUNK]),
                                                       UnlinkedPatientRecord.status == LinkState.UNLINKED.value)
            out.extend((r.id, person_of(_dto(r))) for r in self.session.scalars(stmt) if r.id != exclude)
        return out

    def _blocked_ids(self, key_col, id_col, keys: Iterable[str]) -> list[int]:
        keys = sorted(keys)
        if not keys:
            return []
        counts = dict(self.session.execute(select(key_col, func.count()).where(key_col.in_(keys)).group_by(key_col)).all())
        usable = [k for k, n in counts.items() if n <= MAX_BLOCK]
        if not usable:
            return []
        return sorted(set(self.session.scalars(select(id_col).where(key_col.in_(usable)))))

    # -- keys -----------------------------------------------------------------------------------
    def _index(self, row: UnlinkedPatientRecord) -> None:
        self.session.execute(delete(UnlinkedSearchToken).where(UnlinkedSearchToken.unlinked_id == row.id))
        self.session.execute(delete(UnlinkedMatchKey).where(UnlinkedMatchKey.unlinked_id == row.id))
        tokens = search_keys(first_name=row.first_name, last_name=row.last_name, preferred_name=row.preferred_name,
                             email=row.email, chart_number="", record_id="",
                             phones=(Phone(raw=row.mobile_phone_raw, e164=row.mobile_phone),) if row.mobile_phone else ())
        if tokens:
            self.session.execute(insert(UnlinkedSearchToken), [{"token": t, "unlinked_id": row.id} for t in sorted(tokens)])
        keys = blocking_keys(person_of(_dto(row)))
        if keys:
            self.session.execute(insert(UnlinkedMatchKey), [{"key": k, "unlinked_id": row.id} for k in sorted(keys)])


def _e164(phone: Phone | None) -> str | None:
    return (phone.e164 or phone.raw or None) if phone is not None else None


def chart_of_pms(mirror_id: int, p: PmsPatient) -> ChartRecord:
    """The same chart as ``chart_record`` gives, straight from the synced record."""
    return ChartRecord(id=str(mirror_id), first_name=p.first_name, last_name=p.last_name, birthdate=p.birthdate,
                       phone=_e164(p.mobile_phone), email=p.email, postcode=p.postcode or None,
                       preferred_name=p.preferred_name or None,
                       other_phones=tuple(x for x in (_e164(p.home_phone), _e164(p.work_phone)) if x),
                       family_id=p.guarantor_id)


def chart_match_keys(mirror_id: int, p: PmsPatient) -> list[tuple[str, int]]:
    """(key, mirror id) rows for ``pms_patient_match_key``; the sync writes them with the search keys."""
    return [(key, mirror_id) for key in blocking_keys(chart_of_pms(mirror_id, p))]
