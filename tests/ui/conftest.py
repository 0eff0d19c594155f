"""Fixtures for the desktop client's tests: a real store built in a temp dir from a fake PMS,
the real task runner (threads), and a manual runner for step-by-step model tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from engage_desktop.bootstrap import Container, bootstrap
from engage_desktop.config import load_config
from engage_desktop.domain.pms_connection import ConnectionSettings
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.pms_sync import FULL
from engage_desktop.ui.tasks import TaskRunner
from tests.fakes import FakePmsReader, FakeSecretStore, fast_hasher
from tests.ui.sample_practice import build_reader

PMS_PASSWORD = "correct horse"
ADMIN_PASSWORD = "front-office-2026"


@dataclass
class Practice:
    container: Container
    secrets: FakeSecretStore
    reader: object  # what open_reader returns; tests may swap it

    @property
    def services(self) -> AppServices:
        return self.container.services


def make_practice(data_dir, reader, *, demo: bool = False, configure: bool = True, sign_in: bool = True,
                  first_admin: bool = True) -> Practice:
    """A practice whose first administrator ("admin") is signed in unless ``sign_in=False``
    (``first_admin=False``: a brand-new practice without any user)."""
    secrets = FakeSecretStore()
    holder: dict[str, Any] = {}
    container = bootstrap(load_config(env={"ENGAGE_WORKSTATION": "FRONT-DESK-1"}, data_dir=data_dir, demo=demo),
                          secrets=secrets, open_reader=lambda settings: holder["practice"].reader, hasher=fast_hasher())
    practice = Practice(container, secrets, reader)
    holder["practice"] = practice
    if first_admin:
        container.services.create_first_administrator("admin", "Office Admin", ADMIN_PASSWORD)
    if configure:
        container.services.save_pms_settings(ConnectionSettings(host="pms-server", user="engage"), PMS_PASSWORD)
    if not sign_in:
        container.services.sign_out()
    return practice


@pytest.fixture
def practice(tmp_path):
    """Configured, not synced yet."""
    p = make_practice(tmp_path, build_reader(filler=60))
    yield p
    p.container.close()


@pytest.fixture
def synced_practice(practice):
    report = practice.services.sync_pms(FULL)
    assert report.outcome == "ok"
    return practice


@pytest.fixture
def runner(qapp):
    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


@dataclass
class ManualRunner:
    """Same ``run()`` as TaskRunner, but tasks wait until ``flush()`` runs them on this thread."""

    queued: list[tuple[Callable, tuple, Callable | None, Callable | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from PySide6.QtCore import QObject, Signal

        class _Signals(QObject):
            task_did_fail = Signal(str)
            changes_applied = Signal(object, object)

        self._signals = _Signals()
        self.task_did_fail = self._signals.task_did_fail
        self.changes_applied = self._signals.changes_applied

    def run(self, fn, *args, on_success=None, on_failure=None, io=False, owner=None, cancel=None):
        self.queued.append((fn, args, on_success, on_failure))

    def flush(self) -> int:
        done = 0
        while self.queued:
            fn, args, on_success, on_failure = self.queued.pop(0)
            try:
                value = fn(*args)
            except Exception as exc:  # noqa: BLE001
                if on_failure:
                    on_failure(exc)
            else:
                if on_success:
                    on_success(value)
            done += 1
        return done


@pytest.fixture
def manual_runner(qapp):
    return ManualRunner()


__all__ = ["FakePmsReader", "ManualRunner", "Practice", "make_practice"]
