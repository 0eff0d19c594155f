"""Time from launch to an interactive main window with 100,000 patients, and resident memory.

Runs the real client in a child process (offscreen Qt) on a copy of the mirror built by
sync_bench.py. "Interactive" = the window is shown, the patient list holds every patient and
its first screenful of rows is loaded. The clock starts before the child interpreter starts and
includes signing in (the password check; the typing is not timed). Baseline in the same run:
the same child with an empty store (the cost of Python + Qt + sign-in alone).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.fakes: the in-memory keyring
USER, PASSWORD = "timer", "launch-clock-2026"  # a throwaway store's only account


def prepare(data_dir: Path) -> None:
    """The first administrator, made before the clock runs (a real office has its users already)."""
    from engage_desktop.bootstrap import bootstrap
    from engage_desktop.config import load_config
    from tests.fakes import FakeSecretStore

    services = bootstrap(load_config(data_dir=data_dir), secrets=FakeSecretStore()).services
    if services.needs_first_administrator():
        services.create_first_administrator(USER, "Bench Admin", PASSWORD)


def child(data_dir: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from engage_desktop.bootstrap import bootstrap
    from engage_desktop.config import load_config
    from engage_desktop.ui import theme
    from engage_desktop.ui.app import build_main_window
    from engage_desktop.ui.tasks import TaskRunner
    from tests.fakes import FakeSecretStore

    app = QApplication(sys.argv)
    theme.apply(app)
    container = bootstrap(load_config(data_dir=data_dir), secrets=FakeSecretStore())
    container.services.sign_in(USER, PASSWORD)
    runner = TaskRunner()
    window = build_main_window(container.services, runner)
    window.resize(1440, 900)
    window.show()
    QTimer.singleShot(0, lambda: window.start(first_sync_for_demo=False))
    expected = int(sys.argv[3])

    def ready() -> None:
        model = window.patients.model  # the Patients list (other pages have tables of their own)
        if model.rowCount() >= expected:
            first = model.index(0, 0).data() if expected else ""
            if expected == 0 or (first and "Loading" not in str(first)):
                rss_kb = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
                print(f"READY {time.time():.6f} {rss_kb}", flush=True)
                app.quit()
                return
        QTimer.singleShot(5, ready)

    QTimer.singleShot(0, ready)
    app.exec()
    runner.shutdown(wait=False)
    os._exit(0)


def measure(data_dir: Path, expected: int) -> tuple[float, float]:
    start = time.time()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--child", str(data_dir), str(expected)], capture_output=True,
                         text=True, env=env, timeout=120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("READY")), None)
    if line is None:
        raise RuntimeError(out.stdout + out.stderr)
    _, stamp, rss = line.split()
    return float(stamp) - start, int(rss) / 1024


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=ROOT / "bench" / "results" / "mirror.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import sqlite3

    with sqlite3.connect(args.mirror) as conn:
        patients = conn.execute("SELECT COUNT(*) FROM pms_patient WHERE status != 'deleted'").fetchone()[0]
    with tempfile.TemporaryDirectory() as full_dir, tempfile.TemporaryDirectory() as empty_dir:
        shutil.copy(args.mirror, Path(full_dir) / "engage.db")
        for data_dir in (Path(full_dir), Path(empty_dir)):
            prepare(data_dir)
        base = [measure(Path(empty_dir), 0) for _ in range(args.runs)]
        runs = [measure(Path(full_dir), patients) for _ in range(args.runs)]
    best_base = min(base)
    best = min(runs)
    print(f"empty store (Python + Qt + sign-in + window): {best_base[0]:.2f} s, {best_base[1]:.0f} MB resident")
    print(f"{patients:,} patients: launch to interactive window {best[0]:.2f} s (best of {args.runs}; "
          f"all: {', '.join(f'{r[0]:.2f}' for r in runs)}) -> {best[0] / best_base[0]:.2f}x the empty start (goal <= 3 s)")
    print(f"resident memory at that point: {max(r[1] for r in runs):.0f} MB (goal <= 400 MB)")


if __name__ == "__main__":
    main()
