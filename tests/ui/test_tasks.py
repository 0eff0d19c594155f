"""The task runner: work off the GUI thread, results back on it, errors shown safely."""

from __future__ import annotations

import logging
import threading

import shiboken6
from PySide6.QtCore import QObject

from engage_desktop.domain.errors import PmsError
from engage_desktop.ui.tasks import GENERIC_ERROR, Generation, TaskRunner


def test_work_runs_on_a_worker_and_the_result_arrives_on_the_gui_thread(qtbot, runner):
    seen = []
    gui = threading.get_ident()
    with qtbot.waitSignal(runner._finished, timeout=5000):
        runner.run(lambda: threading.current_thread().name,
                   on_success=lambda name: seen.append((name, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(seen))
    name, callback_thread = seen[0]
    assert name.startswith("engage-db")
    assert callback_thread == gui


def test_io_work_uses_the_pool_not_the_database_thread(qtbot, runner):
    seen = []
    runner.run(lambda: threading.current_thread().name, on_success=seen.append, io=True)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0].startswith("engage-io")


def test_our_errors_are_shown_with_their_message(qtbot, runner):
    with qtbot.waitSignal(runner.task_did_fail, timeout=5000) as blocker:
        runner.run(_raise(PmsError("The PMS server did not answer.")))
    assert blocker.args == ["The PMS server did not answer."]


def test_unexpected_errors_show_a_generic_message_and_are_logged_without_their_text(qtbot, runner, caplog):
    caplog.set_level(logging.ERROR, logger="engage_desktop.ui.tasks")
    with qtbot.waitSignal(runner.task_did_fail, timeout=5000) as blocker:
        runner.run(_raise(ValueError("row for Rivera, Maria 503-555-0101 is broken")))
    assert blocker.args == [GENERIC_ERROR]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged
    assert "Rivera" not in logged and "503-555" not in logged  # the text may quote patient rows


def test_failure_handler_receives_the_exception_instead_of_the_generic_report(qtbot, runner):
    failures, reported = [], []
    runner.task_did_fail.connect(reported.append)
    runner.run(_raise(PmsError("nope")), on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert str(failures[0]) == "nope" and reported == []


def test_callbacks_are_dropped_once_their_owner_is_destroyed(qtbot, runner):
    owner = QObject()
    release = threading.Event()
    called, sentinel = [], []
    runner.run(lambda: release.wait(5), on_success=called.append, owner=owner)
    shiboken6.delete(owner)
    release.set()
    runner.run(lambda: "after", on_success=sentinel.append)  # same worker: delivered after the first
    qtbot.waitUntil(lambda: bool(sentinel))
    assert called == []


def test_shutdown_cancels_long_tasks_and_stops_delivering(qtbot, qapp):
    runner = TaskRunner()
    cancel = threading.Event()
    started = threading.Event()
    called, noticed = [], []

    def long_task():
        started.set()
        noticed.append(cancel.wait(10))

    runner.run(long_task, on_success=called.append, io=True, cancel=cancel)
    qtbot.waitUntil(started.is_set)
    runner.shutdown(wait=True)
    assert noticed == [True]  # the task saw the cancel request before shutdown returned
    qapp.processEvents()
    assert called == []
    assert runner.run(lambda: 1) is None


def test_generation_knows_the_latest_request():
    generation = Generation()
    first = generation.next()
    second = generation.next()
    assert not generation.is_current(first) and generation.is_current(second)


def _raise(exc: BaseException):
    def fail():
        raise exc

    return fail
