"""How to reach a PMS database: vendor, connection settings and the ODBC connection string.

Pure values (no driver imports) so services and the UI can hold and edit them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace


class Vendor(enum.StrEnum):
    OPEN_DENTAL = "opendental"
    DENTRIX = "dentrix"
    EAGLESOFT = "eaglesoft"

    @property
    def label(self) -> str:
        return {"opendental": "Open Dental", "dentrix": "Dentrix (G-series)", "eaglesoft": "Eaglesoft"}[self.value]


DEFAULT_DRIVERS = {
    Vendor.OPEN_DENTAL: "MariaDB Unicode",
    Vendor.DENTRIX: "c-treeACE ODBC Driver",
    Vendor.EAGLESOFT: "SQL Anywhere 17",
}
DEFAULT_PORTS = {Vendor.OPEN_DENTAL: 3306, Vendor.DENTRIX: 6597, Vendor.EAGLESOFT: 2638}
DEFAULT_DATABASES = {Vendor.OPEN_DENTAL: "opendental", Vendor.DENTRIX: "DentrixSQL", Vendor.EAGLESOFT: "DENTSERV"}


class FailureKind(enum.StrEnum):
    """What 'Test connection' reports; each maps to one thing the office can fix."""

    DRIVER_MISSING = "driver_missing"
    DSN_MISSING = "dsn_missing"
    LOGIN_REFUSED = "login_refused"
    UNREACHABLE = "unreachable"
    DATABASE_MISSING = "database_missing"
    SCHEMA_MISSING = "schema_missing"
    NOT_CONFIGURED = "not_configured"
    OTHER = "other"


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach a PMS database. The password is filled from the keyring at connect time."""

    vendor: Vendor = Vendor.OPEN_DENTAL
    dsn: str = ""  # when set, the ODBC data source name wins over driver/host
    driver: str = ""
    host: str = ""
    port: int | None = None
    database: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    extra: str = ""  # extra connection-string attributes, "KEY=value;KEY2=value"
    sqlite_path: str = ""  # the demo practice: an Open Dental-schema SQLite file
    # Vendor object names the facts mark UNCONFIRMED, overridable per install.
    overrides: dict[str, str] = field(default_factory=dict)
    batch_size: int = 5000

    @property
    def is_demo(self) -> bool:
        return bool(self.sqlite_path)

    def with_password(self, password: str) -> ConnectionSettings:
        return replace(self, password=password)

    def connection_string(self) -> str:
        """An ODBC connection string. Values with ';' or braces are braced per the ODBC rules."""
        parts: list[tuple[str, str]] = []
        if self.dsn:
            parts.append(("DSN", self.dsn))
        else:
            parts.append(("DRIVER", self.driver or DEFAULT_DRIVERS[self.vendor]))
            parts.append(("SERVER", self.host))
            parts.append(("PORT", str(self.port or DEFAULT_PORTS[self.vendor])))
        database = self.database or ("" if self.dsn else DEFAULT_DATABASES[self.vendor])
        if database:
            parts.append(("DATABASE", database))
        if self.user:
            parts.append(("UID", self.user))
        if self.password:
            parts.append(("PWD", self.password))
        if self.vendor is Vendor.OPEN_DENTAL and not self.dsn:
            parts.append(("CHARSET", "utf8mb4"))
        # Driver names are always braced ({MariaDB Unicode}); other values only when they need it.
        text = ";".join(f"{k}={_braced(v) if k == 'DRIVER' else _odbc_value(v)}" for k, v in parts)
        if self.extra.strip():
            text += ";" + self.extra.strip().strip(";")
        return text

    def redacted_connection_string(self) -> str:
        return self.with_password("*****" if self.password else "").connection_string()


def _braced(value: str) -> str:
    return "{" + value.replace("}", "}}") + "}"


def _odbc_value(value: str) -> str:
    """ODBC attribute values with ; { } = or edge spaces must be braced, with } doubled."""
    if any(c in value for c in ";{}=") or value != value.strip():
        return _braced(value)
    return value


