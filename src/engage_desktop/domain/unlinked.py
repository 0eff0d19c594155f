"""Unlinked patients: people the practice messages who are not (yet) charts in the PMS (pure).

``clean_unlinked`` turns what a receptionist typed (or a CSV row held) into a ``NewUnlinked``
with the phone in E.164 and the email normalised, or into field-level problems. It never
raises for bad input: every problem is a sentence for the field it belongs to.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from engage_desktop.domain.contacts import normalize_email, normalize_phone
from engage_desktop.domain.matching import Person
from engage_desktop.domain.search import parse_date

MAX_NAME = 128
OLDEST_BIRTH_YEAR = 1900


class ContactPreference(enum.StrEnum):
    TEXT = "text"
    EMAIL = "email"
    NONE = "none"  # keep the person, send nothing until someone changes it

    @property
    def label(self) -> str:
        return {"text": "Text message", "email": "Email", "none": "Do not contact"}[self.value]


class Source(enum.StrEnum):
    MANUAL = "manual"
    CSV = "csv"
    INBOUND = "inbound"  # created from an unknown sender's text


class LinkState(enum.StrEnum):
    UNLINKED = "unlinked"
    LINKED = "linked"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class UnlinkedInput:
    """As typed: every field is text (a birthdate may also come as a ``date``)."""

    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    birthdate: date | str | None = None
    mobile: str = ""
    email: str = ""
    location_id: str | None = None
    contact_preference: str = ContactPreference.TEXT.value


@dataclass(frozen=True, slots=True)
class NewUnlinked:
    first_name: str
    last_name: str
    preferred_name: str
    birthdate: date | None
    mobile_e164: str | None
    mobile_raw: str
    email: str | None
    location_id: str | None
    contact_preference: ContactPreference

    @property
    def sort_name(self) -> str:
        """The same key the PMS mirror sorts by, so both kinds interleave in one list."""
        return f"{self.last_name} {self.first_name}".strip().casefold()[:260]


def parse_birthdate(value: date | str | None) -> tuple[date | None, str | None]:
    """(date, problem). Accepts what the search box reads: 3/14/1985, 3/14/85, 1985-03-14."""
    if value is None or isinstance(value, date):
        return value, None
    text = value.strip()
    if not text:
        return None, None
    parsed = parse_date(text)
    if parsed is None:
        return None, "Enter the birthdate as MM/DD/YYYY, e.g. 03/14/1985."
    return parsed, None


def clean_unlinked(data: UnlinkedInput, *, region: str = "US", today: date | None = None,
                   known_locations: Mapping[str, str] | None = None) -> tuple[NewUnlinked | None, dict[str, str]]:
    """(cleaned person, problems by field). ``known_locations``: id -> name of allowed locations."""
    problems: dict[str, str] = {}
    today = today or date.today()
    first, last, preferred = (" ".join(str(v or "").split()) for v in (data.first_name, data.last_name,
                                                                        data.preferred_name))
    if not first:
        problems["first_name"] = "Enter the first name."
    if not last:
        problems["last_name"] = "Enter the last name."
    for key, value in (("first_name", first), ("last_name", last), ("preferred_name", preferred)):
        if len(value) > MAX_NAME:
            problems[key] = f"Use at most {MAX_NAME} characters."

    birthdate, problem = parse_birthdate(data.birthdate)
    if problem:
        problems["birthdate"] = problem
    elif birthdate is not None and not (date(OLDEST_BIRTH_YEAR, 1, 1) <= birthdate <= today):
        problems["birthdate"] = "The birthdate must be in the past (and after 1900)."

    mobile_raw = str(data.mobile or "").strip()
    mobile = None
    if mobile_raw:
        phone = normalize_phone(mobile_raw, region)
        if phone is None or not phone.e164:
            problems["mobile"] = "Enter a full mobile number with area code, e.g. (503) 555-0142."
        else:
            mobile = phone.e164
    email_raw = str(data.email or "").strip()
    email = None
    if email_raw:
        normalised, ok = normalize_email(email_raw)
        if not ok:
            problems["email"] = "Enter an email address such as name@example.com."
        else:
            email = normalised

    try:
        preference = ContactPreference(data.contact_preference or ContactPreference.TEXT.value)
    except ValueError:
        preference = ContactPreference.TEXT
        problems["contact_preference"] = "Pick text message, email or do not contact."
    if "mobile" not in problems and "email" not in problems:
        if not mobile_raw and not email_raw:
            problems["mobile"] = "Enter a mobile number or an email address: there is no other way to reach them."
        elif preference is ContactPreference.TEXT and not mobile_raw:
            problems["mobile"] = "Text messages need a mobile number (or choose email)."
        elif preference is ContactPreference.EMAIL and not email_raw:
            problems["email"] = "Email needs an email address (or choose text message)."

    location = data.location_id or None
    if known_locations is not None:
        if location is None and len(known_locations) == 1:
            location = next(iter(known_locations))
        elif location is None and known_locations:
            problems["location_id"] = "Choose the location this person belongs to."
        elif location is not None and location not in known_locations:
            problems["location_id"] = "Choose one of your locations."

    if problems:
        return None, problems
    return NewUnlinked(first_name=first, last_name=last, preferred_name=preferred, birthdate=birthdate,
                       mobile_e164=mobile, mobile_raw=mobile_raw, email=email, location_id=location,
                       contact_preference=preference), {}


@dataclass(frozen=True, slots=True)
class UnlinkedPatient:
    """An unlinked patient as stored."""

    id: int
    first_name: str
    last_name: str
    preferred_name: str
    birthdate: date | None
    mobile_phone: str | None  # E.164
    email: str | None
    location_id: str | None
    contact_preference: ContactPreference
    source: Source
    state: LinkState
    linked_pms_id: str | None = None  # the chart's PMS id once linked
    merged_into_id: int | None = None
    created_by: str = ""
    verified_at: datetime | None = None
    verified_by: str | None = None
    pms_request: str | None = None  # PmsRequest value once "Create in PMS" was used
    pms_requested_at: datetime | None = None
    pending_pms_id: str | None = None  # the chart id the PMS API returned, until a sync brings the chart

    @property
    def display_name(self) -> str:
        return " ".join(x for x in (self.first_name, f"({self.preferred_name})" if self.preferred_name else "",
                                    self.last_name) if x)


class PmsRequest(enum.StrEnum):
    API = "api"  # created through the PMS's API; the next sync links it by id
    HANDOFF = "handoff"  # staff were given the details to type into the PMS; the next sync links it


class PairKind(enum.StrEnum):
    CHART = "chart"  # an unlinked patient and a chart: link them?
    UNLINKED = "unlinked"  # two unlinked patients: the same person?


class PairStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"  # "not the same person": never proposed again
    RESOLVED = "resolved"  # linked or merged


@dataclass(frozen=True, slots=True)
class MatchPairRow:
    """A stored proposal from the review job (see store model ``MatchPair``)."""

    id: int
    kind: PairKind
    unlinked_id: int
    other_ref: str  # the chart's PMS id, or the other unlinked patient's id as text
    score: float
    reasons: tuple[tuple[str, bool], ...]  # (label, is_conflict)
    status: PairStatus
    found_at: datetime | None = None


def person_of(u: NewUnlinked | UnlinkedPatient) -> Person:
    """The person the matcher compares with charts."""
    phone = u.mobile_e164 if isinstance(u, NewUnlinked) else u.mobile_phone
    return Person(first_name=u.first_name, last_name=u.last_name, birthdate=u.birthdate, phone=phone, email=u.email,
                  preferred_name=u.preferred_name or None)
