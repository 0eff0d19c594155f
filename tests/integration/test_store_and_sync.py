"""The store on SQLite and PostgreSQL: migrations, sync into the mirror, search and card."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime
from enum import Enum

import pytest
from sqlalchemy import inspect, select

from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    ContactMethod,
    PatientStatus,
    Phone,
    PmsAppointment,
    PmsLocation,
    PmsPatient,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    ProcedureStatus,
)
from engage_desktop.domain.ports import Entity
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.services import patients
from engage_desktop.services.pms_sync import FULL, INCREMENTAL, sync_pms
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import (
    AppointmentRecord,
    LocationRecord,
    PatientRecord,
    ProcedureRecord,
    ProviderRecord,
    RecallRecord,
)
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests import factories as f
from tests.fakes import FakePmsReader


@pytest.fixture
def uow_factory(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def pms():
    reader = FakePmsReader()
    reader.put(Entity.LOCATIONS, f.location(1, "Main Street"), f.location(2, "Riverside"))
    reader.put(Entity.PROVIDERS, f.provider(1, "DOC1"), f.provider(2, "HYG1", is_hygienist=True))
    reader.put(Entity.PATIENTS, *(f.patient(i, first=f"First{i}", last=f"Family{i // 3}", guarantor_id=str(i - i % 3))
                                  for i in range(3, 60)))
    reader.put(Entity.APPOINTMENTS, f.appointment(1, 3, datetime(2025, 5, 1, 9)), f.appointment(2, 3, datetime(2025, 11, 2, 10)),
               f.appointment(3, 3, datetime(2027, 1, 2, 10), status=AppointmentStatus.SCHEDULED))
    reader.put(Entity.RECALLS, f.recall(1, 3, date(2026, 5, 1)), f.recall(2, 3, date(2026, 3, 1), is_disabled=True))
    reader.put(Entity.PROCEDURES, f.procedure(1, 4), f.procedure(2, 5, appointment_id="3"))
    reader.tick(3600)  # the practice's data predates our first sync by more than the cursor overlap
    return reader


def test_migrations_create_every_table_and_reach_head(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"pms_patient", "pms_appointment", "pms_recall", "pms_procedure", "pms_provider", "pms_location",
            "pms_patient_search", "sync_state", "sync_run", "app_setting"} <= tables
    assert migrate.upgrade(engine) is None  # already at head: nothing to do
    engine.dispose()


def test_first_sync_mirrors_everything_and_computes_summaries(uow_factory, pms):
    report = sync_pms(uow_factory=uow_factory, reader=pms, batch_size=7)
    assert report.outcome == "ok"
    with uow_factory() as uow:
        counts = uow.mirror.counts()
    assert counts == {"patients": 57, "appointments": 3, "recalls": 2, "procedures": 2, "providers": 2, "locations": 2}
    result = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first3")
    card = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=result.ids[0], now=datetime(2026, 6, 1))
    assert card.last_visit_at == datetime(2025, 11, 2, 10)  # the latest completed visit
    assert card.recall_due == date(2026, 5, 1)  # the disabled recall does not count
    assert [a.status for a in card.appointments][0] == AppointmentStatus.SCHEDULED.value  # future first
    with uow_factory() as uow:
            planned = dict(uow.session.execute(select(PatientRecord.pms_id, PatientRecord.has_planned_treatment)).all())
    assert planned["4"] is True and planned["5"] is False  # 5's plan is on an appointment


def test_incremental_sync_reads_only_changes_and_is_idempotent(uow_factory, pms):
    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.tick(3600)
    pms.update(Entity.PATIENTS, "10", last_name="Renamed", first_name="Rita")
    report = sync_pms(uow_factory=uow_factory, reader=pms, mode=INCREMENTAL)
    by_entity = {e.entity: e for e in report.entities}
    assert by_entity[Entity.PATIENTS].full is False
    assert by_entity[Entity.PATIENTS].read == 1  # only the changed chart
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="renamed rita").total == 1
    again = sync_pms(uow_factory=uow_factory, reader=pms, mode=INCREMENTAL)
    assert {e.entity: e.read for e in again.entities}[Entity.PATIENTS] == 1  # inside the overlap: re-read, harmless
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="renamed").total == 1


def test_full_reconciliation_removes_deleted_rows_and_hides_vanished_charts(uow_factory, pms):
    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.delete(Entity.APPOINTMENTS, "2")
    pms.delete(Entity.PATIENTS, "20")
    report = sync_pms(uow_factory=uow_factory, reader=pms, mode=FULL)
    assert report.removed == 2
    with uow_factory() as uow:
        assert uow.mirror.counts()["appointments"] == 2
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first20").total == 0
    hit = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first3").ids[0]
    card = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=hit, now=datetime(2026, 6, 1))
    assert card.last_visit_at == datetime(2025, 5, 1, 9)  # recomputed after the removal


def test_a_crash_mid_full_pass_resumes_where_it_stopped(uow_factory, pms):
    pms.fail_after_pages = 6  # locations, providers, then 4 pages of patients
    with pytest.raises(RuntimeError):
        sync_pms(uow_factory=uow_factory, reader=pms, mode=FULL, batch_size=5)
    with uow_factory() as uow:
        cursor = uow.mirror.cursor(Entity.PATIENTS)
        partial = uow.mirror.counts()["patients"]
    assert cursor.full_run_id is not None and cursor.full_after_key is not None
    assert 0 < partial < 57
    pms.fail_after_pages = None
    pms.pages_read = 0
    pms.delete(Entity.PATIENTS, "50")  # vanished from the PMS while we were down, past our position
    report = sync_pms(uow_factory=uow_factory, reader=pms, mode=INCREMENTAL, batch_size=5)
    assert report.outcome == "ok"
    patient_result = {e.entity: e for e in report.entities}[Entity.PATIENTS]
    assert patient_result.full is True  # the unfinished pass was resumed, not restarted
    assert patient_result.read == 57 - partial - 1
    assert patient_result.removed == 0  # it was never mirrored, so nothing to hide
    with uow_factory() as uow:
        assert uow.mirror.cursor(Entity.PATIENTS).full_run_id is None
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first50").total == 0
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first49").total == 1


def test_cancel_keeps_what_was_committed(uow_factory, pms):
    import threading

    cancel = threading.Event()

    def progress(p):
        if p.entity is Entity.PATIENTS and p.rows >= 10:
            cancel.set()

    report = sync_pms(uow_factory=uow_factory, reader=pms, batch_size=5, progress=progress, cancel=cancel)
    assert report.outcome == "cancelled"
    with uow_factory() as uow:
        assert uow.mirror.counts()["patients"] == 10
        assert uow.mirror.last_runs(1)[0].outcome == "cancelled"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("family4", {"12", "13", "14"}),
        ("FAMILY4 first13", {"13"}),
        ("(213) 555-0113", {"13"}),
        ("555-0113", {"13"}),
        ("2135550113", {"13"}),
        ("p13@example", {"13"}),
        ("1/14/1980", {"13", "41"}),
    ],
)
def test_search_as_you_type(uow_factory, pms, typed, expected):
    sync_pms(uow_factory=uow_factory, reader=pms)
    result = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text=typed)
    rows = patients.patient_rows(uow_factory=uow_factory, actor=SYSTEM, ids=result.ids)
    assert {r.pms_id for r in rows} == expected


def test_status_changes_are_mirrored_and_deleted_charts_hidden(uow_factory, pms):
    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.tick(5)
    pms.update(Entity.PATIENTS, "30", status=PatientStatus.DELETED)
    pms.update(Entity.PROCEDURES, "1", status=ProcedureStatus.COMPLETE)
    sync_pms(uow_factory=uow_factory, reader=pms)
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first30").total == 0
    hit = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first4").ids[0]
    card = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=hit, now=datetime(2026, 6, 1))
    assert card.planned_treatment == ()


def test_models_and_migrations_agree(store_url):
    """Autogenerate finds nothing to do: every model change came with a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from engage_desktop.store.base import Base

    engine = make_engine(store_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_upgrade_backs_up_the_sqlite_file_first(tmp_path, monkeypatch):
    from engage_desktop.bootstrap import bootstrap
    from engage_desktop.config import load_config
    from tests.fakes import FakeSecretStore

    config = load_config(data_dir=tmp_path)
    container = bootstrap(config, secrets=FakeSecretStore(), open_reader=lambda s: FakePmsReader())
    with container.uow_factory() as uow:
        uow.settings.set("marker", {"kept": True})
        uow.commit()
    container.close()
    # Pretend a newer release with a later revision is starting.
    monkeypatch.setattr(migrate, "head_revision", lambda: "a-newer-revision")
    container = bootstrap(config, secrets=FakeSecretStore(), open_reader=lambda s: FakePmsReader())
    container.close()
    backups = list((tmp_path / "backups").glob("engage_*.db"))
    assert len(backups) == 1
    import sqlite3

    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT value FROM app_setting WHERE key = 'marker'").fetchone() == ('{"kept": true}',)


def test_a_first_load_builds_indexes_after_the_rows_and_a_crash_still_gets_them_back(uow_factory, pms, store_url):
    from sqlalchemy import inspect as sa_inspect

    def index_names(table):
        with uow_factory() as uow:
            return {ix["name"] for ix in sa_inspect(uow.session.connection()).get_indexes(table)}

    expected = index_names("pms_appointment")
    assert "ix_pms_appointment_patient_status_start" in expected
    pms.fail_after_pages = 34  # locations and providers (2 pages each), 29 of patients, 1 of appointments, then die
    with pytest.raises(RuntimeError):
        sync_pms(uow_factory=uow_factory, reader=pms, mode=FULL, batch_size=2)
    with uow_factory() as uow:
        assert uow.mirror.counts()["appointments"] == 2  # the first page made it
    assert "ix_pms_appointment_patient_status_start" not in index_names("pms_appointment")  # deferred
    pms.fail_after_pages = None
    assert sync_pms(uow_factory=uow_factory, reader=pms, mode=INCREMENTAL, batch_size=2).outcome == "ok"
    assert index_names("pms_appointment") == expected
    assert index_names("pms_patient") >= {"ix_pms_patient_sort_name", "ix_pms_patient_birthdate"}



def test_a_second_sync_does_not_start_while_one_holds_the_lock(uow_factory, pms):
    from datetime import UTC, timedelta

    with uow_factory() as uow:
        assert uow.mirror.acquire_sync_lock("FRONTDESK-2 (process 7)", ttl=timedelta(minutes=10)) is None
        uow.commit()
    report = sync_pms(uow_factory=uow_factory, reader=pms)
    assert report.outcome == "busy" and "FRONTDESK-2" in report.message
    with uow_factory() as uow:
        assert uow.mirror.counts()["patients"] == 0
        # The holder died: its lease runs out and the next sync goes ahead.
        from engage_desktop.store.models import SyncLock

        uow.session.get(SyncLock, "pms-sync").expires_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.commit()
    assert sync_pms(uow_factory=uow_factory, reader=pms).outcome == "ok"
    assert sync_pms(uow_factory=uow_factory, reader=pms).outcome == "ok"  # released after each run


def test_a_failed_sync_still_refreshes_the_summaries_of_what_it_committed(uow_factory, pms):
    from engage_desktop.domain.errors import PmsError

    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.tick(3600)
    pms.put(Entity.APPOINTMENTS, f.appointment(9, 6, datetime(2026, 2, 2, 8)))
    original = pms.read_batch

    def failing(entity, **kw):
        if entity is Entity.RECALLS:
            raise PmsError("The Open Dental database rejected a query (OperationalError).")
        return original(entity, **kw)

    pms.read_batch = failing
    assert sync_pms(uow_factory=uow_factory, reader=pms).outcome == "failed"
    hit = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first6").ids[0]
    card = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=hit, now=datetime(2026, 6, 1))
    assert card.last_visit_at == datetime(2026, 2, 2, 8)


def test_an_appointment_moved_to_another_patient_updates_both(uow_factory, pms):
    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.tick(3600)
    pms.update(Entity.APPOINTMENTS, "2", patient_id="7")  # entered on the wrong chart, moved
    sync_pms(uow_factory=uow_factory, reader=pms)
    now = datetime(2026, 6, 1)
    three = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first3").ids[0], now=now)
    seven = patients.patient_card(uow_factory=uow_factory, actor=SYSTEM, patient_id=patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="first7").ids[0], now=now)
    assert three.last_visit_at == datetime(2025, 5, 1, 9)
    assert seven.last_visit_at == datetime(2025, 11, 2, 10)


def test_a_day_after_the_last_reconciliation_an_ordinary_sync_reconciles(uow_factory, pms):
    from datetime import UTC, timedelta

    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.delete(Entity.APPOINTMENTS, "1")  # hard-deleted in the PMS: no change stamp tells us
    assert {e.entity: e.removed for e in sync_pms(uow_factory=uow_factory, reader=pms).entities}[Entity.APPOINTMENTS] == 0
    with uow_factory() as uow:
        cursor = uow.mirror.cursor(Entity.APPOINTMENTS)
        uow.mirror.save_cursor(replace(cursor, last_full_at=datetime.now(UTC) - timedelta(hours=25)))
        uow.commit()
    report = sync_pms(uow_factory=uow_factory, reader=pms)
    appointments = {e.entity: e for e in report.entities}[Entity.APPOINTMENTS]
    assert appointments.full and appointments.removed == 1


def test_cancelling_on_the_last_page_does_not_restart_the_full_pass(uow_factory, pms):
    import threading

    cancel = threading.Event()

    def progress(p):
        if p.entity is Entity.PATIENTS and p.rows >= 57:
            cancel.set()  # the last page of patients is written

    report = sync_pms(uow_factory=uow_factory, reader=pms, batch_size=10, progress=progress, cancel=cancel)
    assert report.outcome == "cancelled"
    with uow_factory() as uow:
        assert uow.mirror.cursor(Entity.PATIENTS).full_run_id is None  # the pass was finished, not left hanging


def test_procedures_that_leave_the_plan_leave_the_mirror(uow_factory, pms):
    sync_pms(uow_factory=uow_factory, reader=pms)
    pms.tick(3600)
    pms.update(Entity.PROCEDURES, "1", status=ProcedureStatus.COMPLETE)
    sync_pms(uow_factory=uow_factory, reader=pms)
    with uow_factory() as uow:
        assert uow.mirror.counts()["procedures"] == 1


def _record_values(record) -> dict[str, object]:
    """What the mirror row should hold for every field of a PMS record."""
    out: dict[str, object] = {}
    for name, value in ((fl.name, getattr(record, fl.name)) for fl in fields(record)):
        if isinstance(value, Phone):
            out[f"{name}_raw"], out[name] = value.raw, value.e164
        else:
            out["pms_changed_at" if name == "changed_at" else name] = value.value if isinstance(value, Enum) else value
    return out


def test_every_field_of_every_entity_survives_the_write_and_compares_in_sql(uow_factory):
    # Distinct values everywhere, neighbouring flags differing (a dropped, shifted or swapped
    # column would show).
    records = {
        Entity.LOCATIONS: PmsLocation(pms_id="7", name="Riverside", abbreviation="RS", address1="1 Main", city="Salem",
                                      state="OR", postcode="97301", phone="5035550100", time_zone="America/Los_Angeles",
                                      is_hidden=True),
        Entity.PROVIDERS: PmsProvider(pms_id="8", abbreviation="HYG2", first_name="Ada", last_name="Quill",
                                      is_hygienist=True, is_hidden=False, is_active=False),
        Entity.PATIENTS: PmsPatient(
            pms_id="9", last_name="Testperson", first_name="Avery", middle_initial="Q", preferred_name="Ave",
            chart_number="C-9", birthdate=date(1981, 2, 3), status=PatientStatus.INACTIVE, gender="female",
            home_phone=Phone("(503) 555-0101", "+15035550101"), work_phone=Phone("555-0102 x7", None, "7"),
            mobile_phone=Phone("503.555.0103", "+15035550103"), email="avery@example.org", email_is_valid=False,
            address1="2 Elm", address2="Apt 3", city="Portland", state="OR", postcode="97201", text_consent=Consent.YES,
            email_consent=Consent.NO, sms_opt_out=True, email_opt_out=False, preferred_contact=ContactMethod.TEXT,
            primary_provider_id="8", secondary_provider_id="1", location_id="7", guarantor_id="3", language="es",
            first_visit=date(2001, 4, 5), deceased_at=datetime(2026, 1, 2, 3, 4, 5),
            changed_at=datetime(2026, 6, 7, 8, 9, 10, 123456)),
        Entity.APPOINTMENTS: PmsAppointment(pms_id="10", patient_id="9", starts_at=datetime(2026, 12, 24, 9, 30),
                                            status=AppointmentStatus.BROKEN, length_minutes=50, provider_id="1",
                                            hygienist_id="8", location_id="7", is_hygiene=True, description="Pro, PerEx",
                                            confirmed="Texted", changed_at=datetime(2026, 6, 7, 8, 9, 11)),
        Entity.RECALLS: PmsRecall(pms_id="11", patient_id="9", recall_type="Perio", due_date=date(2027, 1, 2),
                                  previous_date=date(2026, 7, 2), scheduled_date=date(2027, 1, 9), is_disabled=True,
                                  changed_at=datetime(2026, 6, 7, 8, 9, 12)),
        Entity.PROCEDURES: PmsProcedure(pms_id="12", patient_id="9", status=ProcedureStatus.TREATMENT_PLANNED_INACTIVE,
                                        code="D2740", description="Crown", fee=1234.5, provider_id="1", location_id="7",
                                        appointment_id="10", planned_date=date(2026, 5, 6),
                                        changed_at=datetime(2026, 6, 7, 8, 9, 13)),
    }
    models = {Entity.LOCATIONS: LocationRecord, Entity.PROVIDERS: ProviderRecord, Entity.PATIENTS: PatientRecord,
              Entity.APPOINTMENTS: AppointmentRecord, Entity.RECALLS: RecallRecord, Entity.PROCEDURES: ProcedureRecord}
    with uow_factory() as uow:
        for entity, record in records.items():
            assert uow.mirror.upsert(entity, [record], run_id=5) == 1
        uow.commit()
    with uow_factory() as uow:
        for entity, record in records.items():
            row = uow.session.scalars(select(models[entity])).one()
            stored = {column: getattr(row, column) for column in _record_values(record)}
            assert stored == _record_values(record), entity
            assert row.seen_run == 5
        assert uow.session.scalar(select(PatientRecord.sort_name)) == "testperson avery"
        # Comparisons in SQL see the same format as the ORM's own parameters (SQLite stores text).
        # Equality catches a format that only sorts right (e.g. whole seconds without ".000000").
        a = AppointmentRecord
        assert uow.session.scalar(select(a.pms_id).where(a.starts_at == datetime(2026, 12, 24, 9, 30))) == "10"
        assert uow.session.scalar(select(a.pms_id).where(a.starts_at > datetime(2026, 12, 24, 9, 29, 59))) == "10"
        assert uow.session.scalar(select(a.pms_id).where(a.starts_at > datetime(2026, 12, 24, 9, 30))) is None
        p = PatientRecord
        assert uow.session.scalar(select(p.pms_id).where(p.deceased_at == datetime(2026, 1, 2, 3, 4, 5))) == "9"
        assert uow.session.scalar(select(RecallRecord.pms_id).where(RecallRecord.due_date == date(2027, 1, 2))) == "11"


def test_of_several_rows_with_one_id_in_a_page_the_last_is_written(uow_factory):
    first, last = f.patient(9, first="Avery", last="Old"), f.patient(9, first="Avery", last="New")
    with uow_factory() as uow:
        assert uow.mirror.upsert(Entity.PATIENTS, [first, last], run_id=None) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.scalars(select(PatientRecord.last_name)).all() == ["New"]
    assert patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="new").ids
    assert not patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="old").ids


def test_only_sqlite_makes_writers_take_turns(uow_factory, store_url):
    # The dispatcher's workers serialise their write transactions only where the store needs it.
    assert uow_factory.one_writer_at_a_time is store_url.startswith("sqlite")
