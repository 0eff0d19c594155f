"""The Open Dental API client against a fake Open Dental API, through real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import pickle
import socket
from datetime import date

import pytest
import requests

from engage_desktop.domain.pms_write import ChartDraft, PmsWriteError, WriteFailure, draft_to_od_fields
from engage_desktop.pms.opendental_api import API_MODES, ApiMode, OpenDentalApiClient
from tests.fake_opendental_api import FakeOpenDentalApi

TIMEOUT = (0.3, 0.3)  # the fake answers in milliseconds; a hang lasts longer than this
HANG = 0.8
DRAFT = ChartDraft(
    first_name="Jane",
    last_name="Smith",
    preferred_name="Janie",
    birthdate=date(1976, 5, 24),
    mobile_e164="+15035550142",
    email="jane.smith@example.com",
    location_pms_id="3",
)
PATIENT_DATA = ("Jane", "Smith", "Janie", "jane.smith", "1976", "555", "0142")


@pytest.fixture
def fake():
    with FakeOpenDentalApi(clinics=(0, 3)) as api:
        yield api


def client(fake: FakeOpenDentalApi, **overrides) -> OpenDentalApiClient:
    args = {"base_url": fake.base_url, "developer_key": fake.developer_key, "customer_key": fake.customer_key} | overrides
    return OpenDentalApiClient(**args, timeout=TIMEOUT)


def failure(call) -> PmsWriteError:
    """The error ``call`` raises; neither it nor the exceptions a traceback would print with it hold patient data."""
    with pytest.raises(PmsWriteError) as caught:
        call()
    printed, exc = [], caught.value
    while exc is not None:
        printed.append(str(exc))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    text = " | ".join(printed)
    assert not [word for word in PATIENT_DATA if word.casefold() in text.casefold()], text
    return caught.value


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


class TestCreatePatient:
    def test_sends_the_documented_fields_and_returns_the_patnum(self, fake):
        fake.add_patient(LName="Jones", FName="Tom")

        created = client(fake).create_patient(DRAFT)

        (post,) = fake.received("POST", "/patients")
        assert post.body == {
            "LName": "Smith",
            "FName": "Jane",
            "Preferred": "Janie",
            "Birthdate": "1976-05-24",
            "WirelessPhone": "(503)555-0142",
            "Email": "jane.smith@example.com",
            "ClinicNum": 3,
        }
        assert post.headers["Authorization"] == "ODFHIR dev-key/cust-key"
        assert post.headers["Content-Type"] == "application/json"
        assert created.pms_id == "2"
        assert created.raw_fields["PatNum"] == 2
        assert fake.patients[2]["WirelessPhone"] == "(503)555-0142"

    def test_blank_names_are_refused_before_anything_is_sent(self, fake):
        error = failure(lambda: client(fake).create_patient(ChartDraft(first_name=" ", last_name="Smith")))
        assert error.kind is WriteFailure.REJECTED
        assert fake.requests == []

    def test_the_apis_reason_for_refusing_reaches_the_receptionist(self, fake):
        error = failure(
            lambda: client(fake).create_patient(ChartDraft(first_name="Jane", last_name="Smith", location_pms_id="99"))
        )
        assert error.kind is WriteFailure.REJECTED
        assert error.status == 400
        assert "ClinicNum is invalid" in str(error)
        assert fake.patients == {}
        assert len(fake.received("POST")) == 1

    def test_patient_data_in_the_apis_reason_is_left_out(self, fake):
        fake.fail_next(400, method="POST", message="Patient Smith, Jane (503)555-0142 jane.smith@example.com 1976-05-24 exists.")
        error = failure(lambda: client(fake).create_patient(DRAFT))  # failure() checks the message
        assert error.kind is WriteFailure.REJECTED
        assert "exists" in str(error)

    def test_wrong_keys_are_refused_and_nothing_is_posted(self, fake):
        error = failure(lambda: client(fake, customer_key="not-the-key").create_patient(DRAFT))
        assert error.kind is WriteFailure.AUTH_REFUSED
        assert "customer key" in str(error)
        assert fake.received("POST") == []

    def test_server_error_creates_nothing_and_says_to_check_first(self, fake):
        fake.fail_next(500, method="POST")
        error = failure(lambda: client(fake).create_patient(DRAFT))
        assert error.kind is WriteFailure.SERVER_ERROR
        assert "before trying again" in str(error)
        assert fake.patients == {}
        assert len(fake.received("POST")) == 1

    def test_nothing_listening_is_unreachable(self):
        api = OpenDentalApiClient(f"http://127.0.0.1:{closed_port()}/api/v1", "dev", "cust", timeout=TIMEOUT)
        assert failure(lambda: api.create_patient(DRAFT)).kind is WriteFailure.UNREACHABLE

    def test_missing_keys_are_not_configured(self, fake):
        error = failure(lambda: client(fake, developer_key="").create_patient(DRAFT))
        assert error.kind is WriteFailure.NOT_CONFIGURED
        assert fake.requests == []


class TestExactlyOnce:
    def test_chart_created_without_an_answer_is_found_not_posted_again(self, fake, caplog):
        caplog.set_level(logging.DEBUG, logger="engage_desktop")
        fake.hang_next(seconds=HANG, store=True)

        created = client(fake).create_patient(DRAFT)

        assert list(fake.patients) == [1]
        assert created.pms_id == "1"
        assert len(fake.received("POST")) == 1
        assert not [word for word in PATIENT_DATA if word in caplog.text], caplog.text

    def test_a_namesake_that_existed_before_is_not_taken_for_the_new_chart(self, fake):
        fake.add_patient(LName="Smith", FName="Jane", Birthdate="1976-05-24")  # PatNum 1
        fake.hang_next(seconds=HANG, store=True)

        created = client(fake).create_patient(DRAFT)

        assert created.pms_id == "2"
        assert len(fake.patients) == 2 and len(fake.received("POST")) == 1

    def test_namesakes_on_later_pages_are_seen(self, fake):
        for _ in range(150):  # more than one page of 100
            fake.add_patient(LName="Smith", FName="Jane")
        fake.hang_next(seconds=HANG, store=True)

        created = client(fake).create_patient(ChartDraft(first_name="Jane", last_name="Smith"))

        assert created.pms_id == "151"
        assert len(fake.received("POST")) == 1
        assert {r.query["Offset"] for r in fake.received("GET")} == {"0", "100"}
        assert all("Birthdate" not in r.query for r in fake.received("GET"))

    def test_request_lost_before_it_was_stored_is_sent_once_more(self, fake):
        fake.hang_next(seconds=HANG, store=False)

        created = client(fake).create_patient(DRAFT)

        assert list(fake.patients) == [1] and created.pms_id == "1"
        assert len(fake.received("POST")) == 2

    def test_a_second_lost_request_is_not_followed_by_a_third(self, fake):
        fake.hang_next(seconds=HANG, store=False, times=2)
        error = failure(lambda: client(fake).create_patient(DRAFT))
        assert error.kind is WriteFailure.UNKNOWN_OUTCOME
        assert "before trying again" in str(error)
        assert len(fake.received("POST")) == 2 and fake.patients == {}

    def test_outcome_that_the_lookup_cannot_settle_is_unknown(self, fake):
        fake.hang_next(seconds=HANG, store=True)
        fake.fail_next(500, method="GET", after=1)  # the look-up before the POST passes, the one after fails
        error = failure(lambda: client(fake).create_patient(DRAFT))
        assert error.kind is WriteFailure.UNKNOWN_OUTCOME
        assert len(fake.received("POST")) == 1

    @pytest.mark.parametrize(("store", "posts"), [(True, 1), (False, 2)])
    def test_connection_reset_after_sending_is_settled_by_a_lookup(self, fake, store, posts):
        fake.drop_next(store=store)
        created = client(fake).create_patient(DRAFT)
        assert list(fake.patients) == [1] and created.pms_id == "1"
        assert len(fake.received("POST")) == posts

    def test_post_that_could_not_connect_is_not_settled_or_retried(self, fake):
        class RefusePosts(requests.Session):  # the office server goes away between the look-up and the POST
            def request(self, method, url, **kwargs):
                if method == "POST":
                    url = f"http://127.0.0.1:{closed_port()}/api/v1/patients"
                return super().request(method, url, **kwargs)

        api = OpenDentalApiClient(fake.base_url, "dev-key", "cust-key", timeout=TIMEOUT, session=RefusePosts())
        assert failure(lambda: api.create_patient(DRAFT)).kind is WriteFailure.UNREACHABLE
        assert len(fake.received("GET")) == 1

    @pytest.mark.parametrize("status", [400, 500, 504])
    def test_chart_stored_despite_an_error_answer_is_returned(self, fake, status):
        fake.fail_next(status, method="POST", store=True, message="Request timed out.")
        created = client(fake).create_patient(DRAFT)
        assert created.pms_id == "1"
        assert len(fake.received("POST")) == 1

    def test_gateway_timeout_without_a_chart_is_unknown_not_retried(self, fake):
        fake.fail_next(504, method="POST")
        error = failure(lambda: client(fake).create_patient(DRAFT))
        assert error.kind is WriteFailure.UNKNOWN_OUTCOME
        assert len(fake.received("POST")) == 1


class TestConnection:
    def test_success_is_one_cheap_authenticated_read(self, fake):
        client(fake).test_connection()
        (get,) = fake.requests
        assert (get.method, get.path, get.query) == ("GET", "/api/v1/patients/Simple", {"Limit": "1"})
        assert get.headers["Authorization"] == "ODFHIR dev-key/cust-key"

    def test_wrong_keys(self, fake):
        assert failure(client(fake, developer_key="nope").test_connection).kind is WriteFailure.AUTH_REFUSED

    def test_wrong_address(self, fake):
        wrong = client(fake, base_url=fake.base_url.removesuffix("/api/v1"))
        assert failure(wrong.test_connection).kind is WriteFailure.NOT_CONFIGURED

    def test_nothing_listening(self):
        api = OpenDentalApiClient(f"http://127.0.0.1:{closed_port()}/api/v1", "dev", "cust", timeout=TIMEOUT)
        assert failure(api.test_connection).kind is WriteFailure.UNREACHABLE

    def test_no_answer_in_time(self, fake):
        fake.hang_next(seconds=HANG, store=False, method="GET")
        error = failure(client(fake).test_connection)
        assert error.kind is WriteFailure.UNREACHABLE and "in time" in str(error)


class TestFake:
    """The fake refuses what Open Dental documents as refused, so the tests above mean something."""

    def test_names_are_required(self, fake):
        response = requests.post(
            f"{fake.base_url}/patients",
            json={"LName": "Smith"},
            headers={"Authorization": "ODFHIR dev-key/cust-key"},
            timeout=2,
        )
        assert response.status_code == 400 and "FName is required" in response.json()
        assert fake.patients == {}

    def test_unknown_parameters_and_bad_birthdates_are_refused(self, fake):
        headers = {"Authorization": "ODFHIR dev-key/cust-key", "Content-Type": "application/json"}
        for query in ({"search": "smith"}, {"Birthdate": "05/24/1976"}):
            assert requests.get(f"{fake.base_url}/patients/Simple", params=query, headers=headers, timeout=2).status_code == 400


def test_api_modes_hold_the_documented_addresses():
    assert API_MODES[ApiMode.REMOTE] == "https://api.opendental.com/api/v1"
    assert API_MODES[ApiMode.LOCAL] == "http://localhost:30222/api/v1"
    assert ":30223/" in API_MODES[ApiMode.SERVICE]


class TestDraftToOdFields:
    def test_only_what_is_known_is_sent(self):
        assert draft_to_od_fields(ChartDraft(first_name=" Jane ", last_name=" Smith", email=" ", location_pms_id="0")) == {
            "LName": "Smith",
            "FName": "Jane",
        }

    @pytest.mark.parametrize(("e164", "sent"), [("+15035550142", "(503)555-0142"), ("+447911123456", "+447911123456")])
    def test_phones_look_like_open_dentals_for_north_america(self, e164, sent):
        assert draft_to_od_fields(ChartDraft("Jane", "Smith", mobile_e164=e164))["WirelessPhone"] == sent

    @pytest.mark.parametrize(("location", "clinic"), [(None, None), ("", None), ("0", None), ("12", 12)])
    def test_clinic_num_only_for_a_clinic(self, location, clinic):
        assert draft_to_od_fields(ChartDraft("Jane", "Smith", location_pms_id=location)).get("ClinicNum") == clinic

    def test_a_location_id_that_is_not_a_clinic_num_is_an_error(self):
        with pytest.raises(ValueError):
            draft_to_od_fields(ChartDraft("Jane", "Smith", location_pms_id="north"))

    def test_repr_shows_no_patient_data(self):
        assert not [word for word in PATIENT_DATA if word in repr(DRAFT)]

    def test_error_survives_pickling_with_its_kind(self):
        error = pickle.loads(pickle.dumps(PmsWriteError(WriteFailure.REJECTED, "No.", 400)))
        assert (error.kind, str(error), error.status) == (WriteFailure.REJECTED, "No.", 400)
