"""Logging to a rotating file in the data directory. Log lines carry ids and counts, never
patient names, phones or emails (the code logs only those)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def configure_logging(log_dir: Path, level: str = "INFO", *, console: bool = True) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(level.upper())
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(log_dir / "engage.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(fmt)
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
    # urllib3 logs whole request URLs at DEBUG, and a PMS lookup's query string holds names and
    # birthdates: never let it below WARNING, whatever the application's level.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
