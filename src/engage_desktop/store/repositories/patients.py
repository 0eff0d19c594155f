"""Read side of the Patients view: search, list rows and the patient card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.pms_records import PatientStatus, ProcedureStatus, format_name
from engage_desktop.domain.search import SearchQuery, prefix_upper_bound
from engage_desktop.domain.unlinked import LinkState
from engage_desktop.domain.views import (
    AppointmentLine,
    ContactPoint,
    FamilyMember,
    PatientCard,
    PatientListRow,
    PlannedProcedureLine,
    RecallLine,
    SearchResult,
)
from engage_desktop.store.models import (
    AppointmentRecord,
    LocationRecord,
    PatientRecord,
    PatientSearchToken,
    ProcedureRecord,
    ProviderRecord,
    RecallRecord,
    UnlinkedPatientRecord,
    UnlinkedSearchToken,
)

_LIST_COLUMNS = (
    PatientRecord.id,
    PatientRecord.pms_id,
    PatientRecord.first_name,
    PatientRecord.last_name,
    PatientRecord.preferred_name,
    PatientRecord.birthdate,
    PatientRecord.mobile_phone,
    PatientRecord.mobile_phone_raw,
    PatientRecord.home_phone,
    PatientRecord.home_phone_raw,
    PatientRecord.email,
    PatientRecord.status,
    PatientRecord.location_id,
    PatientRecord.chart_number,
)


ALL, CHARTS, UNLINKED = "all", "charts", "unlinked"  # what a search lists


class SqlPatientQueries:
    def __init__(self, session: Session, *, region: str = "US") -> None:
        self.session = session
        self.region = region

    def search(self, query: SearchQuery, *, limit: int, include_hidden: bool = False,
               location_ids: frozenset[str] | None = None, kind: str = ALL) -> SearchResult:
        """Charts and unlinked patients in one alphabetical list.

        Unlinked patients appear under negative list ids (``unlinked_list_id``). ``location_ids``:
        only these locations (None: every location); an unlinked patient without a location shows
        to everyone. ``kind``: ``ALL``, ``CHARTS`` or ``UNLINKED``.
        """
        parts = []
        if kind in (ALL, CHARTS):
            conditions = []
            if location_ids is not None:
                conditions.append(PatientRecord.location_id.in_(sorted(location_ids)))
            if not include_hidden:
                conditions.append(PatientRecord.status != PatientStatus.DELETED.value)
            for prefix in query.prefixes:
                tokens = select(PatientSearchToken.patient_id).where(
                    PatientSearchToken.token >= prefix, PatientSearchToken.token < prefix_upper_bound(prefix)
                )
                conditions.append(PatientRecord.id.in_(tokens))
            for birthdate in query.birthdates:
                conditions.append(PatientRecord.birthdate == birthdate)
            parts.append(select(PatientRecord.id.label("id"), PatientRecord.sort_name.label("sort_name")).where(*conditions))
        if kind in (ALL, UNLINKED):
            u = UnlinkedPatientRecord
            conditions = [u.status == LinkState.UNLINKED.value]
            if location_ids is not None:
                conditions.append(or_(u.location_id.is_(None), u.location_id.in_(sorted(location_ids))))
            for prefix in query.prefixes:
                tokens = select(UnlinkedSearchToken.unlinked_id).where(
                    UnlinkedSearchToken.token >= prefix, UnlinkedSearchToken.token < prefix_upper_bound(prefix)
                )
                conditions.append(u.id.in_(tokens))
            for birthdate in query.birthdates:
                conditions.append(u.birthdate == birthdate)
            parts.append(select((-u.id).label("id"), u.sort_name.label("sort_name")).where(*conditions))
        both = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        stmt = select(both.c.id).order_by(both.c.sort_name, both.c.id)
        if query.is_empty:
            ids = tuple(self.session.scalars(stmt))
            return SearchResult(ids=ids, total=len(ids), query=query.raw)
        ids = tuple(self.session.scalars(stmt.limit(limit + 1)))
        if len(ids) <= limit:
            return SearchResult(ids=ids, total=len(ids), query=query.raw)
        total = self.session.scalar(select(func.count()).select_from(both)) or 0
        return SearchResult(ids=ids[:limit], total=total, query=query.raw)

    def rows(self, ids: Sequence[int], *, location_ids: frozenset[str] | None = None) -> list[PatientListRow]:
        if not ids:
            return []
        locations = self._location_names(short=True)
        found = {}
        chart_ids = [i for i in ids if i > 0]
        stmt = select(*_LIST_COLUMNS).where(PatientRecord.id.in_(chart_ids))
        if location_ids is not None:
            stmt = stmt.where(PatientRecord.location_id.in_(sorted(location_ids)))
        for r in self.session.execute(stmt) if chart_ids else ():
            phone = format_phone(r.mobile_phone, r.mobile_phone_raw, self.region) or format_phone(r.home_phone, r.home_phone_raw, self.region)
            found[r.id] = PatientListRow(
                id=r.id,
                pms_id=r.pms_id,
                name=format_name(r.first_name, r.last_name, r.preferred_name),
                birthdate=r.birthdate,
                phone=phone,
                email=r.email or "",
                status=r.status,
                location=locations.get(r.location_id or "", ""),
                chart_number=r.chart_number,
            )
        unlinked_ids = [-i for i in ids if i < 0]
        if unlinked_ids:
            u = UnlinkedPatientRecord
            stmt = select(u).where(u.id.in_(unlinked_ids), u.status == LinkState.UNLINKED.value)
            if location_ids is not None:
                stmt = stmt.where(or_(u.location_id.is_(None), u.location_id.in_(sorted(location_ids))))
            for r in self.session.scalars(stmt):
                found[-r.id] = PatientListRow(
                    id=-r.id, pms_id="", name=format_name(r.first_name, r.last_name, r.preferred_name),
                    birthdate=r.birthdate, phone=format_phone(r.mobile_phone, r.mobile_phone_raw, self.region),
                    email=r.email or "", status=LinkState.UNLINKED.value, location=locations.get(r.location_id or "", ""),
                    chart_number="", is_linked=False)
        return [found[i] for i in ids if i in found]

    def pms_ids(self, ids: Sequence[int]) -> dict[int, str]:
        """PMS ids of mirrored charts by mirror id (deleted charts left out)."""
        if not ids:
            return {}
        stmt = select(PatientRecord.id, PatientRecord.pms_id).where(
            PatientRecord.id.in_(list(ids)), PatientRecord.status != PatientStatus.DELETED.value)
        return dict(self.session.execute(stmt).all())

    def location_of(self, patient_id: int) -> str | None:
        return self.session.scalar(select(PatientRecord.location_id).where(PatientRecord.id == patient_id))

    def _location_names(self, *, short: bool = False) -> dict[str, str]:
        """Names by PMS id; lists use the abbreviation Open Dental shows in its own lists."""
        rows = self.session.execute(select(LocationRecord.pms_id, LocationRecord.name, LocationRecord.abbreviation))
        return {pms_id: (abbr or name) if short else name for pms_id, name, abbr in rows}

    def _provider_names(self) -> dict[str, str]:
        out = {}
        for pms_id, abbr, first, last in self.session.execute(
            select(ProviderRecord.pms_id, ProviderRecord.abbreviation, ProviderRecord.first_name, ProviderRecord.last_name)
        ):
            full = f"{first} {last}".strip()
            out[pms_id] = f"{full} ({abbr})" if full and abbr else (full or abbr)
        return out

    def card(self, patient_id: int, *, now: datetime, location_ids: frozenset[str] | None = None) -> PatientCard | None:
        if patient_id < 0:
            return self._unlinked_card(-patient_id, location_ids=location_ids)
        p = self.session.get(PatientRecord, patient_id)
        if p is None or (location_ids is not None and p.location_id not in location_ids):
            return None
        providers = self._provider_names()
        locations = self._location_names()
        contacts = []
        for kind, e164, raw in (
            ("Mobile", p.mobile_phone, p.mobile_phone_raw),
            ("Home", p.home_phone, p.home_phone_raw),
            ("Work", p.work_phone, p.work_phone_raw),
        ):
            if e164 or raw:
                contacts.append(ContactPoint(kind=kind, display=format_phone(e164, raw, self.region), valid=bool(e164), raw=raw))
        if p.email:
            contacts.append(ContactPoint(kind="Email", display=p.email, valid=p.email_is_valid, raw=p.email))
        family = self._family(p)
        guarantor_id = next((m.id for m in family if m.relation == "Guarantor"), None)
        address = ", ".join(x for x in (p.address1, p.address2, p.city, " ".join(x for x in (p.state, p.postcode) if x)) if x)
        linked = list(self.session.scalars(
            select(UnlinkedPatientRecord).where(UnlinkedPatientRecord.linked_pms_id == p.pms_id,
                                                UnlinkedPatientRecord.status == LinkState.LINKED.value)
            .order_by(UnlinkedPatientRecord.id)))
        return PatientCard(
            id=p.id,
            pms_id=p.pms_id,
            name=format_name(p.first_name, p.last_name, p.preferred_name),
            first_name=p.first_name,
            last_name=p.last_name,
            preferred_name=p.preferred_name,
            birthdate=p.birthdate,
            status=p.status,
            gender=p.gender,
            chart_number=p.chart_number,
            contacts=tuple(contacts),
            address=address,
            text_consent=p.text_consent,
            email_consent=p.email_consent,
            sms_opt_out=p.sms_opt_out,
            email_opt_out=p.email_opt_out,
            preferred_contact=p.preferred_contact,
            primary_provider=providers.get(p.primary_provider_id or "", ""),
            secondary_provider=providers.get(p.secondary_provider_id or "", ""),
            location=locations.get(p.location_id or "", ""),
            guarantor_id=guarantor_id if guarantor_id != p.id else None,
            is_guarantor=p.guarantor_id in (None, p.pms_id),
            language=p.language,
            first_visit=p.first_visit,
            last_visit_at=p.last_visit_at,
            recall_due=p.recall_due,
            family=family,
            appointments=self._appointments(p.pms_id, now, providers, locations),
            recalls=self._recalls(p.pms_id),
            planned_treatment=self._planned(p.pms_id, providers),
            linked_unlinked_ids=tuple(u.id for u in linked),
            link_verified_by=next((u.verified_by for u in linked if u.verified_by), "") or "",
        )

    def _unlinked_card(self, unlinked_id: int, *, location_ids: frozenset[str] | None) -> PatientCard | None:
        u = self.session.get(UnlinkedPatientRecord, unlinked_id)
        if u is None or u.status != LinkState.UNLINKED.value:
            return None
        if location_ids is not None and u.location_id is not None and u.location_id not in location_ids:
            return None
        contacts = []
        if u.mobile_phone or u.mobile_phone_raw:
            contacts.append(ContactPoint(kind="Mobile", display=format_phone(u.mobile_phone, u.mobile_phone_raw, self.region),
                                         valid=bool(u.mobile_phone), raw=u.mobile_phone_raw))
        if u.email:
            contacts.append(ContactPoint(kind="Email", display=u.email, valid=True, raw=u.email))
        return PatientCard(
            id=-u.id, pms_id="", name=format_name(u.first_name, u.last_name, u.preferred_name), first_name=u.first_name,
            last_name=u.last_name, preferred_name=u.preferred_name, birthdate=u.birthdate, status=LinkState.UNLINKED.value,
            # A contact preference is not consent: consent stays unknown until the consent rules record it.
            gender="unknown", chart_number="", contacts=tuple(contacts), address="", text_consent="unknown",
            email_consent="unknown", sms_opt_out=False, email_opt_out=False,
            preferred_contact=u.contact_preference,  # ContactPreference values are ContactMethod values
            primary_provider="", secondary_provider="", location=self._location_names().get(u.location_id or "", ""),
            guarantor_id=None, is_guarantor=False, language="", first_visit=None, last_visit_at=None, recall_due=None,
            is_linked=False, unlinked_id=u.id, created_by=u.created_by, pms_request=u.pms_request or "",
            pms_requested_at=u.pms_requested_at, pending_pms_id=u.pending_pms_id or "",
        )

    def _family(self, p: PatientRecord) -> tuple[FamilyMember, ...]:
        head = p.guarantor_id or p.pms_id
        rows = self.session.execute(
            select(PatientRecord.id, PatientRecord.pms_id, PatientRecord.first_name, PatientRecord.last_name,
                   PatientRecord.preferred_name, PatientRecord.birthdate, PatientRecord.status)
            .where(or_(PatientRecord.guarantor_id == head, PatientRecord.pms_id == head),
                   PatientRecord.status != PatientStatus.DELETED.value)
            .order_by(PatientRecord.birthdate)
        )
        members = []
        for r in rows:
            if r.id == p.id:
                continue
            relation = "Guarantor" if r.pms_id == head else "Family member"
            members.append(FamilyMember(id=r.id, name=format_name(r.first_name, r.last_name, r.preferred_name),
                                        birthdate=r.birthdate, relation=relation, status=r.status))
        members.sort(key=lambda m: (m.relation != "Guarantor", m.birthdate or datetime.min.date()))
        return tuple(members)

    def _appointments(self, pms_id: str, now: datetime, providers: dict[str, str], locations: dict[str, str]) -> tuple[AppointmentLine, ...]:
        a = AppointmentRecord
        # Every future appointment, plus the most recent past ones: what the front desk asks about.
        future = select(a).where(a.patient_id == pms_id, a.starts_at >= now).order_by(a.starts_at)
        past = select(a).where(a.patient_id == pms_id, or_(a.starts_at < now, a.starts_at.is_(None))).order_by(a.starts_at.desc()).limit(10)
        rows = list(self.session.scalars(future)) + list(self.session.scalars(past))
        return tuple(
            AppointmentLine(
                starts_at=r.starts_at,
                status=r.status,
                provider=providers.get(r.provider_id or "", "") or providers.get(r.hygienist_id or "", ""),
                location=locations.get(r.location_id or "", ""),
                description=r.description,
                length_minutes=r.length_minutes,
                confirmed=r.confirmed,
            )
            for r in rows
        )

    def _recalls(self, pms_id: str) -> tuple[RecallLine, ...]:
        rows = self.session.scalars(select(RecallRecord).where(RecallRecord.patient_id == pms_id).order_by(RecallRecord.due_date))
        return tuple(RecallLine(r.recall_type, r.due_date, r.previous_date, r.scheduled_date, r.is_disabled) for r in rows)

    def _planned(self, pms_id: str, providers: dict[str, str]) -> tuple[PlannedProcedureLine, ...]:
        pr = ProcedureRecord
        rows = self.session.scalars(
            select(pr).where(and_(pr.patient_id == pms_id, pr.status == ProcedureStatus.TREATMENT_PLANNED.value)).order_by(pr.planned_date)
        )
        return tuple(
            PlannedProcedureLine(code=r.code, description=r.description, fee=r.fee, planned_date=r.planned_date,
                                 provider=providers.get(r.provider_id or "", ""), scheduled=r.appointment_id is not None)
            for r in rows
        )
