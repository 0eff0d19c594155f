"""Exactly once, proven by killing: 2,000 messages go to the stateful fake Twilio while the
dispatcher process is killed with SIGKILL at random moments and restarted, with 20 % of the sends
answered by 429, 5xx, timeouts or connection resets (some after the fake stored the message).
Afterwards the provider has every message exactly once and every outbox row is final. The same
again with two dispatchers at once against one PostgreSQL database.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engage_desktop.domain.outbox import QueuedMessage
from engage_desktop.services import dispatch
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import OutboxMessage
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.fake_twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 2000
SENDER = "+15035550111"
FINAL_OK = {"delivered"}


def _queue(url: str) -> SqlUnitOfWorkFactory:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    # Two messages per recipient with different words, so reconciling must match on the text.
    messages = [QueuedMessage(dedupe_key=f"kill:{n}", channel="sms", recipient=f"+1503{5550000 + n // 2:07d}",
                              sender=SENDER, body=f"Synthetic reminder {n:04d}: reply C to confirm")
                for n in range(MESSAGES)]
    report = dispatch.queue_messages(uow_factory=factory, messages=messages)
    assert report.queued == MESSAGES
    return factory


def _start(url: str, fake: FakeTwilio, name: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)}
    with log.open("ab") as out:  # a file, not a pipe: a full pipe would stall the worker
        return subprocess.Popen([sys.executable, "-m", "tests.processes.dispatch_worker", url, fake.base_url,
                                 fake.account_sid, fake.auth_token, name], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=out)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _hammer(url: str, fake: FakeTwilio, names: list[str], *, kills: int, seed: int, logs: Path,
            deadline: float = 300) -> int:
    """Run the workers, SIGKILL one at random every 0.3-1.5 s until `kills` kills, then let them
    finish. Returns how many kills landed on a running process."""
    rng = random.Random(seed)
    log = {name: logs / f"{name}.log" for name in names}
    procs = {name: _start(url, fake, name, log[name]) for name in names}
    landed = 0
    end = time.monotonic() + deadline
    try:
        while landed < kills and time.monotonic() < end:
            time.sleep(rng.uniform(0.3, 1.5))
            name = rng.choice(names)
            proc = procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                landed += 1
            elif proc.returncode != 0:
                pytest.fail(f"worker {name} failed: {_tail(log[name])}")
            procs[name] = _start(url, fake, name, log[name])
        for name, proc in procs.items():
            try:
                code = proc.wait(timeout=max(1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGUSR1)  # faulthandler: every thread's stack into the log
                time.sleep(1)
                pytest.fail(f"worker {name} did not finish before the deadline: {_tail(log[name])}")
            assert code == 0, _tail(log[name])
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return landed


def _assert_exactly_once(factory: SqlUnitOfWorkFactory, fake: FakeTwilio) -> None:
    bodies = fake.accepted_bodies()
    expected = {f"Synthetic reminder {n:04d}: reply C to confirm" for n in range(MESSAGES)}
    twice = {b: n for b, n in bodies.items() if n > 1}
    assert not twice, f"sent more than once: {len(twice)} messages"
    assert set(bodies) == expected, f"never sent: {len(expected - set(bodies))}"
    sid_of = {m["body"]: m["sid"] for m in fake.accepted}
    with factory() as uow:
        rows = list(uow.session.execute(select(OutboxMessage.body, OutboxMessage.status, OutboxMessage.provider_id,
                                               OutboxMessage.finished_at)))
    assert len(rows) == MESSAGES
    assert all(r.finished_at is not None for r in rows), "some rows are not final"
    assert {r.status for r in rows} <= FINAL_OK
    assert all(r.provider_id == sid_of[r.body] for r in rows), "a row records another message's provider id"


def _fake() -> FakeTwilio:
    fake = FakeTwilio(hang_seconds=1.0, seed=20261201)
    fake.fault_rate = 0.2
    return fake


@pytest.mark.timeout(420)
def test_one_dispatcher_killed_at_random_sends_every_message_exactly_once(tmp_path):
    url = f"sqlite+pysqlite:///{(tmp_path / 'engage.db').as_posix()}"
    factory = _queue(url)
    with _fake() as fake:
        landed = _hammer(url, fake, ["solo"], kills=12, seed=1, logs=tmp_path)
        assert landed >= 8  # the kills really hit a working process
        assert sum(n for kind, n in fake.requests.items() if kind.startswith("fault:")) >= 200  # and faults happened
        _assert_exactly_once(factory, fake)


@pytest.mark.postgres
@pytest.mark.timeout(420)
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite is one workstation's store
def test_two_dispatchers_on_postgresql_killed_at_random_send_every_message_exactly_once(store_url, tmp_path):
    factory = _queue(store_url)
    with _fake() as fake:
        landed = _hammer(store_url, fake, ["left", "right"], kills=12, seed=2, logs=tmp_path)
        assert landed >= 8
        _assert_exactly_once(factory, fake)
