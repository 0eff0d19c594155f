"""Where things live and how this workstation connects: platform directories, a TOML config
file, and environment overrides. Secrets are never here (see keyring_store)."""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

APP_NAME = "EngageDesktop"
APP_AUTHOR = "Engage"


@dataclass(frozen=True)
class AppConfig:
    data_dir: Path
    config_file: Path
    database_url: str  # without a password; a PostgreSQL password comes from the keyring
    log_dir: Path
    region: str = "US"  # default phone region
    log_level: str = "INFO"
    demo: bool = False
    workstation: str = ""  # this computer's name, in audit records

    @property
    def demo_pms_path(self) -> Path:
        return self.data_dir / "demo" / "opendental-demo.sqlite"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def load_config(*, env: Mapping[str, str] | None = None, demo: bool = False, data_dir: Path | None = None) -> AppConfig:
    env = os.environ if env is None else env
    base = Path(data_dir or env.get("ENGAGE_DATA_DIR") or default_data_dir())
    if demo and not (data_dir or env.get("ENGAGE_DATA_DIR")):
        base = base / "demo-practice"  # the demo never mixes with a real practice's data
    config_file = Path(env.get("ENGAGE_CONFIG") or base / "config.toml")
    values: dict = {}
    if config_file.is_file():
        with config_file.open("rb") as fh:
            values = tomllib.load(fh)
    db = values.get("database", {})
    app = values.get("app", {})
    url = env.get("ENGAGE_DATABASE_URL") or db.get("url") or f"sqlite+pysqlite:///{(base / 'engage.db').as_posix()}"
    return AppConfig(
        data_dir=base,
        config_file=config_file,
        database_url=url,
        log_dir=Path(env.get("ENGAGE_LOG_DIR") or app.get("log_dir") or base / "logs"),
        region=env.get("ENGAGE_REGION") or app.get("region", "US"),
        log_level=env.get("ENGAGE_LOG_LEVEL") or app.get("log_level", "INFO"),
        demo=demo,
        workstation=(env.get("ENGAGE_WORKSTATION") or socket.gethostname())[:128],
    )


def save_config(config: AppConfig) -> None:
    """Write the workstation's settings (no secrets) so the next start finds them."""
    config.config_file.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "database": {"url": config.database_url},
        "app": {"region": config.region, "log_level": config.log_level},
    }
    tmp = config.config_file.with_suffix(".tmp")
    tmp.write_bytes(tomli_w.dumps(data).encode("utf-8"))
    os.replace(tmp, config.config_file)
