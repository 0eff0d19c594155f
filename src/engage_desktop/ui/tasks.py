"""The one way the UI runs work off the GUI thread (style rule 6).

Database calls go to a single worker thread, so they are serialised like Anki's collection
executor; ODBC and network calls (a PMS connection test, a sync that mostly waits on the PMS)
go to a small pool. Results and exceptions come back to the GUI thread through a queued Qt
signal. Worker callables get plain arguments and return DTOs: they never touch a widget.

    runner.run(services.search_patients, text, on_success=self._show, owner=self)
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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


@dataclass(slots=True)
class _Callbacks:
    name: str
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[BaseException], None] | None
    owner: QObject | None


class TaskRunner(QObject):
    # Emitted on the GUI thread when a task without its own failure handler failed.
    task_did_fail = Signal(str)
    # Rule 7: (changes, initiator). For now a frozenset of entity kinds such as {"patients"};
    # becomes the services' Changes value once mutating use cases exist.
    changes_applied = Signal(object, object)
    _finished = Signal(int, bool, object)  # task id, ok, result or exception

    def __init__(self, parent: QObject | None = None, *, io_workers: int = 4) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engage-db")
        self._io = ThreadPoolExecutor(max_workers=io_workers, thread_name_prefix="engage-io")
        self._cancel_on_shutdown: set[threading.Event] = set()
        self._callbacks: dict[int, _Callbacks] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        # Bound once here: workers must not create (and then drop) Qt wrapper objects, such as
        # a signal instance, on their own threads.
        self._emit_finished = self._finished.emit

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
        task such as a sync can stop. Returns None after shutdown. ``fn`` and ``args`` must not
        be widgets or hold them: the callbacks stay on the GUI thread, ``fn`` goes to a worker.
        """
        if self._closed:
            return None
        if owner is None:
            owner = next((cb.__self__ for cb in (on_success, on_failure)
                          if isinstance(getattr(cb, "__self__", None), QObject)), None)
        task_id = next(self._ids)
        self._callbacks[task_id] = _Callbacks(getattr(fn, "__qualname__", repr(fn)), on_success, on_failure, owner)
        if cancel is not None:
            self._cancel_on_shutdown.add(cancel)
        emit, cancels = self._emit_finished, self._cancel_on_shutdown

        def work() -> None:
            try:
                ok, value = True, fn(*args)
            except BaseException as exc:  # noqa: BLE001 - delivered to the GUI thread
                ok, value = False, exc
            finally:
                if cancel is not None:
                    cancels.discard(cancel)
            emit(task_id, ok, value)

        executor = self._io if io else self._db
        return executor.submit(work)

    def _deliver(self, task_id: int, ok: bool, value: Any) -> None:
        callbacks = self._callbacks.pop(task_id, None)
        if self._closed or callbacks is None:
            return
        if callbacks.owner is not None and not shiboken6.isValid(callbacks.owner):
            return
        if ok:
            if callbacks.on_success is not None:
                callbacks.on_success(value)
            return
        if isinstance(value, Superseded):
            return
        if not isinstance(value, EngageError):
            _log_unexpected(callbacks.name, value)
        if callbacks.on_failure is not None:
            callbacks.on_failure(value)
        else:
            self.task_did_fail.emit(user_message(value))

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop delivering, cancel long tasks and queued ones, and (by default) wait for workers."""
        if self._closed:
            return
        self._closed = True
        for event in list(self._cancel_on_shutdown):
            event.set()
        self._db.shutdown(wait=wait, cancel_futures=True)
        self._io.shutdown(wait=wait, cancel_futures=True)
        self._callbacks.clear()
