"""The read loop every vendor shares: SQL from files, keyset pages, pure row mappers.

Each page is its own short statement in autocommit mode, so a sync never holds a long
transaction, snapshot or table lock on the PMS database (real Open Dental installs often run
MyISAM, where a long SELECT blocks the practice's own writes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from engage_desktop.domain.errors import PmsError
from engage_desktop.domain.pms_records import SchemaReport
from engage_desktop.domain.ports import Batch, Entity, PmsRecord
from engage_desktop.pms import mapping
from engage_desktop.pms.odbc import ConnectionSettings, PmsConnectionError, connect

log = logging.getLogger(__name__)

Mapper = Callable[[Mapping[str, Any], str], PmsRecord]


@dataclass(frozen=True)
class EntityQuery:
    """How one entity is read: the SQL file, its key column and the row mapper."""

    sql_file: str
    key_column: str  # as named in the SELECT list (lower case)
    mapper: Mapper
    numeric_key: bool = True
    changed_column: str | None = None  # qualified column for "changed since", None = no stamps
    full_filter: str = ""  # extra condition for a full pass (e.g. only treatment-planned rows)


class SqlFileReader:
    """Base for the vendor readers. Subclasses set ``vendor``, ``queries`` and ``expected``."""

    vendor: str = ""
    sql_package: str = ""
    queries: dict[Entity, EntityQuery] = {}
    # table or view -> columns a reader needs; names may use {placeholders} from ``object_names``
    expected: dict[str, tuple[str, ...]] = {}
    object_names: dict[str, str] = {}  # defaults for configurable (UNCONFIRMED) names
    paging: str = "limit"  # "limit" (LIMIT n at the end) or "top" (SELECT TOP n)

    def __init__(self, settings: ConnectionSettings, *, region: str = "US") -> None:
        self.settings = settings
        self.region = region
        self._conn: Any = None
        self.names = {**self.object_names, **{k: v for k, v in settings.overrides.items() if k in self.object_names}}
        if "paging" in settings.overrides:
            self.paging = settings.overrides["paging"]

    # -- connection ---------------------------------------------------------------------
    @property
    def connection(self) -> Any:
        if self._conn is None:
            self._conn = connect(self.settings)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL ----------------------------------------------------------------------------
    def sql(self, name: str, **extra: str) -> str:
        text = resources.files(self.sql_package).joinpath(f"{name}.sql").read_text(encoding="utf-8")
        return text.format(**self.names, **extra)

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cur = self.connection.cursor()
        try:
            cur.execute(sql, params)
            cols = [d[0].lower() for d in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        except PmsConnectionError:
            raise
        except Exception as exc:  # driver errors: report the statement name, not the data
            failure = exc
        finally:
            try:
                cur.close()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass
        # The connection may be dead (server restarted, network): the next call reconnects.
        self.close()
        raise PmsError(f"The {self.vendor} database rejected a query or dropped the connection "
                       f"({type(failure).__name__}); the next sync tries again.") from failure

    # -- PmsReader ----------------------------------------------------------------------
    def supports_changes_since(self, entity: Entity) -> bool:
        return self.queries[entity].changed_column is not None

    def server_now(self) -> datetime:
        rows = self.fetch(self.sql("server_now"))
        value = mapping.to_datetime(next(iter(rows[0].values())))
        if value is None:
            raise PmsError(f"The {self.vendor} server did not report its clock.")
        return value

    def read_batch(
        self, entity: Entity, *, after_key: str | None, changed_since: datetime | None, limit: int
    ) -> Batch:
        q = self.queries[entity]
        params: list[Any] = [self._key_param(q, after_key)]
        changed_filter = q.full_filter
        if changed_since is not None and q.changed_column:
            changed_filter = f"AND {q.changed_column} >= ?"
            params.append(changed_since.strftime("%Y-%m-%d %H:%M:%S"))
        limit = max(1, int(limit))
        top, tail = (f"TOP {limit}", "") if self.paging == "top" else ("", f"LIMIT {limit}")
        rows = self.fetch(self.sql(q.sql_file, changed_filter=changed_filter, top=top, limit=tail), tuple(params))
        records: list[PmsRecord] = []
        rejected = 0
        for row in rows:
            try:
                records.append(q.mapper(row, self.region))
            except (mapping.RowError, ValueError, TypeError) as exc:
                rejected += 1
                # RowError names a column only; other messages may quote the value itself.
                why = str(exc) if isinstance(exc, mapping.RowError) else type(exc).__name__
                log.warning("%s: skipped a %s row with key %s: %s", self.vendor, entity.value, row.get(q.key_column), why)
        next_key = str(rows[-1][q.key_column]) if len(rows) >= limit else None
        return Batch(records=records, next_key=next_key, rows_read=len(rows), rows_rejected=rejected)

    def _key_param(self, q: EntityQuery, after_key: str | None) -> Any:
        if q.numeric_key:
            return int(after_key) if after_key not in (None, "") else -(2**62)
        return after_key or ""

    def check_schema(self) -> SchemaReport:
        """Ask for zero rows of every expected object; what fails or lacks a column is missing."""
        missing_objects: list[str] = []
        missing_columns: list[str] = []
        for raw_name, columns in self.expected.items():
            name = raw_name.format(**self.names)
            cur = self.connection.cursor()
            try:
                cur.execute(f"SELECT * FROM {name} WHERE 1 = 0")
                present = {d[0].lower() for d in cur.description}
            except Exception:  # noqa: BLE001 - any failure means the object is not usable
                missing_objects.append(name)
                continue
            finally:
                cur.close()
            for col in columns:
                col = col.format(**self.names)
                if col.lower() not in present:
                    missing_columns.append(f"{name}.{col}")
        return SchemaReport(
            vendor=self.vendor,
            missing_objects=tuple(missing_objects),
            missing_columns=tuple(missing_columns),
            server_version=self.server_version(),
        )

    def server_version(self) -> str:
        return ""
