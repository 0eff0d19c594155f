"""The job runner: APScheduler's BackgroundScheduler with the office's jobs, run only while this
process holds the lease. The desktop app runs it in the background; ``engage-desktop service``
runs it headless on the office server. Every process may start one: the lease decides."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engage_desktop.domain.errors import EngageError
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.jobs.registry import Job
from engage_desktop.services import job_lease

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobRun:
    at: datetime
    ok: bool
    summary: str


class JobRunner:
    def __init__(self, jobs: list[Job], *, uow_factory: UnitOfWorkFactory, holder: str, time_zone: str = "UTC",
                 ttl: timedelta = job_lease.TTL, renew_every: timedelta = job_lease.RENEW_EVERY) -> None:
        self.jobs = jobs
        self.uow_factory = uow_factory
        self.holder = holder
        self.time_zone = time_zone
        self.ttl, self.renew_every = ttl, renew_every
        self.last: dict[str, JobRun] = {}
        self._leader = False
        self._lease_until = datetime.min.replace(tzinfo=UTC)  # by our own clock: renewed on each tick
        self._stop = threading.Event()  # set when the lease is lost or the runner stops: jobs wind down
        self._scheduler: BackgroundScheduler | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader

    def start(self) -> None:
        scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                                    "misfire_grace_time": 60})
        scheduler.add_job(self._tick, "interval", seconds=self.renew_every.total_seconds(), id="lease",
                          next_run_time=datetime.now(UTC))
        for job in self.jobs:
            if job.every is not None:
                scheduler.add_job(self._guarded, "interval", seconds=job.every.total_seconds(), id=job.id, args=[job])
            else:
                hour, minute = job.daily_at
                scheduler.add_job(self._guarded, "cron", hour=hour, minute=minute, timezone=self.time_zone, id=job.id,
                                  args=[job])
        self._scheduler = scheduler
        scheduler.start()
        log.info("job runner %s started with %d jobs", self.holder, len(self.jobs))

    def stop(self, *, release: bool = True) -> None:
        """Stop the jobs (the running ones finish their current step) and give the lease back."""
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if release:  # matches only a lease we hold, so it is safe even after a failed tick
            try:
                job_lease.release(uow_factory=self.uow_factory, holder=self.holder)
            except Exception:  # noqa: BLE001 - the lease expires by itself
                log.warning("job runner %s could not release the lease", self.holder)
        self._leader = False
        log.info("job runner %s stopped", self.holder)

    def _tick(self) -> None:
        asked = datetime.now(UTC)
        try:
            other = job_lease.take_or_renew(uow_factory=self.uow_factory, holder=self.holder, ttl=self.ttl)
        except Exception as exc:  # noqa: BLE001 - database down: stop acting until it is back
            other = f"unknown ({type(exc).__name__})"
        leader = other is None
        if leader != self._leader:
            log.info("job runner %s %s the lease%s", self.holder, "took" if leader else "lost",
                     "" if leader else f" (held by {other})")
            if not leader:
                self._stop.set()  # a job still running stops between steps; the new holder continues
            else:
                self._stop = threading.Event()
        self._leader = leader
        if leader:
            self._lease_until = asked + self.ttl

    def _guarded(self, job: Job) -> None:
        # After a sleep or a freeze the flag may be stale (another process may hold the lease by
        # now): run only while the lease we last renewed is still running.
        if not self._leader or self._stop.is_set() or datetime.now(UTC) >= self._lease_until:
            return
        started = datetime.now(UTC)
        try:
            result = job.run(self._stop)
        except EngageError as exc:  # not set up yet, PMS unreachable...: said once per run, no traceback
            log.warning("job %s did not run: %s", job.id, type(exc).__name__)
            self.last[job.id] = JobRun(started, False, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
            log.exception("job %s failed", job.id)
            self.last[job.id] = JobRun(started, False, f"{type(exc).__name__}")
            return
        summary = getattr(result, "summary", "")
        self.last[job.id] = JobRun(started, True, str((summary() if callable(summary) else summary) or ""))
