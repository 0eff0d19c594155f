"""Every scheduled job, in one place: what it calls and how often."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engage_desktop.services.app_services import AppServices
from engage_desktop.services.pms_sync import INCREMENTAL


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    label: str
    run: Callable[[threading.Event], Any]  # gets the scheduler's stop event; returns a report
    every: timedelta | None = None  # an interval, or
    daily_at: tuple[int, int] | None = None  # (hour, minute) in the practice's time zone


def office_jobs(services: AppServices) -> list[Job]:
    """The jobs exactly one process in an office runs (``services`` acts as the system)."""
    engine = services.engine
    return [
        Job("pms_sync", "Sync the PMS (changes)", lambda stop: services.sync_pms(INCREMENTAL, cancel=stop),
            every=timedelta(minutes=5)),
        Job("dispatch", "Send due messages", lambda stop: engine.dispatch(stop=stop), every=timedelta(seconds=5)),
        Job("delivery_reports", "Fetch delivery reports", lambda stop: engine.poll_delivery(stop=stop),
            every=timedelta(seconds=30)),
        Job("inbound", "Fetch replies", lambda stop: engine.poll_inbound(), every=timedelta(seconds=20)),
        Job("auto_link", "Link patients where certain", lambda stop: services.auto_link(cancel=stop), daily_at=(2, 30)),
        Job("housekeeping", "Housekeeping", lambda stop: engine.housekeeping(), daily_at=(3, 15)),
    ]
