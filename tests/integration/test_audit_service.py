"""The audit log's read side on SQLite and PostgreSQL: search filters, the filter choices, the CSV
export (complete, audited itself) and the right it needs. The one-line summary is pure and tested
once at the end."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from engage_desktop.domain.audit import AuditEntry
from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role
from engage_desktop.services import audit, users
from engage_desktop.services.audit import MAX_ROWS, AuditFilter, AuditRow
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AuditRecord
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import fast_hasher


@pytest.fixture
def uow_factory(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def admin(uow_factory):
    """Creating the first administrator writes record 1 (user.create by "admin")."""
    return users.create_first_administrator(uow_factory=uow_factory, hasher=fast_hasher(), username="admin",
                                            display_name="Office Admin", password="correct-horse-battery",
                                            workstation="OFFICE-PC")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A wall-clock time on this computer, as the aware UTC instant the log stores."""
    return datetime(year, month, day, hour, minute).astimezone().astimezone(UTC)


def add(uow_factory, at: datetime, username: str, action: str, patient_ref: str = "", details=None) -> int:
    with uow_factory() as uow:
        record_id = uow.audit.append(AuditEntry(at=at, username=username, workstation="FRONT-DESK-1", action=action,
                                                patient_ref=patient_ref, details=details))
        uow.commit()
    return record_id


@pytest.fixture
def office(uow_factory, admin) -> dict[str, int]:
    """A small history: two users, sign-ins, patient views and a settings change."""
    return {
        "maria_in": add(uow_factory, local(2026, 11, 18, 8), "maria", "user.sign_in"),
        "maria_views_42": add(uow_factory, local(2026, 11, 18, 9), "maria", "patient.view", "pms:42"),
        "jordan_in": add(uow_factory, local(2026, 11, 19, 8), "jordan", "user.sign_in"),
        "jordan_views_42": add(uow_factory, local(2026, 11, 19, 9), "jordan", "patient.view", "pms:42"),
        "jordan_views_7": add(uow_factory, local(2026, 11, 19, 10), "jordan", "patient.view", "pms:7"),
        "maria_settings": add(uow_factory, local(2026, 11, 20, 11), "maria", "settings.change",
                              details={"before": {"quiet_hours.start": "21:00"}, "after": {"quiet_hours.start": "20:00"}}),
    }


def ids(rows: list[AuditRow]) -> list[int]:
    return [row.id for row in rows]


def search(uow_factory, actor, **query) -> list[AuditRow]:
    return audit.search(uow_factory=uow_factory, actor=actor, query=AuditFilter(**query))


def test_search_without_a_filter_lists_every_record_newest_first(uow_factory, admin, office):
    found = search(uow_factory, admin)
    assert ids(found) == sorted(office.values(), reverse=True) + [1]
    assert found[-1].entry.action == "user.create" and found[-1].entry.username == "admin"


def test_search_filters_by_user_exact_action_category_and_patient(uow_factory, admin, office):
    assert ids(search(uow_factory, admin, username="jordan")) == [
        office["jordan_views_7"], office["jordan_views_42"], office["jordan_in"]]
    assert ids(search(uow_factory, admin, username="Maria")) == [  # user names are stored folded
        office["maria_settings"], office["maria_views_42"], office["maria_in"]]
    assert ids(search(uow_factory, admin, action="user.sign_in")) == [office["jordan_in"], office["maria_in"]]
    assert ids(search(uow_factory, admin, action="user.")) == [office["jordan_in"], office["maria_in"], 1]
    assert ids(search(uow_factory, admin, patient="42")) == [office["jordan_views_42"], office["maria_views_42"]]
    assert ids(search(uow_factory, admin, patient="pms:7")) == [office["jordan_views_7"]]
    assert ids(search(uow_factory, admin, username="maria", action="patient.", patient="42")) == [
        office["maria_views_42"]]
    assert search(uow_factory, admin, patient="4") == []  # a reference matches whole, not as a prefix
    assert search(uow_factory, admin, action="patient") == []  # no dot: an exact code, and there is none


def test_a_category_prefix_is_matched_literally_not_as_a_like_pattern(uow_factory, admin):
    wanted = add(uow_factory, local(2026, 11, 20, 12), "maria", "user_x.thing")
    add(uow_factory, local(2026, 11, 20, 13), "maria", "userzx.thing")  # what "_" would match in LIKE
    add(uow_factory, local(2026, 11, 20, 14), "maria", "user%x.thing")
    assert ids(search(uow_factory, admin, action="user_x.")) == [wanted]
    assert search(uow_factory, admin, action="user%.") == []


def test_dates_are_local_calendar_days_with_both_ends_included(uow_factory, admin):
    before = add(uow_factory, local(2026, 11, 19, 23, 59), "maria", "patient.view", "pms:1")
    first = add(uow_factory, local(2026, 11, 20, 0, 0), "maria", "patient.view", "pms:1")
    last = add(uow_factory, local(2026, 11, 20, 23, 59), "maria", "patient.view", "pms:1")
    after = add(uow_factory, local(2026, 11, 21, 0, 0), "maria", "patient.view", "pms:1")
    day = date(2026, 11, 20)
    assert ids(search(uow_factory, admin, patient="1", since=day, until=day)) == [last, first]
    assert ids(search(uow_factory, admin, patient="1", since=day)) == [after, last, first]
    assert ids(search(uow_factory, admin, patient="1", until=day)) == [last, first, before]


def test_search_is_capped_at_the_newest_records(uow_factory, admin, office):
    assert ids(audit.search(uow_factory=uow_factory, actor=admin, query=AuditFilter(), limit=2)) == [
        office["maria_settings"], office["jordan_views_7"]]


def test_choices_are_the_users_and_actions_in_the_log(uow_factory, admin, office):
    usernames, actions = audit.choices(uow_factory=uow_factory, actor=admin)
    assert usernames == ["admin", "jordan", "maria"]
    assert actions == ["patient.view", "settings.change", "user.create", "user.sign_in"]


def read_csv(path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_export_writes_the_matching_records_and_is_audited_itself(uow_factory, admin, office, tmp_path):
    path = tmp_path / "patients.csv"
    query = AuditFilter(action="patient.", since=date(2026, 11, 19), until=date(2026, 11, 19))
    count = audit.export_csv(uow_factory=uow_factory, actor=admin, query=query, path=path)

    rows = read_csv(path)
    assert count == 2 == len(rows)
    assert list(rows[0]) == list(audit.CSV_COLUMNS)
    assert [int(r["id"]) for r in rows] == [office["jordan_views_7"], office["jordan_views_42"]]
    first = rows[0]
    assert (first["user"], first["workstation"], first["action"], first["action_code"], first["patient_ref"]) == (
        "jordan", "FRONT-DESK-1", "Patient card viewed", "patient.view", "pms:7")
    assert first["when_utc"] == local(2026, 11, 19, 10).strftime("%Y-%m-%d %H:%M:%S")
    assert json.loads(first["details"]) == {}
    assert not list(tmp_path.glob("*.partial"))

    exports = search(uow_factory, admin, action="audit.export")
    assert len(exports) == 1
    entry = exports[0].entry
    assert entry.username == "admin" and entry.workstation == "OFFICE-PC"
    assert entry.details["rows"] == 2
    assert entry.details["filter"] == {"user": "", "action": "patient.", "patient": "", "since": "2026-11-19",
                                       "until": "2026-11-19"}
    assert audit.check_audit_chain(uow_factory=uow_factory, actor=admin).ok  # appended like any other record


def test_export_keeps_details_exactly_and_survives_commas_quotes_and_accents(uow_factory, admin, tmp_path):
    details = {"before": {"practice.name": "Smile, \"Dental\""}, "after": {"practice.name": "Sourire Dentaire – Zoë"}}
    record_id = add(uow_factory, local(2026, 11, 20), "maria", "settings.change", details=details)
    path = tmp_path / "settings.csv"
    audit.export_csv(uow_factory=uow_factory, actor=admin, query=AuditFilter(action="settings."), path=path)
    (row,) = read_csv(path)
    assert int(row["id"]) == record_id and json.loads(row["details"]) == details
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8


def test_export_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(uow_factory, admin, tmp_path):
    with uow_factory() as uow:
        uow.audit.append(AuditEntry(at=local(2026, 11, 20), username="maria", workstation='=HYPERLINK("http://x")',
                                    action="user.sign_in"))
        uow.commit()
    path = tmp_path / "formulas.csv"
    audit.export_csv(uow_factory=uow_factory, actor=admin, query=AuditFilter(action="user.sign_in"), path=path)
    (row,) = [r for r in read_csv(path) if r["user"] == "maria"]
    assert row["workstation"] == "'=HYPERLINK(\"http://x\")"  # shown as text in Excel, never run


def test_export_takes_every_matching_record_not_only_the_viewers_page(uow_factory, admin, tmp_path):
    at = local(2026, 11, 20)
    with uow_factory() as uow:  # bulk rows straight into the table: the chain does not matter here
        uow.session.execute(insert(AuditRecord), [
            {"at": at, "user_id": None, "username": "maria", "workstation": "FRONT-DESK-1", "action": "patient.view",
             "entity_type": "patient", "entity_id": str(i), "patient_ref": f"pms:{i}", "details": "{}",
             "prev_hash": "", "hash": ""} for i in range(MAX_ROWS + 5)])
        uow.commit()
    assert len(search(uow_factory, admin, action="patient.view")) == MAX_ROWS
    path = tmp_path / "all.csv"
    count = audit.export_csv(uow_factory=uow_factory, actor=admin, query=AuditFilter(action="patient.view"), path=path)
    assert count == MAX_ROWS + 5 == len(read_csv(path))


def test_an_export_that_cannot_be_written_leaves_no_file_and_no_record(uow_factory, admin, tmp_path):
    path = tmp_path / "missing-folder" / "audit.csv"
    with pytest.raises(OSError):
        audit.export_csv(uow_factory=uow_factory, actor=admin, query=AuditFilter(), path=path)
    assert not path.exists()
    assert search(uow_factory, admin, action="audit.export") == []


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.VIEWER])
def test_every_audit_use_case_refuses_a_user_without_the_right(uow_factory, admin, office, tmp_path, role):
    actor = Actor(user_id=9, username="frontdesk", rights=role.preset, workstation="FRONT-DESK-2")
    assert not actor.can(Right.VIEW_AUDIT_LOG)
    path = tmp_path / "nope.csv"
    calls = [
        lambda: audit.search(uow_factory=uow_factory, actor=actor, query=AuditFilter()),
        lambda: audit.choices(uow_factory=uow_factory, actor=actor),
        lambda: audit.export_csv(uow_factory=uow_factory, actor=actor, query=AuditFilter(), path=path),
        lambda: audit.check_audit_chain(uow_factory=uow_factory, actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="View audit log"):
            call()
    assert not path.exists()
    assert search(uow_factory, admin, action="audit.export") == []


def test_an_office_manager_may_read_the_log(uow_factory, admin, office):
    manager = Actor(user_id=3, username="dana", rights=Role.OFFICE_MANAGER.preset)
    assert len(audit.search(uow_factory=uow_factory, actor=manager, query=AuditFilter())) == len(office) + 1


# -- the one-line summary (pure) -------------------------------------------------------------------
def summary(details) -> str:
    return AuditRow(1, AuditEntry(at=datetime(2026, 11, 20, tzinfo=UTC), username="a", workstation="w",
                                  action="x.y", details=details)).summary


def test_summary_shows_what_changed_and_skips_what_did_not():
    before = {"username": "jordan", "role": "front_desk", "locations": None}
    after = {"username": "jordan", "role": "office_manager", "locations": None}
    assert summary({"before": before, "after": after}) == "role: front_desk → office_manager"
    # A first save of the PMS settings logs blank fields too; only the filled ones say anything.
    assert summary({"before": {"host": None, "dsn": None}, "after": {"host": "pms-server", "dsn": ""}}) == \
        "host: pms-server"
    assert summary({"before": {"host": "pms-server"}, "after": {"host": ""}}) == "host: pms-server → (blank)"


def test_summary_puts_the_reason_and_counts_first_and_spells_out_a_filter():
    assert summary({"reason": "wrong password", "attempt": 2}) == "wrong password; attempt: 2"
    assert summary({"filter": {"user": "", "action": "patient.", "since": "2026-10-23"}, "rows": 17}) == \
        "rows: 17; filter: action=patient., since=2026-10-23"
    assert summary({}) == "" and summary(None) == ""
