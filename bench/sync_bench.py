"""Full and incremental PMS sync against MariaDB over ODBC, with a plain pyodbc baseline.

Baseline: the same rows (every patient, appointment and recall, treatment-planned procedures)
fetched with one plain SELECT per table and cursor.fetchmany, doing nothing with them.

Two floors show how far the full sync could get: the sync's own statements fetched and thrown
away (the reading half with no Python work per row), and SQLite writing the finished mirror's
rows into an empty store with INSERT ... SELECT (the writing half with no Python at all). CPU
seconds of this process and of the MariaDB server say what two cores could do in parallel.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyodbc  # noqa: E402

from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor  # noqa: E402
from engage_desktop.domain.ports import Entity  # noqa: E402
from engage_desktop.pms import demo, open_reader  # noqa: E402
from engage_desktop.services.pms_sync import FULL, INCREMENTAL, sync_pms  # noqa: E402
from engage_desktop.store import migrate  # noqa: E402
from engage_desktop.store.engine import make_engine, make_session_factory  # noqa: E402
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory  # noqa: E402
from tests.servers import start_mariadb  # noqa: E402

BASELINE = [
    "SELECT * FROM patient",
    "SELECT * FROM appointment",
    "SELECT * FROM recall",
    "SELECT * FROM procedurelog WHERE ProcStatus IN (1, 8)",
]


# The mirror's tables in the order the sync fills them; INSERT ... SELECT copies them for the write floor.
MIRROR_TABLES = ("pms_location", "pms_provider", "pms_patient", "pms_patient_search", "pms_patient_match_key",
                 "pms_appointment", "pms_recall", "pms_procedure")
ENTITY_TABLES = ("pms_location", "pms_provider", "pms_patient", "pms_appointment", "pms_recall", "pms_procedure")


class CpuMeter:
    """Wall time, this process's CPU time and another process's CPU time (Linux /proc) over a block."""

    def __init__(self, server_pid: int) -> None:
        self.stat = Path(f"/proc/{server_pid}/stat")

    def _server_cpu(self) -> float:
        if not self.stat.exists():
            return float("nan")
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def __enter__(self):
        self._start = (time.perf_counter(), time.process_time(), self._server_cpu())
        return self

    def __exit__(self, *exc: object) -> None:
        wall, cpu, server = self._start
        self.wall = time.perf_counter() - wall
        self.cpu = time.process_time() - cpu
        self.server_cpu = self._server_cpu() - server

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU: this process {self.cpu:.2f} s, MariaDB {self.server_cpu:.2f} s)"


def plain_fetch(conn_str: str, meter: CpuMeter) -> tuple[CpuMeter, int]:
    rows = 0
    with meter:
        conn = pyodbc.connect(conn_str, autocommit=True)
        for sql in BASELINE:
            cur = conn.execute(sql)
            while batch := cur.fetchmany(5000):
                rows += len(batch)
        conn.close()
    return meter, rows


def own_statements_fetch(reader, meter: CpuMeter, batch_size: int = 5000) -> tuple[CpuMeter, int]:
    """The full sync's own keyset-paged statements, every row fetched and nothing done with it."""
    rows = 0
    with meter:
        cur = reader.connection.cursor()
        for entity in (Entity.PATIENTS, Entity.APPOINTMENTS, Entity.RECALLS, Entity.PROCEDURES):
            q = reader.queries[entity]
            sql = reader.sql(q.sql_file, changed_filter=q.full_filter, top="", limit=f"LIMIT {batch_size}")
            key = -(2**62)
            while True:
                page = cur.execute(sql, (key,)).fetchall()
                rows += len(page)
                if len(page) < batch_size:
                    break
                key = getattr(page[-1], q.key_column)
        cur.close()
    return meter, rows


def sqlite_write_floor(mirror: Path, scratch: Path) -> float:
    """Seconds for SQLite alone to write the synced mirror's rows into an empty store, as a first load does.

    Secondary indexes of the entity tables are dropped first and built after (what the sync's
    first load does); the search and match-key tables keep theirs (the sync writes them that way).
    """
    if scratch.exists():
        scratch.unlink()
    empty = make_engine(f"sqlite+pysqlite:///{scratch.as_posix()}")
    migrate.upgrade(empty)
    empty.dispose()
    conn = sqlite3.connect(scratch, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' "
        f"AND tbl_name IN ({', '.join('?' * len(ENTITY_TABLES))})", ENTITY_TABLES).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("ATTACH DATABASE ? AS synced", (str(mirror),))
    start = time.perf_counter()
    for table in MIRROR_TABLES:
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO main.{table} SELECT * FROM synced.{table}")
        conn.execute("COMMIT")
    for _, sql in indexes:
        conn.execute(sql)
    seconds = time.perf_counter() - start
    conn.execute("DETACH DATABASE synced")
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=ROOT / "bench" / "results" / "mirror.db")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        base = Path(tmp)
        base.chmod(0o755)
        server = start_mariadb(base)
        try:
            admin = pyodbc.connect(server.odbc(), autocommit=True)
            admin.execute("CREATE DATABASE od_bench CHARACTER SET utf8mb4")
            admin.close()
            t = time.perf_counter()
            conn = pyodbc.connect(server.odbc("od_bench"))
            summary = demo.load_into(conn, "mysql", demo.DemoSpec(patients=args.patients))
            conn.close()
            print(f"loaded demo practice into MariaDB in {time.perf_counter() - t:.1f} s: {summary}")

            runs = [plain_fetch(server.odbc("od_bench"), CpuMeter(server.process.pid)) for _ in range(2)]
            plain, rows = min(runs, key=lambda run: run[0].wall)
            baseline = plain.wall
            print(f"plain pyodbc fetch of the same rows: {rows:,} rows in {plain} (best of 2)")

            args.keep.parent.mkdir(parents=True, exist_ok=True)
            if args.keep.exists():
                args.keep.unlink()
            engine = make_engine(f"sqlite+pysqlite:///{args.keep.as_posix()}")
            migrate.upgrade(engine)
            uow = SqlUnitOfWorkFactory(make_session_factory(engine))
            settings = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, driver="MariaDB Unicode", host="127.0.0.1",
                                          port=server.port, database="od_bench", user="root", password=server.root_password)
            reader = open_reader(settings)
            own, own_rows = min((own_statements_fetch(reader, CpuMeter(server.process.pid)) for _ in range(2)),
                                key=lambda run: run[0].wall)
            print(f"the sync's own statements, fetched and thrown away: {own_rows:,} rows in {own} "
                  f"= {own.wall / baseline:.2f}x the baseline")
            with CpuMeter(server.process.pid) as sync_meter:
                report = sync_pms(uow_factory=uow, reader=reader, mode=FULL)
            full = sync_meter.wall
            print(f"full sync into a fresh SQLite mirror: {report.read:,} rows in {sync_meter} "
                  f"-> ratio {full / baseline:.2f}x (goal <= 1.5x)")
            scratch = args.keep.with_name("write-floor.db")
            write = sqlite_write_floor(args.keep, scratch)
            scratch.unlink()
            cores = os.cpu_count() or 1
            print(f"SQLite alone writing the same mirror into an empty store: {write:.2f} s")
            print(f"  floor with no Python work per row, one process: {own.wall:.2f} + {write:.2f} s "
                  f"= {(own.wall + write) / baseline:.2f}x the baseline")
            print(f"  the sync's CPU over {cores} cores (perfect parallelism): "
                  f"{(sync_meter.cpu + sync_meter.server_cpu) / cores:.2f} s "
                  f"= {(sync_meter.cpu + sync_meter.server_cpu) / cores / baseline:.2f}x the baseline")

            with CpuMeter(server.process.pid) as again:
                report = sync_pms(uow_factory=uow, reader=reader, mode=FULL)
            print(f"a second full reconciliation (nothing changed; every row rewritten to mark it seen): "
                  f"{report.read:,} rows in {again}")

            times = []
            for _ in range(5):
                t = time.perf_counter()
                sync_pms(uow_factory=uow, reader=reader, mode=INCREMENTAL)
                times.append(time.perf_counter() - t)
            print(f"incremental cycle, no changes: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
                  "(goal <= 0.5 s)")

            w = pyodbc.connect(server.odbc("od_bench"), autocommit=True)
            w.execute("DO SLEEP(1.1)")
            # MySQL bumps DateTStamp only when a value really changes.
            w.execute("UPDATE patient SET Address2 = CONCAT(Address2, ' #5') WHERE PatNum % 400 = 7 LIMIT 250")
            w.execute("UPDATE appointment SET Note = CONCAT(Note, ' moved') WHERE AptNum % 2400 = 3 LIMIT 250")
            w.close()
            t = time.perf_counter()
            report = sync_pms(uow_factory=uow, reader=reader, mode=INCREMENTAL)
            changed = time.perf_counter() - t
            print(f"incremental cycle with changed rows: {report.read:,} rows read in {changed:.3f} s (goal <= 2 s for 500)")
            reader.close()
            engine.dispose()
            print(f"mirror kept at {args.keep} for search_bench.py and startup_bench.py")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
