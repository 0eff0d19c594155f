"""Connection settings, connection strings, and precise connection diagnoses.

Every reader talks DB-API 2 with qmark parameters: pyodbc for real practices, and the
standard library's sqlite3 for the demo practice (same SQL, no ODBC driver needed on a
laptop). Nothing here writes to a PMS.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from engage_desktop.domain.errors import PmsConnectionError
from engage_desktop.domain.pms_connection import (
    DEFAULT_DATABASES,
    DEFAULT_DRIVERS,
    DEFAULT_PORTS,
    ConnectionSettings,
    FailureKind,
    Vendor,
)

__all__ = ["ConnectionSettings", "FailureKind", "PmsConnectionError", "Vendor", "classify_odbc_error", "connect"]


QUERY_TIMEOUT_S = 120


def connect(settings: ConnectionSettings, *, timeout: int = 10) -> Any:
    """Open a read-only DB-API connection, or raise PmsConnectionError saying what failed."""
    if settings.is_demo:
        return _connect_sqlite(Path(settings.sqlite_path).resolve())
    if not (settings.dsn or settings.host):
        raise PmsConnectionError(FailureKind.NOT_CONFIGURED, "No PMS connection is set up yet.")
    try:
        import pyodbc
    except ImportError as exc:  # pragma: no cover - pyodbc is a hard dependency
        raise PmsConnectionError(
            FailureKind.DRIVER_MISSING, "The ODBC library (unixODBC or the Windows ODBC manager) is not available.", str(exc)
        ) from exc
    _check_driver_or_dsn(settings, pyodbc)
    try:
        conn = pyodbc.connect(settings.connection_string(), timeout=timeout, autocommit=True, readonly=True)
    except pyodbc.Error as exc:
        raise classify_odbc_error(exc, settings) from None
    conn.timeout = QUERY_TIMEOUT_S  # a PMS that stops answering must not hang a sync for ever
    _set_read_only(conn, settings.vendor)
    return conn


def _connect_sqlite(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise PmsConnectionError(FailureKind.DATABASE_MISSING, f"The demo practice database {path.name} does not exist.")
    # mode=ro: the demo PMS is read-only for us exactly like a real one.
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _check_driver_or_dsn(settings: ConnectionSettings, pyodbc: Any) -> None:
    if settings.dsn:
        try:
            sources = pyodbc.dataSources()
        except pyodbc.Error:
            sources = None
        if sources is not None and settings.dsn not in sources:
            raise PmsConnectionError(
                FailureKind.DSN_MISSING,
                f"The ODBC data source “{settings.dsn}” is not defined on this computer. "
                "Create it in the ODBC Data Source Administrator, or enter the driver and server instead.",
            )
        return
    driver = settings.driver or DEFAULT_DRIVERS[settings.vendor]
    installed = pyodbc.drivers()
    if driver not in installed:
        shown = ", ".join(installed) if installed else "none"
        raise PmsConnectionError(
            FailureKind.DRIVER_MISSING,
            f"The ODBC driver “{driver}” is not installed on this computer (installed drivers: {shown}).",
        )


def classify_odbc_error(exc: Exception, settings: ConnectionSettings) -> PmsConnectionError:
    """Turn a driver error into one precise, patient-free message."""
    state = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    text = " ".join(str(a) for a in exc.args[1:]) if len(exc.args) > 1 else str(exc)
    low = text.lower()
    where = settings.dsn or f"{settings.host}:{settings.port or DEFAULT_PORTS[settings.vendor]}"
    if state == "IM002" or "data source name not found" in low:
        if settings.dsn:
            return PmsConnectionError(FailureKind.DSN_MISSING, f"The ODBC data source “{settings.dsn}” is not defined.", text)
        return PmsConnectionError(FailureKind.DRIVER_MISSING, "The ODBC driver is not installed.", text)
    if "can't open lib" in low or "file not found" in low and "driver" in low:
        return PmsConnectionError(FailureKind.DRIVER_MISSING, "The ODBC driver is registered but its library cannot be loaded.", text)
    if state == "28000" or "access denied" in low or "login failed" in low or "authentication" in low:
        return PmsConnectionError(
            FailureKind.LOGIN_REFUSED,
            f"The PMS database refused the login for user “{settings.user}”. Check the user name and password.",
            text,
        )
    if "unknown database" in low or "(1049)" in low or "database not found" in low:
        return PmsConnectionError(
            FailureKind.DATABASE_MISSING,
            f"The server answered, but the database “{settings.database or DEFAULT_DATABASES[settings.vendor]}” does not exist.",
            text,
        )
    if state in {"08001", "08S01", "HYT00", "HYT01"} or "can't connect" in low or "connection refused" in low or "timed out" in low or "unknown server host" in low or "(2002)" in low or "(2003)" in low or "(2005)" in low:
        return PmsConnectionError(
            FailureKind.UNREACHABLE, f"The PMS database server at {where} could not be reached. Is it running, and is the address right?", text
        )
    return PmsConnectionError(FailureKind.OTHER, "Connecting to the PMS database failed.", text)


def _set_read_only(conn: Any, vendor: Vendor) -> None:
    """Belt and braces: the office should grant SELECT only, and we ask for a read-only session too."""
    if vendor is Vendor.OPEN_DENTAL:
        try:
            conn.execute("SET SESSION TRANSACTION READ ONLY")
        except Exception:  # noqa: BLE001 - older servers lack it; the grant still protects the data
            pass
        # DateTStamp is a TIMESTAMP: read it (and the server clock) in UTC so the autumn
        # daylight-saving hour cannot make a later change look older than the cursor.
        conn.execute("SET time_zone = '+00:00'")
