"""A fake Open Dental API on 127.0.0.1 for the API client's tests.

It follows the documented request/response of ``POST /patients`` and ``GET /patients/Simple``
(https://opendental.com/site/apipatients.html) and the general rules of
https://opendental.com/site/apiimplementation.html: the ODFHIR header (401 otherwise), a JSON
Content-Type on every request, 100 rows a page with ``Limit``/``Offset``, 201 with the Patient.
Where the docs are silent it is strict: unknown fields and parameters are refused, as Open Dental
refuses unknown parameters ("'search' is not a valid parameter"), so a client relying on leniency
fails here first. Error wording is the fake's own (Open Dental's exact texts are UNCONFIRMED).

Tests can make it misbehave: ``fail_next`` answers an error (optionally after storing the
patient), ``hang_next`` stalls past the client's read timeout (after storing, or dropping the
request), ``drop_next`` closes the connection unanswered, and every request received is recorded
in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

API_ROOT = "/api/v1"

# Patients POST (create), apipatients.html.
POST_FIELDS = frozenset(
    "LName FName MiddleI Preferred PatStatus Gender Position Birthdate SSN Address Address2 City State Zip HmPhone WkPhone "
    "WirelessPhone Guarantor Email PriProv SecProv FeeSched BillingType FamFinUrgNote ChartNumber MedicaidID EmployerNum "
    "DateFirstVisit ClinicNum Premed Ward PreferConfirmMethod PreferContactMethod PreferRecallMethod Language AdmitDate "
    "SuperFamily TxtMsgOk".split()
)
# Patients GET Simple, apipatients.html; Limit/Offset and the format strings, apiimplementation.html.
SIMPLE_PARAMS = frozenset(
    "LName FName Birthdate ClinicNum PatStatus DateTStamp PriProv Gender Position Guarantor SuperFamily EmployerNum FeeSched "
    "Limit Offset DateFormatString DateTimeFormatString".split()
)
_INT_FIELDS = frozenset({"Guarantor", "PriProv", "SecProv", "FeeSched", "EmployerNum", "ClinicNum", "SuperFamily"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, the raw text when it is not JSON, or None


@dataclass
class _Trouble:
    method: str | None
    after: int  # matching requests to let through first
    status: int | None = None  # answer this status; None: hang instead
    message: str = ""
    store: bool = False  # for a POST /patients: store the patient first
    seconds: float = 0.0
    answer: bool = True  # after a hang: answer late (if stored), or close the connection unanswered


class FakeOpenDentalApi:
    def __init__(
        self, developer_key: str = "dev-key", customer_key: str = "cust-key", *, clinics=(0,), page_limit: int = 100
    ) -> None:
        self.developer_key = developer_key
        self.customer_key = customer_key
        self.clinics = set(clinics)
        self.page_limit = page_limit
        self.patients: dict[int, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._troubles: deque[_Trouble] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._next_pat_num = 1
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_ROOT}"

    # -- what tests set up and look at -------------------------------------------------------------

    def fail_next(
        self, status: int, *, message: str = "", method: str | None = None, times: int = 1, after: int = 0, store: bool = False
    ) -> None:
        """Answer ``status`` to the next ``times`` requests (of ``method``), after letting ``after`` through."""
        with self._lock:
            self._troubles.extend(_Trouble(method, after, status, message, store) for _ in range(times))

    def hang_next(self, *, seconds: float, store: bool, method: str = "POST", times: int = 1, after: int = 0) -> None:
        """Stall the next request for ``seconds``: ``store=True`` creates the patient first and answers late;
        ``store=False`` drops the request unanswered, as if it never reached the office."""
        with self._lock:
            self._troubles.extend(_Trouble(method, after, None, "", store, seconds) for _ in range(times))

    def drop_next(self, *, store: bool, method: str = "POST", times: int = 1) -> None:
        """Close the connection without an answer, as a reset after the body was sent; ``store`` first or not."""
        with self._lock:
            self._troubles.extend(_Trouble(method, 0, None, "", store, 0.0, answer=False) for _ in range(times))

    def add_patient(self, **fields: Any) -> dict[str, Any]:
        """A chart that already exists before the test."""
        with self._lock:
            return self._store(fields)

    def received(self, method: str, path: str = "") -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path)]

    # -- behaviour -------------------------------------------------------------------------------

    def _take_trouble(self, method: str) -> _Trouble | None:
        with self._lock:
            for trouble in self._troubles:
                if trouble.method in (None, method):
                    if trouble.after:
                        trouble.after -= 1
                        return None
                    self._troubles.remove(trouble)
                    return trouble
        return None

    def _store(self, fields: dict[str, Any]) -> dict[str, Any]:
        pat_num = self._next_pat_num
        self._next_pat_num += 1
        now = datetime.now()
        patient = {
            "PatNum": pat_num, "LName": "", "FName": "", "MiddleI": "", "Preferred": "", "PatStatus": "Patient",
            "Gender": "Unknown", "Position": "Single", "Birthdate": "0001-01-01", "SSN": "", "Address": "", "Address2": "",
            "City": "", "State": "", "Zip": "", "HmPhone": "", "WkPhone": "", "WirelessPhone": "", "Guarantor": pat_num,
            "Email": "", "EstBalance": 0.0, "PriProv": 1, "priProvAbbr": "DOC", "SecProv": 0, "secProvAbbr": "", "FeeSched": 0,
            "BillingType": "Standard Account", "FamFinUrgNote": "", "ImageFolder": "", "ChartNumber": "", "MedicaidID": "",
            "BalTotal": 0.0, "EmployerNum": 0, "DateFirstVisit": "0001-01-01", "ClinicNum": 0, "clinicAbbr": "",
            "Premed": "false", "Ward": "", "PreferConfirmMethod": "None", "PreferContactMethod": "None",
            "PreferRecallMethod": "None", "Language": "", "AdmitDate": "0001-01-01", "siteDesc": "",
            "DateTStamp": now.strftime("%Y-%m-%d %H:%M:%S"), "SuperFamily": 0, "TxtMsgOk": "Unknown",
            "SecDateEntry": now.date().isoformat(),
        }  # fmt: skip
        patient.update(fields)
        patient["ImageFolder"] = f"{patient['LName']}{patient['FName']}{pat_num}"
        self.patients[pat_num] = patient
        return patient

    def validate_patient(self, body: Any) -> str | None:
        """Why a POST /patients body is refused, or None."""
        if not isinstance(body, dict):
            return "The body must be a JSON object."
        if unknown := sorted(set(body) - POST_FIELDS):
            return f"{unknown[0]} is not a valid field."
        for name in ("LName", "FName"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                return f"{name} is required."
        for name, value in body.items():
            if isinstance(value, bool) or not isinstance(value, int if name in _INT_FIELDS else str):
                return f"{name} is invalid."
        if "Birthdate" in body and not _is_date(body["Birthdate"]):
            return "Birthdate is invalid. Must be in yyyy-MM-dd format."
        if body.get("ClinicNum", 0) not in self.clinics:
            return "ClinicNum is invalid."
        if body.get("TxtMsgOk", "Unknown") not in ("Unknown", "Yes", "No"):
            return "TxtMsgOk is invalid."
        return None

    def simple(self, query: dict[str, str]) -> tuple[int, Any]:
        if unknown := sorted(set(query) - SIMPLE_PARAMS):
            return 400, f"'{unknown[0]}' is not a valid parameter."
        if "Birthdate" in query and not _is_date(query["Birthdate"]):
            return 400, "Birthdate is invalid. Must be in yyyy-MM-dd format."
        try:
            offset = int(query.get("Offset", 0))
            limit = min(int(query.get("Limit", self.page_limit)), self.page_limit)
        except ValueError:
            return 400, "Limit and Offset must be numbers."

        def wanted(p: dict[str, Any]) -> bool:
            return (
                query.get("LName", "").casefold() in p["LName"].casefold()  # partial, case-insensitive
                and query.get("FName", "").casefold() in p["FName"].casefold()
                and query.get("Birthdate", p["Birthdate"]) == p["Birthdate"]
                and query.get("ClinicNum", str(p["ClinicNum"])) == str(p["ClinicNum"])
                and query.get("PatStatus", p["PatStatus"]) == p["PatStatus"]
                and query.get("DateTStamp", "") <= p["DateTStamp"]
            )

        server_now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        with self._lock:
            rows = [p for _, p in sorted(self.patients.items()) if wanted(p)]
        return 200, [{"serverDateTime": server_now, **p} for p in rows[offset : offset + limit]]


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return value == "0001-01-01"
    return True


class _Handler(BaseHTTPRequestHandler):
    api: FakeOpenDentalApi

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        api = self.api
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        with api._lock:
            api.requests.append(RecordedRequest(self.command, url.path, query, dict(self.headers), body))

        if trouble := api._take_trouble(self.command):
            creating = self.command == "POST" and url.path == f"{API_ROOT}/patients"
            stored = None
            if trouble.store and creating and api.validate_patient(body) is None:
                with api._lock:
                    stored = api._store(body)
            if trouble.status is not None:
                return self._send(trouble.status, trouble.message or f"Fake failure {trouble.status}")
            api._stopping.wait(trouble.seconds)  # past the client's read timeout
            if stored is None or not trouble.answer:
                self.close_connection = True  # dropped: no answer at all
                return
            return self._send(201, stored)  # too late: the client has given up

        if self.headers.get("Authorization") != f"ODFHIR {api.developer_key}/{api.customer_key}":
            return self._send(401, "Invalid credentials.")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._send(400, "Content-Type must be application/json.")
        if self.command == "POST" and url.path == f"{API_ROOT}/patients":
            if problem := api.validate_patient(body):
                return self._send(400, problem)
            with api._lock:
                patient = api._store(body)
            return self._send(201, patient, location=f"{api.base_url}/patients/{patient['PatNum']}")
        if self.command == "GET" and url.path == f"{API_ROOT}/patients/Simple":
            return self._send(*api.simple(query))
        return self._send(404, "The specified API resource does not exist.")

    def _send(self, status: int, payload: Any, location: str | None = None) -> None:
        # Error texts go out as JSON strings; Open Dental's exact error body is UNCONFIRMED.
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting
