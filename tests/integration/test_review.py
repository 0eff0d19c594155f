"""Auto-link, the "Needs review" queue, duplicates, dismissals and merge, on SQLite and PostgreSQL.
Every person here is invented."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select

from engage_desktop.domain.matching import BLOCKING_KEYS_VERSION
from engage_desktop.domain.ports import Entity
from engage_desktop.domain.rights import PermissionDenied
from engage_desktop.domain.unlinked import LinkState, PairKind, PairStatus, PmsRequest
from engage_desktop.services import linking, patients, review
from engage_desktop.store.models import AuditRecord, PatientMatchKey
from tests.factories import patient
from tests.integration.linking_practice import DESK, VIEWER, audit_actions, create, mirror_id


@pytest.fixture
def uow_factory(linking_store):
    return linking_store


@dataclass
class Entry:
    username: str
    details: dict


def audit_entry(uow_factory, action: str) -> Entry:
    with uow_factory() as uow:
        row = uow.session.scalars(select(AuditRecord).where(AuditRecord.action == action)).one()
        return Entry(row.username, json.loads(row.details))


def run(uow_factory):
    return review.run_auto_link(uow_factory=uow_factory)


def get(uow_factory, unlinked_id):
    with uow_factory() as uow:
        return uow.unlinked.get(unlinked_id)


def test_a_certain_match_with_a_corroborating_phone_is_linked_and_audited(uow_factory):
    kate = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="03/14/1984",
                  mobile="503-555-0142", confirmed=True).patient
    report = run(uow_factory)
    assert (report.checked, report.linked, report.to_review) == (1, 1, 0)
    assert get(uow_factory, kate.id).linked_pms_id == "101"
    entry = audit_entry(uow_factory, "patient.auto_link")
    details = entry.details
    assert entry.username == "system" and details["after"] == {"chart": "101"} and "same phone" in details["reasons"]
    assert run(uow_factory).linked == 0  # nothing left to do: re-running changes nothing


def test_name_and_birthdate_without_a_shared_phone_or_email_go_to_review_not_to_a_link(uow_factory):
    kate = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="03/14/1984",
                  mobile="(971) 555-0123", confirmed=True).patient
    report = run(uow_factory)
    assert report.linked == 0 and report.to_review == 1
    assert get(uow_factory, kate.id).state is LinkState.UNLINKED
    [item] = review.needs_review(uow_factory=uow_factory, actor=DESK)
    assert item.unlinked.id == kate.id
    pair_id, best = item.candidates[0]
    assert best.pms_id == "101" and "exact birthdate" in best.reasons and "different phone" in best.conflicts
    # Confirming from the queue links it and settles the proposal.
    linked = review.link_from_review(uow_factory=uow_factory, actor=DESK, pair_id=pair_id)
    assert linked.linked_pms_id == "101"
    assert review.needs_review(uow_factory=uow_factory, actor=DESK) == []


def test_a_twin_sharing_the_family_phone_and_email_is_never_auto_linked(uow_factory):
    emma = create(uow_factory, first_name="Emma", last_name="Lindqvist", birthdate="06/02/2012", mobile="(503) 555-0177",
                  email="lindqvist.family@example.com", confirmed=True).patient
    assert run(uow_factory).linked == 0
    assert get(uow_factory, emma.id).state is LinkState.UNLINKED
    [item] = review.needs_review(uow_factory=uow_factory, actor=DESK)
    assert {c.pms_id for _, c in item.candidates} >= {"102", "103"}
    assert item.candidates[0][1].pms_id == "102"  # the same first name ranks first


def test_a_dismissed_chart_is_not_proposed_again_nor_auto_linked(uow_factory):
    kate = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="03/14/1984",
                  mobile="(971) 555-0123", confirmed=True).patient
    run(uow_factory)
    [item] = review.needs_review(uow_factory=uow_factory, actor=DESK)
    review.dismiss_pair(uow_factory=uow_factory, actor=DESK, pair_id=item.candidates[0][0])
    assert review.needs_review(uow_factory=uow_factory, actor=DESK) == []
    # Later the chart gets the person's phone: the match would now be certain, but staff said no.
    with uow_factory() as uow:
        uow.mirror.upsert(Entity.PATIENTS, [patient(101, "Katherine", "Okafor", birthdate=date(1984, 3, 14),
                                                    mobile="(971) 555-0123", email="kokafor@example.com")], run_id=None)
        uow.commit()
    assert run(uow_factory).linked == 0
    assert review.needs_review(uow_factory=uow_factory, actor=DESK) == []
    with uow_factory() as uow:
        assert uow.unlinked.pair_refs(PairKind.CHART, kate.id) == {"101": PairStatus.DISMISSED}
    assert "patient.match_dismissed" in audit_actions(uow_factory)


def test_keep_unlinked_dismisses_every_proposed_chart(uow_factory):
    create(uow_factory, first_name="Emma", last_name="Lindqvist", birthdate="06/02/2012", mobile="(503) 555-0177",
           confirmed=True)
    run(uow_factory)
    [item] = review.needs_review(uow_factory=uow_factory, actor=DESK)
    assert review.keep_unlinked(uow_factory=uow_factory, actor=DESK, unlinked_id=item.unlinked.id) == len(item.candidates)
    run(uow_factory)
    assert review.needs_review(uow_factory=uow_factory, actor=DESK) == []


def test_a_chart_created_through_the_pms_api_is_linked_by_its_id_once_synced(uow_factory):
    ada = create(uow_factory).patient
    with uow_factory() as uow:
        uow.unlinked.set_pms_request(ada.id, PmsRequest.API, pending_pms_id="106", now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        uow.commit()
    assert run(uow_factory).linked == 0  # the chart is not in the mirror yet
    with uow_factory() as uow:  # the next sync brings it (spelled differently: the id decides)
        uow.mirror.upsert(Entity.PATIENTS, [patient(106, "Addie", "Newcomer", mobile="(503) 555-0199")], run_id=None)
        uow.commit()
    assert run(uow_factory).linked == 1
    assert get(uow_factory, ada.id).linked_pms_id == "106"
    entry = audit_entry(uow_factory, "patient.auto_link")
    assert entry.details["how"] == "created in PMS"


def test_duplicates_are_proposed_once_and_merge_keeps_history_with_before_and_after(uow_factory):
    first = create(uow_factory, first_name="Priya", last_name="Raman", birthdate="07/21/1993", mobile="(503) 555-0161").patient
    second = create(uow_factory, first_name="Priya", last_name="Raman", mobile="503.555.0161", email="priya.r@example.com",
                    contact_preference="email", confirmed=True).patient
    report = run(uow_factory)
    assert report.new_duplicates == 1 and run(uow_factory).new_duplicates == 0
    [dup] = review.duplicate_pairs(uow_factory=uow_factory, actor=DESK)
    assert {dup.first.id, dup.second.id} == {first.id, second.id} and "same phone" in dup.match.reasons

    kept = review.merge_unlinked(uow_factory=uow_factory, actor=DESK, keep_id=first.id, merge_id=second.id)
    assert kept.birthdate == date(1993, 7, 21) and kept.email == "priya.r@example.com"  # blanks filled from the other
    merged = get(uow_factory, second.id)
    assert merged.state is LinkState.MERGED and merged.merged_into_id == first.id
    assert review.duplicate_pairs(uow_factory=uow_factory, actor=DESK) == []
    listed = patients.search_patients(uow_factory=uow_factory, actor=DESK, text="Raman")
    assert list(listed.ids) == [-first.id]
    entry = audit_entry(uow_factory, "patient.merge")
    details = entry.details
    assert details["before"]["merged"]["email"] == "priya.r@example.com" and details["before"]["kept"]["email"] is None
    assert details["after"]["kept"]["email"] == "priya.r@example.com" and details["merged"] == second.id
    # A merged person cannot be linked or merged again.
    with pytest.raises(linking.LinkError):
        review.merge_unlinked(uow_factory=uow_factory, actor=DESK, keep_id=first.id, merge_id=second.id)


def test_a_dismissed_duplicate_pair_is_not_proposed_again(uow_factory):
    create(uow_factory, first_name="Priya", last_name="Raman", mobile="(503) 555-0161")
    create(uow_factory, first_name="Priya", last_name="Raman", mobile="(503) 555-0161", confirmed=True)
    run(uow_factory)
    [dup] = review.duplicate_pairs(uow_factory=uow_factory, actor=DESK)
    review.dismiss_pair(uow_factory=uow_factory, actor=DESK, pair_id=dup.pair_id)
    assert run(uow_factory).new_duplicates == 0
    assert review.duplicate_pairs(uow_factory=uow_factory, actor=DESK) == []


def test_linking_by_hand_settles_open_proposals(uow_factory):
    emma = create(uow_factory, first_name="Emma", last_name="Lindqvist", birthdate="06/02/2012", mobile="(503) 555-0177",
                  confirmed=True).patient
    run(uow_factory)
    linking.link_patient(uow_factory=uow_factory, actor=DESK, unlinked_id=emma.id, chart_id=mirror_id(uow_factory, "102"))
    assert review.needs_review(uow_factory=uow_factory, actor=DESK) == []


def test_review_needs_the_link_right(uow_factory):
    for call in (lambda: review.needs_review(uow_factory=uow_factory, actor=VIEWER),
                 lambda: review.duplicate_pairs(uow_factory=uow_factory, actor=VIEWER),
                 lambda: review.dismiss_pair(uow_factory=uow_factory, actor=VIEWER, pair_id=1),
                 lambda: review.merge_unlinked(uow_factory=uow_factory, actor=VIEWER, keep_id=1, merge_id=2),
                 lambda: review.run_auto_link(uow_factory=uow_factory, actor=VIEWER)):
        with pytest.raises(PermissionDenied):
            call()
    assert review.review_counts(uow_factory=uow_factory, actor=VIEWER) == (0, 0)


def test_stored_match_keys_are_rebuilt_once_when_the_engine_changes_them(uow_factory):
    assert review.refresh_match_keys(uow_factory=uow_factory) == 5  # first run: every chart, then the version is kept
    assert review.refresh_match_keys(uow_factory=uow_factory) == 0
    with uow_factory() as uow:  # a release with other keys: the stored ones are stale (here: gone)
        uow.session.execute(delete(PatientMatchKey))
        uow.settings.set(review.KEYS_VERSION_SETTING, BLOCKING_KEYS_VERSION - 1)
        uow.commit()
    kate = create(uow_factory, first_name="Katherine", last_name="Okafor", birthdate="03/14/1984",
                  mobile="503-555-0142", confirmed=True).patient
    assert run(uow_factory).linked == 1  # the job rebuilt the keys first, so the chart was found
    assert get(uow_factory, kate.id).linked_pms_id == "101"
