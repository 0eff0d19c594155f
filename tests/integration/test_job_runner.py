"""The job runner in one process: only the lease holder runs jobs, a failing job does not stop the
others, a runner that loses the lease stops its jobs, and stop() gives the lease back. (The
process-level takeover after SIGKILL is in test_send_test_and_service.py.)"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from engage_desktop.domain.errors import ConfigurationError
from engage_desktop.jobs.registry import Job, office_jobs
from engage_desktop.jobs.scheduler import JobRunner
from engage_desktop.services import job_lease
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import JobLease
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory

FAST = dict(ttl=timedelta(seconds=1), renew_every=timedelta(milliseconds=200))


@pytest.fixture
def store(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


def wait_for(check, timeout=10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def counting_job(name: str, counts: dict, *, fail: Exception | None = None) -> Job:
    def run(stop: threading.Event):
        counts[name] = counts.get(name, 0) + 1
        if fail is not None:
            raise fail
        return None

    return Job(name, name, run, every=timedelta(milliseconds=100))


def test_only_the_lease_holder_runs_jobs_and_a_failing_job_does_not_stop_the_others(store):
    counts_a, counts_b = {}, {}
    a = JobRunner([counting_job("tick", counts_a), counting_job("broken", counts_a, fail=RuntimeError("boom")),
                   counting_job("unset", counts_a, fail=ConfigurationError("No PMS connection"))],
                  uow_factory=store, holder="desk-a", **FAST)
    b = JobRunner([counting_job("tick", counts_b)], uow_factory=store, holder="desk-b", **FAST)
    a.start()
    try:
        assert wait_for(lambda: a.is_leader)
        b.start()
        assert wait_for(lambda: counts_a.get("tick", 0) >= 5)
        assert counts_a.get("broken", 0) >= 2 and counts_a.get("unset", 0) >= 2  # kept being scheduled
        assert not a.last["broken"].ok and a.last["tick"].ok and "No PMS connection" in a.last["unset"].summary
        time.sleep(0.5)
        assert not b.is_leader and counts_b == {}
        a.stop()  # gives the lease back: b takes over at its next try, without waiting for the expiry
        assert wait_for(lambda: b.is_leader, timeout=1.0)
        assert wait_for(lambda: counts_b.get("tick", 0) >= 2)
        assert job_lease.current_holder(uow_factory=store) == "desk-b"
    finally:
        a.stop()
        b.stop()
    assert job_lease.current_holder(uow_factory=store) is None


def test_a_runner_that_loses_the_lease_signals_its_running_job_to_stop(store):
    started, stopped = threading.Event(), threading.Event()

    def long_job(stop: threading.Event):
        started.set()
        if stop.wait(10):
            stopped.set()

    a = JobRunner([Job("long", "long", long_job, every=timedelta(milliseconds=100))], uow_factory=store,
                  holder="desk-a", **FAST)
    a.start()
    try:
        assert started.wait(10)
        with store() as uow:  # another process took the lease (as after this one froze past the expiry)
            uow.session.execute(update(JobLease).values(holder="desk-b", expires_at=datetime(2999, 1, 1, tzinfo=UTC)))
            uow.commit()
        assert stopped.wait(5) and wait_for(lambda: not a.is_leader)
    finally:
        a.stop()


def test_every_office_job_is_registered_once_with_a_schedule(store):
    class Services:
        engine = object()

        def sync_pms(self, *a, **k): ...

        def auto_link(self, *a, **k): ...

    jobs = office_jobs(Services())
    ids = [j.id for j in jobs]
    assert ids == ["pms_sync", "dispatch", "delivery_reports", "inbound", "auto_link", "housekeeping"]
    assert all((j.every is None) != (j.daily_at is None) for j in jobs)
