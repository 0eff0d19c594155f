"""The Patients screen: search as you type, the lazily loaded list, and the patient card.

Every search and card load runs in the task runner. Typing restarts a short debounce; each
search gets a generation number and only the newest one's result is applied, so a slow early
search can never overwrite what the user typed since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QWidget

from engage_desktop.domain.rights import Right
from engage_desktop.domain.views import PatientCard, PatientListRow, SearchResult
from engage_desktop.services.pms_sync import INCREMENTAL, SyncProgress, SyncReport
from engage_desktop.ui.dialogs.create_in_pms_dialog import CreateInPmsDialog
from engage_desktop.ui.dialogs.create_patient_dialog import CreatePatientDialog
from engage_desktop.ui.dialogs.import_patients_dialog import ImportPatientsDialog
from engage_desktop.ui.dialogs.link_patient_dialog import LinkPatientDialog
from engage_desktop.ui.dialogs.verify_link_dialog import VerifyLinkDialog
from engage_desktop.ui.formatting import patients_count
from engage_desktop.ui.models.patient_table_model import PatientTableModel
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.tasks import Generation, Superseded, TaskRunner, user_message
from engage_desktop.ui.views.patients_view import (
    EMPTY_TEXT,
    EMPTY_TITLE,
    SYNCING_TEXT,
    SYNCING_TITLE,
    PatientsView,
)
from engage_desktop.ui.widgets.rights import missing_right_text

DEBOUNCE_MS = 150


PATIENTS_CHANGED = frozenset({"patients"})


class PatientsPage(PatientsView):
    settings_requested = Signal()
    result_applied = Signal(object)  # SearchResult, after the list shows it
    card_shown = Signal(object)  # PatientCard

    def __init__(
        self,
        *,
        search_patients: Callable[[str], SearchResult],
        patient_rows: Callable[[Sequence[int]], list[PatientListRow]],
        patient_card: Callable[[int], PatientCard | None],
        runner: TaskRunner,
        sync: SyncController,
        region: str = "US",
        services=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(region=region, parent=parent)
        self._services = services  # for creating and linking unlinked patients (None: not offered)
        self._region = region
        self._search_patients = search_patients
        self._patient_card = patient_card
        self._runner = runner
        self._sync = sync
        self._searches = Generation()
        self._cards = Generation()
        self._card_id: int | None = None

        self.model = PatientTableModel(patient_rows, runner, region=region, parent=self)
        self.table.setModel(self.model)
        self.apply_column_widths()
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search_now)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.search_box.returnPressed.connect(self.search_now)
        self.search_box.installEventFilter(self)  # Down arrow moves from the search box into the list
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.card.family_member_clicked.connect(self.open_card)
        self.open_settings_button.clicked.connect(self.settings_requested)
        self.sync_now_button.clicked.connect(lambda: self._sync.start(INCREMENTAL))
        self._runner.changes_applied.connect(self._on_changes)
        self._sync.sync_did_start.connect(self._on_sync_started)
        self._sync.sync_did_progress.connect(self._on_sync_progress)
        self._sync.sync_did_finish.connect(self._on_sync_finished)
        self._sync.sync_did_fail.connect(self._on_sync_failed)
        self._show_sync_idle()
        self.count_label.setText("Loading…")
        self.kind_filter.currentIndexChanged.connect(lambda _: self.search_now())
        self.create_button.clicked.connect(self.create_patient)
        self.card.link_requested.connect(self.link_patient)
        self.card.unlink_requested.connect(self.unlink_patient)
        self.card.create_in_pms_requested.connect(self.create_in_pms)
        self.card.verify_requested.connect(self.verify_link)
        self.import_button.clicked.connect(self.import_csv)
        self.create_dialog: CreatePatientDialog | None = None
        self.link_dialog: LinkPatientDialog | None = None
        self.import_dialog: ImportPatientsDialog | None = None
        self.pms_dialog: CreateInPmsDialog | None = None
        self.verify_dialog: VerifyLinkDialog | None = None
        self._apply_rights()

    def _apply_rights(self) -> None:
        services = self._services
        self.create_button.setVisible(services is not None)
        self.import_button.setVisible(services is not None)
        if services is None:
            self.card.can_link = False
            return
        may_create = services.can(Right.CREATE_UNLINKED)
        self.create_button.setEnabled(may_create)
        self.create_button.setToolTip("" if may_create else missing_right_text(Right.CREATE_UNLINKED))
        may_import = services.can(Right.EMAIL_CAMPAIGN)
        self.import_button.setEnabled(may_import)
        if not may_import:
            self.import_button.setToolTip(missing_right_text(Right.EMAIL_CAMPAIGN))
        self.card.can_link = services.can(Right.LINK_PATIENTS)
        self.card.link_right_text = missing_right_text(Right.LINK_PATIENTS)

    # -- unlinked patients ---------------------------------------------------------------------
    def create_patient(self) -> None:
        """The dialog opens once the user's locations are read (off the GUI thread, like every read)."""
        self._runner.run(self._services.list_locations, on_success=self._open_create_dialog,
                         on_failure=self._on_card_failed, owner=self)

    def _open_create_dialog(self, locations: list) -> None:
        self.create_dialog = CreatePatientDialog(self._services, self._runner,
                                                 locations=[(loc.pms_id, loc.name) for loc in locations],
                                                 region=self._region, parent=self)
        self.create_dialog.created.connect(self._after_patient_change)
        self.create_dialog.open_requested.connect(self.open_card)
        self.create_dialog.open()

    def link_patient(self, unlinked_id: int) -> None:
        self.link_dialog = LinkPatientDialog(self._services, self._runner, unlinked_id=unlinked_id,
                                             region=self._region, parent=self)
        self.link_dialog.linked.connect(self._after_patient_change)
        self.link_dialog.open()
        self.link_dialog.load()

    def import_csv(self) -> None:
        self._runner.run(self._services.list_locations, on_success=self._open_import_dialog,
                         on_failure=self._on_card_failed, owner=self)

    def _open_import_dialog(self, locations: list) -> None:
        self.import_dialog = ImportPatientsDialog(self._services, self._runner,
                                                  locations=[(loc.pms_id, loc.name) for loc in locations], parent=self)
        self.import_dialog.imported.connect(lambda _n: self._runner.changes_applied.emit(PATIENTS_CHANGED, self))
        self.import_dialog.open()

    def create_in_pms(self, unlinked_id: int) -> None:
        self.pms_dialog = CreateInPmsDialog(self._services, self._runner, unlinked_id=unlinked_id, parent=self)
        self.pms_dialog.done_with.connect(lambda: self._after_pms_request(unlinked_id))
        self.pms_dialog.open()
        self.pms_dialog.load()

    def _after_pms_request(self, unlinked_id: int) -> None:
        self._after_patient_change(-unlinked_id)
        if self.pms_dialog is not None and self.pms_dialog.mode == "api":
            self._sync.start(INCREMENTAL)  # bring the new chart now: the sync's auto-link links it

    def verify_link(self, unlinked_id: int) -> None:
        self.verify_dialog = VerifyLinkDialog(self._services, self._runner, unlinked_id=unlinked_id, region=self._region,
                                              parent=self)
        chart_id = self._card_id
        self.verify_dialog.confirmed.connect(lambda: chart_id is not None and self._after_patient_change(chart_id))
        self.verify_dialog.relink_requested.connect(self.link_patient)
        self.verify_dialog.unlink_requested.connect(self.unlink_patient)
        self.verify_dialog.open()
        self.verify_dialog.load()

    def unlink_patient(self, unlinked_id: int) -> None:
        self._runner.run(self._services.unlink_patient, unlinked_id,
                         on_success=lambda _u: self._after_patient_change(-unlinked_id),
                         on_failure=self._on_card_failed, owner=self)

    def _after_patient_change(self, list_id: int) -> None:
        """Show the list and card again, on the person just created, linked (their chart) or unlinked."""
        self._card_id = list_id
        self._runner.changes_applied.emit(PATIENTS_CHANGED, self)

    # -- searching -----------------------------------------------------------------------------
    def search_now(self) -> None:
        self._debounce.stop()
        text = self.search_box.text()
        generation = self._searches.next()
        searches, search = self._searches, self._search_patients

        kind = self.kind_filter.currentData()

        def work() -> SearchResult:
            if not searches.is_current(generation):
                raise Superseded  # the user typed on while this waited for the database
            return search(text) if kind == "all" else search(text, kind)

        self._runner.run(work, on_success=lambda result: self._apply(generation, result),
                         on_failure=self._on_search_failed, owner=self)

    def _apply(self, generation: int, result: SearchResult) -> None:
        if not self._searches.is_current(generation):
            return
        keep = self._card_id
        self.model.set_result(result)
        self._show_count(result)
        nothing_synced = result.total == 0 and not result.query.strip()
        self.stack.setCurrentWidget(self.empty_state if nothing_synced else self.table)
        self.card.setVisible(not nothing_synced)  # no card to show until there are patients
        self.count_label.setVisible(not nothing_synced)
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.table.selectRow(row)  # the same patient stays selected while refining a search
        self.result_applied.emit(result)

    def _show_count(self, result: SearchResult) -> None:
        if result.capped:
            self.count_label.setText(f"{len(result.ids):,} of {result.total:,} shown — keep typing")
        elif result.total == 0 and result.query.strip():
            self.count_label.setText("No patients match")
        else:
            self.count_label.setText(patients_count(result.total))

    def _on_search_failed(self, exc: BaseException) -> None:
        self.count_label.setText("Search failed")
        self._runner.task_did_fail.emit(user_message(exc))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if (watched is self.search_box and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.model.rowCount()):
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    # -- the card ------------------------------------------------------------------------------
    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        patient_id = self.model.patient_id(current.row()) if current.isValid() else None
        if patient_id is not None and patient_id != self._card_id:
            self.open_card(patient_id)

    def open_card(self, patient_id: int) -> None:
        self._card_id = patient_id
        generation = self._cards.next()
        cards, load = self._cards, self._patient_card

        def work() -> PatientCard | None:
            if not cards.is_current(generation):
                raise Superseded  # arrowing down the list: skip the cards flown past
            return load(patient_id)

        self.card.show_loading()
        self._runner.run(work, on_success=lambda card: self._show_card(generation, card),
                         on_failure=self._on_card_failed, owner=self)
        row = self.model.row_of(patient_id)
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectRow(row)  # e.g. a family member picked on the card
            self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _show_card(self, generation: int, card: PatientCard | None) -> None:
        if not self._cards.is_current(generation):
            return
        if card is None:
            self.card.show_message("This patient is no longer in the PMS.")
            return
        self.card.show_card(card)
        self.card_shown.emit(card)

    def _on_card_failed(self, exc: BaseException) -> None:
        self.card.show_message(user_message(exc))

    # -- refreshes -------------------------------------------------------------------------------
    def _on_changes(self, changes: object, _initiator: object) -> None:
        if isinstance(changes, frozenset | set) and "patients" not in changes and "appointments" not in changes:
            return
        self.search_now()
        if self._card_id is not None:
            self.open_card(self._card_id)

    def _on_sync_started(self, _mode: str) -> None:
        self.empty_title.setText(SYNCING_TITLE)
        self.empty_text.setText(SYNCING_TEXT)
        self.empty_buttons.hide()
        self.empty_progress.setValue(0)
        self.empty_progress.show()
        self.empty_progress_label.setText("Starting…")
        self.empty_progress_label.show()

    def _on_sync_progress(self, progress: SyncProgress) -> None:
        self.empty_progress.setValue(round(progress.fraction * 1000))
        self.empty_progress_label.setText(progress.message)

    def _on_sync_finished(self, report: SyncReport) -> None:
        self._show_sync_idle()
        if report.outcome != "ok":  # the list refreshes by itself; only a problem needs words
            self.empty_progress_label.setText(report.summary())
            self.empty_progress_label.show()

    def _on_sync_failed(self, message: str) -> None:
        self._show_sync_idle()
        self.empty_progress_label.setText(message)
        self.empty_progress_label.show()

    def _show_sync_idle(self, *_args: object) -> None:
        self.empty_title.setText(EMPTY_TITLE)
        self.empty_text.setText(EMPTY_TEXT)
        self.empty_buttons.show()
        self.empty_progress.hide()
        self.empty_progress_label.hide()
