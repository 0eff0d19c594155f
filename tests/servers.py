"""Real database servers for the tests, started on 127.0.0.1 in a temporary directory and
stopped at the end of the session. Nothing here touches a system-wide server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql")


def servers_required() -> bool:
    return os.environ.get("ENGAGE_REQUIRE_SERVERS") == "1"


def unavailable(reason: str):
    """Skip, or fail when the test command promised every server (ENGAGE_REQUIRE_SERVERS=1)."""
    if servers_required():
        pytest.fail(f"{reason} (ENGAGE_REQUIRE_SERVERS=1: `make test` installs it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start in {timeout:.0f} s: {last}")


@dataclass
class MariaDb:
    port: int
    root_password: str
    process: subprocess.Popen
    datadir: Path

    def odbc(self, database: str = "", user: str = "root", password: str | None = None) -> str:
        pw = self.root_password if password is None else password
        db = f"DATABASE={database};" if database else ""
        return f"DRIVER={{MariaDB Unicode}};SERVER=127.0.0.1;PORT={self.port};{db}UID={user};PWD={pw};CHARSET=utf8mb4"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_mariadb(base: Path) -> MariaDb:
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    mariadbd = shutil.which("mariadbd") or (Path("/usr/sbin/mariadbd") if Path("/usr/sbin/mariadbd").exists() else None)
    if not install or not mariadbd:
        unavailable("MariaDB server is not installed (apt-get install mariadb-server)")
    import pyodbc

    if "MariaDB Unicode" not in pyodbc.drivers():
        unavailable("the MariaDB ODBC driver is not registered (apt-get install odbc-mariadb)")
    datadir = base / "mariadb"
    datadir.mkdir(parents=True)
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [install, "--no-defaults", *user, f"--datadir={datadir}", "--auth-root-authentication-method=normal", "--skip-test-db"],
        check=True, capture_output=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [str(mariadbd), "--no-defaults", *user, f"--datadir={datadir}", f"--socket={base / 'mariadb.sock'}",
         f"--pid-file={base / 'mariadb.pid'}", f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
         "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2", "--log-error=" + str(base / "mariadb.err")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = MariaDb(port=port, root_password="", process=proc, datadir=datadir)

    def login() -> bool:
        pyodbc.connect(server.odbc(), timeout=2).close()  # a real login, not a ping
        return True

    _wait(login, "MariaDB")
    conn = pyodbc.connect(server.odbc(), autocommit=True)
    server.root_password = "root-test-pw"
    for host in ("127.0.0.1", "localhost"):
        conn.execute(f"CREATE USER IF NOT EXISTS 'root'@'{host}'")
        conn.execute(f"GRANT ALL ON *.* TO 'root'@'{host}' WITH GRANT OPTION")
        conn.execute(f"ALTER USER 'root'@'{host}' IDENTIFIED BY '{server.root_password}'")
    conn.close()
    return server


@dataclass
class Postgres:
    port: int
    datadir: Path
    bindir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"]),
                       capture_output=True)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(base: Path) -> Postgres:
    versions = sorted(PG_BIN.glob("*/bin/initdb")) if PG_BIN.exists() else []
    if not versions:
        unavailable("PostgreSQL server is not installed (apt-get install postgresql)")
    bindir = versions[-1].parent
    datadir = base / "pgdata"
    sockdir = base / "pgsock"
    for d in (datadir, sockdir):
        d.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        for d in (datadir, sockdir):
            shutil.chown(d, "postgres")
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), check=True, capture_output=True)
    port = free_port()
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(datadir / "server.log"), "-w", "-o",
                                 f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
                                 "start"]), check=True, capture_output=True)
    return Postgres(port=port, datadir=datadir, bindir=bindir)
