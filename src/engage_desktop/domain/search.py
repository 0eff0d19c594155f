"""Patient search keys and query parsing (pure).

A patient is indexed under prefix-searchable keys: each name word, the whole last name without
spaces, the email, the chart number and id, and each phone's digits (national number and its
last seven digits, so "555-0142" finds "(503) 555-0142"). A query is split into terms; every
term must match (AND). A term that reads as a date matches the birthdate exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from engage_desktop.domain.contacts import national_digits, phone_digits
from engage_desktop.domain.pms_records import Phone

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PHONE_LIKE = re.compile(r"^[\d\s().+\-]+$")
_DATE_FORMATS = (
    re.compile(r"^(?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})[/.\-](?P<y>\d{4})$"),  # 3/14/1985 (US order)
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),  # 1985-03-14
    re.compile(r"^(?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})[/.\-](?P<yy>\d{2})$"),  # 3/14/85
)
MAX_TOKEN = 255


def fold(text: str) -> str:
    """Lower case without accents: 'Zoë Núñez' -> 'zoe nunez'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_keys(*names: str) -> set[str]:
    keys: set[str] = set()
    for name in names:
        words = _WORD.findall(fold(name))
        keys.update(words)
        if len(words) > 1:
            keys.add("".join(words))  # "De La Cruz" also as "delacruz"
    return keys


def phone_keys(phone: Phone | None) -> set[str]:
    if phone is None:
        return set()
    digits = national_digits(phone.e164) if phone.e164 else phone_digits(phone.raw)
    if len(digits) < 4:
        return set()
    keys = {digits}
    if len(digits) > 7:
        keys.add(digits[-7:])
    return keys


def search_keys(
    *,
    first_name: str,
    last_name: str,
    preferred_name: str = "",
    email: str | None = None,
    chart_number: str = "",
    record_id: str = "",
    phones: Iterable[Phone | None] = (),
) -> set[str]:
    keys = name_keys(first_name, last_name, preferred_name)
    if email:
        keys.add(fold(email.strip()))
    for ident in (chart_number, record_id):
        if ident.strip():
            keys.add(fold(ident.strip()))
    for p in phones:
        keys |= phone_keys(p)
    return {k[:MAX_TOKEN] for k in keys if k}


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search box: token prefixes and birthdates, all of which must match."""

    prefixes: tuple[str, ...] = ()
    birthdates: tuple[date, ...] = ()
    raw: str = field(default="", compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.prefixes and not self.birthdates


def parse_date(term: str, *, today: date | None = None) -> date | None:
    for pattern in _DATE_FORMATS:
        m = pattern.match(term)
        if not m:
            continue
        parts = m.groupdict()
        year = int(parts["y"]) if parts.get("y") else None
        if year is None:
            yy = int(parts["yy"])
            this_year = (today or date.today()).year
            year = 2000 + yy if 2000 + yy <= this_year else 1900 + yy
        try:
            return date(year, int(parts["m"]), int(parts["d"]))
        except ValueError:
            return None
    return None


def parse_query(text: str, *, today: date | None = None) -> SearchQuery:
    """Split what the user typed into search terms.

    A phone typed with spaces ("(503) 555 0142") stays one term; names split on spaces and commas
    ("smith, jo" -> "smith", "jo").
    """
    text = text.strip()
    if not text:
        return SearchQuery(raw=text)
    if _PHONE_LIKE.match(text) and len(phone_digits(text)) >= 3 and parse_date(text, today=today) is None:
        digits = phone_digits(text)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]  # +1 country code typed in front of a US number
        return SearchQuery(prefixes=(digits,), raw=text)
    prefixes: list[str] = []
    birthdates: list[date] = []
    for term in re.split(r"[\s,;]+", text):
        if not term:
            continue
        if (d := parse_date(term, today=today)) is not None:
            birthdates.append(d)
            continue
        if _PHONE_LIKE.match(term) and any(c.isdigit() for c in term):
            prefixes.append(phone_digits(term))
            continue
        folded = fold(term)
        if "@" in folded:
            prefixes.append(folded)
            continue
        words = _WORD.findall(folded)
        prefixes.extend(words)
    return SearchQuery(prefixes=tuple(dict.fromkeys(p for p in prefixes if p)), birthdates=tuple(birthdates), raw=text)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
