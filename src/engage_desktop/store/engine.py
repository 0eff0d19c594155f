"""Engine construction: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path.as_posix()}"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # errors must not carry patient rows into logs
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=10, max_overflow=10,  # the dispatcher's 8 workers keep their connections open
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5)
    raise ValueError(f"unsupported database: {parsed.get_backend_name()}")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling is disabled so SQLAlchemy's BEGIN is the only one
    # (the documented recipe for correct SAVEPOINT and locking behaviour).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MB: a full sync updates indexes in scattered order
    cur.close()


def _sqlite_begin(conn) -> None:
    # A deferred BEGIN: readers never block. Writers start their transaction with a write
    # (the repositories use upserts, not read-then-write), so they wait on busy_timeout
    # instead of failing with "database is locked".
    conn.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def public_url(url: str) -> str:
    """The URL with its password masked, for logs and the About box."""
    return make_url(url).render_as_string(hide_password=True)
