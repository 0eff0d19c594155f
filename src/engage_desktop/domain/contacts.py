"""Phone and email normalisation (pure: phonenumbers and email-validator do no I/O here)."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from engage_desktop.domain.pms_records import Phone

_DIGITS = re.compile(r"\d")
# Front desks type extensions in many ways: "x12", "ext. 12", "ext12", "#12".
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


def normalize_phone(raw: object, region: str = "US") -> Phone | None:
    """Parse a free-text phone into E.164. Returns None for an empty value.

    A value that cannot be parsed keeps its raw text with ``e164=None`` so nothing the PMS
    holds is lost and the UI can say the number is invalid.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or not _DIGITS.search(text):
        return Phone(raw=text) if text else None
    extension = None
    if m := _EXTENSION.search(text):
        extension = m.group(1)
        text_for_parse = text[: m.start()]
    else:
        text_for_parse = text
    try:
        parsed = phonenumbers.parse(text_for_parse, region)
    except phonenumbers.NumberParseException:
        return Phone(raw=text, extension=extension)
    if not phonenumbers.is_valid_number(parsed):
        return Phone(raw=text, extension=extension)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(raw=text, e164=e164, extension=extension or parsed.extension or None)


def phone_digits(raw: str) -> str:
    """Only the digits, for search ('(503) 555-0101' -> '5035550101')."""
    return "".join(_DIGITS.findall(raw))


def national_digits(e164: str) -> str:
    """The national significant number of an E.164 phone ('+15035550101' -> '5035550101')."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return phone_digits(e164)
    return str(parsed.national_number)


def format_phone(e164: str | None, raw: str = "", region: str = "US") -> str:
    """How a phone is shown: national format at home, international otherwise."""
    if not e164:
        return raw
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return raw or e164
    same_region = phonenumbers.region_code_for_number(parsed) == region
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if same_region else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, fmt)


def normalize_email(raw: object) -> tuple[str | None, bool]:
    """Returns (email as stored, is_valid). Syntax only: no DNS lookups from here."""
    if raw is None:
        return None, False
    text = str(raw).strip()
    if not text:
        return None, False
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return text, False
    return result.normalized, True
