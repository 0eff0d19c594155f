"""CSV bulk create (LNK-2) on SQLite and PostgreSQL: the preview says what happens to every row
and writes nothing; the import is all-or-nothing; re-importing creates nothing new. Every person
here is invented."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role
from engage_desktop.services import patient_import
from engage_desktop.services.patient_import import ImportCancelled, Outcome
from engage_desktop.store.models import UnlinkedPatientRecord
from tests.integration.linking_practice import DESK, audit_actions, create

MANAGER = Actor(user_id=3, username="olivia", rights=Role.OFFICE_MANAGER.preset, workstation="OFFICE")

MIXED = (
    "\ufeffFirst Name;Surname;DOB;Cell;E-mail;Clinic\r\n"
    "Zora;Quinlan;2/3/1991;(503) 555-0131;zora@example.com;Main Street\r\n"  # new
    "Katherine;Okafor;3/14/1984;503-555-0142;;main street\r\n"  # the chart 101
    "Ada;Newcomer;;(503) 555-0199;;Main Street\r\n"  # the unlinked patient created in the test
    "Bo;Badmail;;;bo@@example;Main Street\r\n"  # invalid email
    "Cy;Elsewhere;;(503) 555-0133;;Moon Base\r\n"  # unknown location
    "\r\n"
    "Zora;Quinlan;02/03/1991;503.555.0131;ZORA@example.com;Main Street\r\n"  # the first row again
    "Dee;Nobirth;31/31/1990;(503) 555-0134;;\r\n"  # bad date; no location: the default one
)


@pytest.fixture
def uow_factory(linking_store):
    return linking_store


def preview(uow_factory, text: str | bytes = MIXED, actor=MANAGER, **kw):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return patient_import.preview_import(uow_factory=uow_factory, actor=actor, data=data, file_name="prospects.csv",
                                         default_location="1", **kw)


def unlinked_count(uow_factory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(UnlinkedPatientRecord))


def test_the_preview_says_what_happens_to_every_row_and_writes_nothing(uow_factory):
    create(uow_factory)  # Ada Newcomer, (503) 555-0199
    before = unlinked_count(uow_factory)
    seen = preview(uow_factory)
    outcomes = {(r.line, r.outcome) for r in seen.rows}
    assert outcomes == {(2, Outcome.NEW), (3, Outcome.MATCHES_CHART), (4, Outcome.MATCHES_UNLINKED),
                        (5, Outcome.INVALID), (6, Outcome.INVALID), (8, Outcome.REPEATED), (9, Outcome.INVALID)}
    by_line = {r.line: r for r in seen.rows}
    assert "PMS # 101" in by_line[3].detail and "exact birthdate" in by_line[3].detail
    assert "Ada Newcomer" in by_line[4].detail
    assert "email" in by_line[5].detail.lower()
    assert '"Moon Base"' in by_line[6].detail and "Main Street" in by_line[6].detail
    assert "line 2" in by_line[8].detail
    assert "birthdate" in by_line[9].detail.lower()
    assert seen.encoding == "utf-8-sig" and seen.delimiter == ";"
    assert unlinked_count(uow_factory) == before


def test_import_creates_the_new_rows_once_and_reimporting_creates_nothing(uow_factory):
    seen = preview(uow_factory)
    result = patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=seen)
    assert result.created == 2  # Zora and Ada; Katherine matches her chart, the rest are invalid or repeated
    with uow_factory() as uow:
        zora = uow.session.scalars(select(UnlinkedPatientRecord).where(UnlinkedPatientRecord.last_name == "Quinlan")).one()
        assert (zora.source, zora.mobile_phone, zora.location_id) == ("csv", "+15035550131", "1")
    assert audit_actions(uow_factory)[-1] == "patient.import_csv"

    again = preview(uow_factory)
    assert [r.outcome for r in again.rows if r.line == 2] == [Outcome.ALREADY_IMPORTED]
    assert patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=again).created == 0
    # Running the first preview a second time (a double click, a second workstation) creates nothing either.
    assert patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=seen).created == 0
    assert unlinked_count(uow_factory) == 2


def test_people_matching_a_chart_are_created_only_when_asked(uow_factory):
    seen = preview(uow_factory)
    result = patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=seen, include_matches=True)
    assert result.created == 3


def test_an_import_key_column_identifies_people_across_reimports_even_when_details_change(uow_factory):
    first = "Import key,First name,Last name,Mobile\r\nA-1,Lena,Vasquez,(503) 555-0151\r\n"
    patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=preview(uow_factory, first))
    changed = ("Import key,First name,Last name,Mobile\r\nA-1,Lena,Vasquez,(503) 555-0152\r\n"
               "A-2,Lena,Vasquez-Ortiz,(503) 555-0151\r\n")
    seen = preview(uow_factory, changed)
    assert [r.outcome for r in seen.rows] == [Outcome.ALREADY_IMPORTED, Outcome.MATCHES_UNLINKED]
    reused = "Import key,First name,Last name,Mobile\r\nA-1,Marco,Bellini,(503) 555-0154\r\n"
    [row] = preview(uow_factory, reused).rows
    assert row.outcome is Outcome.INVALID and "already used for someone else" in row.detail


def test_cancelling_an_import_leaves_nothing_behind(uow_factory):
    lines = ["First name,Last name,Mobile"] + [f"Person{i},Family{i},(503) 555-{i % 10000:04d}" for i in range(2500)]
    seen = preview(uow_factory, "\r\n".join(lines))
    assert seen.count(Outcome.NEW) == 2500
    cancel = threading.Event()
    phases = []

    def progress(phase, done, total):
        phases.append((phase, done, total))
        if done >= 1000:
            cancel.set()  # after the first chunk was inserted (in the open transaction)

    with pytest.raises(ImportCancelled):
        patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=seen, progress=progress, cancel=cancel)
    assert ("Importing", 1000, 2500) in phases
    assert unlinked_count(uow_factory) == 0
    result = patient_import.run_import(uow_factory=uow_factory, actor=MANAGER, preview=seen)
    assert result.created == 2500 and unlinked_count(uow_factory) == 2500


def test_a_file_that_cannot_be_read_says_why_and_offers_nothing(uow_factory):
    seen = preview(uow_factory, "Email,Mobile\r\nx@example.com,1\r\n")
    assert seen.rows == () and "First name and Last name" in seen.problems[0]


def test_csv_import_needs_the_email_campaign_right(uow_factory):
    assert not DESK.can(Right.EMAIL_CAMPAIGN)
    with pytest.raises(PermissionDenied):
        preview(uow_factory, actor=DESK)
