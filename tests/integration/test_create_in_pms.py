"""Create in PMS (PMS-4) through the Open Dental API client against the local fake API, on SQLite and
PostgreSQL; and the whole demo flow: create in the demo PMS, sync, auto-link. Every person is invented."""

from __future__ import annotations

import pytest

from engage_desktop.bootstrap import bootstrap, ensure_demo_practice
from engage_desktop.config import load_config
from engage_desktop.domain.pms_write import PmsWriteError, WriteFailure
from engage_desktop.domain.rights import SYSTEM, PermissionDenied
from engage_desktop.domain.unlinked import LinkState, UnlinkedInput
from engage_desktop.pms.opendental_api import OpenDentalApiClient
from engage_desktop.services import linking
from tests.fake_opendental_api import FakeOpenDentalApi
from tests.fakes import FakeSecretStore
from tests.integration.linking_practice import DESK, VIEWER, audit_actions, create

TIMEOUT = (0.5, 0.5)


@pytest.fixture
def uow_factory(linking_store):
    return linking_store


@pytest.fixture
def api():
    with FakeOpenDentalApi(clinics=(0, 1, 2)) as fake:
        yield fake


def creator(api: FakeOpenDentalApi) -> OpenDentalApiClient:
    return OpenDentalApiClient(api.base_url, api.developer_key, api.customer_key, timeout=TIMEOUT)


def create_in_pms(uow_factory, api, unlinked_id, **kw):
    return linking.create_in_pms(uow_factory=uow_factory, actor=DESK, unlinked_id=unlinked_id, creator=creator(api), **kw)


def test_the_chart_is_created_once_through_the_api_and_waits_for_the_sync(uow_factory, api):
    ada = create(uow_factory, birthdate="07/04/1990", email="ada@example.com").patient
    done = create_in_pms(uow_factory, api, ada.id)
    [posted] = api.received("POST", "/patients")
    assert posted.body["LName"] == "Newcomer" and posted.body["Birthdate"] == "1990-07-04" and posted.body["ClinicNum"] == 1
    assert done.pending_pms_id == str(next(iter(api.patients))) and done.pms_request == "api"
    assert done.state is LinkState.UNLINKED  # linked by the next sync, once the chart is in the mirror
    assert audit_actions(uow_factory)[-1] == "patient.create_in_pms"
    # A second click (or a second workstation) sends nothing.
    assert create_in_pms(uow_factory, api, ada.id).pending_pms_id == done.pending_pms_id
    assert len(api.received("POST", "/patients")) == 1


def test_a_refusal_is_reported_and_forgotten_so_staff_can_try_again(uow_factory, api):
    ada = create(uow_factory).patient
    api.fail_next(401, method="GET")
    with pytest.raises(PmsWriteError) as caught:
        create_in_pms(uow_factory, api, ada.id)
    assert caught.value.kind is WriteFailure.AUTH_REFUSED and "Newcomer" not in str(caught.value)
    assert create_in_pms(uow_factory, api, ada.id).pending_pms_id  # nothing was created, so it may be sent again
    assert len(api.patients) == 1


def test_an_unanswered_request_is_never_sent_again_without_staff_checking(uow_factory, api):
    ada = create(uow_factory).patient
    api.hang_next(seconds=2.0, store=False, times=2)  # the POST and its retry vanish
    api.fail_next(500, method="GET", after=2)  # and the lookup that would settle it fails
    with pytest.raises(PmsWriteError) as caught:
        create_in_pms(uow_factory, api, ada.id)
    assert caught.value.kind is WriteFailure.UNKNOWN_OUTCOME
    with pytest.raises(linking.UnknownPmsOutcome):
        create_in_pms(uow_factory, api, ada.id)
    posts = len(api.received("POST", "/patients"))
    # Staff looked in Open Dental, found nobody, and create again on purpose.
    again = create_in_pms(uow_factory, api, ada.id, retry_unknown=True)
    assert again.pending_pms_id and len(api.received("POST", "/patients")) == posts + 1


def test_create_in_pms_needs_the_link_right(uow_factory, api):
    ada = create(uow_factory).patient
    with pytest.raises(PermissionDenied):
        linking.create_in_pms(uow_factory=uow_factory, actor=VIEWER, unlinked_id=ada.id, creator=creator(api))
    assert api.requests == []


def test_the_demo_practice_creates_the_chart_and_the_next_sync_links_it(tmp_path):
    container = bootstrap(load_config(demo=True, data_dir=tmp_path), secrets=FakeSecretStore())
    try:
        ensure_demo_practice(container, patients=60)
        services = container.services
        services.actor = SYSTEM
        assert services.sync_pms().outcome == "ok"
        assert services.create_in_pms_mode() == "api"
        made = services.create_unlinked_patient(UnlinkedInput(first_name="Wren", last_name="Halvorsen",
                                                              birthdate="05/06/1995", mobile="(503) 555-0163",
                                                              location_id="1"), confirmed=True).patient
        pending = services.create_in_pms(made.id).pending_pms_id
        report = services.sync_pms()
        assert "linked 1 automatically" in report.summary()
        with container.uow_factory() as uow:
            linked = uow.unlinked.get(made.id)
        assert linked.state is LinkState.LINKED and linked.linked_pms_id == pending
    finally:
        container.close()
