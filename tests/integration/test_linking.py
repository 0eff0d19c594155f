"""Unlinked patients and linking, on SQLite and PostgreSQL: create with validation and lookalike
warnings, the combined Patients list, candidates from the match-key index with reasons, link,
re-link and unlink with rights and audit. Every person here is invented."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from engage_desktop.domain.contacts import normalize_phone
from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role
from engage_desktop.domain.search import parse_query
from engage_desktop.domain.unlinked import LinkState
from engage_desktop.services import linking, patients
from engage_desktop.store.models import AuditRecord, PatientMatchKey
from tests.integration.linking_practice import DESK, RIVERSIDE_ONLY, VIEWER, audit_actions, create, mirror_id


@pytest.fixture
def uow_factory(linking_store):
    return linking_store


def test_the_sync_writes_match_keys_for_every_chart(uow_factory):
    with uow_factory() as uow:
        charts = uow.session.scalar(select(func.count(func.distinct(PatientMatchKey.patient_id))))
    assert charts == 5


def test_a_new_person_is_created_with_e164_phone_and_listed_with_the_charts(uow_factory):
    outcome = create(uow_factory, email="  Ada.Newcomer@Example.COM ")
    assert outcome.lookalikes == () and outcome.patient is not None
    ada = outcome.patient
    assert ada.mobile_phone == "+15035550199" and ada.email == "Ada.Newcomer@example.com"
    assert ada.state is LinkState.UNLINKED and ada.created_by == "maria"
    assert audit_actions(uow_factory)[-1] == "patient.create_unlinked"

    listed = patients.search_patients(uow_factory=uow_factory, actor=DESK, text="")
    assert -ada.id in listed.ids and len(listed.ids) == 6
    rows = patients.patient_rows(uow_factory=uow_factory, actor=DESK, ids=listed.ids)
    names = [r.name for r in rows]
    assert names == sorted(names, key=str.casefold)  # one alphabetical list of both kinds
    row = next(r for r in rows if r.id == -ada.id)
    assert not row.is_linked and row.status == "unlinked" and row.phone == "(503) 555-0199"
    for text in ("newc", "555-0199", "ada.newcomer@"):
        assert patients.search_patients(uow_factory=uow_factory, actor=DESK, text=text).ids == (-ada.id,)


def test_wrong_fields_are_named_and_nothing_is_written(uow_factory):
    with pytest.raises(ValidationFailed) as refused:
        create(uow_factory, first_name=" ", mobile="555-01", email="not-an-address", birthdate="13/45/1990")
    assert set(refused.value.errors) == {"first_name", "mobile", "email", "birthdate"}
    with pytest.raises(ValidationFailed) as refused:
        create(uow_factory, mobile="", email="", location_id="1")
    assert "mobile" in refused.value.errors  # no way to reach them
    with pytest.raises(ValidationFailed) as refused:
        create(uow_factory, location_id="99")
    assert "location_id" in refused.value.errors
    assert patients.search_patients(uow_factory=uow_factory, actor=DESK, text="newcomer").ids == ()
    assert "patient.create_unlinked" not in audit_actions(uow_factory)


def test_someone_who_looks_like_a_chart_is_a_warning_then_created_when_confirmed(uow_factory):
    outcome = create(uow_factory, first_name="Kathy", last_name="Okafor", birthdate="3/14/1984", mobile="503.555.0142")
    assert outcome.patient is None
    (chart,) = [c for c in outcome.lookalikes if c.is_chart]
    assert chart.pms_id == "101" and chart.name == "Okafor, Katherine"
    assert "exact birthdate" in chart.reasons and "same phone" in chart.reasons
    assert patients.search_patients(uow_factory=uow_factory, actor=DESK, text="kathy").ids == ()
    created = create(uow_factory, first_name="Kathy", last_name="Okafor", birthdate="3/14/1984", mobile="503.555.0142",
                     confirmed=True)
    assert created.patient is not None
    again = create(uow_factory, first_name="Kathy", last_name="Okafor", birthdate="3/14/1984", mobile="503.555.0142")
    assert any(c.list_id == -created.patient.id for c in again.lookalikes)  # the unlinked one is found too


def test_link_candidates_rank_the_right_chart_first_with_reasons(uow_factory):
    kathy = create(uow_factory, first_name="Kathy", last_name="Okafor", birthdate="3/14/1984", mobile="",
                   email="kokafor@example.com", contact_preference="email", confirmed=True).patient
    proposal = linking.link_candidates(uow_factory=uow_factory, actor=DESK, unlinked_id=kathy.id)
    best = proposal.candidates[0]
    assert best.pms_id == "101"
    assert {"exact birthdate", "same email", "same last name"} <= set(best.reasons)
    assert any("nickname" in r or "first name" in r for r in best.reasons)
    exact = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="1984-03-14",
                     mobile="(503) 555-0142", confirmed=True).patient
    assert linking.link_candidates(uow_factory=uow_factory, actor=DESK, unlinked_id=exact.id).decision == "auto_link"


def test_a_twin_is_never_proposed_as_a_certain_match(uow_factory):
    emma = create(uow_factory, first_name="Emma", last_name="Lindqvist", birthdate="6/2/2012", mobile="(503) 555-0177",
                  email="lindqvist.family@example.com", confirmed=True).patient
    proposal = linking.link_candidates(uow_factory=uow_factory, actor=DESK, unlinked_id=emma.id)
    assert {c.pms_id for c in proposal.candidates[:2]} == {"102", "103"}
    assert proposal.candidates[0].pms_id == "102"  # the first name decides the order
    em = create(uow_factory, first_name="Em", last_name="Lindqvist", birthdate="6/2/2012", mobile="(503) 555-0177",
                confirmed=True).patient
    assert linking.link_candidates(uow_factory=uow_factory, actor=DESK, unlinked_id=em.id).decision != "auto_link"


def test_link_relink_and_unlink_are_audited_and_keep_the_person(uow_factory):
    ada = create(uow_factory).patient
    katherine, tomas = mirror_id(uow_factory, "101"), mirror_id(uow_factory, "105")
    linked = linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id, chart_id=katherine)
    assert linked.state is LinkState.LINKED and linked.linked_pms_id == "101"
    assert -ada.id not in patients.search_patients(uow_factory=uow_factory, actor=DESK, text="").ids  # the chart shows
    assert [u.id for u in linking.links_of_chart(uow_factory=uow_factory, actor=DESK, pms_id="101")] == [ada.id]

    relinked = linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id, chart_id=tomas)
    assert relinked.linked_pms_id == "105"
    back = linking.unlink_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id)
    assert back.state is LinkState.UNLINKED and back.linked_pms_id is None and back.id == ada.id
    assert -ada.id in patients.search_patients(uow_factory=uow_factory, actor=DESK, text="").ids
    assert audit_actions(uow_factory)[-3:] == ["patient.link", "patient.relink", "patient.unlink"]
    with uow_factory() as uow:
        (details,) = uow.session.scalars(select(AuditRecord.details).where(AuditRecord.action == "patient.relink"))
    details = json.loads(details)
    assert details["before"] == {"chart": "101"} and details["after"] == {"chart": "105"}


def test_rights_are_checked_in_the_service(uow_factory):
    with pytest.raises(PermissionDenied):
        create(uow_factory, VIEWER)
    ada = create(uow_factory).patient
    no_link = Actor(user_id=10, username="casey", rights=Role.FRONT_DESK.preset - {Right.LINK_PATIENTS})
    for call in (lambda: linking.link_candidates(uow_factory=uow_factory, actor=no_link, unlinked_id=ada.id),
                 lambda: linking.link_patient(uow_factory=uow_factory, actor=no_link, unlinked_id=ada.id, chart_id=1),
                 lambda: linking.unlink_patient(uow_factory=uow_factory, actor=no_link, unlinked_id=ada.id)):
        with pytest.raises(PermissionDenied):
            call()


def test_location_access_limits_what_is_listed_and_offered(uow_factory):
    ada = create(uow_factory).patient  # Main Street
    assert -ada.id not in patients.search_patients(uow_factory=uow_factory, actor=RIVERSIDE_ONLY, text="").ids
    with pytest.raises(linking.LinkError):
        linking.link_candidates(uow_factory=uow_factory, actor=RIVERSIDE_ONLY, unlinked_id=ada.id)
    with pytest.raises(linking.LinkError):
        linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id, chart_id=999_999)


def test_search_can_list_only_unlinked_patients(uow_factory):
    ada = create(uow_factory).patient
    with uow_factory() as uow:
        only = uow.patients.search(parse_query(""), limit=100, kind="unlinked")
        charts = uow.patients.search(parse_query(""), limit=100, kind="charts")
    assert only.ids == (-ada.id,) and -ada.id not in charts.ids and len(charts.ids) == 5


def test_phone_normalisation_matches_what_the_sync_stores(uow_factory):
    ada = create(uow_factory, mobile="+1 (503) 555 0199").patient
    assert ada.mobile_phone == normalize_phone("(503) 555-0199").e164


def test_the_card_of_an_unlinked_patient_and_of_a_linked_chart(uow_factory):
    ada = create(uow_factory, birthdate="2/29/1988").patient
    card = patients.patient_card(uow_factory=uow_factory, actor=DESK, patient_id=-ada.id)
    assert card is not None and not card.is_linked and card.unlinked_id == ada.id
    assert card.birthdate == date(1988, 2, 29) and card.location == "Main Street" and card.created_by == "maria"
    assert [c.display for c in card.contacts] == ["(503) 555-0199"]
    assert audit_actions(uow_factory)[-1] == "patient.view"
    katherine = mirror_id(uow_factory, "101")
    linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id, chart_id=katherine)
    assert patients.patient_card(uow_factory=uow_factory, actor=DESK, patient_id=-ada.id) is None  # it is the chart now
    chart = patients.patient_card(uow_factory=uow_factory, actor=DESK, patient_id=katherine)
    assert chart.is_linked and chart.linked_unlinked_ids == (ada.id,)


def test_verify_shows_the_chart_beside_the_person_and_confirming_is_audited(uow_factory):
    kate = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="03/14/1984",
                  mobile="(971) 555-0123", confirmed=True).patient
    linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=kate.id, chart_id=mirror_id(uow_factory, "101"))
    seen = linking.link_comparison(uow_factory=uow_factory, actor=DESK, unlinked_id=kate.id)
    fields = {f.label: f for f in seen.fields}
    assert seen.chart.pms_id == "101"
    assert fields["Birthdate"].agrees is True and fields["Birthdate"].chart == date(1984, 3, 14)
    assert fields["Phone"].agrees is False and fields["Phone"].unlinked == "+19715550123"
    assert fields["Email"].agrees is None  # the person gave none
    assert fields["Location"].agrees is True and fields["Location"].chart == "Main Street"
    verified = linking.confirm_link(uow_factory=uow_factory, actor=DESK, unlinked_id=kate.id)
    assert verified.verified_by == "maria" and audit_actions(uow_factory)[-1] == "patient.link_verified"
    card = patients.patient_card(uow_factory=uow_factory, actor=DESK, patient_id=mirror_id(uow_factory, "101"))
    assert card.link_verified_by == "maria"
    # Re-linking makes a new link that nobody has verified yet.
    relinked = linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=kate.id,
                                    chart_id=mirror_id(uow_factory, "104"))
    assert relinked.verified_by is None
    with pytest.raises(PermissionDenied):
        linking.confirm_link(uow_factory=uow_factory, actor=VIEWER, unlinked_id=kate.id)


def test_verify_of_a_person_who_is_not_linked_says_so(uow_factory):
    ada = create(uow_factory).patient
    with pytest.raises(linking.LinkError, match="not linked"):
        linking.link_comparison(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id)


def test_the_handoff_card_holds_exactly_what_to_type_and_marking_it_is_audited(uow_factory):
    ada = create(uow_factory, birthdate="07/04/1990", email="ada@example.com", preferred_name="Addie").patient
    card = linking.handoff_card(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id, vendor="Dentrix")
    assert dict(card.fields) == {"Last name": "Newcomer", "First name": "Ada", "Preferred name": "Addie",
                                 "Birthdate": "07/04/1990", "Mobile (wireless) phone": "(503) 555-0199",
                                 "Email": "ada@example.com", "Location / clinic": "Main Street"}
    assert card.text.startswith("New patient for Dentrix") and "Birthdate:" in card.text
    marked = linking.mark_handed_off(uow_factory=uow_factory, actor=DESK, unlinked_id=ada.id)
    assert marked.pms_request == "handoff" and marked.pms_requested_at is not None
    assert audit_actions(uow_factory)[-1] == "patient.create_in_pms"
    shown = patients.patient_card(uow_factory=uow_factory, actor=DESK, patient_id=-ada.id)
    assert shown.pms_request == "handoff"
