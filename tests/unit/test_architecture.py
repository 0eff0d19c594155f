"""The layer rules of docs/architecture.md, and the migration chain, checked on every run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from engage_desktop.store.migrate import alembic_config

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "engage_desktop"


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_migration_chain_is_linear_with_timestamped_files():
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())  # head first
    assert len(script.get_heads()) == 1
    for newer, older in zip(revisions, revisions[1:], strict=False):
        assert newer.down_revision == older.revision
    assert revisions[-1].down_revision is None
    for rev in revisions:
        name = Path(rev.path).name
        assert name[:19].replace("-", "").replace(".", "").isdigit(), name  # YYYY-MM-DD-HH.MM.SS_...


def test_nothing_connects_or_starts_at_import_time():
    """Module bodies may define things, never call engines, connections, threads or schedulers."""
    forbidden = {"create_engine", "make_engine", "connect", "Thread", "BackgroundScheduler", "QApplication"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            for call in ast.walk(node) if isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign) else ():
                if isinstance(call, ast.Call):
                    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                    if name in forbidden:
                        offenders.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}()")
    assert offenders == []


def test_no_posix_only_calls_in_application_code():
    """The practices run Windows: no os.fork/os.getuid/fcntl and friends in the package."""
    posix_only = ("os.fork", "os.getuid", "os.geteuid", "os.setsid", "import fcntl", "import pwd", "import grp", "os.killpg")
    hits = [f"{p.relative_to(ROOT)}: {needle}" for p in PACKAGE.rglob("*.py") for needle in posix_only
            if needle in p.read_text(encoding="utf-8")]
    assert hits == []
