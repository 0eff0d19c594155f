"""What the reverse-engineered vendors (Dentrix, Eaglesoft) add to ``SqlFileReader``:
per-install code settings, connection init SQL, and paging over composite keys."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from engage_desktop.domain.errors import ConfigurationError, PmsError
from engage_desktop.domain.pms_records import SchemaReport
from engage_desktop.domain.ports import Batch, Entity, PmsRecord
from engage_desktop.pms import mapping as m
from engage_desktop.pms.odbc import ConnectionSettings, FailureKind, PmsConnectionError, connect
from engage_desktop.pms.sql_reader import EntityQuery, SqlFileReader

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Enum)


# ---------------------------------------------------------------------------------------------
# Code settings: parsing helpers shared with the Eaglesoft reader
# ---------------------------------------------------------------------------------------------
def code_key(value: Any) -> str:
    """One spelling per code: 150, 150.0, '150' and b'150' -> '150'; text codes upper-cased."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    s = m.text(value)
    try:
        return str(int(s))
    except ValueError:
        pass
    try:
        f = float(s)
    except ValueError:
        return s.upper()
    return str(int(f)) if f.is_integer() else s.upper()


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | int | float):
        return [p for p in m.text(value).split(",") if p.strip()]
    if isinstance(value, Mapping):
        return [f"{k}={v}" for k, v in value.items()]
    return list(value)


def parse_codes(value: Any) -> frozenset[str]:
    """'-106, 150' (or a list) -> {'-106', '150'}; '' -> no codes."""
    return frozenset(k for k in (code_key(v) for v in _items(value)) if k)


def parse_code_map(value: Any, enum_type: type[E], setting: str) -> dict[str, E]:
    """'1=active, 2=non_patient' (':' also accepted) -> {'1': E.ACTIVE, '2': E.NON_PATIENT}."""
    result: dict[str, E] = {}
    for item in _items(value):
        text = m.text(item)
        code, sep, name = text.partition("=" if "=" in text else ":")
        if not sep or not code.strip():
            raise ConfigurationError(f"setting {setting!r}: expected CODE=value pairs, got {text!r}")
        try:
            result[code_key(code)] = enum_type(name.strip().lower())
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum_type)
            raise ConfigurationError(f"setting {setting!r}: unknown value {name.strip()!r} (allowed: {allowed})") from None
    return result


def parse_text_map(value: Any, setting: str) -> dict[str, str]:
    """'1=Main Street, 2=Downtown' -> {'1': 'Main Street', '2': 'Downtown'}."""
    result: dict[str, str] = {}
    for item in _items(value):
        code, sep, name = m.text(item).partition("=")
        if not sep or not code.strip():
            raise ConfigurationError(f"setting {setting!r}: expected CODE=text pairs, got {m.text(item)!r}")
        result[code_key(code)] = name.strip()
    return result


def parse_int(value: Any, setting: str) -> int:
    try:
        return int(m.text(value))
    except ValueError:
        raise ConfigurationError(f"setting {setting!r}: expected a number, got {m.text(value)!r}") from None


def sql_literals(codes: Iterable[str]) -> str:
    """Codes as a SQL IN-list: numbers bare, text quoted (quotes doubled)."""
    out = []
    for c in sorted(codes):
        try:
            out.append(str(int(c)))
        except ValueError:
            out.append("'" + c.replace("'", "''") + "'")
    return ", ".join(out)


def key_part(row: Mapping[str, Any], column: str) -> str:
    """A part of a composite id. Unlike ``mapping.ident`` it keeps 0, a valid line number."""
    raw = row.get(column)
    value = m.text(raw) if isinstance(raw, str) else code_key(raw)
    if value == "":
        raise m.RowError(f"missing {column}")
    return value


def _init_statements(value: Any) -> tuple[str, ...]:
    """``init_sql`` override: one statement (str) or a list of statements, run after connect."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return tuple(str(s).strip() for s in value if str(s).strip())


# ---------------------------------------------------------------------------------------------
# Shared reader base for the reverse-engineered vendors
# ---------------------------------------------------------------------------------------------
class VendorSqlReader(SqlFileReader):
    """``SqlFileReader`` plus per-install codes, connection init SQL and composite-key paging.

    - ``settings.overrides["init_sql"]``: statements run right after connecting (e.g.
      ``ATTACH`` for the SQLite fixtures, or SQL Anywhere's ``SET TEMPORARY OPTION
      connection_authentication=...`` that halo3 runs as ``connection_init_sql``).
    - ``grouped``: entities whose rows have no single-column key. They are paged by a group
      column (the patient id): a page never splits a group, and a group larger than the page
      is read whole in a second statement.
    - ``queries`` and ``expected`` are built per instance, because settings decide them.
    """

    grouped: dict[Entity, str] = {}  # entity -> qualified group column, e.g. "r.patient_id"

    def __init__(self, settings: ConnectionSettings, *, region: str = "US") -> None:
        super().__init__(settings, region=region)
        self.init_sql = _init_statements(settings.overrides.get("init_sql"))
        self.fragments = self.sql_fragments()
        self.queries = self.build_queries()
        self.expected = self.build_expected()

    # -- hooks for subclasses ---------------------------------------------------------------
    def sql_fragments(self) -> dict[str, str]:
        """Extra SQL placeholders computed from settings (optional joins and the like)."""
        return {}

    def build_queries(self) -> dict[Entity, EntityQuery]:
        return dict(type(self).queries)

    def build_expected(self) -> dict[str, tuple[str, ...]]:
        return dict(type(self).expected)

    def unconfirmed_notes(self) -> tuple[str, ...]:
        return ()

    # -- connection -------------------------------------------------------------------------
    @property
    def connection(self) -> Any:
        if self._conn is None:
            conn = connect(self.settings)
            for statement in self.init_sql:
                try:
                    cur = conn.cursor()
                    try:
                        cur.execute(statement)
                    finally:
                        cur.close()
                except Exception as exc:  # noqa: BLE001 - any driver error: report it, keep no half-set-up connection
                    try:
                        conn.close()
                    finally:
                        raise PmsConnectionError(
                            FailureKind.OTHER,
                            f"A connection setup statement (init_sql) was refused by the {self.vendor} database.",
                            str(exc),
                        ) from None
            self._conn = conn
        return self._conn

    # -- SQL --------------------------------------------------------------------------------
    def sql(self, name: str, **extra: str) -> str:
        return super().sql(name, **{**self.fragments, **extra})

    def _page_clauses(self, limit: int) -> tuple[str, str]:
        return (f"TOP {limit}", "") if self.paging == "top" else ("", f"LIMIT {limit}")

    def server_now(self) -> datetime:
        try:
            return super().server_now()
        except PmsError as exc:
            if any(q.changed_column for q in self.queries.values()):
                raise PmsError(
                    f"The {self.vendor} server did not report its clock; check the 'now_expression' and "
                    "'now_from' settings."
                ) from exc
            # No entity reads "changed since": the cursor is never used, so our clock will do.
            log.warning("%s: server clock query failed; using the local clock (no change stamps in use)", self.vendor)
            return datetime.now().replace(microsecond=0)

    # -- reading ----------------------------------------------------------------------------
    def read_batch(self, entity: Entity, *, after_key: str | None, changed_since: datetime | None, limit: int) -> Batch:
        if entity in self.grouped:
            return self._read_grouped(entity, after_key=after_key, changed_since=changed_since, limit=limit)
        return super().read_batch(entity, after_key=after_key, changed_since=changed_since, limit=limit)

    def _read_grouped(self, entity: Entity, *, after_key: str | None, changed_since: datetime | None, limit: int) -> Batch:
        q = self.queries[entity]
        group_column = self.grouped[entity]
        start = self._key_param(q, after_key)
        changed_filter, changed_params = q.full_filter, []
        if changed_since is not None and q.changed_column:
            changed_filter = f"AND {q.changed_column} >= ?"
            changed_params = [changed_since.strftime("%Y-%m-%d %H:%M:%S")]
        limit = max(1, int(limit))
        top, tail = self._page_clauses(limit)
        rows = self.fetch(
            self.sql(q.sql_file, changed_filter=changed_filter, top=top, limit=tail, upper_filter=""),
            (start, *changed_params),
        )
        next_key = None
        if len(rows) >= limit:
            last = rows[-1][q.key_column]
            kept = [r for r in rows if r[q.key_column] != last]
            if kept:  # the last group may continue past this page: read it next time
                rows = kept
            else:  # one group fills the page: read that group whole
                rows = self.fetch(
                    self.sql(q.sql_file, changed_filter=changed_filter, top="", limit="",
                             upper_filter=f"AND {group_column} <= ?"),
                    (start, last, *changed_params),
                )
            next_key = str(rows[-1][q.key_column])
        records, rejected = self._map_rows(entity, q, rows)
        return Batch(records=records, next_key=next_key, rows_read=len(rows), rows_rejected=rejected)

    def _map_rows(self, entity: Entity, q: EntityQuery, rows: list[dict[str, Any]]) -> tuple[list[PmsRecord], int]:
        records: list[PmsRecord] = []
        rejected = 0
        for row in rows:
            try:
                records.append(q.mapper(row, self.region))
            except (m.RowError, ValueError, TypeError) as exc:
                rejected += 1
                log.warning("%s: skipped a %s row with key %s: %s", self.vendor, entity.value, row.get(q.key_column), exc)
        return records, rejected

    def check_schema(self) -> SchemaReport:
        report = super().check_schema()
        return replace(report, notes=tuple(report.notes) + self.unconfirmed_notes())


# ---------------------------------------------------------------------------------------------
# Dentrix codes
