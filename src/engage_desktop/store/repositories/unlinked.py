"""Unlinked patients, their search keys, and candidate lookups through the match-key indexes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from engage_desktop.domain.matching import MAX_BLOCK, ChartRecord, Person, blocking_keys
from engage_desktop.domain.pms_records import PatientStatus, Phone, PmsPatient
from engage_desktop.domain.search import search_keys
from engage_desktop.domain.unlinked import (
    ContactPreference,
    LinkState,
    MatchPairRow,
    NewUnlinked,
    PairKind,
    PairStatus,
    PmsRequest,
    Source,
    UnlinkedPatient,
    person_of,
)
from engage_desktop.store.models import (
    MatchPair,
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
                           created_by=r.created_by, verified_at=r.verified_at, verified_by=r.verified_by,
                           pms_request=r.pms_request, pms_requested_at=r.pms_requested_at, pending_pms_id=r.pending_pms_id)


def _pair(r: MatchPair) -> MatchPairRow:
    return MatchPairRow(id=r.id, kind=PairKind(r.kind), unlinked_id=r.unlinked_id, other_ref=r.other_ref, score=r.score,
                        reasons=tuple((str(label), bool(conflict)) for label, conflict in json.loads(r.reasons or "[]")),
                        status=PairStatus(r.status), found_at=r.found_at)


def _row(new: NewUnlinked, *, source: Source, by: str, now: datetime, import_key: str | None = None) -> dict:
    return dict(first_name=new.first_name, last_name=new.last_name, preferred_name=new.preferred_name,
                sort_name=new.sort_name, birthdate=new.birthdate, mobile_phone=new.mobile_e164, mobile_phone_raw=new.mobile_raw,
                email=new.email, location_id=new.location_id, contact_preference=new.contact_preference.value,
                source=source.value, status=LinkState.UNLINKED.value, created_at=now, created_by=by, updated_at=now,
                import_key=import_key)


class SqlUnlinkedRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, new: NewUnlinked, *, source: Source, by: str, now: datetime) -> int:
        row = UnlinkedPatientRecord(**_row(new, source=source, by=by, now=now))
        self.session.add(row)
        self.session.flush()
        self._index(row)
        return row.id

    def add_many(self, people: Sequence[tuple[NewUnlinked, str | None]], *, source: Source, by: str,
                 now: datetime) -> list[int]:
        """Bulk insert (CSV import): one statement per table instead of a flush per person."""
        if not people:
            return []
        rows = [_row(new, source=source, by=by, now=now, import_key=key) for new, key in people]
        stmt = insert(UnlinkedPatientRecord).returning(UnlinkedPatientRecord.id, sort_by_parameter_order=True)
        ids = list(self.session.scalars(stmt, rows))
        tokens, keys = [], []
        for new_id, (new, _) in zip(ids, people, strict=True):
            tokens.extend({"token": t, "unlinked_id": new_id} for t in sorted(_tokens(new.first_name, new.last_name,
                          new.preferred_name, new.email, new.mobile_raw, new.mobile_e164)))
            keys.extend({"key": k, "unlinked_id": new_id} for k in sorted(blocking_keys(person_of(new))))
        if tokens:
            self.session.execute(insert(UnlinkedSearchToken), tokens)
        if keys:
            self.session.execute(insert(UnlinkedMatchKey), keys)
        return ids

    def existing_import_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """Import keys already in the store, with the unlinked patient each one created."""
        keys = sorted(set(keys))
        out: dict[str, int] = {}
        for i in range(0, len(keys), _CHUNK):
            stmt = select(UnlinkedPatientRecord.import_key, UnlinkedPatientRecord.id).where(
                UnlinkedPatientRecord.import_key.in_(keys[i : i + _CHUNK]))
            out.update(self.session.execute(stmt).all())
        return out

    def open_ids(self) -> list[int]:
        """Every unlinked patient still waiting for a chart (not linked, not merged)."""
        stmt = select(UnlinkedPatientRecord.id).where(UnlinkedPatientRecord.status == LinkState.UNLINKED.value)
        return list(self.session.scalars(stmt.order_by(UnlinkedPatientRecord.id)))

    def get_many(self, ids: Sequence[int]) -> dict[int, UnlinkedPatient]:
        out: dict[int, UnlinkedPatient] = {}
        ids = list(ids)
        for i in range(0, len(ids), _CHUNK):
            stmt = select(UnlinkedPatientRecord).where(UnlinkedPatientRecord.id.in_(ids[i : i + _CHUNK]))
            out.update((r.id, _dto(r)) for r in self.session.scalars(stmt))
        return out

    def update_details(self, unlinked_id: int, new: NewUnlinked, *, now: datetime) -> None:
        row = self.session.get(UnlinkedPatientRecord, unlinked_id, with_for_update=True)
        assert row is not None
        for key, value in _row(new, source=Source(row.source), by=row.created_by, now=now).items():
            if key not in ("source", "status", "created_at", "created_by", "import_key"):
                setattr(row, key, value)
        self.session.flush()
        self._index(row)

    def mark_merged(self, unlinked_id: int, into_id: int, *, now: datetime) -> None:
        self.session.execute(update(UnlinkedPatientRecord).where(UnlinkedPatientRecord.id == unlinked_id).values(
            status=LinkState.MERGED.value, merged_into_id=into_id, updated_at=now))
        # Whatever was merged into this one follows it to the survivor.
        self.session.execute(update(UnlinkedPatientRecord).where(UnlinkedPatientRecord.merged_into_id == unlinked_id)
                             .values(merged_into_id=into_id, updated_at=now))

    def set_verified(self, unlinked_id: int, *, by: str, now: datetime) -> None:
        self.session.execute(update(UnlinkedPatientRecord).where(UnlinkedPatientRecord.id == unlinked_id).values(
            verified_at=now, verified_by=by, updated_at=now))

    def set_pms_request(self, unlinked_id: int, kind: PmsRequest | None, *, pending_pms_id: str | None,
                        now: datetime) -> None:
        """Record how Create in PMS was asked for (None: the request failed for certain, forget it)."""
        self.session.execute(update(UnlinkedPatientRecord).where(UnlinkedPatientRecord.id == unlinked_id).values(
            pms_request=kind.value if kind else None, pms_requested_at=now if kind else None,
            pending_pms_id=pending_pms_id, updated_at=now))

    def pending_pms_links(self) -> list[tuple[int, str]]:
        """(unlinked id, chart PMS id) for people created in the PMS through its API, not linked yet."""
        stmt = select(UnlinkedPatientRecord.id, UnlinkedPatientRecord.pending_pms_id).where(
            UnlinkedPatientRecord.status == LinkState.UNLINKED.value, UnlinkedPatientRecord.pending_pms_id.is_not(None))
        return [(i, p) for i, p in self.session.execute(stmt)]

    def mirror_ids(self, pms_ids: Iterable[str]) -> dict[str, int]:
        """Mirror ids of live charts by PMS id."""
        pms_ids = sorted(set(pms_ids))
        out: dict[str, int] = {}
        for i in range(0, len(pms_ids), _CHUNK):
            stmt = select(PatientRecord.pms_id, PatientRecord.id).where(
                PatientRecord.pms_id.in_(pms_ids[i : i + _CHUNK]), PatientRecord.status != PatientStatus.DELETED.value)
            out.update(self.session.execute(stmt).all())
        return out

    def chart(self, mirror_id: int) -> ChartRecord | None:
        p = self.session.get(PatientRecord, mirror_id)
        return chart_record(p) if p is not None and p.status != PatientStatus.DELETED.value else None

    # -- review proposals ------------------------------------------------------------------------
    def propose(self, kind: PairKind, unlinked_id: int, other_ref: str, *, score: float,
                reasons: Sequence[tuple[str, bool]], now: datetime) -> bool:
        """Record (or refresh) an open proposal; a dismissed or resolved pair is left alone. True if new."""
        row = self.session.scalar(select(MatchPair).where(MatchPair.kind == kind.value, MatchPair.unlinked_id == unlinked_id,
                                                          MatchPair.other_ref == other_ref))
        if row is None:
            self.session.add(MatchPair(kind=kind.value, unlinked_id=unlinked_id, other_ref=other_ref, score=score,
                                       reasons=json.dumps([list(r) for r in reasons]), status=PairStatus.OPEN.value,
                                       found_at=now))
            self.session.flush()
            return True
        if row.status == PairStatus.OPEN.value:
            row.score, row.reasons = score, json.dumps([list(r) for r in reasons])
        return False

    def pair_refs(self, kind: PairKind, unlinked_id: int) -> dict[str, PairStatus]:
        stmt = select(MatchPair.other_ref, MatchPair.status).where(MatchPair.kind == kind.value,
                                                                   MatchPair.unlinked_id == unlinked_id)
        return {ref: PairStatus(status) for ref, status in self.session.execute(stmt)}

    def open_pairs(self, kind: PairKind) -> list[MatchPairRow]:
        stmt = select(MatchPair).where(MatchPair.kind == kind.value, MatchPair.status == PairStatus.OPEN.value)
        return [_pair(r) for r in self.session.scalars(stmt.order_by(MatchPair.score.desc(), MatchPair.id))]

    def get_pair(self, pair_id: int) -> MatchPairRow | None:
        row = self.session.get(MatchPair, pair_id)
        return _pair(row) if row is not None else None

    def decide_pairs(self, *, status: PairStatus, by: str, now: datetime, pair_id: int | None = None,
                     unlinked_ids: Iterable[int] = (), kind: PairKind | None = None) -> int:
        """Close open proposals: one (``pair_id``) or every one that involves ``unlinked_ids``."""
        stmt = update(MatchPair).where(MatchPair.status == PairStatus.OPEN.value)
        if pair_id is not None:
            stmt = stmt.where(MatchPair.id == pair_id)
        else:
            ids = sorted(set(unlinked_ids))
            if not ids:
                return 0
            involves = MatchPair.unlinked_id.in_(ids)
            if kind is not PairKind.CHART:  # unlinked pairs name the other person in other_ref
                others = MatchPair.other_ref.in_([str(i) for i in ids])
                involves = involves | ((MatchPair.kind == PairKind.UNLINKED.value) & others)
            stmt = stmt.where(involves)
            if kind is not None:
                stmt = stmt.where(MatchPair.kind == kind.value)
        return self.session.execute(stmt.values(status=status.value, decided_at=now, decided_by=by)).rowcount or 0

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
        row.verified_at = row.verified_by = None  # a new (or no) link has not been verified
        row.pending_pms_id = None  # settled either way: an unlinked person is not re-linked to it behind staff's back
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

    # -- bulk candidates (CSV preview): a few chunked queries for thousands of people -----------------
    def chart_ids_by_key(self, keys: Iterable[str]) -> dict[str, list[int]]:
        return self._ids_by_key(PatientMatchKey.key, PatientMatchKey.patient_id, keys)

    def unlinked_ids_by_key(self, keys: Iterable[str]) -> dict[str, list[int]]:
        return self._ids_by_key(UnlinkedMatchKey.key, UnlinkedMatchKey.unlinked_id, keys)

    def charts_by_ids(self, ids: Iterable[int], *, location_ids: frozenset[str] | None = None) -> dict[int, ChartRecord]:
        """Live charts by mirror id; with ``location_ids``, only charts of those locations."""
        ids = sorted(set(ids))
        out: dict[int, ChartRecord] = {}
        for i in range(0, len(ids), _CHUNK):
            stmt = select(PatientRecord).where(PatientRecord.id.in_(ids[i : i + _CHUNK]),
                                               PatientRecord.status != PatientStatus.DELETED.value)
            if location_ids is not None:
                stmt = stmt.where(PatientRecord.location_id.in_(sorted(location_ids)))
            out.update((p.id, chart_record(p)) for p in self.session.scalars(stmt))
        return out

    def _ids_by_key(self, key_col, id_col, keys: Iterable[str]) -> dict[str, list[int]]:
        """Ids per blocking key; keys shared by more than MAX_BLOCK records are left out (they block nothing)."""
        keys = sorted(set(keys))
        out: dict[str, list[int]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            counts = self.session.execute(select(key_col, func.count()).where(key_col.in_(chunk)).group_by(key_col))
            usable = [k for k, n in counts if n <= MAX_BLOCK]
            if usable:
                for key, row_id in self.session.execute(select(key_col, id_col).where(key_col.in_(usable))):
                    out.setdefault(key, []).append(row_id)
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
    def rebuild_chart_keys(self, *, after_id: int, limit: int) -> tuple[int, int] | None:
        """Rewrite the match keys of the next ``limit`` charts after mirror id ``after_id`` (when
        ``matching.BLOCKING_KEYS_VERSION`` changed). Returns (last id, charts done), None when finished."""
        rows = list(self.session.scalars(select(PatientRecord).where(PatientRecord.id > after_id)
                                         .order_by(PatientRecord.id).limit(limit)))
        if not rows:
            return None
        ids = [p.id for p in rows]
        self.session.execute(delete(PatientMatchKey).where(PatientMatchKey.patient_id.in_(ids)))
        keys = [{"key": k, "patient_id": p.id} for p in rows for k in sorted(blocking_keys(chart_record(p)))]
        if keys:
            self.session.execute(insert(PatientMatchKey), keys)
        return ids[-1], len(ids)

    def rebuild_unlinked_keys(self) -> int:
        rows = list(self.session.scalars(select(UnlinkedPatientRecord)))
        for row in rows:
            self._index(row)
        return len(rows)

    def _index(self, row: UnlinkedPatientRecord) -> None:
        self.session.execute(delete(UnlinkedSearchToken).where(UnlinkedSearchToken.unlinked_id == row.id))
        self.session.execute(delete(UnlinkedMatchKey).where(UnlinkedMatchKey.unlinked_id == row.id))
        tokens = _tokens(row.first_name, row.last_name, row.preferred_name, row.email, row.mobile_phone_raw, row.mobile_phone)
        if tokens:
            self.session.execute(insert(UnlinkedSearchToken), [{"token": t, "unlinked_id": row.id} for t in sorted(tokens)])
        keys = blocking_keys(person_of(_dto(row)))
        if keys:
            self.session.execute(insert(UnlinkedMatchKey), [{"key": k, "unlinked_id": row.id} for k in sorted(keys)])


def _tokens(first: str, last: str, preferred: str, email: str | None, phone_raw: str, phone: str | None) -> set[str]:
    return search_keys(first_name=first, last_name=last, preferred_name=preferred, email=email, chart_number="",
                       record_id="", phones=(Phone(raw=phone_raw, e164=phone),) if phone else ())


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
