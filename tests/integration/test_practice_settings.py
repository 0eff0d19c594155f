"""Practice settings on SQLite and PostgreSQL: validation with field messages, all-or-nothing
saves, secrets only in the keyring, before/after audit records, per-location values."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.pms_records import PmsLocation
from engage_desktop.domain.ports import Entity
from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role
from engage_desktop.services import practice_settings as ps
from engage_desktop.services import users
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AppSetting, AuditRecord
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeSecretStore, fast_hasher

VALID_PRACTICE = {"practice.name": "Bright Smiles Dental", "practice.phone": "(503) 555-0100",
                  "practice.address1": "100 Example St", "practice.city": "Portland", "practice.state": "OR",
                  "practice.postcode": "97201", "practice.time_zone": "America/Los_Angeles"}


@pytest.fixture
def store(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    admin = users.create_first_administrator(uow_factory=uow_factory, hasher=fast_hasher(), username="admin",
                                             display_name="Admin", password="front-office-2026", workstation="WS1")
    yield engine, uow_factory, admin
    engine.dispose()


def _audit(engine, action: str) -> list[AuditRecord]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def test_valid_settings_are_normalised_saved_and_audited_with_before_and_after(store):
    engine, uow_factory, admin = store
    secrets = FakeSecretStore()
    saved = ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, values=VALID_PRACTICE)
    assert saved["practice.phone"] == "+15035550100"  # stored as E.164
    assert saved["practice.name"] == "Bright Smiles Dental"
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin,
                     values={**VALID_PRACTICE, "practice.name": "Bright Smiles Family Dental"})
    records = _audit(engine, "settings.change")
    assert len(records) == 2
    details = json.loads(records[-1].details)
    assert details == {"before": {"practice.name": "Bright Smiles Dental"},
                       "after": {"practice.name": "Bright Smiles Family Dental"}}
    assert records[-1].entity_id == "practice" and records[-1].workstation == "WS1"
    # Saving the same values again changes nothing and writes no record.
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin,
                     values={**VALID_PRACTICE, "practice.name": "Bright Smiles Family Dental"})
    assert len(_audit(engine, "settings.change")) == 2


def test_one_wrong_field_saves_nothing_and_names_every_wrong_field(store):
    _engine, uow_factory, admin = store
    secrets = FakeSecretStore()
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, values=VALID_PRACTICE)
    wrong = {**VALID_PRACTICE, "practice.name": "Renamed", "practice.phone": "555-01", "practice.time_zone": "Mars/Base",
             "practice.city": "  "}
    with pytest.raises(ValidationFailed) as refused:
        ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, values=wrong)
    assert set(refused.value.errors) == {"practice.phone", "practice.time_zone", "practice.city"}
    assert "area code" in refused.value.errors["practice.phone"]
    after = ps.load_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, group="practice")
    assert after["practice.name"] == "Bright Smiles Dental"  # the valid field was not half-saved


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"quiet_hours.earliest": "21:00", "quiet_hours.latest": "08:00"}, "quiet_hours.latest", "after the earliest"),
    ({"quiet_hours.earliest": "25:00", "quiet_hours.latest": "21:00"}, "quiet_hours.earliest", "time such as"),
    ({"smtp.port": "0"}, "smtp.port", "from 1 to 65535"),
    ({"smtp.host": "mail.example.com", "smtp.security": "none"}, "smtp.security", "Pick one of the choices"),
    ({"twilio.messaging_service_sid": "MG123"}, "twilio.messaging_service_sid", "MG"),
    ({"twilio.base_url": "http://api.example.com"}, "twilio.base_url", "https://"),
    ({"smtp.host": "not a host!"}, "smtp.host", "server name"),
    ({"smtp.from_address": "frontdesk@"}, "smtp.from_address", "email address"),
    ({"twilio.account_sid": "AC123"}, "twilio.account_sid", "32 letters"),
    ({"security.idle_lock_minutes": 0}, "security.idle_lock_minutes", "from 1 to 240"),
    ({"practice.nonsense": "x"}, "practice.nonsense", "Not a setting"),
])
def test_each_kind_of_wrong_value_gets_its_own_message(store, values, field, words):
    _engine, uow_factory, admin = store
    with pytest.raises(ValidationFailed) as refused:
        ps.save_settings(uow_factory=uow_factory, secrets=FakeSecretStore(), actor=admin, values=values)
    assert words in refused.value.errors[field]


def test_secrets_go_to_the_keyring_only_and_the_log_says_only_that_they_changed(store):
    engine, uow_factory, admin = store
    secrets = FakeSecretStore()
    token = "f" * 32
    sid = "AC" + "0123456789abcdef" * 2
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin,
                     values={"twilio.account_sid": sid, "twilio.auth_token": token})
    assert secrets.values == {"twilio.auth_token": token}
    with engine.connect() as conn:
        stored = " ".join(row.value for row in conn.execute(select(AppSetting)))
        log = " ".join(r.details for r in conn.execute(select(AuditRecord)))
    assert token not in stored and token not in log
    assert json.loads(_audit(engine, "settings.change")[-1].details)["secrets"] == {"twilio.auth_token": "changed"}
    loaded = ps.load_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, group="twilio")
    assert loaded == {"twilio.account_sid": sid, "twilio.auth_token": True, "twilio.messaging_service_sid": "",
                      "twilio.base_url": "https://api.twilio.com"}
    # None keeps it; "" removes it.
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, values={"twilio.auth_token": None})
    assert secrets.values["twilio.auth_token"] == token
    ps.save_settings(uow_factory=uow_factory, secrets=secrets, actor=admin, values={"twilio.auth_token": ""})
    assert "twilio.auth_token" not in secrets.values


def test_a_failing_keyring_leaves_the_settings_unchanged(store):
    _engine, uow_factory, admin = store

    class BrokenKeyring(FakeSecretStore):
        def set(self, key, value):
            raise OSError("keyring locked")

    with pytest.raises(OSError):
        ps.save_settings(uow_factory=uow_factory, secrets=BrokenKeyring(), actor=admin,
                         values={"smtp.host": "smtp.example.com", "smtp.password": "p4ss"})
    assert ps.setting_value(uow_factory=uow_factory, key="smtp.host") == ""


def test_saving_needs_manage_settings_but_reading_does_not(store):
    _engine, uow_factory, _admin = store
    front_desk = Actor(user_id=9, username="frontdesk", rights=Role.FRONT_DESK.preset)
    with pytest.raises(PermissionDenied, match="Manage settings"):
        ps.save_settings(uow_factory=uow_factory, secrets=FakeSecretStore(), actor=front_desk, values=VALID_PRACTICE)
    assert ps.load_settings(uow_factory=uow_factory, secrets=FakeSecretStore(), actor=front_desk,
                            group="quiet_hours")["quiet_hours.latest"] == "21:00"


def _two_locations(uow_factory) -> None:
    with uow_factory() as uow:
        uow.mirror.upsert(Entity.LOCATIONS, [
            PmsLocation(pms_id="1", name="Downtown", address1="100 Example St", city="Portland", state="OR",
                        postcode="97201", time_zone="America/Los_Angeles"),
            PmsLocation(pms_id="2", name="Eastside", city="Gresham", state="OR"),
        ], run_id=None)
        uow.commit()


def test_locations_come_from_the_pms_and_carry_their_own_numbers(store):
    engine, uow_factory, admin = store
    _two_locations(uow_factory)
    listed = ps.list_locations(uow_factory=uow_factory, actor=admin)
    assert [(loc.pms_id, loc.name, loc.address) for loc in listed] == [
        ("1", "Downtown", "100 Example St, Portland, OR 97201"), ("2", "Eastside", "Gresham, OR")]
    saved = ps.save_location(uow_factory=uow_factory, actor=admin, pms_id="1",
                             values={"name": "Downtown Smiles", "texting_number": "503-555-0111", "sms_registered": True,
                                     "email_sender": "downtown@example.com", "time_zone": "", "address": ""})
    assert saved.texting_number == "+15035550111" and saved.sms_registered and saved.name == "Downtown Smiles"
    record = _audit(engine, "settings.location_change")[-1]
    assert record.entity_id == "1" and json.loads(record.details)["after"]["texting_number"] == "+15035550111"

    with pytest.raises(ValidationFailed) as refused:
        ps.save_location(uow_factory=uow_factory, actor=admin, pms_id="2",
                         values={"name": "Eastside", "texting_number": "(503) 555-0111"})
    assert "Another location" in refused.value.errors["texting_number"]
    with pytest.raises(ValidationFailed) as refused:
        ps.save_location(uow_factory=uow_factory, actor=admin, pms_id="2", values={"name": "Eastside", "sms_registered": True})
    assert "texting number first" in refused.value.errors["sms_registered"]
    with pytest.raises(ValidationFailed):
        ps.save_location(uow_factory=uow_factory, actor=admin, pms_id="99", values={"name": "Gone"})


def test_a_user_sees_only_the_locations_granted(store):
    _engine, uow_factory, _admin = store
    _two_locations(uow_factory)
    eastside_manager = Actor(user_id=5, username="em", rights=frozenset({Right.MANAGE_SETTINGS}),
                             location_ids=frozenset({"2"}))
    assert [loc.pms_id for loc in ps.list_locations(uow_factory=uow_factory, actor=eastside_manager)] == ["2"]
    with pytest.raises(ValidationFailed):
        ps.save_location(uow_factory=uow_factory, actor=eastside_manager, pms_id="1", values={"name": "Mine now"})
