"""Reading a CSV file of new unlinked patients, and the template to fill in (pure).

The receptionist exports a spreadsheet from Excel or a marketing tool and imports it. The reader
accepts what those programs write: UTF-8 with or without a byte order mark, Windows-1252, UTF-16
("Unicode text"); comma, semicolon or tab between cells; column names in any spelling we know;
birthdates in Excel's many forms. It never raises for bad input: file-level problems are
sentences in ``CsvRead.problems`` (and then there are no rows), row-level ones are in
``CsvRow.problems`` by field, beside the row's other fields. ``clean_unlinked`` still validates
each row's data (names, phone, email, location) afterwards.

Import key: re-importing the same file must create nothing new. Each row has a key that the
service stores with the patient it creates and looks up before creating another. The key comes
from the file's "Import key" column (a record id from the program the list came from); when the
file has no such column, or a row leaves it empty, it is ``content_key`` of the row: a hash of
who the row describes, so the same row imported twice maps to the same key.

Line numbers are the spreadsheet's row numbers (header = 1, blank lines count, a cell with line
breaks inside stays one row), so "line 7" is the row a receptionist sees in Excel.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from engage_desktop.domain.unlinked import ContactPreference, UnlinkedInput

TEMPLATE_COLUMNS = ("First name", "Last name", "Preferred name", "Birthdate", "Mobile", "Email", "Location",
                    "Contact preference", "Import key")
REQUIRED_COLUMNS = ("First name", "Last name")
_TEMPLATE_EXAMPLE = ("Jane", "Example", "Janie", "03/14/1985", "(503) 555-0142", "jane@example.com", "Main office",
                     "text", "example-0001")

# Field -> header spellings, compared with only their letters and digits kept ("E-mail", "first_name", "D.O.B.").
_HEADER_NAMES = {
    "first_name": ("first name", "firstname", "first", "given name", "fname", "forename"),
    "last_name": ("last name", "lastname", "last", "surname", "lname", "family name"),
    "full_name": ("name", "full name", "patient name"),
    "preferred_name": ("preferred name", "preferred", "nickname", "goes by"),
    "birthdate": ("birthdate", "birth date", "date of birth", "dob", "birthday"),
    "mobile": ("mobile", "mobile phone", "cell", "cell phone", "cellphone", "phone", "phone number", "mobile number",
               "cell number", "wireless", "wireless phone", "text number"),
    "email": ("email", "email address"),
    "location": ("location", "clinic", "office"),
    "contact_preference": ("contact preference", "preference", "contact by", "preferred contact"),
    "import_key": ("import key", "external id", "id", "record id", "key"),
}
_LABELS = {"first_name": "First name", "last_name": "Last name", "full_name": "full name", "preferred_name": "preferred name",
           "birthdate": "birthdate", "mobile": "mobile number", "email": "email address", "location": "location",
           "contact_preference": "contact preference", "import_key": "import key"}
_PREFERENCES = {
    **dict.fromkeys(("text", "sms", "txt", "mobile", "text message"), ContactPreference.TEXT),
    **dict.fromkeys(("email", "e-mail"), ContactPreference.EMAIL),
    **dict.fromkeys(("none", "do not contact", "no"), ContactPreference.NONE),
}
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (zip), .xls (OLE)


def _compact(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_HEADER_FIELDS = {_compact(name): field for field, names in _HEADER_NAMES.items() for name in names}


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One patient line of the file.

    ``data.location_id`` stays None: ``location_text`` is the cell as written, which the
    service matches to a location. ``problems`` holds what the reader found (keys:
    ``birthdate``, ``contact_preference``, ``import_key``, ``row``); an unreadable birthdate is
    None in ``data`` and explained here.
    """

    line: int
    data: UnlinkedInput
    location_text: str
    import_key: str
    key_from_file: bool
    problems: dict[str, str]
    raw: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CsvRead:
    """The file as read. ``columns``: field -> the header it came from (fields: first_name, last_name,
    full_name, preferred_name, birthdate, mobile, email, location, contact_preference, import_key)."""

    rows: tuple[CsvRow, ...]
    encoding: str
    delimiter: str
    columns: dict[str, str]
    ignored_columns: tuple[str, ...]
    problems: tuple[str, ...]
    key_column_present: bool


def template_csv() -> bytes:
    """An empty file to fill in: the header and one made-up example row.

    UTF-8 with a byte order mark, or Excel reads the accents in names as Windows-1252; CRLF as
    Excel writes. First name and Last name are required, the other columns optional. Import key
    is optional: the id of the person in the program the list came from. Keeping it lets a
    corrected file be imported again without creating anyone twice.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(_TEMPLATE_EXAMPLE)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _norm(text: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


def content_key(data: UnlinkedInput) -> str:
    """The import key of a row without one: stable across spacing and case, different for different people."""
    birthdate = data.birthdate
    if isinstance(birthdate, str):
        birthdate = parse_spreadsheet_date(birthdate) or _norm(birthdate)
    parts = (_norm(data.first_name), _norm(data.last_name),
             birthdate.isoformat() if isinstance(birthdate, date) else (birthdate or ""),
             re.sub(r"[^0-9]", "", str(data.mobile or "")), _norm(data.email))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# --- dates -------------------------------------------------------------------------------------

# English names spelled out: strftime("%b") follows the locale, which Qt sets from the desktop.
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_MONTHS = {**{name: n for n, name in enumerate(_MONTH_NAMES, 1)}, **{name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)},
           "sept": 9}
# Excel writes a date-and-time column as "3/14/1985 0:00"; ISO exports as "1985-03-14T00:00:00Z".
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?(?:z|[+-]\d{2}:?\d{2})?$", re.I)
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT_ISO = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?:,\s*|\s+)(\d{4}|\d{2})", re.I)
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})", re.I)
_SERIAL = re.compile(r"(\d{1,5})(?:\.0*)?")
_MAX_SERIAL = 60_000  # 2064-04-08: anything larger is not a birthdate


def _year(text: str, today: date) -> int:
    if len(text) == 4:
        return int(text)
    yy = int(text)  # two digits: the century that keeps the date out of the future
    return 2000 + yy if yy <= today.year % 100 else 1900 + yy


def _excel_serial(serial: int) -> date | None:
    # Excel counts 1900-01-01 as day 1 and believes 1900 was a leap year (day 60 is 1900-02-29).
    if serial < 1 or serial > _MAX_SERIAL or serial == 60:
        return None
    return date(1899, 12, 31 if serial < 60 else 30) + timedelta(days=serial)


def parse_spreadsheet_date(text: str, *, day_first: bool = False, today: date | None = None) -> date | None:
    """A date as spreadsheets write it, or None.

    3/14/1985, 3/14/85, 03-14-1985, 1985-03-14 (with a time or not), 19850314, 14.3.1985,
    Mar 14, 1985, 14-Mar-1985, 14-Mar-85 and Excel serial numbers (31120). ``day_first`` reads
    an ambiguous 4/3/1985 as 4 March; a part above 12 settles the order either way; dots are
    always day first (European Excel).
    """
    text = _TIME.sub("", text.strip(), count=1) if ":" in text else text.strip()
    today = today or date.today()
    try:
        if m := _NUMERIC.fullmatch(text):
            a, sep, b, year = int(m[1]), m[2], int(m[3]), _year(m[4], today)
            day_first_here = day_first or sep == "."
            if a > 12 >= b:
                day_first_here = True
            elif b > 12 >= a:
                day_first_here = False
            return date(year, b, a) if day_first_here else date(year, a, b)
        if m := _ISO.fullmatch(text) or _COMPACT_ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SERIAL.fullmatch(text):
            if len(m[1]) == 4 and 1900 <= int(m[1]) <= 2099:
                return None  # a year alone, not Excel's day number 1900..2099 (1905)
            return _excel_serial(int(m[1]))
        if m := _MONTH_DAY_YEAR.fullmatch(text):
            month, day, year = _MONTHS.get(m[1].casefold()), int(m[2]), m[3]
        elif m := _DAY_MONTH_YEAR.fullmatch(text):
            day, month, year = int(m[1]), _MONTHS.get(m[2].casefold()), m[3]
        else:
            return None
        return date(_year(year, today), month, day) if month else None
    except ValueError:  # 2/30/1985 and the like
        return None


# --- the file --------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    sample = data[:4096]
    if sample.count(0) > len(sample) // 4:  # UTF-16 that lost its byte order mark: every other byte of ASCII is 0
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[::2].count(0) else "utf-16-be"
        return data.decode(encoding, errors="replace"), encoding
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8-sig"
    try:
        return data.decode("utf-8"), encoding
    except UnicodeDecodeError:
        # Not UTF-8: "CSV (Comma delimited)" from Excel on Windows is Windows-1252.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _header_delimiter(text: str) -> str:
    """The delimiter used most on the first non-blank line, outside quotes; comma on a tie.

    csv.Sniffer guesses from a whole sample and is easily fooled by commas inside names and
    addresses; the header line of a spreadsheet export is the most regular line there is.
    """
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = started = False
    for ch in text[:65_536]:
        if ch == '"':
            quoted, started = not quoted, True
        elif quoted:
            continue
        elif ch in "\r\n":
            if started:
                break
            counts = dict.fromkeys(_DELIMITERS, 0)  # a line of only delimiters is blank
        elif ch in counts:
            counts[ch] += 1
        elif not ch.isspace():
            started = True
    return max(counts, key=counts.__getitem__)  # dict order: comma wins a tie


_GENERIC_PHONE = frozenset({"phone", "phonenumber"})


def _map_header(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str], list[str]]:
    """(field -> cell index, field -> header text, ignored headers, problems)."""
    index: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for i, name in enumerate(header):
        field = _HEADER_FIELDS.get(_compact(name))
        if field is None:
            if name:
                ignored.append(name)
        elif field == "mobile" and field in index and _GENERIC_PHONE & {_compact(name), _compact(columns[field])}:
            # Exports often have both "Phone" (home) and "Mobile": the specific column is the mobile.
            if _compact(columns[field]) in _GENERIC_PHONE:
                ignored.append(columns[field])
                index[field], columns[field] = i, name
            else:
                ignored.append(name)
        elif field in index:
            problems.append(f'The columns "{columns[field]}" and "{name}" both look like the {_LABELS[field]}. '
                            "Rename or delete one of them, then import the file again.")
        else:
            index[field], columns[field] = i, name
    if "full_name" in index and ("first_name" in index or "last_name" in index):
        ignored.append(columns.pop("full_name"))  # separate name columns say more than a combined one
        del index["full_name"]
    missing = [_LABELS[f] for f in ("first_name", "last_name") if f not in index]
    if len(missing) == 2 and "full_name" not in index:
        problems.append("The file has no First name and Last name columns. Its first line must name the columns, "
                        "for example: First name, Last name, Mobile (the template has them all).")
    elif missing and "full_name" not in index:
        problems.append(f"The file has no {missing[0]} column.")
    return index, columns, ignored, problems


def _split_full_name(text: str) -> tuple[str, str]:
    """(first, last) of "Last, First" or "First Last"."""
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split()
    if len(words) < 2:
        return text, ""
    cut = -2 if len(words) > 2 and words[-1].casefold().strip(".") in _NAME_SUFFIXES else -1  # "Sam Lee Jr."
    return " ".join(words[:cut]), " ".join(words[cut:])


def read_patient_csv(data: bytes, *, day_first: bool = False, max_rows: int = 100_000,
                     today: date | None = None) -> CsvRead:
    """Read a CSV file of patients. Never raises for bad input; see the module docstring."""
    if data.startswith(_WORKBOOK_SIGNATURES):
        return _unreadable("", ",", "This is an Excel workbook, not a CSV file. In Excel choose File > Save As > "
                                    "CSV UTF-8 (Comma delimited), then import that file.")
    text, encoding = _decode(data)
    # Excel's "sep=;" first line names the delimiter; Excel itself hides that line.
    if m := re.match(r'"?sep=(.)"?(\r\n|\r|\n|$)', text, re.I):
        delimiter, text = m[1], text[m.end():]
    else:
        delimiter = _header_delimiter(text)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    header: dict[str, int] | None = None
    columns: dict[str, str] = {}
    ignored: list[str] = []
    rows: list[CsvRow] = []
    seen_keys: dict[str, int] = {}
    today = today or date.today()
    line = width = 0
    try:
        # One reader row is one spreadsheet row, blank ones included (the reader gives []).
        for line, cells in enumerate(reader, start=1):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if header is None:
                cells[0] = cells[0].lstrip("\ufeff")  # a second BOM, as some tools write
                header, columns, ignored, problems = _map_header(cells)
                width = len(cells)
                if problems:
                    return _unreadable(encoding, delimiter, *problems, columns=columns, ignored=ignored)
                continue
            if len(rows) == max_rows:
                return _unreadable(encoding, delimiter, f"The file has more than {max_rows:,} patients. Split it into "
                                   "smaller files and import them one at a time.", columns=columns, ignored=ignored)
            rows.append(_row(line, cells, header, width, delimiter, seen_keys, day_first=day_first, today=today))
    except csv.Error:  # only in odd cases (a NUL byte, a cell over 128 KB from an unclosed quote)
        return _unreadable(encoding, delimiter, f"The file could not be read after line {line}: it may not be a CSV "
                           "file, or a quote mark is not closed.", columns=columns, ignored=ignored)
    if header is None:
        return _unreadable(encoding, delimiter, "The file is empty.")
    if not rows:
        return _unreadable(encoding, delimiter, "The file has column names but no patients below them.",
                           columns=columns, ignored=ignored)
    return CsvRead(rows=tuple(rows), encoding=encoding, delimiter=delimiter, columns=columns,
                   ignored_columns=tuple(ignored), problems=(), key_column_present="import_key" in header)


def _unreadable(encoding: str, delimiter: str, *problems: str, columns: dict[str, str] | None = None,
                ignored: list[str] | None = None) -> CsvRead:
    columns = columns or {}
    return CsvRead(rows=(), encoding=encoding, delimiter=delimiter, columns=columns, ignored_columns=tuple(ignored or ()),
                   problems=problems, key_column_present="import_key" in columns)


def _row(line: int, cells: list[str], header: dict[str, int], width: int, delimiter: str, seen_keys: dict[str, int],
         *, day_first: bool, today: date) -> CsvRow:
    raw = tuple(cells)
    if len(cells) < width:  # Excel leaves off empty cells at the end of a line
        cells += [""] * (width - len(cells))
    value = {field: cells[i] for field, i in header.items()}
    problems: dict[str, str] = {}

    if "full_name" in value:
        first, last = _split_full_name(value["full_name"])
    else:
        first, last = value.get("first_name", ""), value.get("last_name", "")

    birthdate = None
    if birth_text := value.get("birthdate", ""):
        birthdate = parse_spreadsheet_date(birth_text, day_first=day_first, today=today)
        if birthdate is None:
            example = "DD/MM/YYYY, e.g. 14/03/1985" if day_first else "MM/DD/YYYY, e.g. 03/14/1985"
            problems["birthdate"] = f'Cannot read the birthdate "{birth_text}": write it as {example}.'

    mobile, email = value.get("mobile", ""), value.get("email", "")
    preference_text = value.get("contact_preference", "")
    preference = _PREFERENCES.get(" ".join(preference_text.casefold().split()))
    if preference is None:
        if preference_text:
            problems["contact_preference"] = f'Cannot read the contact preference "{preference_text}": write text, email or none.'
        preference = ContactPreference.EMAIL if email and not mobile else ContactPreference.TEXT

    if any(cells[width:]):
        problems["row"] = (f"This line has {len(cells)} cells but the file has {width} columns. A cell with a "
                           f"{_DELIMITERS.get(delimiter, delimiter)} inside it needs quote marks around it.")

    data = UnlinkedInput(first_name=first, last_name=last, preferred_name=value.get("preferred_name", ""),
                         birthdate=birthdate, mobile=mobile, email=email, contact_preference=preference.value)
    key = value.get("import_key", "")
    if key:
        if (other := seen_keys.setdefault(key, line)) != line:
            problems["import_key"] = f"Line {other} has the same import key: give each patient their own."
    return CsvRow(line=line, data=data, location_text=value.get("location", ""), import_key=key or content_key(data),
                  key_from_file=bool(key), problems=problems, raw=raw)
