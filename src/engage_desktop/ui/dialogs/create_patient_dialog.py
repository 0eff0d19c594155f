"""Create an unlinked patient (LNK-1): the details, field-level errors, and a warning (not a block)
when the person looks like a chart or an unlinked patient that already exists."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QPushButton, QVBoxLayout, QWidget

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.unlinked import ContactPreference, UnlinkedInput
from engage_desktop.services.linking import CreateOutcome, MatchCandidate
from engage_desktop.ui.formatting import format_date
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import label
from engage_desktop.ui.widgets.form_dialog import FIELD_WIDTH, TEXT_WIDTH, FormDialog


class CreatePatientDialog(FormDialog):
    """``created(list_id)`` after the patient was written; ``open_requested(list_id)`` when the
    user would rather open the existing person the warning names."""

    created = Signal(int)
    open_requested = Signal(int)

    def __init__(self, services, runner: TaskRunner, *, locations: list[tuple[str, str]], region: str = "US",
                 parent: QWidget | None = None) -> None:
        super().__init__("Create patient", "A patient who is not in the PMS yet (an unlinked patient). They can be "
                         "messaged now and linked to their chart once the PMS has one.", "Create", parent)
        self._services, self._runner, self._region = services, runner, region
        self.first_name = self.add_field("first_name", "First name *")
        self.last_name = self.add_field("last_name", "Last name *")
        self.preferred_name = self.add_field("preferred_name", "Preferred name")
        self.birthdate = self.add_field("birthdate", "Birthdate")
        self.birthdate.setPlaceholderText("MM/DD/YYYY")
        self.mobile = self.add_field("mobile", "Mobile")
        self.mobile.setPlaceholderText("(503) 555-0142")
        self.email = self.add_field("email", "Email")
        self.email.setPlaceholderText("name@example.com")
        self.location = QComboBox()
        self.location.setFixedWidth(FIELD_WIDTH)
        for pms_id, name in locations:
            self.location.addItem(name, pms_id)
        self.add_row("location_id", "Location *", self.location)
        self.location.setEnabled(len(locations) > 1)
        self.preference = QComboBox()
        self.preference.setFixedWidth(FIELD_WIDTH)
        for choice in ContactPreference:
            self.preference.addItem(choice.label, choice.value)
        self.add_row("contact_preference", "Contact by", self.preference)

        self.warning = QFrame()
        self.warning.setObjectName("WarningBox")
        self.warning_box = QVBoxLayout(self.warning)
        self.warning_box.setContentsMargins(12, 10, 12, 10)
        self.warning.hide()
        self.outer.insertWidget(self.outer.indexOf(self.message), self.warning)
        self._confirmed = False
        for edit in self.fields.values():
            edit.textEdited.connect(self._reset_warning)

    def data(self) -> UnlinkedInput:
        return UnlinkedInput(first_name=self.first_name.text(), last_name=self.last_name.text(),
                             preferred_name=self.preferred_name.text(), birthdate=self.birthdate.text(),
                             mobile=self.mobile.text(), email=self.email.text(), location_id=self.location.currentData(),
                             contact_preference=self.preference.currentData())

    def submit(self) -> None:
        if self._busy:
            return
        self.clear_errors()
        self.set_busy(True, "Creating…")
        self._runner.run(self._services.create_unlinked_patient, self.data(), self._confirmed,
                         on_success=self._done, on_failure=self._failed, owner=self)

    def _done(self, outcome: CreateOutcome) -> None:
        self.set_busy(False)
        if outcome.patient is None:
            self._show_lookalikes(outcome.lookalikes)
            return
        self.created.emit(-outcome.patient.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Create anyway" if self._confirmed else "Create")
        if isinstance(exc, ValidationFailed):
            for key, text in exc.errors.items():
                self.show_error(key, text)
            return
        self.show_error(None, user_message(exc))

    def _show_lookalikes(self, lookalikes: tuple[MatchCandidate, ...]) -> None:
        while self.warning_box.count():
            item = self.warning_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.warning_box.addWidget(label("This person may already exist:", name="GroupCaption"))
        for match in lookalikes:
            what = "PMS chart" if match.is_chart else "Unlinked patient"
            born = f", born {format_date(match.birthdate, self._region)}" if match.birthdate else ""
            why = ", ".join(match.reasons)
            line = label(f"{what}: {match.name}{born} — {why}", width=TEXT_WIDTH - 24)
            self.warning_box.addWidget(line)
            button = QPushButton(f"Open {match.name}")
            button.setProperty("flat", True)
            button.clicked.connect(lambda _=False, list_id=match.list_id: self._open(list_id))
            self.warning_box.addWidget(button)
        self.warning_box.addWidget(label("If it is someone else, create them anyway.", "small", width=TEXT_WIDTH - 24))
        self.warning.show()
        self._confirmed = True
        self.ok_button.setText("Create anyway")

    def _reset_warning(self, *_args: object) -> None:
        if self._confirmed:  # the details changed: check them again before creating
            self._confirmed = False
            self.warning.hide()
            self.ok_button.setText("Create")

    def _open(self, list_id: int) -> None:
        self.open_requested.emit(list_id)
        self.reject()
