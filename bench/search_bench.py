"""Patient search latency per keystroke over the mirror built by sync_bench.py.

Each keystroke does what the Patients view does: search, then load the first page of rows.
Baseline in the same run: a naive LIKE '%term%' scan over names, the obvious alternative.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import or_, select  # noqa: E402

from engage_desktop.domain.contacts import national_digits  # noqa: E402
from engage_desktop.domain.rights import SYSTEM  # noqa: E402
from engage_desktop.services.patients import patient_rows, search_patients  # noqa: E402
from engage_desktop.store.engine import make_engine, make_session_factory  # noqa: E402
from engage_desktop.store.models import PatientRecord  # noqa: E402
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory  # noqa: E402


def keystrokes(text: str, start: int = 1) -> list[str]:
    return [text[:i] for i in range(start, len(text) + 1)]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=ROOT / "bench" / "results" / "mirror.db")
    parser.add_argument("--people", type=int, default=150)
    args = parser.parse_args()
    engine = make_engine(f"sqlite+pysqlite:///{args.mirror.as_posix()}")
    uow = SqlUnitOfWorkFactory(make_session_factory(engine))
    rng = random.Random(7)
    with uow() as u:
        total = u.session.query(PatientRecord).count()
        sample = u.session.execute(
            select(PatientRecord.first_name, PatientRecord.last_name, PatientRecord.mobile_phone, PatientRecord.email,
                   PatientRecord.birthdate).where(PatientRecord.id.in_(rng.sample(range(1, total + 1), args.people)))
        ).all()
    typed: list[str] = []
    for first, last, mobile, email, birthdate in sample:
        typed += keystrokes(last.lower())
        typed += [f"{last} {first[:i]}" for i in range(1, len(first) + 1)]
        if mobile:
            digits = national_digits(mobile)
            typed += keystrokes(f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", 3)
        if email:
            typed += keystrokes(email[:8], 2)
        if birthdate:
            typed.append(birthdate.strftime("%m/%d/%Y"))
    times = []
    for text in typed:
        t = time.perf_counter()
        result = search_patients(uow_factory=uow, actor=SYSTEM, text=text)
        patient_rows(uow_factory=uow, actor=SYSTEM, ids=result.ids[:60])
        times.append((time.perf_counter() - t) * 1000)
    naive = []
    for text in typed[:: max(1, len(typed) // 300)]:
        t = time.perf_counter()
        with uow() as u:
            like = f"%{text}%"
            p = PatientRecord
            matches = or_(p.last_name.ilike(like), p.first_name.ilike(like), p.email.ilike(like),
                          p.mobile_phone_raw.like(like))
            u.session.execute(select(p.id).where(matches).order_by(p.sort_name).limit(5001)).all()
        naive.append((time.perf_counter() - t) * 1000)
    print(f"{total:,} patients in the mirror, {len(times):,} keystrokes (search + first page of rows)")
    print(f"per keystroke: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
          f"max {max(times):.1f} ms (goal p95 <= 50 ms)")
    print(f"baseline LIKE scan: p50 {statistics.median(naive):.1f} ms, p95 {percentile(naive, 95):.1f} ms "
          f"-> indexed search is {percentile(naive, 95) / percentile(times, 95):.1f}x faster at p95")
    engine.dispose()


if __name__ == "__main__":
    main()
