"""Open Dental API client: creates a chart with ``POST /patients``, at most once per call.

What the docs say (https://opendental.com/site/apipatients.html, apiimplementation.html, apilocal.html):

- Every request carries ``Authorization: ODFHIR {DeveloperKey}/{CustomerKey}`` and
  ``Content-Type: application/json``. Status codes: 200, 201, 400 (also eConnector trouble and
  relay timeouts, not only bad input), 401 (bad keys or a missing ApiPermission), 404 (with an
  explanation), 410, and 504 when the office did not finish within 60 s.
- ``POST /patients`` answers 201 with the new Patient (``PatNum``). ``GET /patients/Simple`` takes
  ``LName``/``FName`` (partial, case-insensitive), ``Birthdate`` ("yyyy-mm-dd") and the general
  ``Limit``/``Offset`` paging (100 rows a page; the Local API 1000).
- The shape of an error body is not documented (UNCONFIRMED): plain text, a JSON string or an
  object with a message are all read.

Exactly once: a POST whose answer never arrived may still have created the chart, so it is never
sent again blindly. Before posting, the client notes which charts already carry the same name and
birthdate; when the answer is lost it looks again, and a chart that was not there before is the one
it created. Only when no such chart appeared is the POST sent once more. If the lost request lands
later anyway, Open Dental's own duplicate check (it compares LName, FName, Birthdate and email or
phones on create; what it does on a match is UNCONFIRMED) is the last guard.

Log lines name the endpoint and status, never the query string or body (they hold patient data).
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from engage_desktop.domain.pms_write import ChartDraft, CreatedChart, PmsWriteError, WriteFailure, draft_to_od_fields

log = logging.getLogger(__name__)


class ApiMode(enum.StrEnum):
    REMOTE = "remote"  # through Open Dental HQ and the office's eConnector
    LOCAL = "local"  # the Local API (22.1+): runs while Open Dental is open on this workstation
    SERVICE = "service"  # the API Service (22.2+) on the office server: replace localhost with its name


API_MODES: Mapping[ApiMode, str] = MappingProxyType(
    {
        ApiMode.REMOTE: "https://api.opendental.com/api/v1",
        ApiMode.LOCAL: "http://localhost:30222/api/v1",
        ApiMode.SERVICE: "http://localhost:30223/api/v1",  # the /api/v1 path on port 30223 is UNCONFIRMED
    }
)

_PAGE = 100  # the remote page size; a shorter page is the last one (the Local API's pages are longer)
_MAX_PAGES = 20
_NO_BIRTHDATE = {"", "0001-01-01"}  # how Open Dental writes "none"
_SETTINGS = "Settings ▸ Practice management system"
_CHECK_FIRST = "Look the patient up in Open Dental before trying again, so the chart is not created twice."


class _SentNoAnswer(Exception):
    """The request left this machine but no answer came back: Open Dental may have acted on it."""


class OpenDentalApiClient:
    """``PatientCreator`` for the Open Dental API (remote, Local API or API Service)."""

    def __init__(
        self,
        base_url: str,
        developer_key: str,
        customer_key: str,
        *,
        timeout: tuple[float, float] = (5, 20),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.timeout = timeout
        self._configured = bool(self.base_url and developer_key.strip() and customer_key.strip())
        self._headers = {
            "Authorization": f"ODFHIR {developer_key.strip()}/{customer_key.strip()}",
            "Content-Type": "application/json",  # required on every request, GET included
            "Accept": "application/json",
        }
        self._session = session or requests.Session()

    def close(self) -> None:
        self._session.close()

    def test_connection(self) -> None:
        """One cheap authenticated read of the resource that creating a chart needs."""
        response = self._call("GET", "/patients/Simple", params={"Limit": 1})
        if response.status_code == 200:
            return
        if response.status_code in (404, 410):
            raise PmsWriteError(
                WriteFailure.NOT_CONFIGURED,
                f"The address in {_SETTINGS} does not lead to the Open Dental API (HTTP {response.status_code}). "
                "Check the API mode and address.",
                response.status_code,
            )
        raise _http_error(response)

    def create_patient(self, draft: ChartDraft) -> CreatedChart:
        fields = draft_to_od_fields(draft)
        if not fields["LName"] or not fields["FName"]:
            # Checked here, not left to the API: a lookup with a blank name would match every chart.
            raise PmsWriteError(WriteFailure.REJECTED, "Open Dental needs a first and a last name to create a chart.")
        before = {row["PatNum"] for row in self._same_person(draft)}  # nothing has been sent yet: errors are plain
        for attempt in (1, 2):
            try:
                response = self._call("POST", "/patients", json=fields)
            except _SentNoAnswer:
                if created := self._settle(draft, before):
                    return created
                if attempt == 1:
                    log.warning("Open Dental holds no chart from the unanswered POST /patients; sending it once more")
                    continue
                raise _unknown_outcome() from None
            if response.status_code in (200, 201):
                body = _json(response)
                pat_num = body.get("PatNum") if isinstance(body, dict) else None
                if isinstance(pat_num, int) and pat_num > 0:
                    log.info("Open Dental created chart PatNum %s", pat_num)
                    return CreatedChart(pms_id=str(pat_num), raw_fields=body)
                # Created, but the answer does not say which chart: find it rather than post again.
                if created := self._settle(draft, before):
                    return created
                raise _unknown_outcome(response.status_code)
            error = _http_error(response, draft, creating=True)
            if error.kind is WriteFailure.AUTH_REFUSED:
                raise error  # refused before anything ran
            # A 400 also stands for relay timeouts and a 5xx can follow a write, so look before reporting
            # a failure; if the look-up fails too, the error that Open Dental gave is the answer.
            try:
                created = self._settle(draft, before)
            except PmsWriteError:
                created = None
            if created:
                return created
            if response.status_code == 504:  # the office may still be working on it
                raise _unknown_outcome(504) from None
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    # -- look-ups --------------------------------------------------------------------------------

    def _settle(self, draft: ChartDraft, before: set[int]) -> CreatedChart | None:
        """The chart this call created, None when it created none, or UNKNOWN_OUTCOME when unclear."""
        try:
            rows = self._same_person(draft)
        except PmsWriteError as exc:
            raise _unknown_outcome() from exc
        new = [row for row in rows if row["PatNum"] not in before]
        if len(new) == 1:
            log.info("Found chart PatNum %s created by an unanswered request", new[0]["PatNum"])
            return CreatedChart(pms_id=str(new[0]["PatNum"]), raw_fields=new[0])
        if new:  # someone else is creating the same person right now
            raise _unknown_outcome()
        return None

    def _same_person(self, draft: ChartDraft) -> list[dict[str, Any]]:
        """Charts with exactly this name and birthdate (the API matches names partially)."""
        fields = draft_to_od_fields(draft)
        params: dict[str, Any] = {"LName": fields["LName"], "FName": fields["FName"]}
        if "Birthdate" in fields:
            params["Birthdate"] = fields["Birthdate"]
        wanted = (fields["LName"].casefold(), fields["FName"].casefold(), fields.get("Birthdate"))
        matches: list[dict[str, Any]] = []
        offset = 0
        for _ in range(_MAX_PAGES):
            response = self._call("GET", "/patients/Simple", params={**params, "Offset": offset})
            if response.status_code != 200:
                raise _http_error(response, draft)
            rows = _json(response)
            if not isinstance(rows, list):
                raise _unexpected(response)
            matches += [row for row in rows if _key(row) == wanted]
            if len(rows) < _PAGE:
                return matches
            offset += len(rows)
        raise PmsWriteError(
            WriteFailure.REJECTED,
            "Open Dental has too many charts with a similar name to check for a duplicate. Add the date of birth and try again.",
        )

    # -- transport -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if not self._configured:
            raise PmsWriteError(
                WriteFailure.NOT_CONFIGURED,
                f"The Open Dental API is not set up. Enter the API address and keys in {_SETTINGS}.",
            )
        try:
            response = self._session.request(method, self.base_url + path, headers=self._headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            # Only the exception type is logged, and the exception is not chained (``from None``): its
            # text carries the URL, query string and so patient names included, into any traceback.
            if method == "POST" and _may_have_been_sent(exc):
                log.warning("No answer to %s %s (%s)", method, path, type(exc).__name__)
                raise _SentNoAnswer from None
            log.warning("Could not reach Open Dental for %s %s (%s)", method, path, type(exc).__name__)
            timed_out = isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout)
            raise PmsWriteError(
                WriteFailure.UNREACHABLE,
                ("Open Dental did not answer in time. " if timed_out else "Could not reach Open Dental. ")
                + "Check that Open Dental (or its API Service or eConnector) is running and that the address in "
                f"{_SETTINGS} is right.",
            ) from None
        log.debug("%s %s -> HTTP %s", method, path, response.status_code)
        return response


def _may_have_been_sent(exc: requests.RequestException) -> bool:
    """False only when the connection was never made, so the request cannot have arrived."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.InvalidURL):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return not isinstance(reason, NewConnectionError)  # refused, or the name did not resolve


def _key(row: Any) -> tuple[str, str, str | None] | None:
    """(last name, first name, birthdate) to compare a chart with a draft; None for a row without a PatNum."""
    if not isinstance(row, dict) or not isinstance(row.get("PatNum"), int):
        return None
    birthdate = str(row.get("Birthdate") or "")
    return (
        str(row.get("LName", "")).strip().casefold(),
        str(row.get("FName", "")).strip().casefold(),
        None if birthdate in _NO_BIRTHDATE else birthdate,
    )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _unknown_outcome(status: int | None = None) -> PmsWriteError:
    what = f"Open Dental did not confirm the new chart (HTTP {status})." if status else "Open Dental did not answer in time."
    message = f"{what} The chart may or may not have been created. {_CHECK_FIRST}"
    return PmsWriteError(WriteFailure.UNKNOWN_OUTCOME, message, status)


def _unexpected(response: requests.Response) -> PmsWriteError:
    return PmsWriteError(
        WriteFailure.SERVER_ERROR,
        f"Open Dental gave an answer this version of Engage does not understand (HTTP {response.status_code}).",
        response.status_code,
    )


def _http_error(response: requests.Response, draft: ChartDraft | None = None, *, creating: bool = False) -> PmsWriteError:
    status = response.status_code
    if status in (401, 403):
        return PmsWriteError(
            WriteFailure.AUTH_REFUSED,
            f"Open Dental refused the API keys (HTTP {status}). Check the customer key in {_SETTINGS}, "
            "and that the office enabled the Engage API key (Setup ▸ Advanced Setup ▸ API).",
            status,
        )
    if 400 <= status < 500:
        reason = _api_reason(response, draft)
        what = "did not create the chart" if creating else "refused the request"
        advice = "Correct the details and try again." if creating else f"Check the Open Dental API in {_SETTINGS}."
        because = f": {reason.rstrip('.')}." if reason else "."
        return PmsWriteError(WriteFailure.REJECTED, f"Open Dental {what} (HTTP {status}){because} {advice}", status)
    if status >= 500:
        return PmsWriteError(WriteFailure.SERVER_ERROR, f"Open Dental reported an error (HTTP {status}). {_CHECK_FIRST}", status)
    return _unexpected(response)


_DIGIT_RUN = re.compile(r"\+?\d[\d\s().\-/]{4,}\d")  # phones, dates, SSNs: never needed to explain an error
_EMAIL = re.compile(r"\S+@\S+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _api_reason(response: requests.Response, draft: ChartDraft | None) -> str:
    """Open Dental's own explanation, short, on one line, and with anything about the patient removed."""
    body = _json(response)
    if isinstance(body, dict):
        body = next((body[k] for k in ("message", "Message", "error", "Error") if isinstance(body.get(k), str)), "")
    text = body if isinstance(body, str) else response.text[:2000]
    text = _EMAIL.sub("…", _DIGIT_RUN.sub("…", _CONTROL.sub(" ", text)))
    if draft is not None:
        for value in (draft.first_name, draft.last_name, draft.preferred_name, draft.email or ""):
            if len(value := value.strip()) >= 2:
                text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "…", text, flags=re.IGNORECASE)
    text = " ".join(text.split()).strip(" \"'")
    return text[:200].rstrip() + ("…" if len(text) > 200 else "")
