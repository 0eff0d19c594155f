"""The patient card: what the front desk needs about one chart, read-only, from a PatientCard DTO.

The widget only renders; the Patients page loads the card off-thread and hands it over.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from engage_desktop.domain.views import AppointmentLine, FamilyMember, PatientCard, RecallLine
from engage_desktop.ui import icons, theme
from engage_desktop.ui.formatting import (
    age_on,
    appointment_status_label,
    consent_label,
    contact_method_label,
    format_date,
    format_datetime,
    language_label,
    money,
    status_label,
)
from engage_desktop.ui.widgets.common import Card, ElidedLabel, label

MAX_PAST_APPOINTMENTS = 5


class PatientCardWidget(QScrollArea):
    family_member_clicked = Signal(int)  # patient id
    link_requested = Signal(int)  # unlinked patient id: Link to PMS chart / Re-link
    unlink_requested = Signal(int)  # unlinked patient id
    create_in_pms_requested = Signal(int)  # unlinked patient id
    verify_requested = Signal(int)  # unlinked patient id of the link to compare

    def __init__(self, *, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.card: PatientCard | None = None
        self.can_link = True  # the Link / re-link / merge patients right; the page sets it
        self.link_right_text = ""
        self.show_message("Select a patient to see their card.")

    # -- states ----------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.card = None
        content, layout = self._new_content()
        message = label(text, "muted", wrap=True)
        message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(message)
        layout.addStretch(2)
        self.setWidget(content)

    def show_loading(self) -> None:
        self.show_message("Loading…")

    def show_card(self, card: PatientCard, now: datetime | None = None) -> None:
        now = now or datetime.now()
        self.card = card
        content, layout = self._new_content()
        layout.addLayout(self._header(card, now.date()))
        if not card.is_linked:
            layout.addWidget(self._unlinked_note(card))
            layout.addWidget(self._contact(card))
            layout.addStretch(1)
            self.setWidget(content)
            self.verticalScrollBar().setValue(0)
            return
        if card.linked_unlinked_ids:
            layout.addWidget(self._linked_note(card))
        layout.addWidget(self._contact(card))
        layout.addWidget(self._consent(card))
        layout.addWidget(self._care(card))
        if card.family or card.is_guarantor:
            layout.addWidget(self._family(card, now.date()))
        layout.addWidget(self._appointments(card.appointments, now, home=card.location))
        layout.addWidget(self._recalls(card.recalls, now.date()))
        layout.addWidget(self._planned(card))
        layout.addStretch(1)
        self.setWidget(content)
        self.verticalScrollBar().setValue(0)

    def visible_text(self) -> str:
        """Every label's and link's text, in order (for tests and screen readers' sake)."""
        widget = self.widget()
        parts = [w.full_text() if isinstance(w, ElidedLabel) else w.text() for w in widget.findChildren(QWidget)
                 if isinstance(w, QLabel | QPushButton) and w.text()]
        return "\n".join(parts)

    def _new_content(self) -> tuple[QWidget, QVBoxLayout]:
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 2, 10, 12)
        layout.setSpacing(12)
        return content, layout

    # -- sections ----------------------------------------------------------------------------------
    def _header(self, card: PatientCard, today: date) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(10)
        name = label(card.name, name="CardName", wrap=True, selectable=True)
        top.addWidget(name, 1)
        top.addWidget(status_badge(card.status), 0, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(top)
        facts = []
        if card.birthdate:
            age = age_on(card.birthdate, today)
            facts.append(f"Born {format_date(card.birthdate, self._region)}" + (f" · {_age_text(age)}" if age is not None else ""))
        if card.chart_number:
            facts.append(f"Chart # {card.chart_number}")
        if card.pms_id:
            facts.append(f"PMS # {card.pms_id}")
        box.addWidget(label(" · ".join(facts), "muted", selectable=True, wrap=True))
        return box

    def _unlinked_note(self, card: PatientCard) -> QWidget:
        note = Card()
        note.setObjectName("Note")
        row = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(icons.broken_link(size=18).pixmap(18, 18))
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = ("Unlinked patient: not a chart in the PMS" + (f" (created by {card.created_by})" if card.created_by else "")
                + ". Link them to their chart once the PMS has one.")
        if card.pending_pms_id:
            text = (f"Created in the PMS as chart # {card.pending_pms_id}; the next sync links it to this person.")
        elif card.pms_request == "handoff":
            text = ("The details were handed over to be entered in the PMS; the next sync links the new chart "
                    "to this person (or lists it under Review if anything differs).")
        row.addWidget(label(text, wrap=True), 1)
        note.body.addLayout(row)
        buttons = QHBoxLayout()
        self.link_button = QPushButton("Link to PMS chart…")
        self.link_button.setProperty("primary", True)
        self.link_button.clicked.connect(lambda: self.link_requested.emit(card.unlinked_id))
        self.create_in_pms_button = QPushButton("Create in PMS…")
        self.create_in_pms_button.setToolTip("Make a chart for this person in the practice-management system")
        self.create_in_pms_button.clicked.connect(lambda: self.create_in_pms_requested.emit(card.unlinked_id))
        self.create_in_pms_button.setVisible(not card.pending_pms_id)
        for button in (self.link_button, self.create_in_pms_button):
            button.setEnabled(self.can_link)
            if not self.can_link:
                button.setToolTip(self.link_right_text)
            buttons.addWidget(button)
        buttons.addStretch(1)
        note.body.addLayout(buttons)
        return note

    def _linked_note(self, card: PatientCard) -> QWidget:
        note = Card()
        note.setObjectName("Note")
        verified = f" Verified by {card.link_verified_by}." if card.link_verified_by else ""
        note.body.addWidget(label("Linked: this chart was connected to an unlinked patient; their messages and "
                                  "history are shown with the chart." + verified, wrap=True))
        buttons = QHBoxLayout()
        unlinked_id = card.linked_unlinked_ids[0]
        self.verify_button = QPushButton("Verify…")
        self.verify_button.setToolTip("Compare the chart with the details the person was created with")
        self.verify_button.clicked.connect(lambda: self.verify_requested.emit(unlinked_id))
        self.relink_button = QPushButton("Re-link…")
        self.relink_button.clicked.connect(lambda: self.link_requested.emit(unlinked_id))
        self.unlink_button = QPushButton("Unlink")
        self.unlink_button.clicked.connect(lambda: self.unlink_requested.emit(unlinked_id))
        for button in (self.verify_button, self.relink_button, self.unlink_button):
            button.setEnabled(self.can_link)
            if not self.can_link:
                button.setToolTip(self.link_right_text)
            buttons.addWidget(button)
        buttons.addStretch(1)
        note.body.addLayout(buttons)
        return note

    def _contact(self, card: PatientCard) -> Card:
        section = Card("Contact")
        grid = _grid(section)
        for contact in card.contacts:
            value = QHBoxLayout()
            value.setSpacing(8)
            value.addWidget(ElidedLabel(contact.display or contact.raw), 1)
            if not contact.valid:
                value.addWidget(label("invalid email" if contact.kind == "Email" else "invalid number", "danger"))
            _add_row(grid, contact.kind, value)
        if not card.contacts:
            _add_row(grid, "Phone", label("No phone or email in the PMS", "muted"))
        if card.address:
            _add_row(grid, "Address", label(card.address, wrap=True, selectable=True))
        _add_row(grid, "Prefers", label(contact_method_label(card.preferred_contact)))
        if card.language:
            _add_row(grid, "Language", label(language_label(card.language)))
        return section

    def _consent(self, card: PatientCard) -> Card:
        section = Card("Consent")
        grid = _grid(section)
        text = consent_label(card.text_consent)
        _add_row(grid, "Text messages", label(text, "danger" if text == "No" else ("muted" if text == "Unknown" else "")))
        _add_row(grid, "SMS opt-out", _yes_no(card.sms_opt_out, "Opted out"))
        _add_row(grid, "Email opt-out", _yes_no(card.email_opt_out, "Opted out"))
        return section

    def _care(self, card: PatientCard) -> Card:
        section = Card("Care")
        grid = _grid(section)
        _add_row(grid, "Provider", label(card.primary_provider or "—"))
        if card.secondary_provider:
            _add_row(grid, "Hygienist", label(card.secondary_provider))
        _add_row(grid, "Location", label(card.location or "—"))
        _add_row(grid, "Last visit", label(format_date(card.last_visit_at.date(), self._region) if card.last_visit_at else "None on record"))
        return section

    def _family(self, card: PatientCard, today: date) -> Card:
        section = Card("Family")
        if card.is_guarantor:
            section.body.addWidget(label("This patient is the guarantor.", "muted"))
        for member in card.family:
            section.body.addWidget(self._family_row(member, today))
        return section

    def _family_row(self, member: FamilyMember, today: date) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        link = QPushButton(member.name)
        link.setProperty("flat", True)
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        link.setToolTip("Open this family member's card")
        link.clicked.connect(lambda: self.family_member_clicked.emit(member.id))
        layout.addWidget(link)
        age = age_on(member.birthdate, today)
        facts = [member.relation] + ([_age_text(age)] if age is not None else [])
        if member.status != "active":
            facts.append(status_label(member.status))
        relation = label(("★ " if member.relation == "Guarantor" else "") + " · ".join(facts), "muted", wrap=True)
        layout.addWidget(relation, 1)
        return row

    def _appointments(self, lines: tuple[AppointmentLine, ...], now: datetime, *, home: str = "") -> Card:
        section = Card("Appointments")
        future = [a for a in lines if a.starts_at is not None and a.starts_at >= now]
        past = [a for a in lines if a not in future][:MAX_PAST_APPOINTMENTS]
        if not lines:
            section.body.addWidget(label("No appointments on record.", "muted"))
            return section
        if not future:
            section.body.addWidget(label("No upcoming appointment.", "muted"))
        for heading, group in (("Upcoming", future), ("Recent", past)):
            if group:
                section.body.addWidget(label(heading, "small"))
                for appt in group:
                    section.body.addWidget(self._appointment_row(appt, home))
        return section

    def _appointment_row(self, appt: AppointmentLine, home: str) -> QWidget:
        row = QWidget()
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(1)
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(label(format_datetime(appt.starts_at, self._region) if appt.starts_at else "No date"))
        status = appointment_status_label(appt.status)
        top.addWidget(label(status, _APPOINTMENT_ROLES.get(appt.status, "muted")))
        top.addStretch(1)
        layout.addLayout(top)
        elsewhere = appt.location if appt.location != home else ""  # only say where when it differs
        details = " · ".join(x for x in (appt.provider, appt.description, elsewhere) if x)
        if details:
            layout.addWidget(label(details, "small", wrap=True))
        return row

    def _recalls(self, lines: tuple[RecallLine, ...], today: date) -> Card:
        section = Card("Recall")
        if not lines:
            section.body.addWidget(label("No recall set up.", "muted"))
            return section
        grid = _grid(section)
        for recall in lines:
            if recall.is_disabled:
                _add_row(grid, recall.recall_type, label("Disabled", "muted"))
                continue
            due = format_date(recall.due_date, self._region) if recall.due_date else "No due date"
            overdue = recall.due_date is not None and recall.due_date < today and recall.scheduled_date is None
            text = f"Due {due}" + (" · overdue" if overdue else "")
            if recall.scheduled_date:
                text += f" · scheduled {format_date(recall.scheduled_date, self._region)}"
            _add_row(grid, recall.recall_type, label(text, "danger" if overdue else "", wrap=True))
        return section

    def _planned(self, card: PatientCard) -> Card:
        section = Card("Planned treatment")
        if not card.planned_treatment:
            section.body.addWidget(label("No planned treatment.", "muted"))
            return section
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        for i, proc in enumerate(card.planned_treatment):
            grid.addWidget(label(proc.code, "muted"), i, 0)
            grid.addWidget(label(proc.description, wrap=True), i, 1)
            fee = label(money(proc.fee))
            fee.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(fee, i, 2)
            grid.addWidget(label("Scheduled" if proc.scheduled else "Not scheduled", "success" if proc.scheduled else "danger"), i, 3)
        grid.setColumnStretch(1, 1)
        section.body.addLayout(grid)
        unscheduled = sum(p.fee for p in card.planned_treatment if not p.scheduled)
        if unscheduled:
            section.body.addWidget(label(f"Not yet scheduled: {money(unscheduled)}", "small"))
        return section


_APPOINTMENT_ROLES = {"scheduled": "link", "broken": "danger", "unscheduled": "danger", "planned": ""}


def status_badge(status: str) -> QLabel:
    badge = label(status_label(status), name="Badge")
    fg, bg = theme.STATUS_COLOURS.get(status, ("#3f4a56", "#e8ecf0"))
    badge.setStyleSheet(f"color: {fg}; background: {bg};")
    return badge


def _age_text(age: int) -> str:
    return "under 1 year" if age == 0 else ("1 year" if age == 1 else f"{age} years")


def _yes_no(value: bool, yes_text: str) -> QLabel:
    return label(yes_text, "danger") if value else label("No")


def _grid(section: Card) -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(6)
    grid.setColumnMinimumWidth(0, 88)
    grid.setColumnStretch(1, 1)
    section.body.addLayout(grid)
    return grid


def _add_row(grid: QGridLayout, caption: str, value) -> None:
    row = grid.count() // 2  # every row holds a caption and a value (rowCount() starts at 1)
    key = label(caption, "muted")
    key.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    grid.addWidget(key, row, 0)
    if isinstance(value, QWidget):
        grid.addWidget(value, row, 1)
    else:
        grid.addLayout(value, row, 1)
