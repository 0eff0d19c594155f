"""CSV bulk create: preview and import of a large file against a synced demo practice (SQLite store).

    .venv/bin/python bench/import_bench.py --rows 50000 --charts 20000

The file mixes new people (85 %), people who are charts already (10 %, matched through the
match-key index) and invalid rows (5 %). Baseline, measured in the same run: reading the same
bytes with the standard csv module and doing nothing with the rows. Prints seconds and ratios.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor  # noqa: E402
from engage_desktop.domain.rights import SYSTEM  # noqa: E402
from engage_desktop.pms import demo, open_reader  # noqa: E402
from engage_desktop.services import patient_import, patients  # noqa: E402
from engage_desktop.services.patient_import import Outcome  # noqa: E402
from engage_desktop.services.pms_sync import FULL, sync_pms  # noqa: E402
from engage_desktop.store import migrate  # noqa: E402
from engage_desktop.store.engine import make_engine, make_session_factory  # noqa: E402
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory  # noqa: E402

FIRST = "Ada Bea Cyrus Dara Eli Faye Gus Hana Ivo Jun Kai Lio Mae Nia Oto Pia Quin Rae Sol Teo Uma Vic Wyn Xia Yul Zed".split()
LAST = "Abbott Brandt Castro Dimitrov Eklund Farouk Gallo Horvath Ibsen Jovanovic Kowalski Lindgren Moreau Novak".split()


def build_csv(uow_factory, rows: int, rng: random.Random) -> bytes:
    charts = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="").ids
    known = [r for r in patients.patient_rows(uow_factory=uow_factory, actor=SYSTEM, ids=charts[:5000])
             if r.birthdate and r.phone]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["First name", "Last name", "Birthdate", "Mobile", "Email"])
    for i in range(rows):
        kind = rng.random()
        if kind < 0.10 and known:
            r = rng.choice(known)
            last, first = r.name.split(", ", 1)
            writer.writerow([first.split(" (")[0], last, f"{r.birthdate:%m/%d/%Y}", r.phone, ""])
        elif kind < 0.15:
            writer.writerow([rng.choice(FIRST), rng.choice(LAST), "13/45/1990", "12", "not-an-email"])
        else:
            year, month, day = rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28)
            writer.writerow([f"{rng.choice(FIRST)}{i}", rng.choice(LAST), f"{month}/{day}/{year}",
                             f"(503) 55{i // 10000 % 10}-{i % 10000:04d}", f"person{i}@example.com"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--charts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        pms = Path(tmp) / "demo.sqlite"
        demo.write_sqlite(pms, demo.DemoSpec(patients=args.charts, seed=args.seed))
        engine = make_engine(f"sqlite:///{Path(tmp) / 'engage.db'}")
        migrate.upgrade(engine)
        uow_factory = SqlUnitOfWorkFactory(make_session_factory(engine))
        reader = open_reader(ConnectionSettings(vendor=Vendor.OPEN_DENTAL, sqlite_path=str(pms)))
        sync_pms(uow_factory=uow_factory, reader=reader, mode=FULL)
        reader.close()
        data = build_csv(uow_factory, args.rows, random.Random(args.seed))

        start = time.perf_counter()
        baseline_rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        preview = patient_import.preview_import(uow_factory=uow_factory, actor=SYSTEM, data=data, file_name="bench.csv",
                                                default_location="1")
        previewed = time.perf_counter() - start
        start = time.perf_counter()
        result = patient_import.run_import(uow_factory=uow_factory, actor=SYSTEM, preview=preview)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        again = patient_import.preview_import(uow_factory=uow_factory, actor=SYSTEM, data=data, file_name="bench.csv",
                                              default_location="1")
        repreviewed = time.perf_counter() - start
        engine.dispose()

    print(f"file: {len(data) / 1e6:.1f} MB, {baseline_rows - 1:,} rows; store: {args.charts:,} charts (SQLite)")
    print("outcomes: " + ", ".join(f"{o.value} {preview.count(o):,}" for o in Outcome if preview.count(o)))
    print(f"baseline csv.reader:  {baseline:7.2f} s")
    print(f"preview (validate + match): {previewed:7.2f} s  ({previewed / baseline:,.0f}x baseline)")
    print(f"import {result.created:,} rows:   {imported:7.2f} s  ({imported / baseline:,.0f}x baseline)")
    print(f"re-import preview:    {repreviewed:7.2f} s; would create {len(again.new):,}")


if __name__ == "__main__":
    main()
