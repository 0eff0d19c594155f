"""Every practice setting, declared as data (style rule 13), and how each is validated (pure).

A setting has a key, a kind, a default, a label and a group; pages are built from these
declarations and the settings service validates and stores them. Secrets (the Twilio auth
token, the SMTP password) are declared here too, but their values only ever go to the OS
keyring: the database stores nothing for them.

Locations are not declared one by one: they come from the PMS (its clinics), and each carries
the Engage-side values of ``LOCATION_FIELDS`` (texting number, SMS registration, sender...).
"""

from __future__ import annotations

import enum
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from typing import Any

from engage_desktop.domain.contacts import normalize_email, normalize_phone


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    TIME = "time"  # "HH:MM", 24-hour
    PHONE = "phone"  # stored as E.164
    EMAIL = "email"
    TIMEZONE = "timezone"
    SECRET = "secret"  # keyring only


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    kind: Kind
    label: str
    group: str
    default: Any = ""
    help: str = ""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    placeholder: str = ""

    @property
    def secret(self) -> bool:
        return self.kind is Kind.SECRET


class Group(enum.StrEnum):
    PRACTICE = "practice"
    TWILIO = "twilio"
    SMTP = "smtp"
    QUIET_HOURS = "quiet_hours"
    SECURITY = "security"
    PMS_API = "pms_api"
    MESSAGING = "messaging"


OD_API_MODES = (("off", "Not used: staff get a hand-off card to type into the PMS"),
                ("local", "Local API on each workstation (port 30222)"),
                ("service", "API Service on the Open Dental server (port 30223)"),
                ("remote", "Remote API through the eConnector"))
# Email always travels encrypted, with the server's certificate checked (MSG-1): no plain option.
SMTP_SECURITY = (("starttls", "STARTTLS (port 587)"), ("ssl", "SSL/TLS (port 465)"))
MESSAGING_MODES = (("sandbox", "Sandbox (nothing is delivered)"), ("live", "Live (Twilio and the mail server)"))

SETTINGS: tuple[Setting, ...] = (
    # The practice: used in email footers (CAN-SPAM needs a postal address) and message signatures.
    Setting("practice.name", Kind.TEXT, "Practice name", Group.PRACTICE, required=True, max_length=120,
            help="How messages and emails sign off, e.g. “Bright Smiles Dental”."),
    Setting("practice.phone", Kind.PHONE, "Office phone", Group.PRACTICE, help="Shown in email footers and HELP replies."),
    Setting("practice.address1", Kind.TEXT, "Street address", Group.PRACTICE, required=True, max_length=120,
            help="Every marketing email must carry the practice's postal address."),
    Setting("practice.address2", Kind.TEXT, "Suite, unit", Group.PRACTICE, max_length=120),
    Setting("practice.city", Kind.TEXT, "City", Group.PRACTICE, required=True, max_length=80),
    Setting("practice.state", Kind.TEXT, "State", Group.PRACTICE, required=True, max_length=40, placeholder="e.g. OR"),
    Setting("practice.postcode", Kind.TEXT, "ZIP code", Group.PRACTICE, required=True, max_length=20),
    Setting("practice.time_zone", Kind.TIMEZONE, "Time zone", Group.PRACTICE, default="America/New_York", required=True,
            help="Locations without their own time zone use this one."),
    # Twilio: the SID is not secret (it names the account), the auth token is.
    Setting("twilio.account_sid", Kind.TEXT, "Account SID", Group.TWILIO, max_length=34, placeholder="AC…",
            help="From the Twilio console's Account Info panel."),
    Setting("twilio.auth_token", Kind.SECRET, "Auth token", Group.TWILIO, help="Kept in the Windows Credential Manager."),
    Setting("twilio.messaging_service_sid", Kind.TEXT, "Messaging Service SID (optional)", Group.TWILIO, max_length=34,
            placeholder="MG…", help="Leave empty to send from each location's own texting number."),
    Setting("twilio.base_url", Kind.TEXT, "API address", Group.TWILIO, default="https://api.twilio.com", max_length=200,
            help="Only change this for a Twilio-compatible service."),
    # How the engine sends (MSG-1, MSG-3).
    Setting("messaging.mode", Kind.CHOICE, "Sending", Group.MESSAGING, default="sandbox", choices=MESSAGING_MODES,
            help="The sandbox sends nothing: it only pretends, so the whole product can be tried safely."),
    Setting("messaging.sms_rate", Kind.INT, "Texts per second per number", Group.MESSAGING, default=1, minimum=1,
            maximum=100, help="Counted in segments. A standard 10DLC number: 1. Ask Twilio before raising it."),
    Setting("messaging.daily_cap", Kind.INT, "Daily limit per number (segments)", Group.MESSAGING, default=2000,
            minimum=0, maximum=1_000_000, help="Carriers cap low-volume senders (T-Mobile: about 2,000 a day). 0: no limit."),
    # SMTP for email campaigns and portal mail.
    Setting("smtp.host", Kind.TEXT, "Server", Group.SMTP, max_length=253, placeholder="smtp.example.com"),
    Setting("smtp.port", Kind.INT, "Port", Group.SMTP, default=587, minimum=1, maximum=65535),
    Setting("smtp.security", Kind.CHOICE, "Security", Group.SMTP, default="starttls", choices=SMTP_SECURITY),
    Setting("smtp.username", Kind.TEXT, "User name", Group.SMTP, max_length=200),
    Setting("smtp.password", Kind.SECRET, "Password", Group.SMTP, help="Kept in the Windows Credential Manager."),
    Setting("smtp.from_address", Kind.EMAIL, "Default sender address", Group.SMTP,
            help="Locations can use their own sender address."),
    # Quiet hours: the federal window by default; stricter state rules come from a dated table.
    Setting("quiet_hours.earliest", Kind.TIME, "Send no earlier than", Group.QUIET_HOURS, default="08:00", required=True,
            help="In the patient's local time."),
    Setting("quiet_hours.latest", Kind.TIME, "Send no later than", Group.QUIET_HOURS, default="21:00", required=True),
    Setting("quiet_hours.state_rules", Kind.BOOL, "Apply stricter state rules", Group.QUIET_HOURS, default=True,
            help="Florida, Texas, Connecticut and other states allow fewer hours than the federal rule."),
    Setting("quiet_hours.no_sundays", Kind.BOOL, "Never send on Sundays", Group.QUIET_HOURS, default=False),
    # "Create in PMS" through the Open Dental API (PMS-4): the only sanctioned way to write to Open Dental.
    Setting("pms_api.mode", Kind.CHOICE, "Open Dental API", Group.PMS_API, default="off", choices=OD_API_MODES,
            help="Set up in Open Dental under Setup ▸ Advanced Setup ▸ API. Dentrix and Eaglesoft always use the hand-off card."),
    Setting("pms_api.host", Kind.TEXT, "API Service server", Group.PMS_API, default="localhost", max_length=253,
            help="The computer that runs the Open Dental API Service (only for that mode)."),
    Setting("pms_api.developer_key", Kind.SECRET, "Developer key", Group.PMS_API,
            help="Engage's key from the Open Dental developer portal. Kept in the Windows Credential Manager."),
    Setting("pms_api.customer_key", Kind.SECRET, "Customer key", Group.PMS_API,
            help="The key Open Dental shows for this office under Setup ▸ Advanced Setup ▸ API."),
    # Sign-in security.
    Setting("security.idle_lock_minutes", Kind.INT, "Lock the screen after (minutes idle)", Group.SECURITY, default=10,
            minimum=1, maximum=240, help="The screen hides patient data and asks for the password again."),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def in_group(group: str) -> tuple[Setting, ...]:
    return tuple(s for s in SETTINGS if s.group == group)


def defaults() -> dict[str, Any]:
    return {s.key: s.default for s in SETTINGS if not s.secret}


@cache
def time_zones() -> tuple[str, ...]:
    """IANA names a user may pick (the deprecated aliases left out)."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_BASE_URL = re.compile(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost)(:\d+)?)(/\S*)?$")  # plain http: a local test only


def parse_time(text: str) -> time | None:
    m = _TIME.match(text or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return time(int(m.group(1)), int(m.group(2)))


def clean(setting: Setting, raw: Any, *, region: str = "US") -> tuple[Any, str | None]:
    """(stored value, problem). The problem is a sentence for the field, or None when fine."""
    if setting.kind is Kind.BOOL:
        return bool(raw), None
    text = "" if raw is None else str(raw).strip()
    if not text:
        if setting.required:
            return "", f"Enter the {setting.label.lower()}."
        return (setting.default if setting.kind is Kind.INT else ""), None
    if len(text) > setting.max_length:
        return text, f"Use at most {setting.max_length} characters."
    match setting.kind:
        case Kind.INT:
            try:
                value = int(text)
            except ValueError:
                return text, "Enter a whole number."
            if (setting.minimum is not None and value < setting.minimum) or (setting.maximum is not None and value > setting.maximum):
                return text, f"Enter a number from {setting.minimum} to {setting.maximum}."
            return value, None
        case Kind.CHOICE:
            if text not in {value for value, _ in setting.choices}:
                return text, "Pick one of the choices."
            return text, None
        case Kind.TIME:
            parsed = parse_time(text)
            return (parsed.strftime("%H:%M"), None) if parsed else (text, "Enter a time such as 08:00 or 21:30.")
        case Kind.PHONE:
            phone = normalize_phone(text, region)
            if phone is None or not phone.e164:
                return text, "Enter a full phone number with area code, e.g. (503) 555-0100."
            return phone.e164, None
        case Kind.EMAIL:
            email, ok = normalize_email(text)
            return (email, None) if ok else (text, "Enter an email address such as frontdesk@example.com.")
        case Kind.TIMEZONE:
            return (text, None) if text in time_zones() else (text, "Pick a time zone from the list, e.g. America/Chicago.")
    if setting.key == "twilio.account_sid" and not _TWILIO_SID.match(text):
        return text, "A Twilio Account SID is “AC” followed by 32 letters and digits."
    if setting.key == "twilio.messaging_service_sid" and not _SERVICE_SID.match(text):
        return text, "A Messaging Service SID is “MG” followed by 32 letters and digits."
    if setting.key == "twilio.base_url" and not _BASE_URL.match(text):
        return text, "Enter an https:// address, e.g. https://api.twilio.com."
    if setting.key == "smtp.host" and not _HOSTNAME.match(text):
        return text, "Enter a server name such as smtp.office365.com."
    return text, None


def clean_group(settings: tuple[Setting, ...], values: Mapping[str, Any], *, region: str = "US") -> tuple[dict[str, Any], dict[str, str]]:
    """Clean every non-secret value given; returns (cleaned, problems by key). Cross-field rules too."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for setting in settings:
        if setting.secret or setting.key not in values:
            continue
        value, problem = clean(setting, values[setting.key], region=region)
        if problem:
            problems[setting.key] = problem
        else:
            cleaned[setting.key] = value
    earliest, latest = cleaned.get("quiet_hours.earliest"), cleaned.get("quiet_hours.latest")
    if earliest and latest and parse_time(earliest) >= parse_time(latest):
        problems["quiet_hours.latest"] = "The latest time must come after the earliest."
    return cleaned, problems


# -- locations --------------------------------------------------------------------------------

LOCATION_FIELDS: tuple[Setting, ...] = (
    Setting("name", Kind.TEXT, "Name shown to patients", "location", required=True, max_length=80),
    Setting("address", Kind.TEXT, "Address", "location", max_length=200),
    Setting("time_zone", Kind.TIMEZONE, "Time zone", "location", help="Empty: the practice's time zone."),
    Setting("texting_number", Kind.PHONE, "Texting number", "location",
            help="The Twilio number this location texts from; each location has its own inbox."),
    Setting("sms_registered", Kind.BOOL, "SMS registration complete", "location", default=False,
            help="Carriers block campaign texts from numbers without an approved 10DLC registration."),
    Setting("email_sender", Kind.EMAIL, "Email sender address", "location", help="Empty: the practice's default sender."),
)


@dataclass(frozen=True, slots=True)
class LocationSettings:
    """A PMS location (clinic) with the Engage-side values of ``LOCATION_FIELDS``."""

    pms_id: str
    pms_name: str
    name: str
    address: str = ""
    time_zone: str = ""
    texting_number: str = ""
    sms_registered: bool = False
    email_sender: str = ""
    hidden_in_pms: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {f.key: getattr(self, f.key) for f in LOCATION_FIELDS}


def clean_location(values: Mapping[str, Any], *, region: str = "US") -> tuple[dict[str, Any], dict[str, str]]:
    cleaned, problems = {}, {}
    for setting in LOCATION_FIELDS:
        value, problem = clean(setting, values.get(setting.key), region=region)
        if problem:
            problems[setting.key] = problem
        else:
            cleaned[setting.key] = value
    if cleaned.get("sms_registered") and not cleaned.get("texting_number"):
        problems["sms_registered"] = "Enter the texting number first: registration belongs to a number."
    return cleaned, problems
