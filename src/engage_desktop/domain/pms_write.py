"""Creating a chart in the PMS for an unlinked patient: the draft, the port, and its errors.

Open Dental field names used by ``draft_to_od_fields`` (https://opendental.com/site/apipatients.html,
section "Patients POST (create)", read from a stored copy of that page):

- Documented: ``LName`` and ``FName`` (the only required fields), ``Preferred``, ``Birthdate``
  ("yyyy-mm-dd"), ``WirelessPhone`` ("including any punctuation": stored as sent), ``Email``,
  ``ClinicNum`` ("can be zero if not attached to a clinic or clinics are not set up").
- Phone style: the page's examples write phones as ``(536)624-5871``, so +1 numbers are sent that
  way and look like the charts typed in Open Dental; other numbers go as E.164. That Open Dental's
  own auto-format uses exactly this style is UNCONFIRMED.
- Not sent: ``TxtMsgOk`` is documented ("Unknown"/"Yes"/"No", default Unknown) but a draft carries no
  consent answer, and sending "Yes" without one would be wrong. ``PatStatus`` (default "Patient";
  "Prospective" exists) is left to Open Dental's default.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from engage_desktop.domain.errors import EngageError


@dataclass(frozen=True, slots=True)
class ChartDraft:
    """What Engage knows about a person, to become a new PMS chart.

    Patient fields are left out of ``repr`` so a draft in a log line or traceback shows no patient data.
    """

    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    preferred_name: str = field(default="", repr=False)
    birthdate: date | None = field(default=None, repr=False)
    mobile_e164: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    location_pms_id: str | None = None  # Open Dental ClinicNum as text; None or "0" = no clinic


@dataclass(frozen=True, slots=True)
class CreatedChart:
    """The chart the PMS holds now; ``pms_id`` is Open Dental's PatNum as text."""

    pms_id: str
    raw_fields: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


class WriteFailure(enum.StrEnum):
    """Why a PMS write failed; each names one thing the office can do."""

    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"  # nothing was sent
    AUTH_REFUSED = "auth_refused"
    REJECTED = "rejected"  # the PMS read the request and refused it; its reason is in the message
    SERVER_ERROR = "server_error"
    UNKNOWN_OUTCOME = "unknown_outcome"  # the PMS may have created the chart: staff must check first


class PmsWriteError(EngageError):
    """A PMS write failed. The message is for the receptionist and never holds patient data."""

    def __init__(self, kind: WriteFailure, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status  # the HTTP status, when there was an answer

    def __reduce__(self):
        return (type(self), (self.kind, str(self), self.status))


class PatientCreator(Protocol):
    """Creates one chart in the PMS, at most once per call, or raises ``PmsWriteError``."""

    def create_patient(self, draft: ChartDraft) -> CreatedChart: ...


_NANP_E164 = re.compile(r"^\+1(\d{3})(\d{3})(\d{4})$")


def od_phone(e164: str) -> str:
    """A phone as Open Dental charts show it: '+15035550142' -> '(503)555-0142'; others stay E.164."""
    if m := _NANP_E164.match(e164):
        return "({}){}-{}".format(*m.groups())
    return e164


def clinic_num(location_pms_id: str | None) -> int:
    """The ClinicNum of a location id; 0 means no clinic."""
    text = (location_pms_id or "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError("an Open Dental location id is a ClinicNum (digits only)")
    return int(text)


def draft_to_od_fields(draft: ChartDraft) -> dict[str, Any]:
    """The JSON body of Open Dental's ``POST /patients``. Empty optional fields are left out."""
    fields: dict[str, Any] = {"LName": draft.last_name.strip(), "FName": draft.first_name.strip()}
    if preferred := draft.preferred_name.strip():
        fields["Preferred"] = preferred
    if draft.birthdate is not None:
        fields["Birthdate"] = draft.birthdate.isoformat()  # yyyy-MM-dd
    if draft.mobile_e164:
        fields["WirelessPhone"] = od_phone(draft.mobile_e164.strip())
    if email := (draft.email or "").strip():
        fields["Email"] = email
    if clinic := clinic_num(draft.location_pms_id):
        fields["ClinicNum"] = clinic
    return fields
