"""Link an unlinked patient to a PMS chart (LNK-4): the engine's ranked candidates with the reasons
for each, or any chart found by searching; the user picks one and confirms."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.views import PatientListRow, SearchResult
from engage_desktop.services.linking import LinkProposal, MatchCandidate
from engage_desktop.ui.formatting import format_date
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import label

WIDTH = 640
VERDICTS = {
    "auto_link": ("A certain match: the details agree and no other chart comes close.", "success"),
    "review": ("Check before linking: compare the details below with the person.", "warning"),
    "new": ("No chart looks like this person. Search below, or create them in the PMS first.", "muted"),
}


def evidence_text(score: float) -> str:
    """How much the details agree, in words (the decision above says whether that is enough)."""
    if score >= 0.999:
        return "Strong evidence"
    if score >= 0.9:
        return "Good evidence"
    return "Some evidence"


class LinkPatientDialog(QDialog):
    """``linked(chart_id)`` once the link is saved."""

    linked = Signal(int)

    def __init__(self, services, runner: TaskRunner, *, unlinked_id: int, region: str = "US",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link to PMS chart")
        self.setObjectName("Page")
        self.setModal(True)
        self._services, self._runner, self._region = services, runner, region
        self._unlinked_id = unlinked_id
        self.choices = QButtonGroup(self)
        self.choices.buttonToggled.connect(lambda *_: self._update_button())
        self.proposal: LinkProposal | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 18)
        outer.setSpacing(10)
        outer.addWidget(label("Link to PMS chart", name="PageTitle"))
        self.person = label("Loading…", "muted", width=WIDTH)
        outer.addWidget(self.person)
        self.verdict = label("", width=WIDTH)
        outer.addWidget(self.verdict)
        self.list_widget = QWidget()
        self.list_box = QVBoxLayout(self.list_widget)
        self.list_box.setContentsMargins(0, 0, 0, 0)
        self.list_box.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list_widget)
        scroll.setMinimumSize(WIDTH + 20, 340)
        outer.addWidget(scroll, 1)
        search_row = QHBoxLayout()
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Not listed? Search the PMS by name, birthdate, phone or chart #")
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.search)
        self.search_box.textChanged.connect(lambda _: self._debounce.start())
        search_row.addWidget(self.search_box, 1)
        outer.addLayout(search_row)
        self.message = label("", "danger", width=WIDTH)
        self.message.hide()
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.link_button = QPushButton("Link")
        self.link_button.setProperty("primary", True)
        self.link_button.setEnabled(False)
        self.link_button.clicked.connect(self.link)
        buttons.addWidget(cancel)
        buttons.addWidget(self.link_button)
        outer.addLayout(buttons)

    def load(self) -> None:
        self._runner.run(self._services.link_candidates, self._unlinked_id, on_success=self._show_proposal,
                         on_failure=self._failed, owner=self)

    # -- candidates -----------------------------------------------------------------------------
    def _show_proposal(self, proposal: LinkProposal) -> None:
        self.proposal = proposal
        u = proposal.unlinked
        facts = [f"{u.last_name}, {u.first_name}"]
        if u.birthdate:
            facts.append(f"born {format_date(u.birthdate, self._region)}")
        if u.mobile_phone:
            facts.append(format_phone(u.mobile_phone, u.mobile_phone, self._region))
        if u.email:
            facts.append(u.email)
        self.person.setText("Unlinked patient: " + " · ".join(facts))
        text, role = VERDICTS.get(proposal.decision, VERDICTS["new"])
        self.verdict.setText(text)
        self.verdict.setProperty("role", role)
        self.verdict.style().polish(self.verdict)
        self._fill([(c, c.list_id == proposal.best_list_id and proposal.decision == "auto_link")
                    for c in proposal.candidates])

    def _fill(self, entries: list[tuple[MatchCandidate, bool]]) -> None:
        for button in self.choices.buttons():
            self.choices.removeButton(button)
        while self.list_box.count():
            item = self.list_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for candidate, preselect in entries:
            self.list_box.addWidget(self._candidate_row(candidate, preselect))
        if not entries:
            self.list_box.addWidget(label("No candidates.", "muted"))
        self.list_box.addStretch(1)
        self._update_button()

    def _candidate_row(self, c: MatchCandidate, preselect: bool) -> QWidget:
        row = QFrame()
        row.setObjectName("Card")
        box = QVBoxLayout(row)
        box.setContentsMargins(12, 8, 12, 8)
        box.setSpacing(3)
        top = QHBoxLayout()
        choice = QRadioButton(c.name)
        choice.setProperty("chart_id", c.list_id)
        choice.setChecked(preselect)
        self.choices.addButton(choice)
        top.addWidget(choice, 1)
        if c.score:
            top.addWidget(label(evidence_text(c.score), "muted"), 0, Qt.AlignmentFlag.AlignRight)
        box.addLayout(top)
        facts = [f"PMS # {c.pms_id}"]
        if c.birthdate:
            facts.append(f"born {format_date(c.birthdate, self._region)}")
        if c.phone:
            facts.append(format_phone(c.phone, c.phone, self._region) if c.phone.startswith("+") else c.phone)
        if c.email:
            facts.append(c.email)
        box.addWidget(label(" · ".join(facts), "small", width=WIDTH - 40))
        if c.reasons:
            box.addWidget(label("Matches: " + ", ".join(c.reasons), "success", width=WIDTH - 40))
        if c.conflicts:
            box.addWidget(label("Differs: " + ", ".join(c.conflicts), "danger", width=WIDTH - 40))
        return row

    # -- manual search --------------------------------------------------------------------------
    def search(self) -> None:
        text = self.search_box.text().strip()
        if not text:
            if self.proposal is not None:
                self._show_proposal(self.proposal)
            return
        services = self._services

        def work() -> list[PatientListRow]:
            result: SearchResult = services.search_patients(text, "charts")
            return services.patient_rows(result.ids[:20])

        self._runner.run(work, on_success=self._show_found, on_failure=self._failed, owner=self)

    def _show_found(self, rows: list[PatientListRow]) -> None:
        self._fill([(MatchCandidate(list_id=r.id, pms_id=r.pms_id, name=r.name, birthdate=r.birthdate, phone=r.phone,
                                    email=r.email, score=0.0, reasons=(), conflicts=()), False) for r in rows])

    # -- linking --------------------------------------------------------------------------------
    def selected_chart(self) -> int | None:
        button = self.choices.checkedButton()
        return int(button.property("chart_id")) if button is not None else None

    def _update_button(self) -> None:
        self.link_button.setEnabled(self.selected_chart() is not None)

    def link(self) -> None:
        chart_id = self.selected_chart()
        if chart_id is None:
            return
        self.link_button.setEnabled(False)
        self.link_button.setText("Linking…")
        self._runner.run(self._services.link_patient, self._unlinked_id, chart_id,
                         on_success=lambda _u: self._linked(chart_id), on_failure=self._failed, owner=self)

    def _linked(self, chart_id: int) -> None:
        self.linked.emit(chart_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.link_button.setText("Link")
        self._update_button()
        self.message.setText(user_message(exc))
        self.message.show()
