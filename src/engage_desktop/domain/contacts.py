"""Phone and email normalisation (pure: phonenumbers and email-validator do no I/O here)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from engage_desktop.domain.pms_records import Phone

_DIGITS = re.compile(r"\d")
# Front desks type extensions in many ways: "x12", "ext. 12", "ext12", "#12".
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


# North American numbers as front desks type them: "(503) 555-0142", "503.555.0142", "+1 503 555 0142".
_NANP = re.compile(r"^\s*(?:\+?1[\s.\-]*)?\(?([2-9]\d{2})\)?[\s.\-]*([2-9]\d{2})[\s.\-]*(\d{4})\s*$")
_NANP_REGIONS = frozenset({"US", "CA"})


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
    if region in _NANP_REGIONS and (n := _NANP.match(text_for_parse)):
        # A sync maps hundreds of thousands of phones; full parsing costs ~70 us each. Validity in
        # the NANP is decided by the area code and exchange, so it is asked once per prefix.
        npa, nxx, line = n.groups()
        if _nanp_prefix_is_valid(npa + nxx, region):
            return Phone(raw=text, e164=f"+1{npa}{nxx}{line}", extension=extension)
        return Phone(raw=text, extension=extension)
    return _parse_phone(text, text_for_parse, extension, region)


@lru_cache(maxsize=65536)
def _nanp_prefix_is_valid(prefix: str, region: str) -> bool:
    parsed = phonenumbers.parse(prefix + "0142", region)
    return phonenumbers.is_valid_number(parsed)


def _parse_phone(text: str, text_for_parse: str, extension: str | None, region: str) -> Phone:
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
    if e164.startswith("+1") and len(e164) == 12:  # the NANP: no parsing needed
        return e164[2:]
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


# The common shape (an RFC 5322 dot-atom at an ASCII domain) is checked by one regex; anything
# else goes through email-validator, which is exact but ~100 us per address.
_SIMPLE_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}))$"
)
_SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test", "internal", "home", "lan"})


def normalize_email(raw: object) -> tuple[str | None, bool]:
    """Returns (email as stored, is_valid). Syntax only: no DNS lookups from here."""
    if raw is None:
        return None, False
    text = str(raw).strip()
    if not text:
        return None, False
    if (m := _SIMPLE_EMAIL.match(text)) and m.group(2).lower() not in _SPECIAL_USE_TLDS and len(text) <= 254:
        local = text[: m.start(1) - 1]
        if len(local) <= 64:
            return f"{local}@{m.group(1).lower()}", True
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return text, False
    return result.normalized, True
