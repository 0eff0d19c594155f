"""The messaging engine: queueing, dispatcher overhead, throughput and the exact rate limit.

    .venv/bin/python bench/messaging_bench.py [--recipients 50000] [--messages 2000] [--db sqlite|postgres|URL]

``--db sqlite`` (default): a fresh SQLite file per phase in a temp directory. ``--db postgres``:
a throwaway PostgreSQL started on 127.0.0.1 the way the tests start it (fsync off). ``--db URL``
(``postgresql+psycopg://user@host:port/db``): a scratch database per phase is created on that
server and dropped at the end (the account needs CREATEDB; nothing else is touched).

Figures, each with its goal and a baseline measured in the same run:

1. ``queue_messages`` of ``--recipients`` campaign texts (unique dedupe keys, E.164 numbers,
   ~130-character bodies, 15 state/time-zone pairs, the packaged quiet-hours rules, 1 % of the
   recipients on the suppression list), then the same list again (all duplicates). Baseline:
   the same rows inserted with the plain driver's executemany in one transaction.
2. ``dispatch_due`` of ``--overhead`` messages with an in-process provider that accepts at once,
   concurrency 1 and 8: the dispatcher's own cost per message. Baselines: the provider's send
   in a bare loop, and the same statements (a claim per 32 rows; per row a suppression read and
   two single-row UPDATE transactions) through the plain driver, one thread.
3. ``dispatch_due`` against the fake Twilio (50 ms per request) with TwilioProvider at
   concurrency 8: messages/s. Baseline: a bare ThreadPoolExecutor(8) calling TwilioProvider.send
   (ceiling 8 / 0.05 = 160/s). Then ``--limited`` messages from one sender with an exact
   RateLimiter(default=20): the overall rate, and the most sends in any 1-second window at the
   provider call (a wrapper) and at the fake (goal ≤ 20, one more allowed for the window's
   boundary); also the limiter's own booked slots and how late each call came after its slot.
   The fake runs in a child process, as the real Twilio is not in ours (``--fake-in-process``:
   in this one, where its handler threads compete for the GIL).

The dispatcher runs on a clock shifted to a Wednesday 19:00 UTC so every recipient is inside
its sending hours (quiet hours are evaluated, nothing is deferred). ``--profile`` runs each
engine phase under cProfile (the dispatcher's worker threads too), writes the .pstats to
bench/results/ and prints the top functions; the figures are then inflated. Every run writes
its figures to bench/results/messaging_<time>.json.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import multiprocessing
import os
import pstats
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engage_desktop.domain.messages import DeliveryStatus, OutgoingSms, SendOutcome, SendResult  # noqa: E402
from engage_desktop.domain.outbox import QueuedMessage  # noqa: E402
from engage_desktop.domain.quiet_hours import load_default_rules, next_allowed  # noqa: E402
from engage_desktop.domain.ratelimit import RateLimiter  # noqa: E402
from engage_desktop.messaging.twilio import TwilioProvider  # noqa: E402
from engage_desktop.services.dispatch import DispatchSettings, Providers, dispatch_due, queue_messages  # noqa: E402
from engage_desktop.store import migrate  # noqa: E402
from engage_desktop.store.engine import make_engine, make_session_factory, sqlite_url  # noqa: E402
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SENDER = "+15035550100"
LATENCY = 0.05
RATE = 20.0
# (patient's state, location time zone, area code, weight): a few practices' patient mix.
MIX = [("OR", "America/Los_Angeles", "503", 18), ("WA", "America/Los_Angeles", "360", 10),
       ("CA", "America/Los_Angeles", "415", 12), ("ID", "America/Boise", "208", 3), ("AZ", "America/Phoenix", "602", 4),
       ("CO", "America/Denver", "303", 5), ("TX", "America/Chicago", "512", 9), ("IL", "America/Chicago", "312", 5),
       ("KY", "America/New_York", "502", 3), ("FL", "America/New_York", "305", 9), ("NY", "America/New_York", "212", 8),
       ("RI", "America/New_York", "401", 2), ("AK", "America/Anchorage", "907", 1), ("HI", "Pacific/Honolulu", "808", 1),
       ("", "America/Los_Angeles", "503", 10)]  # no address state on file: the federal window
FIRST = "Ada Bea Cyrus Dara Eli Faye Gus Hana Ivo Jun Kai Lio Mae Nia Oto Pia Quin Rae Sol Teo Uma Vic Wyn Xia".split()
LAST = "Abbott Brandt Castro Dimitrov Eklund Farouk Gallo Horvath Ibsen Jovanovic Kowalski Lindgren Moreau".split()
WHAT = ["cleaning", "check-up", "6-month visit", "hygiene visit", "X-rays"]
COLUMNS = ("dedupe_key", "batch_id", "channel", "recipient", "sender", "subject", "body", "html", "unsubscribe_url",
           "segments", "location_id", "patient_pms_id", "unlinked_id", "recipient_state", "time_zone", "quiet_hours",
           "status", "reason", "not_before", "attempts", "created_at", "finished_at", "polls")


# -- stores ------------------------------------------------------------------------------------------

@dataclass
class Store:
    url: str
    engine: object
    uow_factory: SqlUnitOfWorkFactory
    path: Path | None = None  # SQLite file

    @property
    def postgres(self) -> bool:
        return self.path is None

    def raw(self):
        """A plain DB-API connection in autocommit mode (transactions by explicit BEGIN/COMMIT)."""
        if self.path is not None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "cache_size=-65536"):
                conn.execute(f"PRAGMA {pragma}")  # as the engine's connections
            return conn
        import psycopg

        return psycopg.connect(make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False),
                               autocommit=True)

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def ts(self, when: datetime):
        naive = when.astimezone(UTC).replace(tzinfo=None)
        return naive if self.postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format

    def dispose(self) -> None:
        self.engine.dispose()


class Stores:
    """A fresh, migrated store per phase; everything is removed by close()."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._tmp = tempfile.TemporaryDirectory(prefix="engage-bench-")
        self._server = None
        self._admin = None
        self._databases: list[str] = []
        self._stores: list[Store] = []
        self._n = 0
        if db == "postgres":
            from tests.servers import start_postgres

            base = Path(self._tmp.name)
            base.chmod(0o755)
            self._server = start_postgres(base)
            self._admin_url = self._server.url()
        elif db != "sqlite":
            self._admin_url = db
        if db != "sqlite":
            self._admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")

    @property
    def label(self) -> str:
        if self.db == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        with self._admin.connect() as conn:
            return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar().split()[0]

    def new(self) -> Store:
        self._n += 1
        if self.db == "sqlite":
            path = Path(self._tmp.name) / f"engage-{self._n}.db"
            url, store_path = sqlite_url(path), path
        else:
            name = f"engage_bench_{uuid.uuid4().hex[:10]}"
            with self._admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self._databases.append(name)
            url, store_path = make_url(self._admin_url).set(database=name).render_as_string(hide_password=False), None
        engine = make_engine(url)
        migrate.upgrade(engine)
        store = Store(url, engine, SqlUnitOfWorkFactory(make_session_factory(engine)), store_path)
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            store.dispose()
        if self._admin is not None:
            with self._admin.connect() as conn:
                for name in self._databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()
        if self._server is not None:
            self._server.stop()
        self._tmp.cleanup()


# -- data --------------------------------------------------------------------------------------------

class ShiftedClock:
    """Real elapsed time from a Wednesday 19:00 UTC: inside every US zone's sending hours."""

    def __init__(self) -> None:
        today = datetime.now(UTC).replace(hour=19, minute=0, second=0, microsecond=0)
        self.base = today + timedelta(days=(2 - today.weekday()) % 7)
        self.t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.monotonic() - self.t0)


def quiet_hours():
    rules = load_default_rules()
    return lambda now, *, state, time_zone: next_allowed(rules, now, state=state, location_tz=time_zone)


def messages(n: int, *, campaign: int, batch_id: int | None, rng: random.Random) -> list[QueuedMessage]:
    weights = [w for *_, w in MIX]
    out = []
    for i in range(n):
        state, zone, area, _ = rng.choices(MIX, weights)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        body = (f"Hi {first}, this is Riverbend Dental. You're due for your {rng.choice(WHAT)} with Dr. {last}. "
                f"Book: rbd.example/b/{i:06d} Reply STOP to opt out")
        out.append(QueuedMessage(
            dedupe_key=f"campaign:{campaign}:patient:{100000 + i}:sms", channel="sms",
            recipient=f"+1{area}{2 + i // 1_000_000 % 8}{i // 10_000 % 100:02d}{i % 10_000:04d}", sender=SENDER,
            body=body, batch_id=batch_id, location_id=str(1 + i % 3), patient_pms_id=str(100000 + i),
            recipient_state=state, time_zone=zone))
    return out


def new_batch(store: Store, clock) -> int:
    with store.uow_factory() as uow:
        batch_id = uow.outbox.create_batch(kind="campaign", label="Recall: bench", created_by="bench", now=clock())
        uow.commit()
    return batch_id


def suppress(store: Store, addresses: Sequence[str], clock) -> None:
    with store.uow_factory() as uow:
        for a in addresses:
            uow.messaging.suppress(channel="sms", address=a, source="keyword", raw_text="STOP", now=clock(), by="bench")
        uow.commit()


# -- providers ---------------------------------------------------------------------------------------

class InstantSms:
    """Accepts every message at once, in process."""

    name = "instant"
    delivers = True

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def send(self, message: OutgoingSms) -> SendResult:
        return SendResult(SendOutcome.ACCEPTED, provider_id=f"IM{next(self._ids):012d}", status=DeliveryStatus.QUEUED,
                          segments=1)


class SlotLimiter(RateLimiter):
    """The exact limiter, remembering (per thread) the slot it last booked (monotonic seconds)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.slots: list[float] = []
        self.local = threading.local()
        self._outer = threading.Lock()

    def reserve(self, sender: str, cost: float = 1.0) -> float:
        with self._outer:  # every booking goes through here: the slot just booked is _next - cost / rate
            delay = super().reserve(sender, cost)
            rate = self.rate(sender)
            slot = self._next[sender] - cost / rate if rate and rate > 0 else time.monotonic()
        self.local.slot = slot
        self.slots.append(slot)
        return delay


class Recording:
    """Delegates to a provider and records when each send started (monotonic seconds) and, with a
    SlotLimiter, how long after its booked slot."""

    def __init__(self, inner, limiter: SlotLimiter | None = None) -> None:
        self.inner, self.limiter = inner, limiter
        self.name, self.delivers = inner.name, inner.delivers
        self.times: list[float] = []
        self.late: list[float] = []
        self._lock = threading.Lock()

    def send(self, message):
        now = time.monotonic()
        with self._lock:
            self.times.append(now)
            if self.limiter is not None:
                self.late.append(now - getattr(self.limiter.local, "slot", now))
        return self.inner.send(message)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events in any half-open window [t, t + window) (1 µs short, for float rounding of exact slots)."""
    ts, best, j = sorted(times), 0, 0
    for i in range(len(ts)):
        while j < len(ts) and ts[j] < ts[i] + window - 1e-6:
            j += 1
        best = max(best, j - i)
    return best


def overall_rate(times: Sequence[float]) -> float:
    ts = sorted(times)
    return (len(ts) - 1) / (ts[-1] - ts[0]) if len(ts) > 1 and ts[-1] > ts[0] else float("nan")


class FakeHandle:
    """The fake Twilio in this process (``FakeTwilio`` itself) or in a child process, behind one interface:
    ``base_url``, ``account_sid``, ``auth_token``, ``reset()``, ``accepted_count()``, ``created()`` (the
    monotonic time each outbound message was stored; CLOCK_MONOTONIC is system-wide on Linux)."""

    def __init__(self, *, latency: float, in_process: bool) -> None:
        self.latency, self.in_process = latency, in_process
        self._fake = self._proc = self._conn = None

    def __enter__(self) -> FakeHandle:
        if self.in_process:
            self._fake = FakeTwilio(latency=self.latency).start()
            self.base_url, self.account_sid, self.auth_token = (self._fake.base_url, self._fake.account_sid,
                                                                self._fake.auth_token)
        else:
            context = multiprocessing.get_context("fork")  # nothing but this function runs in the child
            self._conn, child = context.Pipe()
            self._proc = context.Process(target=_serve_fake, args=(child, self.latency), daemon=True)
            self._proc.start()
            self.base_url, self.account_sid, self.auth_token = self._conn.recv()
        return self

    def _ask(self, command: str):
        self._conn.send(command)
        return self._conn.recv()

    def reset(self) -> None:
        self._fake.reset() if self._fake is not None else self._ask("reset")

    def accepted_count(self) -> int:
        return len(self._fake.accepted) if self._fake is not None else self._ask("count")

    def created(self) -> list[float]:
        if self._fake is None:
            return self._ask("created")
        with self._fake._lock:
            return [m.created_mono for m in self._fake.messages.values() if m.direction != "inbound"]

    def __exit__(self, *exc) -> None:
        if self._fake is not None:
            self._fake.stop()
        else:
            self._ask("stop")
            self._proc.join(timeout=10)


def _serve_fake(conn, latency: float) -> None:
    try:
        with FakeTwilio(latency=latency) as fake:
            conn.send((fake.base_url, fake.account_sid, fake.auth_token))
            while (command := conn.recv()) != "stop":
                if command == "reset":
                    fake.reset()
                    conn.send(None)
                elif command == "count":
                    conn.send(len(fake.accepted))
                elif command == "created":
                    with fake._lock:
                        conn.send([m.created_mono for m in fake.messages.values() if m.direction != "inbound"])
        conn.send(None)
    finally:
        os._exit(0)  # a forked child must not run the parent's exit handlers (temp directories, servers)


# -- measuring ---------------------------------------------------------------------------------------

@dataclass
class Figures:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # figure, result, goal, verdict
    data: dict[str, float] = field(default_factory=dict)

    def add(self, figure: str, result: str, goal: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((figure, result, goal, verdict))
        print(f"  {figure}: {result}" + (f"   goal {goal}: {verdict}" if goal else ""), flush=True)


class ProfiledPool(ThreadPoolExecutor):
    """A dispatcher pool whose worker threads each run a cProfile (cProfile sees one thread only)."""

    def __init__(self, workers: int) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        super().__init__(max_workers=workers, thread_name_prefix="dispatch", initializer=self._start)

    def _start(self) -> None:
        self._local.profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(self._local.profile)
        self._local.profile.enable()

    def finish(self) -> list[cProfile.Profile]:
        """Stop every worker's profile in its own thread (one blocking task per thread), then shut down."""
        workers = len(self._threads)
        barrier = threading.Barrier(workers, timeout=30)

        def stop() -> None:
            barrier.wait()
            self._local.profile.disable()

        for future in [self.submit(stop) for _ in range(workers)]:
            future.result()
        self.shutdown(wait=True)
        return self.profiles


class Profiler:
    def __init__(self, enabled: bool, stamp: str) -> None:
        self.enabled, self.stamp = enabled, stamp

    def run(self, name: str, fn: Callable[..., object], *, workers: int | None = None) -> tuple[float, object]:
        """Time ``fn()`` (``fn(executor)`` when ``workers`` is given: None, or a profiled pool)."""
        profile = cProfile.Profile() if self.enabled else None
        pool = ProfiledPool(workers) if self.enabled and workers else None
        start = time.perf_counter()
        if profile is not None:
            profile.enable()
        try:
            result = fn(pool) if workers else fn()
        finally:
            if profile is not None:
                profile.disable()
        elapsed = time.perf_counter() - start
        if profile is not None:
            stats = pstats.Stats(profile)
            if pool is not None:
                for worker in pool.finish():
                    stats.add(worker)
            RESULTS.mkdir(parents=True, exist_ok=True)
            path = RESULTS / f"messaging_{name}_{self.stamp}.pstats"
            stats.dump_stats(path)
            threads = f"main + {workers} worker threads" if pool is not None else "main thread"
            print(f"--- profile {name}, {elapsed:.2f} s wall ({threads}, summed; {path.name}) ---")
            for order, restriction in (("tottime", 10), ("cumulative", r"engage_desktop")):
                out = io.StringIO()
                pstats.Stats(str(path), stream=out).sort_stats(order).print_stats(restriction, 12)
                text = out.getvalue()
                print(f"by {order}:" + text[text.index("   ncalls"):].rstrip())
        return elapsed, result


def baseline_insert(store: Store, msgs: Sequence[QueuedMessage], suppressed: set[str], now: datetime,
                    not_before: Callable[[QueuedMessage], datetime]) -> float:
    """The same rows with the plain driver: executemany in one transaction (ON CONFLICT as the engine)."""
    conn = store.raw()
    statement = store.sql(f"INSERT INTO outbox_message ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                          "ON CONFLICT (dedupe_key) DO NOTHING")
    start = time.perf_counter()
    created = store.ts(now)
    rows = []
    for m in msgs:
        skipped = m.recipient in suppressed
        rows.append((m.dedupe_key, m.batch_id, m.channel, m.recipient, m.sender, m.subject, m.body, m.html,
                     m.unsubscribe_url, m.segments, m.location_id, m.patient_pms_id, m.unlinked_id, m.recipient_state,
                     m.time_zone, m.quiet_hours, "opted_out" if skipped else "queued",
                     "The recipient opted out." if skipped else "", created if skipped else store.ts(not_before(m)),
                     0, created, created if skipped else None, 0))
    cur = conn.cursor()
    cur.execute("BEGIN")
    cur.executemany(statement, rows)
    cur.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def baseline_transactions(store: Store, n: int, batch_size: int = 32) -> float:
    """The dispatcher's statements with the plain driver, one thread: per 32 rows a claim; per row
    a suppression read and two single-row UPDATE transactions (start attempt, accepted)."""
    conn = store.raw()
    cur = conn.cursor()
    now = datetime.now(UTC)
    claim = store.sql("UPDATE outbox_message SET status = 'claimed', lease_owner = 'raw', lease_until = ? WHERE id IN "
                      "(SELECT id FROM outbox_message WHERE status = 'queued' ORDER BY not_before, id LIMIT ?) "
                      "RETURNING id, recipient")
    read = store.sql("SELECT address FROM suppression WHERE channel = 'sms' AND address = ?")
    begin = store.sql("UPDATE outbox_message SET status = 'sending', attempts = attempts + 1, attempt_started_at = ?, "
                      "lease_until = ? WHERE id = ? AND status = 'claimed' AND lease_owner = 'raw'")
    accept = store.sql("UPDATE outbox_message SET status = 'submitted', lease_owner = NULL, lease_until = NULL, "
                       "provider = 'raw', provider_id = ?, submitted_at = ? WHERE id = ? AND status = 'sending'")
    start = time.perf_counter()
    done = 0
    while done < n:
        cur.execute("BEGIN")
        cur.execute(claim, (store.ts(now), batch_size))
        rows = cur.fetchall()
        cur.execute("COMMIT")
        if not rows:
            break
        for row_id, recipient in rows:
            cur.execute("BEGIN")
            cur.execute(read, (recipient,))
            cur.fetchall()
            cur.execute("COMMIT")
            stamp = store.ts(datetime.now(UTC))
            cur.execute("BEGIN")
            cur.execute(begin, (stamp, stamp, row_id))
            cur.execute("COMMIT")
            cur.execute("BEGIN")
            cur.execute(accept, (f"RAW{row_id}", stamp, row_id))
            cur.execute("COMMIT")
            done += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def queue_all(store: Store, msgs, quiet, clock) -> None:
    for start in range(0, len(msgs), 5000):
        queue_messages(uow_factory=store.uow_factory, messages=msgs[start:start + 5000], quiet=quiet, clock=clock)


# -- phases ------------------------------------------------------------------------------------------

def phase_queue(args, stores: Stores, figures: Figures, prof: Profiler, clock, quiet) -> None:
    n = args.recipients
    print(f"1. queueing {n:,} recipients", flush=True)
    store, base = stores.new(), stores.new()
    batch_id = new_batch(store, clock)
    assert new_batch(base, clock) == batch_id
    msgs = messages(n, campaign=1, batch_id=batch_id, rng=random.Random(args.seed))
    opted_out = {m.recipient for m in random.Random(args.seed + 1).sample(msgs, n // 100)}
    suppress(store, sorted(opted_out), clock)
    lengths = [len(m.body) for m in msgs]
    print(f"  bodies {min(lengths)}–{max(lengths)} chars (mean {sum(lengths) / n:.0f}); "
          f"{len({(m.recipient_state, m.time_zone) for m in msgs})} state/zone pairs; {len(opted_out):,} on the "
          f"suppression list", flush=True)

    elapsed, report = prof.run("queue", lambda: queue_messages(uow_factory=store.uow_factory, messages=msgs,
                                                                quiet=quiet, clock=clock))
    assert report.queued + sum(report.skipped.values()) == n, report.summary
    again, report2 = prof.run("requeue", lambda: queue_messages(uow_factory=store.uow_factory, messages=msgs,
                                                                 quiet=quiet, clock=clock))
    assert report2.duplicates == n and report2.queued == 0, report2.summary
    now = clock()
    windows: dict[tuple[str, str], datetime] = {}

    def not_before(m: QueuedMessage) -> datetime:
        key = (m.recipient_state, m.time_zone)
        if key not in windows:
            windows[key] = quiet(now, state=m.recipient_state, time_zone=m.time_zone)
        return windows[key]

    baseline = baseline_insert(base, msgs, opted_out, now, not_before)
    figures.data.update(queue_s=elapsed, requeue_s=again, queue_baseline_s=baseline)
    figures.add("baseline: plain executemany of the same rows, one transaction", f"{baseline:.2f} s")
    figures.add(f"queue_messages, {n:,} recipients ({report.summary})", f"{elapsed:.2f} s = {elapsed / baseline:.1f}x",
                "≤ 5 s", elapsed <= 5.0)
    figures.add(f"queue_messages again, {n:,} duplicates", f"{again:.2f} s = {again / baseline:.1f}x")


def phase_overhead(args, stores: Stores, figures: Figures, prof: Profiler, clock, quiet) -> None:
    n = args.overhead
    print(f"2. dispatcher overhead, {n:,} messages, provider accepts at once", flush=True)
    provider = InstantSms()
    msgs = messages(n, campaign=2, batch_id=None, rng=random.Random(args.seed + 2))
    sms = [OutgoingSms(to=m.recipient, body=m.body, sender=m.sender) for m in msgs]
    start = time.perf_counter()
    for m in sms:
        provider.send(m)
    bare = time.perf_counter() - start
    raw_store = stores.new()
    queue_all(raw_store, msgs, quiet, clock)
    raw = baseline_transactions(raw_store, n)
    figures.data.update(overhead_bare_ms=bare / n * 1e3, overhead_raw_ms=raw / n * 1e3)
    figures.add("baseline: provider.send in a bare loop", f"{bare / n * 1e3:.4f} ms/message")
    figures.add("baseline: the same statements with the plain driver (1 thread)", f"{raw / n * 1e3:.3f} ms/message")
    for concurrency in (1, 8):
        store = stores.new()
        queue_all(store, msgs, quiet, clock)
        settings = DispatchSettings(concurrency=concurrency)
        elapsed, report = prof.run(f"dispatch_c{concurrency}", lambda pool, store=store, settings=settings: dispatch_due(
            uow_factory=store.uow_factory, providers=Providers(sms=provider), owner=f"bench-{settings.concurrency}",
            settings=settings, quiet=quiet, clock=clock, executor=pool), workers=concurrency)
        assert report.sent == n, report
        per = elapsed / n * 1e3
        figures.data[f"overhead_c{concurrency}_ms"] = per
        figures.add(f"dispatch_due, concurrency {concurrency}",
                    f"{per:.3f} ms/message ({n / elapsed:,.0f}/s) = {per / (raw / n * 1e3):.1f}x plain statements",
                    "≤ 2 ms", per <= 2.0)


def phase_throughput(args, stores: Stores, figures: Figures, prof: Profiler, clock, quiet) -> None:
    n, limited = args.messages, args.limited
    where = "in this process" if args.fake_in_process else "in a child process"
    print(f"3. against the fake Twilio {where} ({LATENCY * 1e3:.0f} ms per request), {n:,} messages, concurrency 8",
          flush=True)
    with FakeHandle(latency=LATENCY, in_process=args.fake_in_process) as fake:
        def provider():
            return TwilioProvider(account_sid=fake.account_sid, auth_secret=fake.auth_token, base_url=fake.base_url)

        msgs = messages(n, campaign=3, batch_id=None, rng=random.Random(args.seed + 3))
        sms = [OutgoingSms(to=m.recipient, body=m.body, sender=m.sender) for m in msgs]
        bare_provider = provider()
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(bare_provider.send, sms))
        bare = time.perf_counter() - start
        assert all(r.outcome is SendOutcome.ACCEPTED for r in outcomes)
        figures.add("baseline: ThreadPoolExecutor(8) calling TwilioProvider.send",
                    f"{n / bare:.1f} msg/s (ceiling {8 / LATENCY:.0f}/s)")

        fake.reset()
        store = stores.new()
        queue_all(store, msgs, quiet, clock)
        elapsed, report = prof.run("twilio_c8", lambda pool: dispatch_due(
            uow_factory=store.uow_factory, providers=Providers(sms=provider()), owner="bench-twilio",
            settings=DispatchSettings(concurrency=8), quiet=quiet, clock=clock, executor=pool), workers=8)
        assert report.sent == n == fake.accepted_count(), (report, fake.accepted_count())
        rate = n / elapsed
        figures.data.update(twilio_bare_per_s=n / bare, twilio_dispatch_per_s=rate)
        figures.add("dispatch_due, concurrency 8", f"{rate:.1f} msg/s = {rate / (n / bare):.2f}x bare pool",
                    "≥ 120 msg/s", rate >= 120)

        print(f"   with RateLimiter(default={RATE:g}) per sender, {limited:,} messages from one sender", flush=True)
        fake.reset()
        store = stores.new()
        queue_all(store, messages(limited, campaign=4, batch_id=None, rng=random.Random(args.seed + 4)), quiet, clock)
        limiter = SlotLimiter(default=RATE)
        recording = Recording(provider(), limiter)
        elapsed, report = prof.run("twilio_limited", lambda pool: dispatch_due(
            uow_factory=store.uow_factory, providers=Providers(sms=recording), owner="bench-limited",
            settings=DispatchSettings(concurrency=8), quiet=quiet, clock=clock, limiter=limiter,
            executor=pool), workers=8)
        assert report.sent == limited == len(recording.times), report
        at_fake = fake.created()
        calls, arrivals = max_in_window(recording.times), max_in_window(at_fake)
        figures.data.update(limited_per_s=limited / elapsed, limited_call_rate=overall_rate(recording.times),
                            limited_max_window_calls=calls, limited_max_window_fake=arrivals)
        figures.add("rate-limited: achieved rate (provider calls, first to last)",
                    f"{overall_rate(recording.times):.2f} msg/s ({limited / elapsed:.2f}/s end to end)",
                    f"≈ {RATE:g}/s", abs(overall_rate(recording.times) - RATE) <= RATE * 0.05)
        figures.add("rate-limited: most provider calls in any 1 s window", f"{calls}", f"≤ {RATE:g} (+1)",
                    calls <= RATE + 1)
        figures.add("rate-limited: most messages created at the fake in any 1 s window", f"{arrivals}",
                    f"≤ {RATE:g} (+1)", arrivals <= RATE + 1)
        late = sorted(recording.late)
        figures.data.update(limited_max_window_slots=max_in_window(limiter.slots), limited_late_p50_ms=late[len(late) // 2] * 1e3,
                            limited_late_max_ms=late[-1] * 1e3)
        figures.add("rate-limited: limiter slots in any 1 s window / provider call after its slot",
                    f"{max_in_window(limiter.slots)} / p50 {late[len(late) // 2] * 1e3:.1f} ms, "
                    f"p99 {late[int(len(late) * 0.99)] * 1e3:.1f} ms, max {late[-1] * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=2_000, help="throughput against the fake Twilio")
    parser.add_argument("--overhead", type=int, default=2_000, help="dispatcher overhead, in-process provider")
    parser.add_argument("--limited", type=int, default=400, help="rate-limited messages (20/s)")
    parser.add_argument("--db", default="sqlite", help="sqlite (default), postgres (throwaway server) or a URL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fake-in-process", action="store_true",
                        help="run the fake Twilio in this process (it then competes for the GIL)")
    parser.add_argument("--profile", action="store_true", help="cProfile each engine phase (slower figures)")
    args = parser.parse_args()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    clock, quiet = ShiftedClock(), quiet_hours()
    figures, prof = Figures(), Profiler(args.profile, stamp)
    stores = Stores(args.db)
    total = time.perf_counter()
    try:
        print(f"store: {stores.label}; clock {clock.base:%a %Y-%m-%d %H:%M} UTC (+ real time)"
              + ("; PROFILING" if args.profile else ""), flush=True)
        phase_queue(args, stores, figures, prof, clock, quiet)
        phase_overhead(args, stores, figures, prof, clock, quiet)
        phase_throughput(args, stores, figures, prof, clock, quiet)
    finally:
        stores.close()
    total = time.perf_counter() - total

    widths = [max(len(r[i]) for r in [("figure", "result", "goal", ""), *figures.rows]) for i in range(4)]
    print(f"\nsummary ({total:.0f} s in all)")
    for row in [("figure", "result", "goal", ""), tuple("-" * w for w in widths), *figures.rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"messaging_{stamp}.json").write_text(json.dumps(
        {"args": vars(args), "figures": figures.data, "rows": figures.rows, "total_s": total}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
