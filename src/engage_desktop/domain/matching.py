"""Patient matching: rank PMS charts for one person, explain why, and decide (pure).

The engine links an unlinked patient (or any person typed at the front desk) to a chart, and
scores pairs for duplicate detection. It does no I/O: callers hand it records and, for speed, an
index; docs/matching.md explains the model and the measured figures.

API
---
Records (frozen; every field optional except a chart's id, and lenient: ``None`` names become "",
a birthdate may be a ``date``, ``datetime`` or text such as ``1985-03-14``, ``19850314`` or
``3/14/1985`` (US order); anything unreadable counts as missing, never as an error)::

    Person(first_name, last_name, birthdate, phone, email, postcode, preferred_name,
           previous_last_names=(), other_phones=())
    ChartRecord(id, first_name, last_name, birthdate, phone, email, postcode, preferred_name,
                previous_last_names=(), other_phones=(), family_id=None)

Blocking (which charts are compared at all)::

    blocking_keys(record) -> set[str]        # pure: the store may persist these in an indexed table
    BLOCKING_KEYS_VERSION                    # bumped whenever the keys change (stored keys must be rebuilt)
    CandidateIndex(charts=())                # in-memory inverted index over those keys
        .add(chart) / .remove(chart_id) / .get(chart_id) / len(index) / chart_id in index
        .candidates(person) -> set[str]      # chart ids sharing at least one key
        .rank(person, limit=5, exhaustive=False) -> list[Candidate]

Scoring, ranking and the decision::

    score(person, chart) -> Candidate        # score 0..1, weight in bits, reasons, comparison
    score_pair(a, b) -> Candidate            # the same for two people (duplicate detection)
    rank(person, charts_or_index, limit=5) -> list[Candidate]   # best first
    decide(person, ranked) -> Decision       # kind AUTO_LINK | REVIEW | NEW, candidate, why
    match(person, charts_or_index, *, limit=5) -> MatchResult(candidates, decision)
    likely_duplicates(records, *, min_weight=REVIEW_MIN_WEIGHT) -> list[DuplicatePair]

``Candidate.reasons`` is a tuple of :class:`Reason` (``reason.label`` is the text staff read,
``reason.is_conflict`` marks evidence against). ``Candidate.comparison`` holds the agreement
:class:`Level` of each field.

How it decides (details and reasons in docs/matching.md): every field comparison adds a
log-likelihood weight in bits (Fellegi-Sunter, with m/u probabilities written next to the
weights below). The weights rank the candidates. An automatic link additionally needs all of:
an exact birthdate; the same first name (after folding case and accents; nicknames, preferred
names, typos and initials go to review, because twins are often given related names or go by the
same short name, Alexander and Alexandra both "Alex"); a last name that is the same, a recorded
previous name, a part of a compound name or one typo away (a different last name needs both phone
and email to agree; a merely similar one needs one of them); not both phone and email
contradicting; a weight of at least :data:`AUTO_LINK_MIN_WEIGHT`, no other candidate within
:data:`RIVAL_MARGIN` bits, and no other candidate with the same (or swapped, or one-digit-off)
birthdate in the same family or with a similar last name or shared contact unless its first
name clearly differs. That last rule is what keeps twins, siblings and parents apart.
"""

from __future__ import annotations

import csv
import enum
import heapq
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import OSA, JaroWinkler

from engage_desktop.domain.contacts import national_digits
from engage_desktop.domain.search import fold

__all__ = [
    "AUTO_LINK_MIN_WEIGHT",
    "BLOCKING_KEYS_VERSION",
    "MAX_BLOCK",
    "PRIOR_BITS",
    "REVIEW_MIN_WEIGHT",
    "RIVAL_MARGIN",
    "RIVAL_WINDOW",
    "Candidate",
    "CandidateIndex",
    "ChartRecord",
    "Comparison",
    "Decision",
    "DecisionKind",
    "DuplicatePair",
    "Level",
    "MatchResult",
    "Person",
    "Reason",
    "blocking_keys",
    "decide",
    "likely_duplicates",
    "match",
    "rank",
    "score",
    "score_pair",
]

# --- thresholds (bits of evidence; see docs/matching.md for why) -------------------------------

PRIOR_BITS = 15.0
"""Evidence at which ``score`` is 0.5: prior odds of about 1 in 32,000 that a chart is the person."""
AUTO_LINK_MIN_WEIGHT = 25.0
"""Below this weight nothing is linked automatically (``score`` >= 0.999)."""
REVIEW_MIN_WEIGHT = 12.0
"""Below this weight the best candidate is not worth a person's time: the decision is NEW."""
RIVAL_MARGIN = 6.0
"""A second candidate within this many bits of the best (a likelihood ratio of 64) blocks auto-link."""
RIVAL_WINDOW = 10
"""How many of the best candidates the decision looks at for rivals."""
MAX_BLOCK = 2000
"""A blocking key shared by more charts than this (a placeholder birthdate, an office phone) is skipped."""

BLOCKING_KEYS_VERSION = 2
"""Changes whenever :func:`blocking_keys` files records under different keys: stored keys must then be rebuilt."""

MAX_NAME = 80  # characters of a name that are looked at; garbage beyond that is ignored


# --- records ----------------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    # None, NaN (a blank spreadsheet or data-frame cell) and pandas' NA/NaT, without importing pandas.
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ in ("NAType", "NaTType")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _optional_text(value: object) -> str | None:
    if _is_missing(value):
        return None
    if not isinstance(value, str):
        # A domain Phone (pms_records.Phone) or anything with an E.164 form.
        value = getattr(value, "e164", None) or getattr(value, "raw", None) or _text(value)
    text = value.strip()
    return text or None


def _names_tuple(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(_text(v) for v in value if v)  # type: ignore[union-attr]
    except TypeError:
        return (_text(value),)


_DATE_TEXT = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})[/.\-](?P<y>\d{4})$"),
)


def _to_date(value: object) -> date | None:
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).strip()
    for pattern in _DATE_TEXT:
        if m := pattern.match(text):
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                return None
    return None


def _normalise_record(record: object) -> None:
    set_ = object.__setattr__
    for name in ("first_name", "last_name"):
        set_(record, name, _text(getattr(record, name)))
    for name in ("phone", "email", "postcode", "preferred_name"):
        set_(record, name, _optional_text(getattr(record, name)))
    set_(record, "birthdate", _to_date(record.birthdate))  # type: ignore[attr-defined]
    set_(record, "previous_last_names", _names_tuple(record.previous_last_names))  # type: ignore[attr-defined]
    set_(record, "other_phones", tuple(p for p in map(_optional_text, _names_tuple(record.other_phones)) if p))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Person:
    """Someone to find a chart for: an unlinked patient, a CSV row, a caller."""

    first_name: str = ""
    last_name: str = ""
    birthdate: date | None = None
    phone: str | None = None  # any format: E.164, national digits, "(503) 555-0142"
    email: str | None = None
    postcode: str | None = None
    preferred_name: str | None = None
    previous_last_names: tuple[str, ...] = ()  # e.g. a maiden name
    other_phones: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _normalise_record(self)


@dataclass(frozen=True, slots=True)
class ChartRecord:
    """A PMS chart as the matcher sees it. ``family_id`` is the guarantor or family file, if known."""

    id: str
    first_name: str = ""
    last_name: str = ""
    birthdate: date | None = None
    phone: str | None = None
    email: str | None = None
    postcode: str | None = None
    preferred_name: str | None = None
    previous_last_names: tuple[str, ...] = ()
    other_phones: tuple[str, ...] = ()
    family_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", _text(self.id))
        object.__setattr__(self, "family_id", _optional_text(self.family_id))
        _normalise_record(self)


# --- explanation types --------------------------------------------------------------------------


class Level(enum.StrEnum):
    """How well one field agrees."""

    EXACT = "exact"  # for phone, email and postcode: the same value
    SWAPPED = "swapped"  # birthdate with day and month swapped
    NEAR = "near"  # birthdate one digit (or one transposition) apart
    PREFERRED = "preferred"  # a first name equals the other's preferred name
    NICKNAME = "nickname"
    PART = "part"  # one part of a multi-part name ("Garcia" of "Garcia-Lopez", "Mary" of "Mary Ann")
    TYPO = "typo"  # one edit apart
    SIMILAR = "similar"  # Jaro-Winkler >= 0.88
    INITIAL = "initial"
    PREVIOUS = "previous"  # a recorded previous last name
    DIFFERENT = "different"
    MISSING = "missing"  # absent on one side or both


class Reason(enum.Enum):
    """Why a chart is a candidate, or what speaks against it. ``label`` is shown to staff."""

    EXACT_BIRTHDATE = "exact birthdate"
    SWAPPED_BIRTHDATE = "birthdate with day and month swapped"
    NEAR_BIRTHDATE = "birthdate one digit apart"
    SAME_FIRST_NAME = "same first name"
    PREFERRED_NAME = "preferred name"
    NICKNAME = "nickname of the first name"
    FIRST_NAME_PART = "part of the first name"
    SIMILAR_FIRST_NAME = "similar first name"
    FIRST_INITIAL = "same first initial"
    SAME_LAST_NAME = "same last name"
    PREVIOUS_LAST_NAME = "previous last name"
    LAST_NAME_PART = "part of a compound last name"
    SIMILAR_LAST_NAME = "similar last name"
    MARRIED_NAME_CHANGE = "last name changed (married name?)"
    NAMES_TRANSPOSED = "first and last name swapped"
    SAME_PHONE = "same phone"
    SAME_EMAIL = "same email"
    SAME_POSTCODE = "same postcode"
    DIFFERENT_BIRTHDATE = "different birthdate"
    DIFFERENT_FIRST_NAME = "different first name"
    DIFFERENT_LAST_NAME = "different last name"
    DIFFERENT_PHONE = "different phone"
    DIFFERENT_EMAIL = "different email"
    DIFFERENT_POSTCODE = "different postcode"

    @property
    def label(self) -> str:
        return self.value

    @property
    def is_conflict(self) -> bool:
        return self.name.startswith("DIFFERENT_")


@dataclass(frozen=True, slots=True)
class Comparison:
    birthdate: Level
    first_name: Level
    last_name: Level
    phone: Level
    email: Level
    postcode: Level
    transposed: bool = False  # first and last name were compared crosswise


@dataclass(frozen=True, slots=True)
class Candidate:
    """One chart scored against one person."""

    chart_id: str
    score: float  # 0..1: the match probability under the model's prior (PRIOR_BITS)
    weight: float  # the evidence in bits; what ranks the candidates
    reasons: tuple[Reason, ...]
    comparison: Comparison
    chart: ChartRecord | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.reasons)


class DecisionKind(enum.StrEnum):
    AUTO_LINK = "auto_link"
    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    candidate: Candidate | None  # the chart to link (AUTO_LINK) or the best one to look at (REVIEW)
    why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    candidates: list[Candidate]
    decision: Decision


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    a_id: str
    b_id: str
    candidate: Candidate  # b scored against a


# --- normalisation ------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NON_DIGIT = re.compile(r"\D+")
_PHONE_EXTENSION = re.compile(r"(?i)\s*(?:x|ext|extension|#).*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior", "md", "dds", "dmd", "phd"})
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr"})
_PARTICLES = frozenset({"de", "del", "della", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "van", "von",
                        "der", "den", "ter", "le", "el", "al", "bin", "ibn", "y", "e", "st"})  # fmt: skip
_PLACEHOLDER_EMAIL_USERS = frozenset({"none", "noemail", "no", "na", "n/a", "nomail", "test", "unknown", "declined"})


def _words(text: str) -> list[str]:
    if not text:
        return []
    return _WORD.findall(fold(text[:MAX_NAME]))


def _first_name_words(text: str) -> list[str]:
    words = [w for w in _words(text) if w not in _TITLES and w not in _SUFFIXES]
    # "John A." -> "john": a trailing middle initial says nothing about who this is.
    return words[:1] + [w for w in words[1:] if len(w) > 1]


def _last_name_words(text: str) -> list[str]:
    return [w for w in _words(text) if w not in _SUFFIXES]


def _joined_name(text: str) -> str:
    return "".join(_last_name_words(text))


def _phone_key(raw: str | None) -> str | None:
    if not raw:
        return None
    text = _PHONE_EXTENSION.sub("", raw.strip())
    if text.startswith("+"):
        digits = national_digits("+" + _NON_DIGIT.sub("", text))
    else:
        digits = _NON_DIGIT.sub("", text)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]  # North American trunk prefix
        digits = digits.lstrip("0")  # national trunk prefix ("020 7946 0958")
    if len(digits) < 7 or len(set(digits)) == 1:  # too short, or 000-000-0000 style placeholders
        return None
    return digits[-10:]


def _email_key(raw: str | None) -> str | None:
    if not raw:
        return None
    text = fold(raw.strip())[:254]
    if not _EMAIL.match(text):
        return None
    if text.split("@", 1)[0] in _PLACEHOLDER_EMAIL_USERS:
        return None
    return text


def _postcode_key(raw: str | None) -> str | None:
    if not raw:
        return None
    text = "".join(_WORD.findall(fold(raw[:20]))).upper()
    if len(text) >= 5 and text[:5].isdigit():
        return text[:5]  # US ZIP and ZIP+4
    return text or None


@lru_cache(maxsize=200_000)
def _phonetic(word: str) -> str:
    """Metaphone of a folded name; names it cannot encode (other scripts) stand for themselves."""
    try:
        code = jellyfish.metaphone(word)
    except Exception:  # a name is never worth a crash
        code = ""
    return code[:8] if code else word[:8]


def _date_key(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"  # strftime does not zero-pad years before 1000 everywhere


def _swapped(d: date) -> date | None:
    if d.day > 12 or d.day == d.month:
        return None
    try:
        return date(d.year, d.day, d.month)
    except ValueError:  # pragma: no cover - day <= 12 always makes a valid month
        return None


@lru_cache(maxsize=1)
def _nickname_groups() -> dict[str, frozenset[str]]:
    """Each name -> the names it is a nickname of, has as nicknames, or shares a full name with."""
    lookup: dict[str, set[str]] = {k: set(v) for k, v in NickNamer.default_lookup().items()}
    text = resources.files("engage_desktop").joinpath("resources/nicknames.csv").read_text(encoding="utf-8")
    rows = csv.reader(line for line in io.StringIO(text) if line.strip() and not line.startswith("#"))
    next(rows, None)
    for row in rows:
        if len(row) == 3 and row[1] == "has_nickname":
            lookup.setdefault(row[0], set()).add(row[2])
    related: dict[str, set[str]] = {}
    for canonical, nicks in lookup.items():
        group = {"".join(_words(n)) for n in (canonical, *nicks)} - {""}
        for name in group:
            related.setdefault(name, set()).update(group)
    return {name: frozenset(group - {name}) for name, group in related.items()}


class _Features:
    """Everything a comparison needs, computed once per record."""

    __slots__ = ("first", "first_words", "preferred", "nicks", "last", "last_parts", "previous",
                 "bd", "bd_key", "bd_swapped_key", "phones", "email", "postcode", "family_id")  # fmt: skip

    def __init__(self, record: Person | ChartRecord) -> None:
        words = _first_name_words(record.first_name)
        preferred = "".join(_first_name_words(record.preferred_name or ""))
        if not words and preferred:
            words, preferred = [preferred], ""
        self.first_words = tuple(words)
        self.first = "".join(words)
        self.preferred = preferred if preferred != self.first else ""
        groups = _nickname_groups()
        nicks = groups.get(self.first, frozenset())
        if len(words) > 1:
            nicks = nicks | groups.get(words[0], frozenset())
        if self.preferred:
            nicks = nicks | groups.get(self.preferred, frozenset())
        self.nicks = nicks
        last_words = _last_name_words(record.last_name)
        self.last = "".join(last_words)
        parts = frozenset(w for w in last_words if len(w) > 1 and w not in _PARTICLES)
        self.last_parts = parts
        self.previous = frozenset(p for p in map(_joined_name, record.previous_last_names) if p and p != self.last)
        bd = record.birthdate
        self.bd = bd
        self.bd_key = _date_key(bd) if bd else ""
        swapped = _swapped(bd) if bd else None
        self.bd_swapped_key = _date_key(swapped) if swapped else ""
        self.phones = frozenset(p for p in map(_phone_key, (record.phone, *record.other_phones)) if p)
        self.email = _email_key(record.email)
        self.postcode = _postcode_key(record.postcode)
        self.family_id = getattr(record, "family_id", None)


@lru_cache(maxsize=65536)
def _chart_features(chart: ChartRecord) -> _Features:
    """Features of a chart scored without an index (records are frozen, so equal records share them)."""
    return _Features(chart)


# --- blocking -----------------------------------------------------------------------------------


def _keys(f: _Features) -> set[str]:
    keys: set[str] = set()
    if f.bd_key:
        keys.add("b:" + f.bd_key)
        if f.bd_swapped_key:
            keys.add("b:" + f.bd_swapped_key)
    firsts = {_phonetic(n) for n in (f.first, f.preferred) if n}
    if f.first_words and len(f.first_words) > 1:
        firsts.add(_phonetic(f.first_words[0]))
    lasts = {_phonetic(n) for n in (f.last, *f.last_parts, *f.previous) if n}
    for fc in firsts:
        for lc in lasts:
            a, b = (fc, lc) if fc <= lc else (lc, fc)  # unordered: finds transposed names too
            keys.add(f"n:{a}|{b}")
    if f.bd:
        year = f.bd_key[:4]
        for lc in lasts:
            keys.add(f"ly:{lc}|{year}")
        for fc in firsts:
            keys.add(f"fy:{fc}|{year}")
            keys.add(f"fd:{fc}|{f.bd_key[4:]}")
    initial = f.first[:1]
    for lc in lasts:
        if initial:
            keys.add(f"li:{lc}|{initial}")
        if f.postcode:
            keys.add(f"lz:{lc}|{f.postcode}")
    if f.postcode:
        for fc in firsts:
            keys.add(f"fz:{fc}|{f.postcode}")
    for phone in f.phones:
        keys.add("p:" + phone)
    if f.email:
        keys.add("e:" + f.email)
    return keys


def blocking_keys(record: Person | ChartRecord) -> set[str]:
    """The keys a record is filed under; two records are compared only when they share one.

    Birthdate (and its day/month swap), the unordered pair of first and last name Metaphone codes
    (also for the preferred name, each part of a compound last name and previous last names),
    last-name code + birth year, first-name code + birth year, first-name code + day and month,
    last-name code + first initial, last-name code + postcode, first-name code + postcode, each
    phone's national digits and the folded email.
    """
    return _keys(_Features(record))


def _best_first(item: tuple) -> tuple[float, int]:
    return item[0], -item[1]  # higher weight first; on a tie, the chart added first


class CandidateIndex:
    """An in-memory inverted index of charts by :func:`blocking_keys`.

    >>> index = CandidateIndex([ChartRecord("1", "Robert", "Smith", date(1980, 5, 17))])
    >>> index.candidates(Person("Bob", "Smith", date(1980, 5, 17)))
    {'1'}
    """

    def __init__(self, charts: Iterable[ChartRecord] = (), *, max_block: int = MAX_BLOCK) -> None:
        self.max_block = max_block
        self._charts: list[ChartRecord | None] = []
        self._features: list[_Features | None] = []
        self._keys: list[tuple[str, ...]] = []
        self._slot: dict[str, int] = {}
        self._free: list[int] = []
        self._postings: dict[str, list[int]] = {}
        for chart in charts:
            self.add(chart)

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, chart_id: object) -> bool:
        return chart_id in self._slot

    def __iter__(self) -> Iterator[ChartRecord]:
        return (c for c in self._charts if c is not None)

    def get(self, chart_id: str) -> ChartRecord | None:
        slot = self._slot.get(chart_id)
        return None if slot is None else self._charts[slot]

    def add(self, chart: ChartRecord) -> None:
        """Add a chart, or replace the chart with the same id."""
        if chart.id in self._slot:
            self.remove(chart.id)
        features = _Features(chart)
        keys = tuple(_keys(features))
        if self._free:
            slot = self._free.pop()
            self._charts[slot], self._features[slot], self._keys[slot] = chart, features, keys
        else:
            slot = len(self._charts)
            self._charts.append(chart)
            self._features.append(features)
            self._keys.append(keys)
        self._slot[chart.id] = slot
        postings = self._postings
        for key in keys:
            if (bucket := postings.get(key)) is None:
                postings[key] = [slot]
            else:
                bucket.append(slot)

    def remove(self, chart_id: str) -> bool:
        slot = self._slot.pop(chart_id, None)
        if slot is None:
            return False
        for key in self._keys[slot]:
            bucket = self._postings[key]
            bucket.remove(slot)
            if not bucket:
                del self._postings[key]
        self._charts[slot] = self._features[slot] = None
        self._keys[slot] = ()
        self._free.append(slot)
        return True

    def _candidate_slots(self, f: _Features) -> set[int]:
        slots: set[int] = set()
        postings, cap = self._postings, self.max_block
        for key in _keys(f):
            bucket = postings.get(key)
            if bucket is not None and len(bucket) <= cap:
                slots.update(bucket)
        return slots

    def candidates(self, person: Person | ChartRecord) -> set[str]:
        """Ids of the charts that share at least one blocking key with the person."""
        charts = self._charts
        return {charts[s].id for s in self._candidate_slots(_Features(person))}  # type: ignore[union-attr]

    def rank(self, person: Person | ChartRecord, limit: int = 5, *, exhaustive: bool = False) -> list[Candidate]:
        """The best ``limit`` candidates; ``exhaustive`` scores every chart (the brute-force baseline)."""
        return self._ranked(_Features(person), limit, exhaustive=exhaustive)

    def _ranked(self, f: _Features, limit: int, *, exhaustive: bool = False) -> list[Candidate]:
        features, charts = self._features, self._charts
        slots: Iterable[int] = range(len(features)) if exhaustive else self._candidate_slots(f)
        scored = []
        for s in slots:
            cf = features[s]
            if cf is None:
                continue
            scored.append((_compare(f, cf)[0], s))
        return [_candidate(f, features[s], charts[s]) for _, s in heapq.nlargest(limit, scored, key=_best_first)]  # type: ignore[arg-type]


# --- scoring ------------------------------------------------------------------------------------

# Internal level codes (ints are cheap on the hot path) and their public Level.
(_MISSING, _EXACT, _SWAPPED, _NEAR, _PREFERRED, _NICKNAME, _PART,
 _TYPO, _SIMILAR, _INITIAL, _PREVIOUS, _DIFFERENT) = range(12)  # fmt: skip
_LEVELS = (Level.MISSING, Level.EXACT, Level.SWAPPED, Level.NEAR, Level.PREFERRED, Level.NICKNAME, Level.PART,
           Level.TYPO, Level.SIMILAR, Level.INITIAL, Level.PREVIOUS, Level.DIFFERENT)  # fmt: skip

# Weights in bits: log2(m / u) for agreement, log2((1 - m) / (1 - u)) for disagreement, where m is
# the chance of that outcome when the records are the same person and u when they are not. The
# (m, u) used are written next to each; they are prior estimates for a dental practice's file,
# not fitted to any test data. docs/matching.md explains them.
_W_BIRTHDATE = {
    _EXACT: 13.0,  # m 0.93, u 1/9,000 (birthdates cluster; a uniform 80-year spread would give 1/29,000)
    _SWAPPED: 6.5,  # m 0.01, u 1/9,000
    _NEAR: 4.0,  # m 0.03, u 1/550 (an 8-digit date has ~50 one-edit neighbours in range)
    _DIFFERENT: -6.5,  # m 0.011
}
_W_FIRST = {
    _EXACT: 7.0,  # m 0.85, u 1/150
    _PREFERRED: 6.5,  # m 0.05, u 1/1,800
    _NICKNAME: 5.0,  # m 0.06, u 1/530
    _PART: 4.5,  # m 0.03, u 1/700
    _TYPO: 4.5,  # m 0.04, u 1/560
    _SIMILAR: 3.0,  # m 0.02, u 1/400
    _INITIAL: 2.5,  # m 0.01, u 1/570
    _DIFFERENT: -5.0,  # m 0.03
}
_W_LAST = {
    _EXACT: 8.0,  # m 0.88, u 1/290
    _PREVIOUS: 7.0,  # m 0.02, u 1/6,400
    _PART: 6.0,  # m 0.02, u 1/3,200
    _TYPO: 5.5,  # m 0.03, u 1/1,500
    _SIMILAR: 3.0,  # m 0.02, u 1/400
    _DIFFERENT: -4.0,  # m 0.06 (married names, data entry)
}
_W_TRANSPOSED = -2.0  # added to the weights of the crosswise comparisons
_W_PHONE_SAME, _W_PHONE_DIFFERENT = 7.0, -1.5  # m 0.55, u 1/233 (families share numbers); numbers change: m 0.35
_W_EMAIL_SAME, _W_EMAIL_DIFFERENT = 7.0, -1.5  # as phones
_W_POSTCODE_SAME, _W_POSTCODE_DIFFERENT = 2.0, -1.0  # m 0.8, u 1/5 (a practice draws from few postcodes)

_STRONG_FIRST = (_EXACT, _PREFERRED)
_WEAK_FIRST = (_DIFFERENT, _SIMILAR, _INITIAL)
_WEAK_LAST = (_DIFFERENT, _SIMILAR)

_osa = OSA.distance
_jaro_winkler = JaroWinkler.similarity


def _first_level(p: _Features, c: _Features) -> int:
    pf, cf = p.first, c.first
    if not pf or not cf:
        return _MISSING
    if pf == cf:
        return _EXACT
    if (c.preferred and pf == c.preferred) or (p.preferred and p.preferred == cf):
        return _PREFERRED
    if p.preferred and p.preferred == c.preferred:
        return _NICKNAME  # both go by the same short name: Samuel and Samantha may both be "Sam"
    if len(pf) == 1 or len(cf) == 1:
        return _INITIAL if pf[0] == cf[0] else _DIFFERENT
    if cf in p.nicks or (c.preferred and c.preferred in p.nicks) or (len(c.first_words) > 1 and c.first_words[0] in p.nicks):
        return _NICKNAME
    if p.first_words[0] == c.first_words[0] or set(p.first_words) & set(c.first_words):
        return _PART  # "Mary" / "Mary Ann", "Jean Luc" / "Luc"
    if len(pf) > 3 and len(cf) > 3 and _osa(pf, cf, score_cutoff=1) <= 1:
        return _TYPO
    if _jaro_winkler(pf, cf) >= 0.88:
        return _SIMILAR
    return _DIFFERENT


def _last_level(p: _Features, c: _Features) -> int:
    pl, cl = p.last, c.last
    if not pl or not cl:
        return _MISSING
    if pl == cl:
        return _EXACT
    if pl in c.previous or cl in p.previous:
        return _PREVIOUS
    pp, cp = p.last_parts, c.last_parts
    if pp and cp and (pp <= cp or cp <= pp):
        return _PART
    if len(pl) >= 4 and len(cl) >= 4 and _osa(pl, cl, score_cutoff=1) <= 1:
        return _TYPO
    if _jaro_winkler(pl, cl) >= 0.88:
        return _SIMILAR
    return _DIFFERENT


def _name_agrees(a: str, b: str) -> int:
    if a == b:
        return _EXACT
    if len(a) > 3 and len(b) > 3 and _osa(a, b, score_cutoff=1) <= 1:
        return _TYPO
    return _DIFFERENT


def _compare(p: _Features, c: _Features) -> tuple[float, int, int, int, int, int, int, bool]:
    """(weight, birthdate, first, last, phone, email, postcode levels, transposed). The hot path of ranking."""
    w = 0.0
    if not p.bd_key or not c.bd_key:
        b = _MISSING
    elif p.bd_key == c.bd_key:
        b = _EXACT
    elif p.bd_swapped_key == c.bd_key:
        b = _SWAPPED
    elif _osa(p.bd_key, c.bd_key, score_cutoff=1) <= 1:
        b = _NEAR
    else:
        b = _DIFFERENT
    if b:
        w += _W_BIRTHDATE[b]
    fl = _first_level(p, c)
    ll = _last_level(p, c)
    transposed = False
    if fl in _WEAK_FIRST and ll in _WEAK_LAST and p.last and c.last:
        cross_first, cross_last = _name_agrees(p.first, c.last), _name_agrees(p.last, c.first)
        if cross_first != _DIFFERENT and cross_last != _DIFFERENT:
            # Names typed into each other's fields: compare them crosswise.
            fl, ll, transposed = cross_last, cross_first, True
            w += _W_TRANSPOSED
    if fl:
        w += _W_FIRST[fl]
    if ll:
        w += _W_LAST[ll]
    if not p.phones or not c.phones:
        ph = _MISSING
    elif p.phones & c.phones:
        ph = _EXACT
        w += _W_PHONE_SAME
    else:
        ph = _DIFFERENT
        w += _W_PHONE_DIFFERENT
    if not p.email or not c.email:
        em = _MISSING
    elif p.email == c.email:
        em = _EXACT
        w += _W_EMAIL_SAME
    else:
        em = _DIFFERENT
        w += _W_EMAIL_DIFFERENT
    if not p.postcode or not c.postcode:
        pc = _MISSING
    elif p.postcode == c.postcode:
        pc = _EXACT
        w += _W_POSTCODE_SAME
    else:
        pc = _DIFFERENT
        w += _W_POSTCODE_DIFFERENT
    return w, b, fl, ll, ph, em, pc, transposed


_BIRTHDATE_REASONS = {_EXACT: Reason.EXACT_BIRTHDATE, _SWAPPED: Reason.SWAPPED_BIRTHDATE, _NEAR: Reason.NEAR_BIRTHDATE,
                      _DIFFERENT: Reason.DIFFERENT_BIRTHDATE}  # fmt: skip
_FIRST_REASONS = {_EXACT: Reason.SAME_FIRST_NAME, _PREFERRED: Reason.PREFERRED_NAME, _NICKNAME: Reason.NICKNAME,
                  _PART: Reason.FIRST_NAME_PART, _TYPO: Reason.SIMILAR_FIRST_NAME, _SIMILAR: Reason.SIMILAR_FIRST_NAME,
                  _INITIAL: Reason.FIRST_INITIAL, _DIFFERENT: Reason.DIFFERENT_FIRST_NAME}  # fmt: skip
_LAST_REASONS = {_EXACT: Reason.SAME_LAST_NAME, _PREVIOUS: Reason.PREVIOUS_LAST_NAME, _PART: Reason.LAST_NAME_PART,
                 _TYPO: Reason.SIMILAR_LAST_NAME, _SIMILAR: Reason.SIMILAR_LAST_NAME,
                 _DIFFERENT: Reason.DIFFERENT_LAST_NAME}  # fmt: skip


def _contact_reasons(ph: int, em: int, pc: int) -> tuple[tuple[int, Reason, Reason], ...]:
    return (
        (ph, Reason.SAME_PHONE, Reason.DIFFERENT_PHONE),
        (em, Reason.SAME_EMAIL, Reason.DIFFERENT_EMAIL),
        (pc, Reason.SAME_POSTCODE, Reason.DIFFERENT_POSTCODE),
    )


def _reasons(b: int, fl: int, ll: int, ph: int, em: int, pc: int, transposed: bool) -> tuple[Reason, ...]:
    agree: list[Reason] = []
    conflict: list[Reason] = []
    if reason := _BIRTHDATE_REASONS.get(b):
        (conflict if reason.is_conflict else agree).append(reason)
    if transposed:
        agree.append(Reason.NAMES_TRANSPOSED)
    if reason := _FIRST_REASONS.get(fl):
        (conflict if reason.is_conflict else agree).append(reason)
    if ll == _DIFFERENT and b == _EXACT and fl in _STRONG_FIRST and _EXACT in (ph, em, pc):
        agree.append(Reason.MARRIED_NAME_CHANGE)  # everything else agrees: a changed name, not a conflict
    elif reason := _LAST_REASONS.get(ll):
        (conflict if reason.is_conflict else agree).append(reason)
    for level, same, different in _contact_reasons(ph, em, pc):
        if level == _EXACT:
            agree.append(same)
        elif level == _DIFFERENT:
            conflict.append(different)
    return (*agree, *conflict)


def _probability(weight: float) -> float:
    exponent = PRIOR_BITS - weight
    if exponent > 60:
        return 0.0
    return 1.0 / (1.0 + math.pow(2.0, exponent))


def _candidate(p: _Features, c: _Features, chart: ChartRecord | None) -> Candidate:
    w, b, fl, ll, ph, em, pc, transposed = _compare(p, c)
    return Candidate(
        chart_id=chart.id if chart is not None else "",
        score=_probability(w),
        weight=w,
        reasons=_reasons(b, fl, ll, ph, em, pc, transposed),
        comparison=Comparison(_LEVELS[b], _LEVELS[fl], _LEVELS[ll], _LEVELS[ph], _LEVELS[em], _LEVELS[pc], transposed),
        chart=chart,
    )


def score(person: Person | ChartRecord, chart: ChartRecord) -> Candidate:
    """One chart scored against one person, with the reasons."""
    return _candidate(_Features(person), _chart_features(chart), chart)


def score_pair(a: Person | ChartRecord, b: Person | ChartRecord) -> Candidate:
    """Two people scored against each other (symmetric up to preferred/previous names)."""
    return _candidate(_Features(a), _Features(b), b if isinstance(b, ChartRecord) else None)


def rank(person: Person | ChartRecord, charts: CandidateIndex | Iterable[ChartRecord], limit: int = 5) -> list[Candidate]:
    """The best ``limit`` charts for the person, best first.

    With a :class:`CandidateIndex` only the blocked candidates are scored; with a plain iterable
    every chart is (fine for a few hundred charts, slow for a practice's whole file).
    """
    if limit <= 0:
        return []
    f = _Features(person)
    if isinstance(charts, CandidateIndex):
        return charts._ranked(f, limit)
    scored = []
    for i, chart in enumerate(charts):
        cf = _chart_features(chart)
        scored.append((_compare(f, cf)[0], i, chart, cf))
    return [_candidate(f, cf, chart) for _, _, chart, cf in heapq.nlargest(limit, scored, key=_best_first)]


# --- the decision -------------------------------------------------------------------------------


def _same_family(a: Candidate, b: Candidate) -> bool:
    fa = a.chart.family_id if a.chart is not None else None
    fb = b.chart.family_id if b.chart is not None else None
    return fa is not None and fa == fb


def decide(person: Person | ChartRecord, ranked: list[Candidate]) -> Decision:
    """AUTO_LINK only when the best candidate is certain; REVIEW when any candidate is plausible; else NEW.

    ``ranked`` is best first, as :func:`rank` returns it. Every rule that holds an automatic link
    back is listed in ``Decision.why``.
    """
    if not ranked:
        return Decision(DecisionKind.NEW, None, ("no chart shares a birthdate, name, phone or email",))
    top = ranked[0]
    if top.weight < REVIEW_MIN_WEIGHT:
        return Decision(DecisionKind.NEW, None, (f"best candidate too weak ({top.weight:.1f} bits < {REVIEW_MIN_WEIGHT:g})",))
    c = top.comparison
    why: list[str] = []
    if c.birthdate is not Level.EXACT:
        why.append("birthdate is not an exact match")
    if c.first_name is not Level.EXACT:
        why.append(
            "first name is not the same (nicknames, preferred names, typos and initials are reviewed: "
            "twins often have related names or go by the same short name)"
        )
    corroborations = (c.phone is Level.EXACT) + (c.email is Level.EXACT)
    if c.last_name in (Level.DIFFERENT, Level.MISSING) and corroborations < 2:
        why.append("last name differs (or is missing): both phone and email must agree")
    elif c.last_name is Level.SIMILAR and corroborations < 1:
        why.append("last name only similar: a phone or email must agree")
    if c.phone is Level.DIFFERENT and c.email is Level.DIFFERENT:
        why.append("both phone and email differ")
    if top.weight < AUTO_LINK_MIN_WEIGHT:
        why.append(f"evidence {top.weight:.1f} bits < {AUTO_LINK_MIN_WEIGHT:g}")
    for rival in ranked[1:RIVAL_WINDOW]:
        if rival.weight >= top.weight - RIVAL_MARGIN:
            why.append(f"chart {rival.chart_id} scores close behind ({rival.weight:.1f} vs {top.weight:.1f} bits)")
            break
        r = rival.comparison
        if r.birthdate not in (Level.EXACT, Level.SWAPPED, Level.NEAR):
            continue
        family_like = (
            r.last_name in (Level.EXACT, Level.PREVIOUS, Level.PART, Level.TYPO, Level.SIMILAR)
            or r.phone is Level.EXACT
            or r.email is Level.EXACT
            or _same_family(top, rival)
        )
        if family_like and r.first_name not in (Level.DIFFERENT, Level.MISSING):
            why.append(f"chart {rival.chart_id} has the same birthdate and a related first name (twin or duplicate chart?)")
            break
    if why:
        return Decision(DecisionKind.REVIEW, top, tuple(why))
    return Decision(DecisionKind.AUTO_LINK, top, ("exact birthdate, same names, no rival",))


def match(person: Person | ChartRecord, charts: CandidateIndex | Iterable[ChartRecord], *, limit: int = 5) -> MatchResult:
    """Rank and decide in one call. The decision looks at up to RIVAL_WINDOW candidates."""
    ranked = rank(person, charts, max(limit, RIVAL_WINDOW))
    return MatchResult(ranked[: max(limit, 0)], decide(person, ranked))


# --- duplicates ---------------------------------------------------------------------------------


def likely_duplicates(records: Iterable[ChartRecord], *, min_weight: float = REVIEW_MIN_WEIGHT) -> list[DuplicatePair]:
    """Pairs of records (unlinked patients, charts, or both wrapped as ChartRecord) that may be one person.

    A pair whose first names clearly differ or whose birthdates clearly differ is never reported:
    twins, siblings and parents sharing contact details are families, not duplicates. Each pair is
    reported once, strongest first.
    """
    index = CandidateIndex(records)
    seen: set[tuple[str, str]] = set()
    pairs: list[DuplicatePair] = []
    for record in index:
        f = _Features(record)
        for s in index._candidate_slots(f):
            other = index._charts[s]
            if other is None or other.id == record.id:
                continue
            key = (record.id, other.id) if record.id < other.id else (other.id, record.id)
            if key in seen:
                continue
            seen.add(key)
            cand = _candidate(f, index._features[s], other)  # type: ignore[arg-type]
            cmp = cand.comparison
            if cand.weight < min_weight or cmp.first_name is Level.DIFFERENT or cmp.birthdate is Level.DIFFERENT:
                continue
            pairs.append(DuplicatePair(record.id, other.id, cand))
    pairs.sort(key=lambda p: -p.candidate.weight)
    return pairs
