"""'Test connection' through pyodbc + unixODBC + the MariaDB ODBC driver to a real MariaDB:
each failure is reported as the one thing the office has to fix."""

from __future__ import annotations

import pytest

from engage_desktop.domain.pms_connection import ConnectionSettings, FailureKind, Vendor
from engage_desktop.pms import open_reader
from engage_desktop.services.pms_connection import test_connection as check_connection
from tests import servers

pytestmark = [pytest.mark.odbc, pytest.mark.mariadb]


@pytest.fixture(scope="module")
def od_database(mariadb):
    """An Open Dental-schema database with a SELECT-only user, as offices are told to create."""
    import pyodbc

    from engage_desktop.pms import demo

    conn = pyodbc.connect(mariadb.odbc(), autocommit=True)
    conn.execute("DROP DATABASE IF EXISTS od_conn")
    conn.execute("CREATE DATABASE od_conn CHARACTER SET utf8mb4")
    conn.execute("DROP DATABASE IF EXISTS od_empty")
    conn.execute("CREATE DATABASE od_empty")
    conn.execute("CREATE USER IF NOT EXISTS 'engage_ro'@'127.0.0.1' IDENTIFIED BY 'ro-pass'")
    conn.execute("GRANT SELECT ON od_conn.* TO 'engage_ro'@'127.0.0.1'")
    conn.execute("GRANT SELECT ON od_empty.* TO 'engage_ro'@'127.0.0.1'")
    conn.close()
    db = pyodbc.connect(mariadb.odbc("od_conn"), autocommit=False)
    demo.load_into(db, "mysql", demo.DemoSpec(patients=60))
    db.close()
    return "od_conn"


def settings(mariadb, **kw) -> ConnectionSettings:
    values = dict(vendor=Vendor.OPEN_DENTAL, driver="MariaDB Unicode", host="127.0.0.1", port=mariadb.port,
                  database="od_conn", user="engage_ro", password="ro-pass")
    values.update(kw)
    return ConnectionSettings(**values)


def test_a_good_connection_reports_the_version_and_a_complete_schema(mariadb, od_database):
    result = check_connection(settings=settings(mariadb), open_reader=open_reader)
    assert result.ok, result.message
    assert result.server_version.startswith("24.3")


def test_driver_not_installed(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, driver="Imaginary ODBC Driver 9"), open_reader=open_reader)
    assert result.kind == FailureKind.DRIVER_MISSING
    assert "Imaginary ODBC Driver 9" in result.message and "MariaDB Unicode" in result.message


def test_dsn_not_defined(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, dsn="NoSuchPracticeDsn"), open_reader=open_reader)
    assert result.kind == FailureKind.DSN_MISSING
    assert "NoSuchPracticeDsn" in result.message


def test_a_defined_dsn_connects(mariadb, od_database, tmp_path, monkeypatch):
    ini = tmp_path / "odbc.ini"
    ini.write_text(f"[PracticeOD]\nDriver=MariaDB Unicode\nSERVER=127.0.0.1\nPORT={mariadb.port}\nDATABASE=od_conn\n")
    monkeypatch.setenv("ODBCINI", str(ini))
    result = check_connection(settings=settings(mariadb, dsn="PracticeOD", database=""), open_reader=open_reader)
    assert result.ok, result.message


def test_login_refused(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, password="wrong"), open_reader=open_reader)
    assert result.kind == FailureKind.LOGIN_REFUSED
    assert "engage_ro" in result.message
    assert "wrong" not in result.message + result.detail  # never echo a password


def test_server_unreachable(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, port=servers.free_port()), open_reader=open_reader)
    assert result.kind == FailureKind.UNREACHABLE


def test_database_missing(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, database="no_such_db", user="root", password=mariadb.root_password),
                              open_reader=open_reader)
    assert result.kind == FailureKind.DATABASE_MISSING
    assert "no_such_db" in result.message


def test_schema_objects_missing(mariadb, od_database):
    result = check_connection(settings=settings(mariadb, database="od_empty"), open_reader=open_reader)
    assert result.kind == FailureKind.SCHEMA_MISSING
    assert "patient" in result.schema.missing_objects and "appointment" in result.schema.missing_objects


def test_a_missing_column_is_named(mariadb, od_database):
    import pyodbc

    conn = pyodbc.connect(mariadb.odbc(), autocommit=True)
    conn.execute("DROP DATABASE IF EXISTS od_old")
    conn.execute("CREATE DATABASE od_old")
    conn.execute("GRANT SELECT ON od_old.* TO 'engage_ro'@'127.0.0.1'")
    for table in ("patient", "commoptout", "appointment", "definition", "recall", "recalltype", "procedurelog",
                  "procedurecode", "provider", "clinic", "preference"):
        conn.execute(f"CREATE TABLE od_old.{table} AS SELECT * FROM od_conn.{table} WHERE 1 = 0")
    conn.execute("ALTER TABLE od_old.patient DROP COLUMN TxtMsgOk")
    conn.close()
    result = check_connection(settings=settings(mariadb, database="od_old"), open_reader=open_reader)
    assert result.kind == FailureKind.SCHEMA_MISSING
    assert result.schema.missing_columns == ("patient.TxtMsgOk",)


def test_the_reader_session_cannot_write_even_with_a_writable_login(mariadb, od_database):
    import pyodbc

    reader = open_reader(settings(mariadb, user="root", password=mariadb.root_password))
    try:
        with pytest.raises(pyodbc.Error, match="READ ONLY"):
            reader.connection.execute("UPDATE patient SET LName = 'x' WHERE PatNum = 1")
    finally:
        reader.close()
