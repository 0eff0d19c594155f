"""The sandbox providers, for the demo and for trials: nothing is ever sent.

What the sandbox simulates, all on this machine (no network at all):

* ``send`` is ACCEPTED with a sandbox id (``SB`` + 32 hex digits) and status QUEUED;
* the status then moves with the time elapsed since the send: QUEUED → SENT after 2 s →
  DELIVERED after 5 s. About 3 % of SMS (chosen by a hash of the id, so always the same ones)
  end UNDELIVERED with error code 30003 (Twilio's "unreachable destination handset");
* for each delivered SMS, again by a hash of its id, a reply arrives 10–60 s after the send with
  probability ``reply_rate`` ("C", "Yes, see you then", "Can I reschedule?", "Thanks!") and a
  "STOP" with probability ``stop_rate``. A reply comes from the recipient to the sending number,
  inbound, status RECEIVED. Replies are created lazily, when messages are listed after their
  arrival time, with ids derived from the original message, and stored once, so every list
  call (in any process) sees the same replies;
* email is accepted and "delivered" the same way, without failures or replies.

Several processes of the app may use the sandbox at once (the desktop app and the headless
service share the data directory), so its state lives in a small SQLite file (WAL, busy
timeout); ``state_path=None`` keeps it in memory, for tests.

Wherever the sandbox is active the UI shows ``domain.messages.SANDBOX_BANNER`` (the providers say
``delivers = False``).
"""

from __future__ import annotations

import hashlib
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engage_desktop.domain.messages import (
    DeliveryStatus,
    OutgoingEmail,
    OutgoingSms,
    ProviderError,
    ProviderMessage,
    SendOutcome,
    SendResult,
)

SENT_AFTER = 2.0  # seconds after the send
DELIVERED_AFTER = 5.0
UNDELIVERED_RATE = 0.03
UNDELIVERED_CODE = "30003"
UNDELIVERED_MESSAGE = "Unreachable destination handset (sandbox simulation)"
REPLY_DELAY = (10.0, 60.0)
REPLIES = ("C", "Yes, see you then", "Can I reschedule?", "Thanks!")
STOP_REPLY = "STOP"
PAGE_SIZE = 50

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox_message (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,              -- 'sms' | 'email'
    inbound INTEGER NOT NULL DEFAULT 0,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    created REAL NOT NULL,              -- Unix time
    reply_at REAL,                      -- outbound SMS with a planned reply: when it arrives
    reply_body TEXT,
    replied INTEGER NOT NULL DEFAULT 0, -- the planned reply has been stored
    parent_id TEXT                      -- inbound replies: the message they answer
);
CREATE INDEX IF NOT EXISTS sandbox_message_created ON sandbox_message (channel, created);
CREATE INDEX IF NOT EXISTS sandbox_message_pending_reply ON sandbox_message (replied, reply_at)
"""
_SCHEMA_STATEMENTS = [statement.strip() for statement in _SCHEMA.split(";") if statement.strip()]


def _unit(provider_id: str, purpose: str) -> float:
    """A stable number in [0, 1) from the id (the same in every process and run)."""
    digest = hashlib.sha256(f"{purpose}:{provider_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_undelivered(provider_id: str) -> bool:
    return _unit(provider_id, "undelivered") < UNDELIVERED_RATE


def _reply_id(parent_id: str) -> str:
    return "SB" + hashlib.sha256(f"reply:{parent_id}".encode()).hexdigest()[:32]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _timestamp(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class _State:
    """The shared SQLite file: one connection per provider object, serialised by a lock."""

    def __init__(self, path: Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(target, timeout=10.0, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 10000")
        if path is not None:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA_STATEMENTS:
                    self.db.execute(statement)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self.lock:
            self.db.close()


class _SandboxBase:
    name = "sandbox"
    delivers = False
    channel = ""

    def __init__(self, state_path: Path | None, *, seed: int | None, clock: Callable[[], float]) -> None:
        self._state = _State(state_path)
        self._clock = clock
        self._rng = random.Random(seed) if seed is not None else None

    def close(self) -> None:
        self._state.close()

    def _new_id(self) -> str:
        if self._rng is not None:
            return "SB" + f"{self._rng.getrandbits(128):032x}"
        return "SB" + secrets.token_hex(16)

    def _insert(self, *, sender: str, recipient: str, body: str, subject: str | None = None,
                plan: Callable[[str], tuple[float | None, str | None]] | None = None) -> tuple[str, float]:
        now = float(self._clock())
        with self._state.lock:
            for _ in range(100):  # two processes with the same seed draw the same ids: draw again
                provider_id = self._new_id()
                reply_at, reply_body = plan(provider_id) if plan else (None, None)
                reply_at = None if reply_at is None else now + reply_at
                try:
                    self._state.db.execute(
                        "INSERT INTO sandbox_message (id, channel, sender, recipient, subject, body, created,"
                        " reply_at, reply_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (provider_id, self.channel, sender, recipient, subject, body, now, reply_at, reply_body))
                    return provider_id, now
                except sqlite3.IntegrityError:
                    continue
        raise RuntimeError("could not allocate a sandbox id")

    def _status(self, row: sqlite3.Row | tuple, now: float) -> tuple[DeliveryStatus, datetime | None, str | None, str]:
        provider_id, inbound, created = row[0], row[1], row[2]
        if inbound:
            return DeliveryStatus.RECEIVED, _utc(created), None, ""
        elapsed = now - created
        if elapsed < SENT_AFTER:
            return DeliveryStatus.QUEUED, None, None, ""
        sent_at = _utc(created + SENT_AFTER)
        if elapsed < DELIVERED_AFTER:
            return DeliveryStatus.SENT, sent_at, None, ""
        if self.channel == "sms" and is_undelivered(provider_id):
            return DeliveryStatus.UNDELIVERED, sent_at, UNDELIVERED_CODE, UNDELIVERED_MESSAGE
        return DeliveryStatus.DELIVERED, sent_at, None, ""

    def _message(self, row, now: float) -> ProviderMessage:
        provider_id, inbound, created, sender, recipient, body = row
        status, sent_at, code, text = self._status(row, now)
        return ProviderMessage(provider_id=provider_id, inbound=bool(inbound), sender=sender, to=recipient, body=body,
                               status=status, raw_status=status.value, created_at=_utc(created), sent_at=sent_at,
                               segments=None, error_code=code, error_message=text)

    _COLUMNS = "id, inbound, created, sender, recipient, body"

    def fetch(self, provider_id: str) -> ProviderMessage:
        now = float(self._clock())
        with self._state.lock:
            self._materialise_replies(now)
            row = self._state.db.execute(f"SELECT {self._COLUMNS} FROM sandbox_message WHERE id = ? AND channel = ?",
                                         (provider_id, self.channel)).fetchone()
        if row is None:
            raise ProviderError(f"No sandbox message {provider_id}", transient=False, status_code=404)
        return self._message(row, now)

    def _materialise_replies(self, now: float) -> None:
        """Store the replies whose arrival time has passed (idempotent across processes)."""

    def list_messages(self, *, to: str | None = None, sender: str | None = None, since: datetime | None = None,
                      day_filter: bool = True, max_pages: int = 20) -> Iterator[ProviderMessage]:
        """Newest first, like the real providers. With ``day_filter`` and ``since`` the sandbox
        behaves like Twilio's DateSent filter: messages not yet sent (QUEUED, no sent date) are
        left out; without it they are listed."""
        now = float(self._clock())
        where, params = ["channel = ?", "created <= ?"], [self.channel, now]
        if to is not None:
            where.append("recipient = ?")
            params.append(to)
        if sender is not None:
            where.append("sender = ?")
            params.append(sender)
        since_ts = None
        if since is not None:
            since_ts = _timestamp(since)
            where.append("created >= ?")
            params.append(since_ts)
        limit = max(0, max_pages) * PAGE_SIZE
        with self._state.lock:
            self._materialise_replies(now)
            rows = self._state.db.execute(
                f"SELECT {self._COLUMNS} FROM sandbox_message WHERE {' AND '.join(where)}"
                " ORDER BY created DESC, id DESC LIMIT ?", (*params, limit)).fetchall()
        messages = [self._message(row, now) for row in rows]
        if day_filter and since_ts is not None:
            day_before = (_utc(since_ts) - timedelta(days=1)).date()
            messages = [m for m in messages if m.sent_at is not None and m.sent_at.date() >= day_before]
        return iter(messages)


class SandboxSms(_SandboxBase):
    """An :class:`SmsProvider` that sends nothing and simulates receipts and replies."""

    channel = "sms"

    def __init__(self, state_path: Path | None, *, seed: int | None = None, reply_rate: float = 0.05,
                 stop_rate: float = 0.01, clock: Callable[[], float] = time.time) -> None:
        if not (0.0 <= reply_rate <= 1.0 and 0.0 <= stop_rate <= 1.0 and reply_rate + stop_rate <= 1.0):
            raise ValueError("reply_rate and stop_rate must be probabilities adding up to at most 1")
        super().__init__(state_path, seed=seed, clock=clock)
        self.reply_rate = reply_rate
        self.stop_rate = stop_rate

    def _plan_reply(self, provider_id: str) -> tuple[float | None, str | None]:
        """(delay after the send, body) of the simulated reply, or (None, None)."""
        if is_undelivered(provider_id):
            return None, None
        draw = _unit(provider_id, "reply")
        if draw < self.stop_rate:
            body = STOP_REPLY
        elif draw < self.stop_rate + self.reply_rate:
            body = REPLIES[int(_unit(provider_id, "reply-text") * len(REPLIES))]
        else:
            return None, None
        low, high = REPLY_DELAY
        return low + (high - low) * _unit(provider_id, "reply-delay"), body

    def send(self, message: OutgoingSms) -> SendResult:
        provider_id, _ = self._insert(sender=message.sender, recipient=message.to, body=message.body, plan=self._plan_reply)
        return SendResult(SendOutcome.ACCEPTED, provider_id=provider_id, status=DeliveryStatus.QUEUED, segments=None)

    def _materialise_replies(self, now: float) -> None:
        db = self._state.db
        pending = "SELECT 1 FROM sandbox_message WHERE replied = 0 AND reply_at IS NOT NULL AND reply_at <= ? LIMIT 1"
        if db.execute(pending, (now,)).fetchone() is None:
            return  # the common case: no write lock needed
        db.execute("BEGIN IMMEDIATE")
        try:
            due = db.execute("SELECT id, sender, recipient, reply_at, reply_body FROM sandbox_message"
                             " WHERE replied = 0 AND reply_at IS NOT NULL AND reply_at <= ?", (now,)).fetchall()
            for parent_id, sender, recipient, reply_at, reply_body in due:
                db.execute("INSERT OR IGNORE INTO sandbox_message (id, channel, inbound, sender, recipient, body, created,"
                           " parent_id) VALUES (?, 'sms', 1, ?, ?, ?, ?, ?)",
                           (_reply_id(parent_id), recipient, sender, reply_body, reply_at, parent_id))
                db.execute("UPDATE sandbox_message SET replied = 1 WHERE id = ?", (parent_id,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


class SandboxEmail(_SandboxBase):
    """An :class:`EmailProvider` that sends nothing (no failures, no replies)."""

    channel = "email"

    def __init__(self, state_path: Path | None, *, seed: int | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(state_path, seed=seed, clock=clock)

    def send(self, message: OutgoingEmail) -> SendResult:
        provider_id, _ = self._insert(sender=message.sender, recipient=message.to, body=message.text,
                                      subject=message.subject)
        return SendResult(SendOutcome.ACCEPTED, provider_id=provider_id, status=DeliveryStatus.QUEUED, segments=None)
