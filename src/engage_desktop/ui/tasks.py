"""The one way the UI runs work off the GUI thread (style rule 6).

Database calls go to a single worker thread, so they are serialised like Anki's collection
executor; ODBC and network calls (a PMS connection test, a sync that mostly waits on the PMS)
go to a small pool. Results and exceptions come back to the GUI thread through a queued Qt
signal. Worker callables get plain arguments and return DTOs: they never touch a widget.

    runner.run(services.search_patients, text, on_success=self._show, owner=self)
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal

from engage_desktop.domain.errors import EngageError

log = logging.getLogger(__name__)

GENERIC_ERROR = "Something went wrong. The details are in the log file; please try again."


def user_message(exc: BaseException) -> str:
    """What the user may read about a failure: our own errors verbatim, anything else generic.

    Only EngageError messages are written to be shown (they never carry patient data); a
    driver's or the database's message may quote rows, so it stays out of the window.
    """
    if isinstance(exc, EngageError):
        return str(exc) or GENERIC_ERROR
    return GENERIC_ERROR


def _log_unexpected(name: str, exc: BaseException) -> None:
    # The traceback without the exception's text: an SQL error's text can quote patient rows.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("background task %s failed with %s\n%s", name, type(exc).__name__, frames.rstrip())


class Generation:
    """A counter for "only the latest request counts", safe to read from worker threads."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._value += 1
            return self._value

    def is_current(self, value: int) -> bool:
        return value == self._value


class Superseded(Exception):
    """Raised by a worker that noticed a newer request before it started; never shown."""


class _Outcome:
    __slots__ = ("name", "ok", "value", "on_success", "on_failure", "owner", "owned")

    def __init__(self, name, ok, value, on_success, on_failure, owner, owned) -> None:
        self.name, self.ok, self.value = name, ok, value
        self.on_success, self.on_failure = on_success, on_failure
        self.owner, self.owned = owner, owned


class TaskRunner(QObject):
    # Emitted on the GUI thread when a task without its own failure handler failed.
    task_did_fail = Signal(str)
    # Rule 7: (changes, initiator). For now a frozenset of entity kinds such as {"patients"};
    # becomes the services' Changes value once mutating use cases exist.
    changes_applied = Signal(object, object)
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, *, io_workers: int = 4) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engage-db")
        self._io = ThreadPoolExecutor(max_workers=io_workers, thread_name_prefix="engage-io")
        self._cancel_on_shutdown: set[threading.Event] = set()
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        io: bool = False,
        owner: QObject | None = None,
        cancel: threading.Event | None = None,
    ) -> Future | None:
        """Run ``fn(*args)`` on a worker; call back on the GUI thread.

        ``owner``: callbacks are dropped once it is destroyed (defaults to the QObject a bound
        method callback belongs to). ``cancel`` is set when the runner shuts down, so a long
        task such as a sync can stop. Returns None after shutdown.
        """
        if self._closed:
            return None
        if owner is None:
            owner = next((cb.__self__ for cb in (on_success, on_failure)
                          if isinstance(getattr(cb, "__self__", None), QObject)), None)
        name = getattr(fn, "__qualname__", repr(fn))
        if cancel is not None:
            self._cancel_on_shutdown.add(cancel)

        def work() -> None:
            try:
                outcome = _Outcome(name, True, fn(*args), on_success, on_failure, owner, owner is not None)
            except BaseException as exc:  # noqa: BLE001 - delivered to the GUI thread
                outcome = _Outcome(name, False, exc, on_success, on_failure, owner, owner is not None)
            finally:
                if cancel is not None:
                    self._cancel_on_shutdown.discard(cancel)
            if not self._closed:
                self._finished.emit(outcome)

        executor = self._io if io else self._db
        return executor.submit(work)

    def _deliver(self, outcome: _Outcome) -> None:
        if self._closed or (outcome.owned and not shiboken6.isValid(outcome.owner)):
            return
        if outcome.ok:
            if outcome.on_success is not None:
                outcome.on_success(outcome.value)
            return
        exc = outcome.value
        if isinstance(exc, Superseded):
            return
        if not isinstance(exc, EngageError):
            _log_unexpected(outcome.name, exc)
        if outcome.on_failure is not None:
            outcome.on_failure(exc)
        else:
            self.task_did_fail.emit(user_message(exc))

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop delivering, cancel long tasks and queued ones, and (by default) wait for workers."""
        if self._closed:
            return
        self._closed = True
        for event in list(self._cancel_on_shutdown):
            event.set()
        self._db.shutdown(wait=wait, cancel_futures=True)
        self._io.shutdown(wait=wait, cancel_futures=True)
