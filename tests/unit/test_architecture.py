"""The layer rules of docs/architecture.md, and the migration chain, checked on every run."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from engage_desktop.store.migrate import alembic_config, head_revision

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


def test_the_head_read_from_the_version_files_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_start_on_an_up_to_date_store_does_not_import_alembic(tmp_path):
    # The first start creates the store (and needs Alembic); the second finds it at head.
    code = (
        "import sys\n"
        "from engage_desktop.bootstrap import bootstrap\n"
        "from engage_desktop.config import load_config\n"
        "from tests.fakes import FakeSecretStore\n"
        f"bootstrap(load_config(data_dir=r'{tmp_path}'), secrets=FakeSecretStore())\n"
        "print('alembic' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    outputs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
               for _ in ("creates the store", "finds it at head")]
    assert [o.stdout.strip() for o in outputs] == ["True", "False"], [o.stderr[-2000:] for o in outputs]


def test_nothing_connects_or_starts_at_import_time():
    """Module bodies may define things, never call engines, connections, threads or schedulers."""
    forbidden = {"create_engine", "make_engine", "connect", "Thread", "BackgroundScheduler", "QApplication"}
    offenders = []

    def visit(node: ast.AST, path: Path) -> None:
        # Everything that runs at import: module and class bodies, decorators, default values,
        # conditions. Function bodies run only when called, so they are skipped.
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for child in [*getattr(node, "decorator_list", []), *node.args.defaults, *node.args.kw_defaults]:
                if child is not None:
                    visit(child, path)
            return
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in forbidden:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
        for child in ast.iter_child_nodes(node):
            visit(child, path)

    for path in PACKAGE.rglob("*.py"):
        visit(ast.parse(path.read_text(encoding="utf-8")), path)
    assert offenders == []


def test_no_posix_only_calls_in_application_code():
    """The practices run Windows: no os.fork/os.getuid/fcntl and friends in the package."""
    posix_only = ("os.fork", "os.getuid", "os.geteuid", "os.setsid", "import fcntl", "import pwd", "import grp", "os.killpg")
    hits = [f"{p.relative_to(ROOT)}: {needle}" for p in PACKAGE.rglob("*.py") for needle in posix_only
            if needle in p.read_text(encoding="utf-8")]
    assert hits == []


def test_the_current_revision_is_read_without_alembic_and_two_stamped_heads_are_refused(tmp_path):
    from sqlalchemy import create_engine, text

    from engage_desktop.store.migrate import current_revision

    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    assert current_revision(engine) is None  # an empty database
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    assert current_revision(engine) is None  # the table, not yet stamped
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES ('e7f0a0dd8961')"))
    assert current_revision(engine) == "e7f0a0dd8961"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version VALUES ('4a6450997e1c')"))
    with pytest.raises(Exception, match="more than one head"):
        current_revision(engine)
    engine.dispose()
