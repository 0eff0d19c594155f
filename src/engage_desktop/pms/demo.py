"""The demo practice (PLT-6): a synthetic Open Dental database the app can read like a real one.

Why: a practice evaluating the app, a salesperson and the tests all need a PMS with realistic
volume and realistic mess, without a MariaDB server and without real patients. The demo is an
Open Dental-schema database (reduced column set, same table and column names, same enums and
conventions as docs/facts/pms.md section 1) that ``pms.opendental.OpenDentalReader`` reads
with the very SQL it runs against a real practice.

What it builds, for ``DemoSpec.patients`` patients (everything relative to ``DemoSpec.today``):

* families: a head of household whose ``Guarantor`` is itself, spouses, children and adult
  dependents pointing at the head, twins (same birthdate, similar first names), shared home
  phones, mobiles and e-mails, guardian rows for minors;
* every ``PatStatus`` 0..6 (mostly 0), ``TxtMsgOk`` 0/1/2, ``PreferContactMethod`` mix,
  ``commoptout`` rows (1 = All, 2048 = GeneralMessages and other flags), and deliberately
  messy rows: no birthdate ('0001-01-01'), '(503) 555-0142 x12', '555.0143', 'n/a',
  '+44 20 7946 0958', 'john@', 'none', trailing spaces, ALL CAPS, deceased dates;
* two clinics (``EasyNoClinics`` '0'), or none with ``clinics=False`` (``EasyNoClinics`` '1',
  ``ClinicNum`` 0 everywhere); practice preferences and ``DataBaseVersion`` '24.3.10.0';
* dentists, hygienists (``IsSecondary`` 1), a hidden retired dentist and a deleted provider;
* about 6 appointments per patient, every ``AptStatus`` (1 future, 2 past, 3, 5, 6, 7, 8),
  ``Pattern`` strings, ``Confirmed`` labels (definition category 2), hygiene flags; a few
  appointments deleted outright, leaving only a ``histappointment`` row (action 4);
* about 1.5 recalls per patient (Prophy, Perio, Child Prophy, 4BW, Pano), overdue and due,
  some scheduled, a few disabled;
* about 2 procedures per patient: completed history, and treatment-planned work that is
  unscheduled (``AptNum`` 0), on a planned appointment, or on a future appointment; a few
  deleted (6) and inactive (8).

All names, addresses, phones (555-01xx, the range reserved for fiction; the phone pool wraps
after about 8,000 numbers, so very large demos reuse numbers) and e-mails (example.com/org/net)
are invented. Procedure descriptions are short paraphrases, not ADA text.

Public API:

* ``DemoSpec`` - what to build (patients, seed, clinics, today).
* ``ddl(dialect)`` - the CREATE statements for ``"sqlite"`` or ``"mysql"`` (MariaDB).
* ``write_sqlite(path, spec, progress=None)`` - build a SQLite file atomically.
* ``load_into(connection, dialect, spec)`` - create the tables in an EMPTY database reached by
  any qmark DB-API connection (pyodbc to MariaDB) and insert the same rows.
* ``DemoSummary`` - rows written per table.
* ``TABLES`` - the schema definition that ``ddl`` renders (read it, do not change it).

Generation never looks at the target, so one spec gives identical rows in SQLite and MariaDB.
``DateTStamp`` behaves like MySQL's ``ON UPDATE CURRENT_TIMESTAMP`` in SQLite too (triggers),
so incremental sync can be exercised by editing the demo file. SQLite stores dates as ISO text;
its ``CURRENT_TIMESTAMP`` is UTC, which is also what the reader's ``server_now`` sees there.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["DemoSpec", "DemoSummary", "ddl", "load_into", "write_sqlite"]

Progress = Callable[[int, int], None]

# ---------------------------------------------------------------------------------------------
# Schema: defined once, rendered per dialect
# ---------------------------------------------------------------------------------------------

NO_DATE = "0001-01-01"  # Open Dental's "no date" (DateTime.MinValue), never NULL
NO_DATETIME = "0001-01-01 00:00:00"

# kind -> (MySQL column type, SQLite column type). SQLite gets TEXT dates (ISO strings sort and
# compare correctly) and INTEGER/REAL numbers. Every column has a default so an INSERT naming a
# subset of columns works under MariaDB's strict mode too.
_KINDS: dict[str, tuple[str, str]] = {
    "key": ("bigint(20) NOT NULL AUTO_INCREMENT", "INTEGER NOT NULL"),
    "fk": ("bigint(20) NOT NULL DEFAULT 0", "INTEGER NOT NULL DEFAULT 0"),
    "tiny": ("tinyint(4) NOT NULL DEFAULT 0", "INTEGER NOT NULL DEFAULT 0"),
    "int": ("int(11) NOT NULL DEFAULT 0", "INTEGER NOT NULL DEFAULT 0"),
    "money": ("double NOT NULL DEFAULT 0", "REAL NOT NULL DEFAULT 0"),
    "text": ("text DEFAULT NULL", "TEXT DEFAULT NULL"),
    "date": (f"date NOT NULL DEFAULT '{NO_DATE}'", f"TEXT NOT NULL DEFAULT '{NO_DATE}'"),
    "datetime": (f"datetime NOT NULL DEFAULT '{NO_DATETIME}'", f"TEXT NOT NULL DEFAULT '{NO_DATETIME}'"),
    # SQLite has no ON UPDATE: the AFTER UPDATE triggers from ddl() supply it.
    "stamp": (
        "timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
        "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP",
    ),
}


def _column_type(kind: str, dialect: str) -> str:
    if kind.startswith("str"):  # "str100" -> varchar(100)
        return f"varchar({kind[3:]}) NOT NULL DEFAULT ''" if dialect == "mysql" else "TEXT NOT NULL DEFAULT ''"
    mysql, sqlite = _KINDS[kind]
    return mysql if dialect == "mysql" else sqlite


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind); rows are tuples in this order
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def key(self) -> str:
        return next(c for c, k in self.columns if k == "key")

    @property
    def has_stamp(self) -> bool:
        return any(k == "stamp" for _, k in self.columns)


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """'PatNum:key LName:str100 ...' -> ((column, kind), ...)."""
    return tuple(tuple(item.split(":")) for item in spec.split())  # type: ignore[misc]


# Column names, types and the indexes on read columns follow Open Dental 24.3 (a reduced set).
TABLES: tuple[_Table, ...] = (
    _Table("preference", _cols("PrefNum:key PrefName:str255 ValueString:text"), (("PrefName",),)),
    _Table("definition", _cols("DefNum:key Category:tiny ItemOrder:int ItemName:str255 ItemValue:str255 IsHidden:tiny"),
           (("Category",),)),
    _Table("clinic", _cols("ClinicNum:key Description:str255 Abbr:str255 Address:str255 Address2:str255 City:str255 "
                           "State:str255 Zip:str255 Phone:str255 DefaultProv:fk ItemOrder:int IsHidden:tiny "
                           "TimeZone:str75")),
    _Table("provider", _cols("ProvNum:key Abbr:str255 ItemOrder:int LName:str100 FName:str100 MI:str100 Suffix:str100 "
                             "Specialty:fk IsSecondary:tiny IsHidden:tiny ProvStatus:tiny IsNotPerson:tiny "
                             "DateTerm:date PreferredName:str100 DateTStamp:stamp"), (("DateTStamp",),)),
    _Table("operatory", _cols("OperatoryNum:key OpName:str255 Abbrev:str255 ItemOrder:int IsHidden:tiny "
                              "ProvDentist:fk ProvHygienist:fk IsHygiene:tiny ClinicNum:fk DateTStamp:stamp"),
           (("ClinicNum",),)),
    _Table("recalltype", _cols("RecallTypeNum:key Description:str255 DefaultInterval:int TimePattern:str255 "
                               "Procedures:str255")),
    _Table("procedurecode", _cols("CodeNum:key ProcCode:str15 Descript:str255 AbbrDesc:str50 ProcTime:str24 "
                                  "IsHygiene:tiny DateTStamp:stamp"), (("ProcCode",),)),
    _Table("patient", _cols(
        "PatNum:key LName:str100 FName:str100 MiddleI:str100 Preferred:str100 PatStatus:tiny Gender:tiny "
        "Position:tiny Birthdate:date Address:str100 Address2:str100 City:str100 State:str100 Zip:str100 "
        "HmPhone:str30 WkPhone:str30 WirelessPhone:str30 Guarantor:fk Email:str100 PriProv:fk SecProv:fk "
        "BillingType:fk ChartNumber:str100 DateFirstVisit:date ClinicNum:fk PreferConfirmMethod:tiny "
        "PreferContactMethod:tiny PreferRecallMethod:tiny Language:str100 TxtMsgOk:tiny DateTimeDeceased:datetime "
        "SecDateEntry:date DateTStamp:stamp"),
        (("PatStatus",), ("Guarantor",), ("ClinicNum", "PatStatus"), ("LName", "FName"), ("Birthdate", "PatStatus"),
         ("DateTStamp",))),
    _Table("guardian", _cols("GuardianNum:key PatNumChild:fk PatNumGuardian:fk Relationship:tiny IsGuardian:tiny"),
           (("PatNumChild",), ("PatNumGuardian",))),
    _Table("commoptout", _cols("CommOptOutNum:key PatNum:fk OptOutSms:int OptOutEmail:int"), (("PatNum",),)),
    _Table("appointment", _cols(
        "AptNum:key PatNum:fk AptStatus:tiny Pattern:str255 Confirmed:fk Op:fk Note:text ProvNum:fk ProvHyg:fk "
        "AptDateTime:datetime NextAptNum:fk UnschedStatus:fk IsNewPatient:tiny ProcDescript:str255 ClinicNum:fk "
        "IsHygiene:tiny DateTimeArrived:datetime DateTimeDismissed:datetime Priority:tiny SecDateTEntry:datetime "
        "DateTStamp:stamp"),
        (("PatNum",), ("AptDateTime",), ("AptStatus", "AptDateTime", "ClinicNum"), ("ClinicNum",), ("DateTStamp",))),
    _Table("histappointment", _cols(
        "HistApptNum:key HistUserNum:fk HistDateTStamp:datetime HistApptAction:tiny ApptSource:tiny AptNum:fk "
        "PatNum:fk AptStatus:tiny Pattern:str255 Confirmed:fk ProvNum:fk ProvHyg:fk AptDateTime:datetime "
        "ClinicNum:fk IsHygiene:tiny ProcDescript:str255 DateTStamp:stamp"),
        (("AptNum",), ("PatNum",), ("HistDateTStamp",))),
    _Table("recall", _cols(
        "RecallNum:key PatNum:fk RecallTypeNum:fk DateDueCalc:date DateDue:date DatePrevious:date RecallInterval:int "
        "RecallStatus:fk Note:text IsDisabled:tiny DisableUntilDate:date DateScheduled:date Priority:tiny "
        "DateTStamp:stamp"),
        (("PatNum",), ("RecallTypeNum",), ("DateDue", "IsDisabled", "RecallTypeNum", "DateScheduled"), ("DateTStamp",))),
    _Table("procedurelog", _cols(
        "ProcNum:key PatNum:fk AptNum:fk PlannedAptNum:fk ProcDate:date ProcFee:money Surf:str10 ToothNum:str2 "
        "ProcStatus:tiny ProvNum:fk ClinicNum:fk CodeNum:fk DateTP:date DateComplete:date SecDateEntry:datetime "
        "DateTStamp:stamp"),
        (("PatNum", "ProcStatus", "ClinicNum"), ("AptNum",), ("PlannedAptNum",), ("CodeNum",), ("DateTStamp", "PatNum"))),
)
_BY_NAME = {t.name: t for t in TABLES}
_DIALECTS = {"sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql"}


def _dialect(dialect: str) -> str:
    try:
        return _DIALECTS[dialect.lower()]
    except KeyError:
        raise ValueError(f"Unknown dialect {dialect!r}; use 'sqlite' or 'mysql'.") from None


def _q(name: str, dialect: str) -> str:
    # Quote every identifier: Open Dental uses names such as Position, Priority and Language.
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def _ddl_parts(dialect: str) -> tuple[list[str], list[str]]:
    """(CREATE TABLE statements, statements best run after the bulk load: indexes, triggers)."""
    d = _dialect(dialect)
    tables: list[str] = []
    after: list[str] = []
    for t in TABLES:
        cols = [f"  {_q(c, d)} {_column_type(k, d)}" for c, k in t.columns]
        cols.append(f"  PRIMARY KEY ({_q(t.key, d)})")
        tail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" if d == "mysql" else ""
        tables.append(f"CREATE TABLE {_q(t.name, d)} (\n" + ",\n".join(cols) + f"\n){tail}")
        for ix in t.indexes:
            name = f"{t.name}_{'_'.join(ix)}"  # table prefix: SQLite index names are database-wide
            after.append(f"CREATE INDEX {_q(name, d)} ON {_q(t.name, d)} ({', '.join(_q(c, d) for c in ix)})")
        if d == "sqlite" and t.has_stamp:
            # MySQL's ON UPDATE CURRENT_TIMESTAMP. The WHEN guard keeps an explicit DateTStamp
            # assignment (as MySQL does) and stops the trigger's own UPDATE from re-firing it.
            after.append(
                f'CREATE TRIGGER "{t.name}_DateTStamp" AFTER UPDATE ON "{t.name}" FOR EACH ROW '
                f"WHEN NEW.DateTStamp = OLD.DateTStamp BEGIN "
                f'UPDATE "{t.name}" SET DateTStamp = CURRENT_TIMESTAMP WHERE "{t.key}" = NEW."{t.key}"; END'
            )
    return tables, after


def ddl(dialect: str) -> list[str]:
    """Every statement that creates the demo schema: tables, then indexes (and SQLite triggers)."""
    tables, after = _ddl_parts(dialect)
    return tables + after


def _insert_sql(table: _Table, dialect: str) -> str:
    cols = ", ".join(_q(c, dialect) for c, _ in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    return f"INSERT INTO {_q(table.name, dialect)} ({cols}) VALUES ({marks})"


# ---------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSpec:
    """What to build. The same spec always gives the same rows (``today`` included)."""

    patients: int = 3000
    seed: int = 20261122
    clinics: bool = True
    today: date | None = None  # None = date.today() when generation starts


@dataclass(frozen=True)
class DemoSummary:
    """Rows written per table (every table of the schema is present), and the time it took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def patients(self) -> int:
        return self.counts.get("patient", 0)

    @property
    def appointments(self) -> int:
        return self.counts.get("appointment", 0)

    @property
    def recalls(self) -> int:
        return self.counts.get("recall", 0)

    @property
    def procedures(self) -> int:
        return self.counts.get("procedurelog", 0)

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def write_sqlite(path: Path, spec: DemoSpec, progress: Progress | None = None) -> DemoSummary:
    """Build the demo practice as a SQLite file, replacing ``path`` only once it is complete.

    The file is written under a temporary name in the same folder and then moved over
    ``path`` with ``os.replace`` (atomic on Windows and POSIX), so a reader never sees a half
    built practice. Fails with ``PermissionError`` on Windows if another process holds
    ``path`` open. ``progress(done, total)`` is called with patient counts, about every 1%.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    conn = sqlite3.connect(tmp)
    try:
        # A throw-away file until the rename: no journal and no fsync make the load several
        # times faster, and a crash only loses the temporary file.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")
        summary = _load(conn, "sqlite", spec, progress, chunk=10_000)
        conn.execute("PRAGMA journal_mode = DELETE")  # the finished file needs no -wal/-shm companions
        conn.close()
        # Journal files left by an old copy would be applied to the new file on its next open.
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    return summary


def load_into(connection: Any, dialect: str, spec: DemoSpec) -> DemoSummary:
    """Create the demo tables in an empty database and insert the demo rows.

    ``connection`` is any DB-API 2 connection with qmark parameters (pyodbc to MariaDB,
    sqlite3). Rows go in with ``executemany`` in chunks of 2,000, committed per chunk.
    Refuses a database that already has a ``patient`` table, so it can never be pointed at a
    real Open Dental database by mistake.
    """
    d = _dialect(dialect)
    cur = connection.cursor()
    try:
        cur.execute("SELECT 1 FROM patient WHERE 1 = 0")
        exists = True
    except Exception:  # noqa: BLE001 - any failure here means "no such table", which we want
        exists = False
        try:
            connection.rollback()
        except Exception:  # noqa: BLE001
            pass
    finally:
        cur.close()
    if exists:
        raise ValueError("The target database already has a patient table; load the demo into an empty database.")
    return _load(connection, d, spec, None, chunk=2000)


# ODBC SQL type codes (sql.h / sqlext.h), so that this module does not need pyodbc itself.
_SQL_WVARCHAR, _SQL_BIGINT, _SQL_DOUBLE = -9, -5, 8


def _input_sizes(table: _Table) -> list[tuple[int, int, int]]:
    """Parameter types for pyodbc's fast_executemany. Without them it asks the driver, and the
    MariaDB driver describes TEXT parameters as gigabytes long: pyodbc then fails with
    MemoryError allocating the parameter array."""
    sizes = []
    for _, kind in table.columns:
        if kind.startswith("str"):
            sizes.append((_SQL_WVARCHAR, int(kind[3:]), 0))
        elif kind == "text":
            sizes.append((_SQL_WVARCHAR, 1000, 0))
        elif kind in ("date", "datetime", "stamp"):
            sizes.append((_SQL_WVARCHAR, 19, 0))  # sent as ISO text, converted by the server
        elif kind == "money":
            sizes.append((_SQL_DOUBLE, 0, 0))
        else:
            sizes.append((_SQL_BIGINT, 0, 0))
    return sizes


def _load(conn: Any, dialect: str, spec: DemoSpec, progress: Progress | None, chunk: int) -> DemoSummary:
    started = time.perf_counter()
    tables, after = _ddl_parts(dialect)
    cur = conn.cursor()
    fast = hasattr(cur, "fast_executemany")
    if fast:
        cur.fast_executemany = True  # pyodbc: send each chunk as one parameter array
    try:
        for stmt in tables:
            cur.execute(stmt)
        conn.commit()
        sqls = {t.name: _insert_sql(t, dialect) for t in TABLES}
        counts = {t.name: 0 for t in TABLES}
        for table, rows in _generate(spec, chunk, progress):
            if fast:
                cur.setinputsizes(_input_sizes(_BY_NAME[table]))
            cur.executemany(sqls[table], rows)
            counts[table] += len(rows)
            conn.commit()
        # Indexes after the load: building them once is much faster than maintaining them.
        for stmt in after:
            cur.execute(stmt)
        conn.commit()
    finally:
        cur.close()
    return DemoSummary(counts=counts, seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

_MALE = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark "
    "Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary "
    "Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick "
    "Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter "
    "Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jesse Bryan Bruce Gabriel Logan "
    "Alan Juan Albert Elijah Wayne Randy Vincent Mason Roy Ralph Russell Bradley Philip Eugene Liam Lucas Oliver Mateo "
    "Hiroshi Arjun Wei Omar Diego Luis Carlos Minh Tariq Emeka"
).split()
_FEMALE = (
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Margaret Ashley "
    "Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy "
    "Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn "
    "Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn "
    "Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia "
    "Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa "
    "Diana Brittany Doris Kayla Alexis Lori Mia Ava Chloe Zoe Priya Mei Aaliyah Fatima Sofia Camila Yuki Linh Ngoc"
).split()
_UNISEX = "Alex Jordan Taylor Casey Riley Morgan Jamie Avery Quinn Rowan Skyler Sam".split()
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson "
    "Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long "
    "Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez "
    "Simmons Romero Patterson Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson "
    "Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Kennedy "
    "Wells Vargas Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw "
    "Snyder Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills "
    "Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Gardner Payne Grant Dunn Spencer Hawkins "
    "Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane "
    "Andrews Alvarado Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter Sandoval "
    "Okafor Haddad Kowalski Lindqvist Yamamoto Dubois Rossi Novak"
).split() + ["O'Brien", "Van der Berg", "St. Clair", "Nguyen-Tran"]
_NICK = {
    "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike", "James": "Jim",
    "Jennifer": "Jen", "Christopher": "Chris", "Alexander": "Alex", "Margaret": "Peggy", "Richard": "Rick",
    "Joseph": "Joe", "Thomas": "Tom", "Daniel": "Dan", "Samantha": "Sam", "Victoria": "Tori", "Rebecca": "Becky",
    "Anthony": "Tony", "Matthew": "Matt", "Nicholas": "Nick", "Patricia": "Pat", "Abigail": "Abby",
}
# (first, gender, first, gender): twins get similar names (same initial) and the same birthdate.
_TWINS = (
    ("Ethan", 0, "Evan", 0), ("Emma", 1, "Emily", 1), ("Liam", 0, "Lily", 1), ("Mason", 0, "Madison", 1),
    ("Ella", 1, "Ellie", 1), ("Jayden", 0, "Jaylen", 0), ("Aiden", 0, "Aria", 1), ("Kayla", 1, "Kaylee", 1),
    ("Noah", 0, "Nora", 1), ("Caleb", 0, "Cole", 0), ("Ava", 1, "Avery", 1), ("Owen", 0, "Olive", 1),
)
_STREETS = (
    "Oak Maple Cedar Pine Elm Birch Willow Aspen Alder Spruce Hawthorne Division Burnside Powell Foster Stark "
    "Glisan Sandy Fremont Alberta Lombard Belmont Clinton Holgate Woodstock Flavel Tacoma Multnomah Terwilliger "
    "Juniper Larch Hemlock Laurel Magnolia Sycamore Chestnut Fir Poplar Linden"
).split()
_SUFFIXES = ("St", "Ave", "Blvd", "Ct", "Dr", "Ln", "Way", "Pl", "Rd")
_CITIES = (
    ("Portland", "OR", "972"), ("Gresham", "OR", "97030"), ("Beaverton", "OR", "97005"), ("Hillsboro", "OR", "97123"),
    ("Lake Oswego", "OR", "97034"), ("Milwaukie", "OR", "97222"), ("Tigard", "OR", "97223"),
    ("Happy Valley", "OR", "97086"), ("Troutdale", "OR", "97060"), ("Clackamas", "OR", "97015"),
    ("Vancouver", "WA", "98660"), ("Camas", "WA", "98607"),
)
# Real area codes with the 555-0100..0199 lines reserved for fiction; all parse as valid US numbers.
_AREAS = (
    "503 971 360 541 458 206 253 425 509 564 208 916 415 510 408 650 707 775 702 801 720 303 602 480 520 505 512 "
    "214 713 210 312 773 630 847 414 612 651 313 248 616 216 614 513 317 502 615 901 404 678 305 407 813 904 704 "
    "919 804 757 202 301 410 302 215 412 717 201 973 732 212 718 516 631 914 617 508 401 860 203 802 603 207 907 808"
).split()
_DOMAINS = ("example.com", "example.org", "example.net")
_LANGS = ("", "", "", "", "", "", "eng", "eng", "eng", "spa", "vie", "rus", "zho")

# Definitions: (Category, ItemName). Category 2 ApptConfirmed, 4 BillingTypes,
# 13 RecallUnschedStatus, 27 CommLogTypes, 35 ProviderSpecialties.
_DEFS = (
    (2, "Not Called"), (2, "Unconfirmed"), (2, "Left Msg"), (2, "Appointment Confirmed"), (2, "Texted"),
    (2, "E-mailed"), (2, "Arrived"),
    (4, "Standard Account"), (4, "Finance Charge"), (4, "Collections"),
    (13, "Left Message"), (13, "Call Back"), (13, "Do Not Call"), (13, "Not Interested"),
    (27, "Appt Related"), (27, "Insurance"), (27, "Financial"), (27, "Recall"), (27, "Misc"), (27, "Text"),
    (35, "General"), (35, "Hygienist"),
)
_DEF = {name: i + 1 for i, (_, name) in enumerate(_DEFS)}  # ItemName -> DefNum
_UNSCHED_DEFS = (_DEF["Left Message"], _DEF["Call Back"], _DEF["Do Not Call"], _DEF["Not Interested"])

# (ProcCode, short description, AbbrDesc, ProcTime pattern, fee, IsHygiene)
_CODES = (
    ("D0120", "Periodic oral evaluation", "PerEx", "/X/", 58.0, 0),
    ("D0140", "Limited oral evaluation, problem focused", "LimEx", "/XX/", 85.0, 0),
    ("D0150", "Comprehensive oral evaluation", "CompEx", "/XXXX/", 98.0, 0),
    ("D0210", "Intraoral complete series of images", "FMX", "/XX/", 145.0, 1),
    ("D0274", "Bitewings, four images", "4BW", "/X/", 72.0, 1),
    ("D0330", "Panoramic image", "Pano", "/X/", 125.0, 1),
    ("D1110", "Prophylaxis, adult", "Pro", "//XXXXXXXX//", 108.0, 1),
    ("D1120", "Prophylaxis, child", "ChildPro", "/XXXXXX/", 78.0, 1),
    ("D1206", "Topical fluoride varnish", "Flo", "/X/", 42.0, 1),
    ("D1351", "Sealant, per tooth", "Seal", "/XX/", 55.0, 1),
    ("D2140", "Amalgam, one surface", "A1", "/XXXX/", 145.0, 0),
    ("D2330", "Resin composite, one surface, anterior", "C1", "/XXXX/", 165.0, 0),
    ("D2391", "Resin composite, one surface, posterior", "C1(P)", "/XXXX/", 180.0, 0),
    ("D2392", "Resin composite, two surfaces, posterior", "C2(P)", "//XXXX//", 230.0, 0),
    ("D2740", "Crown, porcelain/ceramic", "Crn", "//XXXXXXXXXXXX//", 1275.0, 0),
    ("D2750", "Crown, porcelain fused to high noble metal", "PFM", "//XXXXXXXXXXXX//", 1180.0, 0),
    ("D2950", "Core buildup", "BU", "/XX/", 295.0, 0),
    ("D3330", "Root canal, molar", "RCT", "//XXXXXXXXXXXXXX//", 1150.0, 0),
    ("D4341", "Scaling and root planing, 4+ teeth per quadrant", "SRP", "//XXXXXXXX//", 265.0, 1),
    ("D4342", "Scaling and root planing, 1-3 teeth per quadrant", "SRP1-3", "//XXXXXX//", 195.0, 1),
    ("D4910", "Periodontal maintenance", "PMaint", "//XXXXXXXX//", 155.0, 1),
    ("D5110", "Complete denture, maxillary", "FUD", "//XXXXXX//", 1850.0, 0),
    ("D6010", "Implant body, endosteal", "Impl", "//XXXXXXXXXXXX//", 2250.0, 0),
    ("D7140", "Extraction, erupted tooth", "Ext", "/XXXX/", 190.0, 0),
    ("D7210", "Surgical extraction", "SurgExt", "//XXXX//", 320.0, 0),
    ("D9110", "Palliative treatment of pain", "Pall", "/XX/", 95.0, 0),
)
_CODE = {c[0]: i + 1 for i, c in enumerate(_CODES)}  # ProcCode -> CodeNum
_ABBR = {c[0]: c[2] for c in _CODES}
_FEE = {c[0]: c[4] for c in _CODES}
_PATTERN = {c[0]: c[3] for c in _CODES}
# Treatment-plan mix, weighted by repetition; crowns bring a buildup on the same tooth.
_TP_CODES = ("D2391 D2391 D2391 D2392 D2392 D2392 D2740 D2740 D2740 D2750 D4341 D4341 D7140 D7140 D3330 "
             "D6010 D7210 D2330 D5110 D4342").split()
_DONE_CODES = "D2391 D2392 D2140 D2330 D7140 D9110 D0140 D2740".split()
_POSTERIOR = ("2", "3", "4", "5", "12", "13", "14", "15", "18", "19", "20", "21", "28", "29", "30", "31")
_ANTERIOR = ("6", "7", "8", "9", "10", "11", "22", "23", "24", "25", "26", "27")
_SURF1 = ("O", "M", "D", "B", "L")
_SURF2 = ("MO", "DO", "OB", "OL")
_QUADS = ("UR", "UL", "LR", "LL")

# RecallInterval/DefaultInterval pack days in bits 0-7, weeks 8-15, months 16-23, years 24+.
_MONTHS = 1 << 16
_YEARS = 1 << 24
_RT_PROPHY, _RT_PERIO, _RT_CHILD, _RT_BW, _RT_PANO = 1, 2, 3, 4, 5
_RECALL_TYPES = (
    (_RT_PROPHY, "Prophy", 6 * _MONTHS, "/XXXX/", "D0120,D1110"),
    (_RT_PERIO, "Perio", 3 * _MONTHS, "//XXXXXX//", "D4910"),
    (_RT_CHILD, "Child Prophy", 6 * _MONTHS, "/XXX/", "D0120,D1120,D1206"),
    (_RT_BW, "4BW", 1 * _YEARS, "/", "D0274"),
    (_RT_PANO, "Pano", 5 * _YEARS, "/", "D0330"),
)

# Providers: dentists 1-2, hygienists 3-5, a hidden retired dentist (6), a deleted temp (7).
# Clinic "groups" decide who sees a family even when clinics are off, so turning clinics off
# changes ClinicNum and nothing else.
_PROVIDERS = (
    # ProvNum, Abbr, LName, FName, IsSecondary, IsHidden, ProvStatus, DateTerm offset (days ago or None)
    (1, "DOC1", "Castellano", "Avery", 0, 0, 0, None),
    (2, "DOC2", "Whitcombe", "Jordan", 0, 0, 0, None),
    (3, "HYG1", "Ellery", "Morgan", 1, 0, 0, None),
    (4, "HYG2", "Brandvold", "Casey", 1, 0, 0, None),
    (5, "HYG3", "Ashcombe", "Riley", 1, 0, 0, None),
    (6, "DOC3", "Prentiss", "Harold", 0, 1, 0, 900),
    (7, "TEMP", "Hygienist", "Temp", 1, 0, 1, 1500),
)
_RETIRED_DENTIST = 6
# group -> (dentists, hygienists, dentist operatories, hygiene operatories)
_STAFF = {1: ((1,), (3, 4), (1, 2), (3, 4)), 2: ((2,), (5,), (5,), (6,))}
_OPERATORIES = (
    # OperatoryNum, OpName, Abbrev, ProvDentist, ProvHygienist, IsHygiene, group
    (1, "Op 1", "O1", 1, 0, 0, 1), (2, "Op 2", "O2", 1, 0, 0, 1), (3, "Hyg 1", "H1", 1, 3, 1, 1),
    (4, "Hyg 2", "H2", 1, 4, 1, 1), (5, "East Op 1", "EO1", 2, 0, 0, 2), (6, "East Hyg 1", "EH1", 2, 5, 1, 2),
)
_CLINICS = (
    (1, "Demo Family Dental - Downtown", "Downtown", "100 Example St", "Suite 200", "Portland", "OR", "97201",
     "5035550101", 1),
    (2, "Demo Family Dental - Eastside", "Eastside", "2500 Sample Ave", "", "Gresham", "OR", "97030",
     "5035550102", 2),
)

# AptStatus: 1 Scheduled, 2 Complete, 3 UnschedList, 5 Broken, 6 Planned, 7 PtNote, 8 PtNoteCompleted.
_SCHEDULED, _COMPLETE, _UNSCHED, _BROKEN, _PLANNED, _NOTE, _NOTE_DONE = 1, 2, 3, 5, 6, 7, 8
# ProcStatus: 1 TP, 2 Complete, 3 Existing current, 6 Deleted, 7 Condition, 8 TP inactive.
_TP, _DONE, _EC, _DELETED, _COND, _TPI = 1, 2, 3, 6, 7, 8
# HistApptAction: 0 Created, 2 Missed, 3 Cancelled, 4 Deleted.
_H_CREATED, _H_MISSED, _H_CANCELLED, _H_DELETED = 0, 2, 3, 4

# Showcase families come first so that even a tiny demo has every case the app must handle.
_SHOWCASE = ("twins", "nonpatient", "deceased", "inactive", "archived", "duplicate", "prospective", "messy",
             "kids_first")

_HM = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]  # minute of day -> 'HH:MM:SS'
_OPT_OUTS = ((1, 0), (2048, 0), (0, 1), (0, 2048), (1, 1), (2 | 4, 0), (1024, 1024), (16, 16), (2048, 2048), (8, 0))
_CONTACT = (0,) * 8 + (8,) * 4 + (4,) * 3 + (5,) * 2 + (2,) * 2 + (1, 3, 7, 6)
_TXT = (0,) * 7 + (1,) * 11 + (2,) * 2


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


class _Person:
    __slots__ = ("num", "role", "gender", "first", "last", "middle", "preferred", "birth", "status", "mobile",
                 "work", "email", "perio", "deceased", "show_all", "entry", "first_visit", "row")

    def __init__(self, role: str, gender: int, first: str, last: str, birth: int) -> None:
        self.num = 0
        self.role = role  # head, spouse, child, dependent
        self.gender = gender
        self.first = first
        self.last = last
        self.middle = ""
        self.preferred = ""
        self.birth = birth  # ordinal
        self.status = 0
        self.mobile = ""
        self.work = ""
        self.email = ""
        self.perio = False
        self.deceased = 0  # ordinal of death, 0 = alive
        self.show_all = False  # showcase: give this chart every appointment/procedure case
        self.entry = 0  # SecDateEntry ordinal
        self.first_visit = 0
        self.row: tuple[Any, ...] = ()


class _Generator:
    """Streams the demo rows. Every random draw comes from one seeded ``random.Random``, in a
    fixed order, so rows depend only on the spec."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.t0 = (spec.today or date.today()).toordinal()
        self.yesterday = self.t0 - 1
        self.clinics = spec.clinics
        self._dates: dict[int, str] = {}
        self.buf: dict[str, list[tuple[Any, ...]]] = {
            n: [] for n in ("patient", "guardian", "commoptout", "appointment", "histappointment", "recall",
                            "procedurelog")
        }
        self.pat = self.apt = self.recall = self.proc = self.optout = self.guardian = self.hist_num = 0
        self.phones = 0
        self.emails = 0

    # -- small helpers ------------------------------------------------------------------------
    def d(self, o: int) -> str:
        s = self._dates.get(o)
        if s is None:
            s = self._dates[o] = date.fromordinal(o).isoformat()
        return s

    def stamp(self, o: int) -> str:
        """A DateTStamp on day ``o`` (never later than yesterday), in office hours, which also
        keeps MySQL TIMESTAMP clear of daylight-saving gaps."""
        return f"{self.d(min(o, self.yesterday))} {_HM[self.rng.randrange(480, 1080)]}"

    def clinic(self, group: int) -> int:
        # Never skip a random draw because clinics are off: the same seed then gives the same
        # people and visits, and only ClinicNum differs.
        return group if self.clinics else 0

    def weekday(self, o: int, forward: bool) -> int:
        """Move a weekend day to a random weekday of the week after (``forward``) or of the same
        week, so no weekday gets all the weekend's visits."""
        wd = (o - 1) % 7  # ordinal 1 (0001-01-01) was a Monday
        if wd < 5:
            return o
        return o + (7 - wd) + self.rng.randrange(5) if forward else o - (wd - 4) - self.rng.randrange(5)

    def add_months(self, o: int, months: int) -> int:
        d = date.fromordinal(o)
        m = d.month - 1 + months
        y, m = d.year + m // 12, m % 12 + 1
        last = 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31
        return date(y, m, min(d.day, last)).toordinal()

    def phone(self) -> str:
        """The next fictional number; formats vary like typed-in data does."""
        k = self.phones
        self.phones += 1
        area = _AREAS[(k // 100) % len(_AREAS)]
        line = (k % 100) * 37 % 100  # 37 is coprime to 100: a permutation of 00..99
        r = self.rng.random()
        if r < 0.82:
            return f"({area}) 555-01{line:02d}"
        if r < 0.94:
            return f"{area}-555-01{line:02d}"
        return f"{area}55501{line:02d}"

    def email_for(self, first: str, last: str) -> str:
        self.emails += 1
        local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
        return f"{local}{self.emails}@{_DOMAINS[self.emails % 3]}"

    # -- static tables ------------------------------------------------------------------------
    def static_rows(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        t0, stamp = self.t0, self.stamp
        prefs = [
            ("DataBaseVersion", "24.3.10.0"), ("ProgramVersion", "24.3.10.0"),
            ("EasyNoClinics", "0" if self.clinics else "1"),
            ("PracticeTitle", "Demo Family Dental"), ("PracticeAddress", "100 Example St"),
            ("PracticeAddress2", "Suite 200"), ("PracticeCity", "Portland"), ("PracticeST", "OR"),
            ("PracticeZip", "97201"), ("PracticePhone", "5035550100"), ("PracticeDefaultProv", "1"),
            ("RecallTypeSpecialProphy", str(_RT_PROPHY)), ("RecallTypeSpecialPerio", str(_RT_PERIO)),
            ("RecallTypeSpecialChildProphy", str(_RT_CHILD)),
        ]
        yield "preference", [(i + 1, n, v) for i, (n, v) in enumerate(prefs)]
        order: dict[int, int] = {}
        defs = []
        for i, (cat, name) in enumerate(_DEFS):
            order[cat] = order.get(cat, -1) + 1
            defs.append((i + 1, cat, order[cat], name, "", 0))
        yield "definition", defs
        if self.clinics:
            yield "clinic", [(n, desc, abbr, a1, a2, city, st, z, ph, prov, n - 1, 0, "")
                             for n, desc, abbr, a1, a2, city, st, z, ph, prov in _CLINICS]
        yield "provider", [
            (n, abbr, i, ln, fn, "", "DDS" if not hyg else "", _DEF["Hygienist" if hyg else "General"], hyg, hidden,
             status, 0, self.d(t0 - term) if term else NO_DATE, "", stamp(t0 - 400 - i))
            for i, (n, abbr, ln, fn, hyg, hidden, status, term) in enumerate(_PROVIDERS)
        ]
        yield "operatory", [(n, name, ab, i, 0, dent, hyg, ishyg, self.clinic(g), stamp(t0 - 500))
                            for i, (n, name, ab, dent, hyg, ishyg, g) in enumerate(_OPERATORIES)]
        yield "recalltype", list(_RECALL_TYPES)
        yield "procedurecode", [(i + 1, c, desc, ab, pat, hyg, stamp(t0 - 700))
                                for i, (c, desc, ab, pat, _fee, hyg) in enumerate(_CODES)]

    # -- families -----------------------------------------------------------------------------
    def adult(self, role: str, lo: int, hi: int, gender: int | None = None, last: str | None = None) -> _Person:
        rng = self.rng
        if gender is None:
            r = rng.random()
            gender = 0 if r < 0.49 else 1 if r < 0.985 else 2 + (r > 0.995)
        names = _MALE if gender == 0 else _FEMALE if gender == 1 else _UNISEX
        p = _Person(role, gender, rng.choice(names), last or rng.choice(_LAST),
                    self.t0 - rng.randint(lo * 365, hi * 365 + 364))
        if rng.random() < 0.45:
            p.middle = chr(65 + rng.randrange(26))
        if p.first in _NICK and rng.random() < 0.3:
            p.preferred = _NICK[p.first]
        return p

    def child(self, last: str, lo: int, hi: int) -> _Person:
        rng = self.rng
        gender = 0 if rng.random() < 0.5 else 1
        p = _Person("child", gender, rng.choice(_MALE if gender == 0 else _FEMALE), last,
                    self.t0 - rng.randint(lo * 365, hi * 365 + 364))
        if rng.random() < 0.3:
            p.middle = chr(65 + rng.randrange(26))
        return p

    def family(self, index: int) -> None:
        rng, t0 = self.rng, self.t0
        show = _SHOWCASE[index] if index < len(_SHOWCASE) else ""
        r = rng.random()
        kind = ("kids" if show in ("twins", "nonpatient", "kids_first", "messy") else
                "couple" if show in ("deceased", "inactive") else "single" if show else
                "single" if r < 0.32 else "couple" if r < 0.54 else "kids" if r < 0.90 else "single_parent")
        if kind == "single":
            head = self.adult("head", 19, 92)
            members = [head]
        elif kind == "couple":
            head = self.adult("head", 70 if show == "deceased" else 24, 90)
            members = [head, self.spouse(head)]
        else:
            head = self.adult("head", 26, 56)
            members = [head] if kind == "single_parent" else [head, self.spouse(head)]
            head_age = (t0 - head.birth) // 365
            kids_last = head.last if rng.random() < 0.9 else members[-1].last
            n_kids = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
            if show == "twins" or (n_kids >= 2 and rng.random() < 0.05):
                members += self.twins(kids_last, min(17, head_age - 19))
                n_kids -= 2
            for _ in range(max(0, n_kids)):
                members.append(self.child(kids_last, 0, min(17, head_age - 19)))
            if show == "messy" or (head_age >= 42 and rng.random() < 0.25):
                members.append(self.adult("dependent", 18, 24, last=kids_last))

        # Family-wide status, then individual exceptions.
        r = rng.random()
        fam_status = {"inactive": 2, "archived": 3, "prospective": 6}.get(show) or (
            0 if show or r < 0.83 else 2 if r < 0.91 else 3 if r < 0.96 else 6)
        for p in members:
            p.status = fam_status
            if fam_status == 0 and not show:
                x = rng.random()
                p.status = 2 if x < 0.03 else 6 if x < 0.035 else 0
        if show == "nonpatient" or (kind == "kids" and not show and rng.random() < 0.08):
            head.status = 1  # the parent who pays but is not a patient
        if show == "twins":
            head.show_all = True
        for p in members:
            if (show == "deceased" and p.role == "spouse") or (
                    not show and p.role != "child" and t0 - p.birth > 68 * 365 and rng.random() < 0.05):
                p.status = 5
                p.deceased = t0 - rng.randint(20, 1200)
        if show == "duplicate" or (not show and rng.random() < 0.006):
            # A chart created twice by the front desk, the copy then deleted: same person, PatStatus 4.
            dup = _Person(head.role, head.gender, head.first, head.last, head.birth)
            dup.role, dup.status, dup.middle = "duplicate", 4, head.middle
            members.append(dup)

        self.contacts(members, show)

        # Numbering: usually the head is entered first; sometimes a child was the first chart.
        ordered = members
        if show == "kids_first" or (kind == "kids" and not show and rng.random() < 0.04):
            ordered = [p for p in members if p.role == "child"] + [p for p in members if p.role != "child"]
        for p in ordered:
            self.pat += 1
            p.num = self.pat

        group = 1 if rng.random() < 0.65 else 2
        clinic = self.clinic(group)
        if rng.random() < 0.01:
            clinic = 0  # never assigned to a clinic: "Headquarters" (and drawn either way, see clinic())
        old = fam_status in (2, 3) and rng.random() < 0.4  # their dentist has since retired
        dentists, hygienists, _, _ = _STAFF[group]
        pri = _RETIRED_DENTIST if old else rng.choice(dentists)
        sec = rng.choice(hygienists) if rng.random() < 0.6 else 0
        city, state, zip_ = rng.choice(_CITIES)
        if len(zip_) == 3:
            zip_ += f"{rng.randrange(1, 40):02d}"
        prefix = rng.choice(("NE ", "SE ", "NW ", "SW ", "N ")) if rng.random() < 0.4 else ""
        address = f"{rng.randint(100, 19999)} {prefix}{rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}"
        address2 = f"Apt {rng.randint(1, 40)}" if rng.random() < 0.12 else ""
        home = self.phone() if rng.random() < 0.55 else ""
        billing = _DEF["Standard Account"] if rng.random() < 0.95 else _DEF["Collections"]
        for p in members:
            if p.role == "duplicate":
                p.mobile, p.email = head.mobile, ""
        for p in ordered:
            self.patient_row(p, head, members, clinic, group, pri, sec, address, address2, city, state, zip_, home,
                             billing, show)
        for p in ordered:
            if p.role == "child" and (t0 - p.birth) < 18 * 365:
                for g in members:
                    if g.role in ("head", "spouse") and g.status != 4:
                        self.guardian += 1
                        self.buf["guardian"].append((self.guardian, p.num, g.num, 0 if g.gender == 0 else 1, 1))
        for p in ordered:
            self.history(p, clinic, group)
        # Patient rows go out last: DateFirstVisit, and a DateTStamp no older than it, are known
        # only once the history is made.
        for p in ordered:
            first = self.d(p.first_visit) if p.first_visit else NO_DATE
            changed = self.stamp(rng.randint(max(p.entry, p.first_visit), t0))
            self.buf["patient"].append(p.row[:23] + (first,) + p.row[24:32] + (changed,))

    def spouse(self, head: _Person) -> _Person:
        rng = self.rng
        gender = (1 - head.gender if head.gender < 2 else 0) if rng.random() < 0.92 else head.gender
        age = (self.t0 - head.birth) // 365
        last = head.last if rng.random() < 0.8 else None
        return self.adult("spouse", max(19, age - 6), age + 5, gender if gender < 2 else 1, last)

    def twins(self, last: str, max_age: int) -> list[_Person]:
        rng = self.rng
        a, ga, b, gb = rng.choice(_TWINS)
        birth = self.t0 - rng.randint(365, max(1, max_age) * 365 + 364)
        return [_Person("child", ga, a, last, birth), _Person("child", gb, b, last, birth)]

    def contacts(self, members: list[_Person], show: str) -> None:
        rng, t0 = self.rng, self.t0
        adults = [p for p in members if p.role in ("head", "spouse", "dependent")]
        for p in adults:
            if rng.random() < 0.88:
                p.mobile = self.phone()
            if rng.random() < 0.22:
                p.work = self.phone()
            if rng.random() < 0.72:
                p.email = self.email_for(p.first, p.last)
        parent = next((p for p in adults if p.mobile), None)
        parent_email = next((p.email for p in adults if p.email), "")
        for p in members:
            if p.role != "child":
                continue
            age = (t0 - p.birth) // 365
            if age >= 13 and rng.random() < 0.5:
                p.mobile = self.phone()
            elif parent and rng.random() < 0.7:
                p.mobile = parent.mobile  # the parent's cell on the child's chart
            if parent_email and rng.random() < 0.6:
                p.email = parent_email
        if show == "messy":
            head, spouse = members[0], members[1]
            head.work, head.email = "(503) 555-0142 x12", "john@"
            spouse.mobile, spouse.email = "+44 20 7946 0958", "none"
            members[-1].mobile = "555.0143"

    def patient_row(self, p: _Person, head: _Person, members: list[_Person], clinic: int, group: int, pri: int,
                    sec: int, address: str, address2: str, city: str, state: str, zip_: str, home: str,
                    billing: int, show: str) -> None:
        rng, t0, d = self.rng, self.t0, self.d
        last, first = p.last, p.first
        r = rng.random()
        if r < 0.015 or (show == "messy" and p.role == "head"):
            last, first = last.upper(), first.upper()  # typed with caps lock on
        elif r < 0.03 or (show == "messy" and p.role == "spouse"):
            last, first = last + " ", first + "  "  # trailing blanks survive in real charts
        birth = d(p.birth)
        if (p.role != "child" and rng.random() < 0.01) or (show == "messy" and p.role == "dependent"):
            birth = NO_DATE
        hm, mobile, work, email = home, p.mobile, p.work, p.email
        x = rng.random()
        if x < 0.006:
            hm = "n/a"
        elif x < 0.01:
            mobile = "555.0143"
        elif x < 0.012:
            work = f"{self.phone()} x{rng.randint(10, 99)}"
        elif x < 0.014:
            email = "none"
        elif x < 0.016 and email:
            email = email.split("@")[0].split(".")[0] + "@"
        if show == "messy" and p.role == "child":
            hm = "n/a"
        couple = sum(1 for m in members if m.role in ("head", "spouse")) == 2
        position = 2 if p.role == "child" else 1 if couple and p.role in ("head", "spouse") else 0  # Child/Married/Single
        entry = t0 - rng.randint(30, 9 * 365) if p.status != 6 else t0 - rng.randint(0, 60)
        p.entry = max(entry, p.birth)
        chart = f"{p.num:06d}" if rng.random() < 0.1 else ""
        contact = rng.choice(_CONTACT)
        txt = rng.choice(_TXT)
        p.row = (
            p.num, last, first, p.middle, p.preferred, p.status, p.gender, position, birth, address, address2, city,
            state, zip_, hm, work, mobile, head.num, email, pri, sec, billing, chart,
            NO_DATE,  # DateFirstVisit, set in family() once the history is made
            clinic, contact if rng.random() < 0.5 else 0, contact, contact if rng.random() < 0.5 else 0,
            rng.choice(_LANGS), txt, f"{d(p.deceased)} 00:00:00" if p.deceased else NO_DATETIME,
            d(p.entry), "",  # DateTStamp, set in family()
        )
        p.perio = (t0 - p.birth) > 30 * 365 and rng.random() < 0.15
        if rng.random() < 0.03 or show == "twins" and p.role == "head":
            self.optout += 1
            sms, mail = _OPT_OUTS[rng.randrange(len(_OPT_OUTS))] if show != "twins" else (2048, 0)
            if rng.random() < 0.1:  # changed their mind: only the newest row counts
                self.buf["commoptout"].append((self.optout, p.num, 1, 1))
                self.optout += 1
            self.buf["commoptout"].append((self.optout, p.num, sms, mail))

    # -- chart activity -----------------------------------------------------------------------
    def appointment(self, p: _Person, status: int, o: int, minute: int, hygiene: bool, pattern: str, descript: str,
                    confirmed: int, clinic: int, group: int, *, note: str = "", unsched: int = 0,
                    new: int = 0, priority: int = 0, hyg_prov: int = 0, emit: bool = True) -> tuple[Any, ...]:
        rng = self.rng
        self.apt += 1
        dentists, hygienists, dent_ops, hyg_ops = _STAFF[group]
        prov = dentists[0]
        provhyg = hyg_prov or (rng.choice(hygienists) if hygiene else 0)
        op = rng.choice(hyg_ops if hygiene else dent_ops)
        when = NO_DATETIME if o == 0 else f"{self.d(o)} {_HM[minute]}"
        if status == _COMPLETE:
            arrived = f"{self.d(o)} {_HM[minute - 4]}"
            dismissed = f"{self.d(o)} {_HM[min(minute + 5 * len(pattern) + 3, 1439)]}"
        else:
            arrived = dismissed = NO_DATETIME
        base = o if o else self.t0 - 30
        entry_o = min(base - rng.randint(3, 150), self.yesterday)
        entry = f"{self.d(entry_o)} {_HM[rng.randrange(480, 1080)]}"
        changed = dismissed if status == _COMPLETE else self.stamp(o) if o and o < self.t0 else entry
        row = (self.apt, p.num, status, pattern, confirmed, op, note, prov, provhyg, when, 0, unsched, new, descript,
               clinic, int(hygiene), arrived, dismissed, priority, entry, changed)
        if emit:
            self.buf["appointment"].append(row)
        return row

    def hist(self, apt: tuple[Any, ...], action: int, o: int) -> None:
        self.hist_num += 1
        stamp = self.stamp(o)
        # copy of the appointment's columns at the time of the action
        self.buf["histappointment"].append((self.hist_num, 1, stamp, action, 0, apt[0], apt[1], apt[2], apt[3], apt[4],
                                            apt[7], apt[8], apt[9], apt[14], apt[15], apt[13], stamp))

    def procedure(self, p: _Person, code: str, status: int, o: int, apt: int, clinic: int, prov: int, *,
                  planned: int = 0, tp: int = 0) -> None:
        rng, d = self.rng, self.d
        self.proc += 1
        tooth = surf = ""
        if code in ("D2391", "D2140"):
            tooth, surf = rng.choice(_POSTERIOR), rng.choice(_SURF1)
        elif code == "D2392":
            tooth, surf = rng.choice(_POSTERIOR), rng.choice(_SURF2)
        elif code == "D2330":
            tooth, surf = rng.choice(_ANTERIOR), rng.choice(("M", "D", "F", "L"))
        elif code in ("D2740", "D2750", "D2950", "D3330", "D7140", "D7210", "D6010"):
            tooth = rng.choice(_POSTERIOR)
        elif code in ("D4341", "D4342"):
            surf = rng.choice(_QUADS)
        fee = _FEE[code]
        done = d(o) if status == _DONE else NO_DATE
        entry_o = tp or o
        self.buf["procedurelog"].append((
            self.proc, p.num, apt, planned, d(o), fee, surf, tooth, status, prov, clinic, _CODE[code],
            d(tp) if tp else NO_DATE, done, f"{d(min(entry_o, self.yesterday))} {_HM[rng.randrange(480, 1020)]}",
            # set complete at the end of the visit's day; otherwise edited some time after
            f"{d(o)} {_HM[rng.randrange(1020, 1140)]}" if status == _DONE else self.stamp(max(o, tp)),
        ))

    def history(self, p: _Person, clinic: int, group: int) -> None:
        rng, t0 = self.rng, self.t0
        st = p.status
        if st == 1 or p.role == "duplicate" and rng.random() < 0.7:
            return
        age_days = t0 - p.birth
        child = age_days < 12 * 365
        dentist = _STAFF[group][0][0]
        if st == 6:
            if rng.random() < 0.55:  # booked their first visit, not seen yet
                o = self.weekday(t0 + rng.randint(0, 45), True)
                descript = "CompEx, FMX, Pro"
                row = self.appointment(p, _SCHEDULED, o, rng.randrange(48, 97) * 10, True, "//XXXXXXXXXXXXXX//",
                                       descript, rng.choice(_FUTURE_CONFIRM), clinic, group, new=1)
                if rng.random() < 0.3:
                    self.hist(row, _H_CREATED, t0 - rng.randint(1, 30))
            return
        first_possible = max(p.birth + 2 * 365, t0 - 10 * 365, p.entry)
        if st in (2, 3):
            last = t0 - rng.randint(400, 2600)
        elif st == 5:
            last = p.deceased - rng.randint(30, 500)
        elif st == 4:
            last = t0 - rng.randint(30, 2000)
        else:
            x = rng.random()
            last = t0 - (rng.randint(1, 170) if x < 0.5 or p.show_all else rng.randint(170, 365) if x < 0.72
                         else rng.randint(365, 900) if x < 0.9 else rng.randint(900, 2400))
        if last < first_possible:
            last = first_possible + rng.randint(0, 60)
        if last >= t0 or last < first_possible or (p.deceased and last >= p.deceased):
            return  # too young for a first visit yet
        # Hygiene visits every ~6 months back from the last one.
        visits: list[int] = []
        v = last
        cap = 1 if st == 4 else 10
        while v >= first_possible and len(visits) < cap:
            visits.append(self.weekday(v, False))
            v -= rng.randint(155, 205)
        if visits[-1] < first_possible:
            visits.pop()
        if not visits:
            return
        first_visit = visits[-1]
        pattern = _PATTERN["D4910"] if p.perio else _PATTERN["D1120"] if child else _PATTERN["D1110"]
        clean = "D4910" if p.perio else "D1120" if child else "D1110"
        hyg_prov = rng.choice(_STAFF[group][1])
        last_apt = 0
        for i, o in enumerate(visits):
            bw = i % 2 == 0 and not child
            descript = f"{_ABBR[clean]}, PerEx" + (", 4BW" if bw else "") + (", Flo" if child else "")
            if i == len(visits) - 1:
                descript = "CompEx, FMX, " + _ABBR[clean]
            row = self.appointment(p, _COMPLETE, o, rng.randrange(48, 97) * 10, True, pattern, descript,
                                   rng.choice(_PAST_CONFIRM), clinic, group, hyg_prov=hyg_prov)
            if i == 0:
                last_apt = row[0]
        # Completed procedures for the latest hygiene visit only: enough history for the app,
        # without multiplying the file size.
        self.procedure(p, clean, _DONE, visits[0], last_apt, clinic, hyg_prov)
        if rng.random() < 0.6:
            self.procedure(p, "D0120", _DONE, visits[0], last_apt, clinic, dentist)
        if not child and rng.random() < 0.5:
            o = self.weekday(rng.randint(first_visit, max(first_visit, last)), False)
            code = rng.choice(_DONE_CODES)
            row = self.appointment(p, _COMPLETE, o, rng.randrange(48, 97) * 10, False, _PATTERN[code],
                                   _ABBR[code], rng.choice(_PAST_CONFIRM), clinic, group)
            self.procedure(p, code, _DONE, o, row[0], clinic, dentist)
        if rng.random() < 0.02:
            self.procedure(p, "D2750", rng.choice((_EC, _COND)), first_visit, 0, clinic, dentist)

        # The next hygiene visit, if booked.
        next_hyg = 0
        due = self.add_months(visits[0], 3 if p.perio else 6)
        if st == 0 and (t0 - visits[0] < 200 and rng.random() < 0.78 or p.show_all):
            o = self.weekday(max(due + rng.randint(-10, 20), t0 + rng.randint(0, 40)), True)
            self.appointment(p, _SCHEDULED, o, rng.randrange(48, 97) * 10, True, pattern,
                             f"{_ABBR[clean]}, PerEx", rng.choice(_FUTURE_CONFIRM), clinic, group, hyg_prov=hyg_prov)
            next_hyg = o

        # The ones that went wrong, and notes on the schedule.
        if st in (0, 2) and (rng.random() < 0.12 or p.show_all):
            o = self.weekday(rng.randint(first_visit, t0 - 1), False)
            row = self.appointment(p, _BROKEN, o, rng.randrange(48, 97) * 10, True, pattern, f"{_ABBR[clean]}, PerEx",
                                   rng.choice((_DEF["Left Msg"], _DEF["Unconfirmed"], _DEF["Texted"])), clinic, group)
            self.hist(row, _H_MISSED, o)
        if st == 0 and (rng.random() < 0.06 or p.show_all):
            o = self.weekday(rng.randint(max(first_visit, t0 - 400), t0 - 1), False)
            row = self.appointment(p, _UNSCHED, o, rng.randrange(48, 97) * 10, False, "//XXXX//", "C1(P)",
                                   _DEF["Unconfirmed"], clinic, group, unsched=rng.choice(_UNSCHED_DEFS),
                                   priority=int(rng.random() < 0.2))
            self.hist(row, _H_CANCELLED, o)
        if st == 0 and (rng.random() < 0.02 or p.show_all):
            o = self.weekday(t0 + rng.randint(0, 60), True)
            self.appointment(p, _NOTE, o, rng.randrange(48, 97) * 10, False, "//", "",
                             _DEF["Not Called"], clinic, group, note=rng.choice(_NOTES))
        if st in (0, 2) and (rng.random() < 0.02 or p.show_all):
            o = self.weekday(rng.randint(first_visit, t0 - 1), False)
            self.appointment(p, _NOTE_DONE, o, rng.randrange(48, 97) * 10, False, "//", "",
                             _DEF["Not Called"], clinic, group, note=rng.choice(_NOTES))
        if st == 0 and (rng.random() < 0.01 or p.show_all):
            # Deleted outright: the AptNum is gone, only the history row tells.
            o = self.weekday(t0 + rng.randint(1, 60), True)
            row = self.appointment(p, _SCHEDULED, o, rng.randrange(48, 97) * 10, False, "//XXXX//", "LimEx",
                                   _DEF["Not Called"], clinic, group, emit=False)
            self.hist(row, _H_DELETED, t0 - rng.randint(1, 20))

        # Treatment plans.
        if st in (0, 2) and not child and (rng.random() < (0.3 if st == 0 else 0.15) or p.show_all):
            self.treatment_plan(p, clinic, group, dentist, first_visit)

        self.recalls(p, visits, next_hyg, child)
        p.first_visit = first_visit

    def treatment_plan(self, p: _Person, clinic: int, group: int, dentist: int, first_visit: int) -> None:
        rng, t0 = self.rng, self.t0
        if p.show_all:
            modes: tuple[str, ...] = ("unscheduled", "planned", "scheduled", "inactive")
        else:
            x = rng.random()
            modes = ("unscheduled" if x < 0.55 else "planned" if x < 0.72 else "scheduled" if x < 0.95 else "inactive",)
        for mode in modes:
            tp = rng.randint(max(first_visit, t0 - 700), t0 - 1)
            if mode == "inactive":
                tp = min(tp, t0 - 400)
            code = rng.choice(_TP_CODES)
            codes = [code, "D2950"] if code in ("D2740", "D2750") and rng.random() < 0.5 else [code]
            if rng.random() < 0.2:
                codes.append(rng.choice(_TP_CODES))
            pattern = max((_PATTERN[c] for c in codes), key=len)
            descript = ", ".join(_ABBR[c] for c in codes)
            apt = planned = 0
            if mode == "planned":
                o = 0 if rng.random() < 0.3 else self.weekday(tp, False)  # some carry no date
                row = self.appointment(p, _PLANNED, o, 0, False, pattern, descript, _DEF["Not Called"], clinic, group)
                planned = row[0]
            elif mode == "scheduled" and p.status == 0:
                o = self.weekday(t0 + rng.randint(0, 90), True)
                row = self.appointment(p, _SCHEDULED, o, rng.randrange(48, 97) * 10, False, pattern, descript,
                                       rng.choice(_FUTURE_CONFIRM), clinic, group)
                apt = row[0]
            for i, c in enumerate(codes):
                status = _TPI if mode == "inactive" else _TP
                if rng.random() < 0.03 or (p.show_all and mode == "unscheduled" and i == 0):
                    # deleted from the plan (never physically removed)
                    self.procedure(p, c, _DELETED, tp, 0, clinic, dentist, tp=tp)
                    if p.show_all:
                        self.procedure(p, c, status, tp, apt, clinic, dentist, planned=planned, tp=tp)
                    continue
                self.procedure(p, c, status, tp, apt, clinic, dentist, planned=planned, tp=tp)

    def recalls(self, p: _Person, visits: list[int], next_hyg: int, child: bool) -> None:
        rng, t0, d = self.rng, self.t0, self.d
        if p.status not in (0, 2, 3, 5):
            return
        rtype, months = (_RT_PERIO, 3) if p.perio else (_RT_CHILD, 6) if child else (_RT_PROPHY, 6)
        plan = [(rtype, visits[0], self.add_months(visits[0], months), months * _MONTHS, next_hyg)]
        if not child and rng.random() < 0.65:
            prev = visits[0] if len(visits) < 2 or rng.random() < 0.5 else visits[1]
            plan.append((_RT_BW, prev, self.add_months(prev, 12), _YEARS, next_hyg if prev == visits[0] else 0))
        if not child and rng.random() < 0.22:
            prev = visits[-1]
            plan.append((_RT_PANO, prev, self.add_months(prev, 60), 5 * _YEARS, 0))
        for rt, prev, due_calc, interval, sched in plan:
            self.recall += 1
            due = due_calc if rng.random() < 0.95 else due_calc + rng.randint(-30, 60)  # user override
            disabled = int(rng.random() < 0.015 or p.status == 5 and rng.random() < 0.5)
            until = d(t0 + rng.randint(30, 200)) if not disabled and rng.random() < 0.004 else NO_DATE
            status = rng.choice(_UNSCHED_DEFS) if due < t0 and not sched and rng.random() < 0.12 else 0
            note = "Prefers mornings" if rng.random() < 0.02 else ""
            changed = self.stamp(max(prev, t0 - rng.randint(1, 60)) if sched else prev + rng.randint(0, 3))
            self.buf["recall"].append((
                self.recall, p.num, rt, d(due_calc), d(due), d(prev), interval, status, note, disabled, until,
                d(sched) if sched else NO_DATE, int(rng.random() < 0.02), changed,
            ))


_PAST_CONFIRM = (_DEF["Appointment Confirmed"],) * 6 + (_DEF["Texted"],) * 2 + (_DEF["Not Called"], _DEF["Arrived"])
_FUTURE_CONFIRM = (_DEF["Not Called"],) * 4 + (_DEF["Unconfirmed"],) * 2 + (
    _DEF["Left Msg"], _DEF["Texted"], _DEF["Texted"], _DEF["E-mailed"], _DEF["Appointment Confirmed"],
    _DEF["Appointment Confirmed"])
_NOTES = ("Call about insurance before visit", "Pt wants afternoon appts only", "Needs premed",
          "Ask about whitening", "Wants to be on ASAP list")


def _generate(spec: DemoSpec, chunk: int, progress: Progress | None) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Yield (table, rows) chunks: reference tables first, then families as they are made."""
    if spec.patients < 0:
        raise ValueError("patients must be >= 0")
    g = _Generator(spec)
    yield from g.static_rows()
    total = spec.patients
    step = max(1, total // 100)
    reported = 0
    index = 0
    while g.pat < total:
        g.family(index)
        index += 1
        if g.pat > total:
            _trim(g, total)
        for table, rows in g.buf.items():
            if len(rows) >= chunk:
                yield table, rows
                g.buf[table] = []
        if progress is not None and g.pat - reported >= step:
            reported = g.pat
            progress(min(g.pat, total), total)
    for table, rows in g.buf.items():
        if rows:
            yield table, rows
    if progress is not None:
        progress(total, total)


def _trim(g: _Generator, total: int) -> None:
    """The last family may overshoot the requested size: drop its extra members and their rows."""
    for table, col in (("patient", 0), ("guardian", 1), ("commoptout", 1), ("appointment", 1),
                       ("histappointment", 6), ("recall", 1), ("procedurelog", 1)):
        rows = g.buf[table]
        g.buf[table] = [r for r in rows if r[col] <= total and (table != "guardian" or r[2] <= total)]
    # The head may have been numbered after the children and cut off: the first member kept
    # becomes the family's guarantor.
    kept = g.buf["patient"]
    heads: dict[int, int] = {}
    for i, r in enumerate(kept):
        if r[17] > total:
            kept[i] = r[:17] + (heads.setdefault(r[17], r[0]),) + r[18:]
    g.pat = total
