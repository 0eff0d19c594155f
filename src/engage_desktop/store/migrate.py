"""Schema upgrades at startup: back up the SQLite file, then ``alembic upgrade head``.

A start on an up-to-date store does not import Alembic (a tenth of the client's start-up):
the head revision is read from the version files' headers and the current one with a SELECT.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d.%%(minute).2d.%%(second).2d_%%(rev)s_%%(slug)s"


_REVISION = re.compile(r"^revision(?:: str)? = ['\"](\w+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = ['\"](\w+)['\"]", re.MULTILINE)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("engage_desktop.store").joinpath("migrations")))
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("timezone", "UTC")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The revision no other revision builds on (the chain is linear; a test checks that)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for file in resources.files("engage_desktop.store.migrations").joinpath("versions").iterdir():
        if file.name.endswith(".py"):
            source = file.read_text(encoding="utf-8")
            revisions.update(_REVISION.findall(source))
            parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    if len(heads) != 1:  # unreadable headers or a branch: let Alembic say what is wrong
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # several heads stamped: only Alembic can say what that means
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()  # raises "more than one head"
    return rows[0] if rows else None


def upgrade(engine: Engine, *, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to head. Returns the backup file made first, if any."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    backup = None
    if engine.dialect.name == "sqlite" and current is not None:
        backup = _backup_sqlite(engine, current, backup_dir)
    log.info("upgrading the database schema from %s to %s", current or "empty", head)
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup


def _backup_sqlite(engine: Engine, revision: str, backup_dir: Path | None) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    source = Path(database)
    target_dir = backup_dir or source.parent / "backups"
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = target_dir / f"{source.stem}_{revision}_{stamp}{source.suffix}"
    # The SQLite backup API copies a consistent snapshot even with WAL and other readers.
    raw = engine.raw_connection()
    try:
        import sqlite3

        dest = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()
    log.info("backed up the database to %s before upgrading", target.name)
    return target
