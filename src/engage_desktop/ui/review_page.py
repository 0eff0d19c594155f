"""The Review screen (LNK-5, LNK-6): what the auto-link job was not sure about, and likely duplicates.

*Needs review*: unlinked patients with charts that may be them, each with its reasons; staff link
one, say "not this person" (never proposed again), or keep the person unlinked. *Possible
duplicates*: two unlinked patients side by side; merge (keeping everything of both) or "not the
same person". Everything loads and saves in the task runner; the list reloads after every change
made here or elsewhere (a link in the Patients screen, a sync).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.rights import Right
from engage_desktop.domain.unlinked import UnlinkedPatient
from engage_desktop.services.linking import MatchCandidate
from engage_desktop.services.review import AutoLinkReport, DuplicateItem, ReviewItem, merged_values
from engage_desktop.ui import icons
from engage_desktop.ui.dialogs.link_patient_dialog import evidence_text
from engage_desktop.ui.formatting import format_date
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import Card, label
from engage_desktop.ui.widgets.rights import missing_right_text

PATIENTS_CHANGED = frozenset({"patients"})
MAX_SHOWN = 50  # cards per tab; the rest wait (the count says how many)
TEXT_WIDTH = 760
NEEDS_REVIEW_INTRO = ("The nightly auto-link (and the one after every sync) links a person to a chart only when it "
                      "is certain. These people may be one of the charts shown: link the right one, or say it is not them.")
DUPLICATES_INTRO = ("These unlinked patients look like the same person entered twice. Merging keeps one record, fills "
                    "its blanks from the other, and keeps every message and campaign result of both.")


def person_facts(u: UnlinkedPatient | MatchCandidate, region: str) -> str:
    birthdate = u.birthdate
    phone = u.mobile_phone if isinstance(u, UnlinkedPatient) else u.phone
    facts = []
    if birthdate:
        facts.append(f"born {format_date(birthdate, region)}")
    if phone:
        facts.append(format_phone(phone, phone, region) if phone.startswith("+") else phone)
    if u.email:
        facts.append(u.email)
    return " · ".join(facts) or "no birthdate, phone or email"


class ReviewPage(QWidget):
    counts_changed = Signal(int, int)  # (needs review, possible duplicates)
    loaded = Signal()
    open_patient_requested = Signal(int)  # list id, to show in the Patients screen

    def __init__(self, services, runner: TaskRunner, *, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self._services, self._runner, self._region = services, runner, region
        self.allowed = services.can(Right.LINK_PATIENTS)
        self.items: list[ReviewItem] = []
        self.duplicates: list[DuplicateItem] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(20, 16, 16, 12)
        column.setSpacing(10)
        header = QHBoxLayout()
        header.addWidget(label("Review", name="PageTitle"))
        header.addStretch(1)
        self.status = label("", "muted")
        header.addWidget(self.status)
        self.run_button = QPushButton("Run auto-link now")
        self.run_button.setToolTip("Check every unlinked patient against the charts synced so far")
        self.run_button.clicked.connect(self.run_auto_link)
        header.addWidget(self.run_button)
        column.addLayout(header)
        if not self.allowed:
            self.run_button.hide()
            column.addWidget(label("Reviewing matches changes who is linked to which chart. "
                                   + missing_right_text(Right.LINK_PATIENTS), name="Note", wrap=True))
            column.addStretch(1)
            return
        self.tabs = QTabWidget()
        self.review_box, review_tab = self._scrolling(NEEDS_REVIEW_INTRO)
        self.duplicates_box, duplicates_tab = self._scrolling(DUPLICATES_INTRO)
        self.tabs.addTab(review_tab, "Needs review")
        self.tabs.addTab(duplicates_tab, "Possible duplicates")
        column.addWidget(self.tabs, 1)
        self.message = label("", "danger", wrap=True)
        self.message.hide()
        column.addWidget(self.message)
        runner.changes_applied.connect(self._on_changes)

    def _scrolling(self, intro: str) -> tuple[QVBoxLayout, QWidget]:
        tab = QWidget()
        outer = QVBoxLayout(tab)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.addWidget(label(intro, "muted", width=TEXT_WIDTH))
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(0, 0, 12, 0)
        box.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)
        return box, tab

    # -- loading ----------------------------------------------------------------------------------
    def load(self) -> None:
        if not self.allowed:
            return
        services = self._services
        self._runner.run(lambda: (services.needs_review(), services.duplicate_pairs()), on_success=self._show,
                         on_failure=self._failed, owner=self)

    def _on_changes(self, changes: object, _initiator: object) -> None:
        if isinstance(changes, frozenset) and changes & PATIENTS_CHANGED:
            self.load()

    def _show(self, loaded: tuple[list[ReviewItem], list[DuplicateItem]]) -> None:
        self.items, self.duplicates = loaded
        self.message.hide()
        self._fill(self.review_box, [self._review_card(i) for i in self.items[:MAX_SHOWN]],
                   "Nothing to review: every unlinked patient is either linked or has no chart that looks like them.",
                   len(self.items))
        self._fill(self.duplicates_box, [self._duplicate_card(d) for d in self.duplicates[:MAX_SHOWN]],
                   "No possible duplicates.", len(self.duplicates))
        self.tabs.setTabText(0, f"Needs review ({len(self.items)})" if self.items else "Needs review")
        self.tabs.setTabText(1, f"Possible duplicates ({len(self.duplicates)})" if self.duplicates else "Possible duplicates")
        self.counts_changed.emit(len(self.items), len(self.duplicates))
        self.loaded.emit()

    def _fill(self, box: QVBoxLayout, cards: list[QWidget], empty: str, total: int) -> None:
        while box.count():
            item = box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for card in cards:
            box.addWidget(card)
        if not cards:
            box.addWidget(label(empty, "muted", width=TEXT_WIDTH))
        elif total > len(cards):
            box.addWidget(label(f"Showing the first {len(cards)} of {total:,}; the rest appear as you work through these.",
                                "muted"))
        box.addStretch(1)

    # -- needs review --------------------------------------------------------------------------------
    def _review_card(self, item: ReviewItem) -> QWidget:
        card = Card()
        u = item.unlinked
        top = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(icons.broken_link(size=18).pixmap(18, 18))
        top.addWidget(icon)
        name = QPushButton(u.display_name)
        name.setProperty("flat", True)
        name.setCursor(Qt.CursorShape.PointingHandCursor)
        name.setToolTip("Open this person's card")
        name.clicked.connect(lambda: self.open_patient_requested.emit(-u.id))
        top.addWidget(name)
        top.addWidget(label(person_facts(u, self._region), "muted"), 1)
        keep = QPushButton("None of these")
        keep.setToolTip("Keep this person unlinked; these charts are not proposed again")
        keep.clicked.connect(lambda: self._call(self._services.keep_unlinked, u.id))
        top.addWidget(keep)
        card.body.addLayout(top)
        for pair_id, candidate in item.candidates:
            card.body.addWidget(self._candidate_row(pair_id, candidate))
        return card

    def _candidate_row(self, pair_id: int, c: MatchCandidate) -> QWidget:
        row = QFrame()
        row.setObjectName("CandidateRow")
        grid = QGridLayout(row)
        grid.setContentsMargins(26, 6, 0, 2)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.addWidget(label(f"{c.name} · PMS # {c.pms_id}"), 0, 0)
        grid.addWidget(label(evidence_text(c.score), "muted"), 0, 1, Qt.AlignmentFlag.AlignRight)
        link = QPushButton("Link")
        link.setProperty("primary", True)
        link.clicked.connect(lambda: self._call(self._services.link_from_review, pair_id))
        dismiss = QPushButton("Not this person")
        dismiss.clicked.connect(lambda: self._call(self._services.dismiss_pair, pair_id))
        grid.addWidget(link, 0, 2, 2, 1)
        grid.addWidget(dismiss, 0, 3, 2, 1)
        grid.addWidget(label(person_facts(c, self._region), "small"), 1, 0, 1, 2)
        line = 2
        if c.reasons:
            grid.addWidget(label("Matches: " + ", ".join(c.reasons), "success", wrap=True), line, 0, 1, 2)
            line += 1
        if c.conflicts:
            grid.addWidget(label("Differs: " + ", ".join(c.conflicts), "danger", wrap=True), line, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        return row

    # -- duplicates ----------------------------------------------------------------------------------
    def _duplicate_card(self, d: DuplicateItem) -> QWidget:
        card = Card()
        top = QHBoxLayout()
        top.addWidget(label(f"Possibly the same person · {evidence_text(d.match.score)}", name="SectionTitle"), 1)
        not_same = QPushButton("Not the same person")
        not_same.clicked.connect(lambda: self._call(self._services.dismiss_pair, d.pair_id))
        top.addWidget(not_same)
        card.body.addLayout(top)
        if d.match.reasons:
            card.body.addWidget(label("Matches: " + ", ".join(d.match.reasons), "success", wrap=True))
        if d.match.conflicts:
            card.body.addWidget(label("Differs: " + ", ".join(d.match.conflicts), "danger", wrap=True))
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        rows = (("Name", lambda u: u.display_name), ("Birthdate", lambda u: u.birthdate),
                ("Mobile", lambda u: u.mobile_phone), ("Email", lambda u: u.email),
                ("Created", lambda u: f"{u.source.value} · by {u.created_by}" if u.created_by else u.source.value))
        for column in (1, 2):
            grid.addWidget(label(f"Record {column}", "muted"), 0, column)
        for line, (caption, get) in enumerate(rows, start=1):
            grid.addWidget(label(caption, "muted"), line, 0, Qt.AlignmentFlag.AlignRight)
            a, b = get(d.first), get(d.second)
            differ = bool(a) and bool(b) and a != b and caption not in ("Created",)
            for column, value in ((1, a), (2, b)):
                grid.addWidget(label(self._value(value), "danger" if differ else "", selectable=True), line, column)
        grid.setColumnStretch(3, 1)
        card.body.addLayout(grid)
        buttons = QHBoxLayout()
        for keep, other, text in ((d.first, d.second, "Merge, keep record 1"), (d.second, d.first, "Merge, keep record 2")):
            button = QPushButton(text)
            values = merged_values(keep, other)
            button.setToolTip("The kept record gets: " + ", ".join(
                f"{k.replace('_', ' ')} {self._value(v)}" for k, v in values.items() if v))
            button.clicked.connect(lambda _=False, k=keep.id, o=other.id: self._call(self._services.merge_unlinked, k, o))
            buttons.addWidget(button)
        buttons.addStretch(1)
        card.body.addLayout(buttons)
        return card

    def _value(self, value: object) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, date):
            return format_date(value, self._region)
        if isinstance(value, str) and value.startswith("+"):
            return format_phone(value, value, self._region)
        return str(value)

    # -- actions -------------------------------------------------------------------------------------
    def _call(self, fn, *args) -> None:
        self.status.setText("Saving…")
        self._runner.run(fn, *args, on_success=lambda _r: self._changed(), on_failure=self._failed, owner=self)

    def _changed(self) -> None:
        self.status.setText("")
        self._runner.changes_applied.emit(PATIENTS_CHANGED, self)  # reloads this page and the Patients list

    def run_auto_link(self) -> None:
        self.run_button.setEnabled(False)
        self.status.setText("Checking unlinked patients…")
        self._runner.run(self._services.auto_link, on_success=self._auto_linked, on_failure=self._failed, owner=self)

    def _auto_linked(self, report: AutoLinkReport) -> None:
        self.run_button.setEnabled(True)
        self.status.setText(report.summary)
        self._runner.changes_applied.emit(PATIENTS_CHANGED, self)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self.run_button.setEnabled(True)
        self.message.setText(user_message(exc))
        self.message.show()
