"""Full and incremental PMS sync against MariaDB over ODBC, with a plain pyodbc baseline.

Baseline: the same rows (every patient, appointment and recall, treatment-planned procedures)
fetched with one plain SELECT per table and cursor.fetchmany, doing nothing with them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyodbc  # noqa: E402

from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor  # noqa: E402
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


def plain_fetch(conn_str: str) -> tuple[float, int]:
    start = time.perf_counter()
    conn = pyodbc.connect(conn_str, autocommit=True)
    rows = 0
    for sql in BASELINE:
        cur = conn.execute(sql)
        while batch := cur.fetchmany(5000):
            rows += len(batch)
    conn.close()
    return time.perf_counter() - start, rows


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

            baseline_times = []
            for _ in range(2):
                seconds, rows = plain_fetch(server.odbc("od_bench"))
                baseline_times.append(seconds)
            baseline = min(baseline_times)
            print(f"plain pyodbc fetch of the same rows: {rows:,} rows in {baseline:.2f} s (best of 2)")

            args.keep.parent.mkdir(parents=True, exist_ok=True)
            if args.keep.exists():
                args.keep.unlink()
            engine = make_engine(f"sqlite+pysqlite:///{args.keep.as_posix()}")
            migrate.upgrade(engine)
            uow = SqlUnitOfWorkFactory(make_session_factory(engine))
            settings = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, driver="MariaDB Unicode", host="127.0.0.1",
                                          port=server.port, database="od_bench", user="root", password=server.root_password)
            reader = open_reader(settings)
            t = time.perf_counter()
            report = sync_pms(uow_factory=uow, reader=reader, mode=FULL)
            full = time.perf_counter() - t
            print(f"full sync into a fresh SQLite mirror: {report.read:,} rows in {full:.2f} s "
                  f"-> ratio {full / baseline:.2f}x (goal <= 1.5x)")

            times = []
            for _ in range(5):
                t = time.perf_counter()
                sync_pms(uow_factory=uow, reader=reader, mode=INCREMENTAL)
                times.append(time.perf_counter() - t)
            print(f"incremental cycle, no changes: median {statistics.median(times):.3f} s, max {max(times):.3f} s (goal <= 0.5 s)")

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
