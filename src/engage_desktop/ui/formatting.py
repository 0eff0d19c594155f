"""How dates, ages, counts and labels read on screen. Pure functions, no Qt."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engage_desktop.domain.pms_records import AppointmentStatus, ContactMethod, PatientStatus

# Countries that write the month first; everywhere else day first.
_MONTH_FIRST = {"US", "CA", "PH", "FM", "PW", "MH"}


def is_month_first(region: str) -> bool:
    return region in _MONTH_FIRST


def format_date(value: date | None, region: str = "US") -> str:
    if value is None:
        return ""
    return value.strftime("%m/%d/%Y" if region in _MONTH_FIRST else "%d/%m/%Y")


def format_datetime(value: datetime | None, region: str = "US") -> str:
    if value is None:
        return ""
    hour = value.strftime("%I:%M %p").lstrip("0") if region in _MONTH_FIRST else value.strftime("%H:%M")
    return f"{value.strftime('%a')} {format_date(value.date(), region)} {hour}"


def age_on(birthdate: date | None, today: date) -> int | None:
    if birthdate is None or birthdate > today:
        return None
    return today.year - birthdate.year - ((today.month, today.day) < (birthdate.month, birthdate.day))


def patients_count(n: int) -> str:
    return "1 patient" if n == 1 else f"{n:,} patients"


def status_label(value: str) -> str:
    try:
        return PatientStatus(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def appointment_status_label(value: str) -> str:
    try:
        return AppointmentStatus(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


_CONTACT_LABELS = {
    ContactMethod.NONE: "No preference",
    ContactMethod.DO_NOT_CALL: "Do not call",
    ContactMethod.HOME_PHONE: "Home phone",
    ContactMethod.WORK_PHONE: "Work phone",
    ContactMethod.MOBILE_PHONE: "Mobile phone",
    ContactMethod.EMAIL: "Email",
    ContactMethod.SEE_NOTES: "See notes in the PMS",
    ContactMethod.MAIL: "Mail",
    ContactMethod.TEXT: "Text message",
}


def contact_method_label(value: str) -> str:
    try:
        return _CONTACT_LABELS[ContactMethod(value)]
    except ValueError:
        return value.replace("_", " ").capitalize() or "No preference"


def consent_label(value: str) -> str:
    return {"yes": "Yes", "no": "No"}.get(value, "Unknown")


_LANGUAGES = {"eng": "English", "en": "English", "spa": "Spanish", "es": "Spanish", "fra": "French",
              "fre": "French", "fr": "French", "vie": "Vietnamese", "zho": "Chinese", "chi": "Chinese",
              "kor": "Korean", "rus": "Russian", "ara": "Arabic", "tgl": "Tagalog", "por": "Portuguese",
              "deu": "German", "ger": "German", "hin": "Hindi", "jpn": "Japanese", "pol": "Polish"}


def language_label(code: str) -> str:
    """Open Dental stores ISO 639 codes ('eng'); show the name when we know it."""
    return _LANGUAGES.get(code.strip().lower(), code)


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """'just now', '3 min ago', '2 h ago', 'yesterday', '4 days ago'."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the store keeps run times in UTC
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return "yesterday" if days == 1 else f"{days} days ago"


def local_time(when: datetime | None) -> str:
    """A run time in this workstation's zone, e.g. 'Mon 11/23/2026 9:41 AM'."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_datetime(when.astimezone().replace(tzinfo=None))


def local_clock(when: datetime | None, region: str = "US") -> str:
    """Only the time of day in this workstation's zone ('9:41 AM', '21:41'), for things within the hour."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone()
    return when.strftime("%I:%M %p").lstrip("0") if region in _MONTH_FIRST else when.strftime("%H:%M")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_timestamp(when: datetime | None, region: str = "US") -> str:
    """An instant in this workstation's zone: 'Nov 22, 2026 7:41 AM' (US) or '22 Nov 2026 07:41'.

    Month names are spelled out here rather than with strftime('%b'), which follows the OS locale.
    """
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone()
    month = _MONTHS[local.month - 1]
    if region in _MONTH_FIRST:
        hour = local.hour % 12 or 12
        return f"{month} {local.day}, {local.year} {hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return f"{local.day} {month} {local.year} {local.hour:02d}:{local.minute:02d}"


def records_count(n: int) -> str:
    return "1 record" if n == 1 else f"{n:,} records"


def money(value: float) -> str:
    return f"${value:,.2f}"
