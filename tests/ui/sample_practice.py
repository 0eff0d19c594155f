"""A small invented practice for UI tests and screenshots: families, two locations, appointments
either side of today, overdue recalls, planned treatment and a few messy phone numbers."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from engage_desktop.domain.contacts import normalize_phone
from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    ContactMethod,
    PatientStatus,
    PmsAppointment,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    ProcedureStatus,
)
from engage_desktop.domain.ports import Entity
from tests import factories as f
from tests.fakes import FakePmsReader

FIRST = ["Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Harper", "Rowan", "Emerson", "Sage", "Logan",
         "Parker", "Reese", "Skyler", "Dakota", "Hayden", "Elliot", "Finley", "Jamie", "Kendall"]
LAST = ["Abernathy", "Brightwater", "Calloway", "Delacroix", "Eastwood", "Fairbanks", "Galloway", "Hollister",
        "Ingram", "Jessup", "Kingsley", "Lockhart", "Merriweather", "Northcott", "Oakes", "Pemberton",
        "Quill", "Ravenscroft", "Stanhope", "Thistlewood"]

RIVERA = {"maria": 1, "luis": 2, "sofia": 3, "mateo": 4}  # pms ids of the showcase family


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _procedure(pms_id: int, patient_id: int, code: str, description: str, fee: float,
               appointment_id: str | None = None) -> PmsProcedure:
    return PmsProcedure(pms_id=str(pms_id), patient_id=str(patient_id), status=ProcedureStatus.TREATMENT_PLANNED,
                        code=code, description=description, fee=fee, provider_id="1", appointment_id=appointment_id)


def _appointment(pms_id: int, patient_id: int, starts_at: datetime, status=AppointmentStatus.COMPLETE, *,
                 description: str, provider_id: str = "1", location_id: str = "1") -> PmsAppointment:
    return PmsAppointment(pms_id=str(pms_id), patient_id=str(patient_id), starts_at=starts_at, status=status,
                          length_minutes=60, provider_id=provider_id, location_id=location_id,
                          description=description)


def build_reader(filler: int = 200, *, today: date | None = None, seed: int = 7) -> FakePmsReader:
    today = today or date.today()
    rng = random.Random(seed)
    reader = FakePmsReader()
    reader.put(Entity.LOCATIONS, f.location(1, "Main Street"), f.location(2, "Riverside"))
    reader.put(Entity.PROVIDERS, f.provider(1, "DOC1"),
               PmsProvider(pms_id="2", abbreviation="HYG1", first_name="Harper", last_name="Lane", is_hygienist=True))

    maria = f.patient(1, "Maria", "Rivera", birthdate=date(1979, 4, 12), guarantor_id="1", chart_number="RIV1001",
                      home_phone=normalize_phone("555-12"), email="maria.rivera@example.com",
                      address1="18 Alder Court", city="Portland", state="OR", postcode="97205",
                      text_consent=Consent.YES, email_consent=Consent.YES, preferred_contact=ContactMethod.TEXT,
                      secondary_provider_id="2")
    luis = f.patient(2, "Luis", "Rivera", birthdate=date(1977, 9, 30), guarantor_id="1", chart_number="RIV1002",
                     text_consent=Consent.NO, sms_opt_out=True, preferred_contact=ContactMethod.HOME_PHONE,
                     mobile="(503) 555-0102", email="luis.rivera@example.com")
    sofia = f.patient(3, "Sofia", "Rivera", preferred_name="Sofi", birthdate=date(2012, 2, 3), guarantor_id="1",
                      chart_number="RIV1003", mobile="", email=None, location_id="2")
    mateo = f.patient(4, "Mateo", "Rivera", birthdate=date(2016, 7, 21), guarantor_id="1", chart_number="RIV1004",
                      mobile="", email=None)
    patients = [maria, luis, sofia, mateo]
    statuses = [PatientStatus.ACTIVE] * 8 + [PatientStatus.INACTIVE, PatientStatus.NON_PATIENT]
    for i in range(filler):
        pms_id = 100 + i
        head = pms_id - pms_id % 3  # families of three
        patients.append(f.patient(
            pms_id, first=rng.choice(FIRST), last=LAST[(head // 3) % len(LAST)] + ("" if head < 160 else f"-{head}"),
            birthdate=date(1950 + rng.randrange(65), rng.randrange(1, 13), rng.randrange(1, 29)),
            guarantor_id=str(head), chart_number=f"C{pms_id:05d}", status=rng.choice(statuses),
            location_id=rng.choice(["1", "2"]), text_consent=rng.choice(list(Consent)),
            mobile=f"({200 + pms_id % 800}) 555-01{pms_id % 100:02d}" if rng.random() > 0.05 else "call work",
        ))
    reader.put(Entity.PATIENTS, *patients)

    reader.put(
        Entity.APPOINTMENTS,
        _appointment(1, 1, _at(today + timedelta(days=12), 9, 30), status=AppointmentStatus.SCHEDULED,
                      description="Prophy, bitewings", provider_id="2"),
        _appointment(2, 1, _at(today - timedelta(days=190), 10), description="Prophy, exam"),
        _appointment(3, 1, _at(today - timedelta(days=400), 14, 15), status=AppointmentStatus.BROKEN,
                      description="Crown prep"),
        _appointment(4, 3, _at(today + timedelta(days=40), 15, 45), status=AppointmentStatus.SCHEDULED,
                      description="Child prophy, fluoride", provider_id="2", location_id="2"),
        _appointment(5, 2, _at(today - timedelta(days=30), 8), description="Periodic exam"),
    )
    reader.put(
        Entity.RECALLS,
        f.recall(1, 1, today - timedelta(days=35)),
        PmsRecall(pms_id="2", patient_id="1", recall_type="Perio", due_date=today + timedelta(days=80)),
        f.recall(3, 3, today + timedelta(days=40), scheduled_date=today + timedelta(days=40)),
    )
    reader.put(
        Entity.PROCEDURES,
        _procedure(1, 1, code="D2740", description="Crown, porcelain/ceramic #14", fee=1185.0),
        _procedure(2, 1, code="D0274", description="Bitewings, four films", fee=68.0, appointment_id="1"),
        _procedure(3, 2, code="D4341", description="Scaling and root planing, UR quadrant", fee=265.0),
    )
    reader.tick(60)  # the practice's data predates the first sync
    return reader
