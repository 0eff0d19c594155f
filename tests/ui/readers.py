"""PMS readers that misbehave on purpose: refuse the login, lack tables, or read slowly."""

from __future__ import annotations

import threading

from engage_desktop.domain.errors import PmsConnectionError
from engage_desktop.domain.pms_connection import FailureKind
from engage_desktop.domain.pms_records import SchemaReport
from engage_desktop.domain.ports import Entity
from tests.fakes import FakePmsReader

LOGIN_MESSAGE = "The PMS database refused the login for user 'engage'. Check the user name and password."
LOGIN_DETAIL = "[28000] [ma-3.1.22]Access denied for user 'engage'@'10.0.0.12' (using password: YES)"


class LoginRefusedReader(FakePmsReader):
    def server_now(self):
        raise PmsConnectionError(FailureKind.LOGIN_REFUSED.value, LOGIN_MESSAGE, LOGIN_DETAIL)


class MissingSchemaReader(FakePmsReader):
    def check_schema(self) -> SchemaReport:
        return SchemaReport(vendor="opendental", missing_objects=("recall", "procedurelog"),
                            missing_columns=("patient.TxtMsgOk",))


class GatedReader(FakePmsReader):
    """Reads the first page of patients, then waits at ``gate`` until a test opens it."""

    def __init__(self, source: FakePmsReader) -> None:
        super().__init__()
        self.rows = source.rows
        self.clock = source.clock
        self.gate = threading.Event()
        self.waiting = threading.Event()  # set once a page read is held at the gate
        self.patient_pages = 0

    def read_batch(self, entity, *, after_key, changed_since, limit):
        if entity is Entity.PATIENTS:
            self.patient_pages += 1
            if self.patient_pages > 1:
                self.waiting.set()
                if not self.gate.wait(timeout=30):
                    raise TimeoutError("the test never opened the gate")
        return super().read_batch(entity, after_key=after_key, changed_since=changed_since, limit=limit)
