"""The Audit log screen: filter, read, export to CSV and check the hash chain.

Every call goes through the task runner. Filters apply by themselves after a short pause; each
search gets a generation number and only the newest one's result is shown. A user without the
"View audit log" right sees a notice and nothing else (the services refuse them anyway).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QFileDialog, QWidget

from engage_desktop.domain.audit import ChainCheck, action_label
from engage_desktop.domain.rights import Right
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.audit import MAX_ROWS, AuditFilter, AuditRow
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import format_timestamp, is_month_first, records_count
from engage_desktop.ui.models.audit_table_model import AuditTableModel
from engage_desktop.ui.tasks import Generation, Superseded, TaskRunner, user_message
from engage_desktop.ui.views.audit_view import AuditLogView

DEBOUNCE_MS = 300
DEFAULT_DAYS = 30
ALL_USERS = "All users"
ALL_ACTIONS = "All actions"
# The action filter's categories: a code prefix ending in "." matches every action under it.
CATEGORIES = (("Sign-in and users", "user."), ("Patient records", "patient."), ("Settings", "settings."),
              ("Audit log", "audit."))
BROKEN_TEXT = ("Record #{id} was edited, inserted or deleted — the chain breaks there. "
               "Keep this computer as it is and contact support.")


def default_export_name(today: date) -> str:
    return f"audit-log-{today.isoformat()}.csv"


class AuditLogPage(AuditLogView):
    choices_did_load = Signal()
    result_applied = Signal(object)  # list[AuditRow], once the table shows it
    export_did_finish = Signal(int)  # rows written
    check_did_finish = Signal(object)  # ChainCheck

    def __init__(self, services: AppServices, runner: TaskRunner, parent: QWidget | None = None) -> None:
        self.allowed = services.can(Right.VIEW_AUDIT_LOG)
        super().__init__(allowed=self.allowed, region=services.region, parent=parent)
        self._services = services
        self._runner = runner
        self._loaded = False
        self._defaults_day = QDate.currentDate()  # the day "the last 30 days" was counted from
        if not self.allowed:
            return
        self._searches = Generation()
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self._export_dir = Path(documents) if documents else Path.home()
        self.model = AuditTableModel(region=services.region, parent=self)
        self.table.setModel(self.model)
        self.apply_column_widths()
        self.set_date_format(month_first=is_month_first(services.region))
        self.user_combo.addItem(ALL_USERS, "")
        self.action_combo.addItem(ALL_ACTIONS, "")
        self.reset_filters()

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search_now)
        for combo in (self.user_combo, self.action_combo):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.patient_box.textChanged.connect(self._filters_changed)
        self.patient_box.returnPressed.connect(self.search_now)
        self.from_date.dateChanged.connect(self._filters_changed)
        self.to_date.dateChanged.connect(self._filters_changed)
        self.clear_button.clicked.connect(self._clear_filters)
        self.export_button.clicked.connect(self.export_csv)
        self.check_button.clicked.connect(self.check_integrity)

    # -- loading and searching --------------------------------------------------------------
    def load(self) -> None:
        """Fill the filter choices and search. Filters set earlier are kept on a later call."""
        if not self.allowed:
            return
        if not self._loaded:
            self._loaded = True
            self.reset_filters()  # "the last 30 days" counts from the day the page is first shown
        self._roll_default_dates()
        self._runner.run(self._services.audit_choices, on_success=self._fill_choices,
                         on_failure=self._on_failed, owner=self)
        self.search_now()

    def reset_filters(self) -> None:
        widgets = (self.user_combo, self.action_combo, self.patient_box, self.from_date, self.to_date)
        for widget in widgets:
            widget.blockSignals(True)
        self.user_combo.setCurrentIndex(0)
        self.action_combo.setCurrentIndex(0)
        self.patient_box.clear()
        self._set_default_dates()
        for widget in widgets:
            widget.blockSignals(False)

    def _set_default_dates(self) -> None:
        today = QDate.currentDate()
        for edit, day in ((self.from_date, today.addDays(-DEFAULT_DAYS)), (self.to_date, today)):
            edit.blockSignals(True)
            edit.setDate(day)
            edit.blockSignals(False)
        self._defaults_day = today

    def _roll_default_dates(self) -> None:
        """The window stays open for days: a range the user left at its default moves on with the
        calendar, so this morning's records are not hidden behind yesterday's "To" date."""
        day = self._defaults_day
        untouched = (self.from_date.date(), self.to_date.date()) == (day.addDays(-DEFAULT_DAYS), day)
        if untouched and day != QDate.currentDate():
            self._set_default_dates()

    def current_filter(self) -> AuditFilter:
        since, until = self.from_date.date().toPython(), self.to_date.date().toPython()
        if since > until:  # dates picked the wrong way round still mean the days between them
            since, until = until, since
        return AuditFilter(username=self.user_combo.currentData() or "", action=self.action_combo.currentData() or "",
                           patient=self.patient_box.text().strip(), since=since, until=until)

    def search_now(self) -> None:
        self._debounce.stop()
        query = self.current_filter()
        generation = self._searches.next()
        searches, search = self._searches, self._services.search_audit

        def work() -> list[AuditRow]:
            if not searches.is_current(generation):
                raise Superseded  # the filters changed again while this waited for the database
            return search(query)

        self._runner.run(work, on_success=lambda rows: self._apply(generation, rows),
                         on_failure=self._on_failed, owner=self)

    def _filters_changed(self, *_args: object) -> None:
        self._debounce.start()

    def _clear_filters(self) -> None:
        self.reset_filters()
        self.search_now()

    def _apply(self, generation: int, rows: list[AuditRow]) -> None:
        if not self._searches.is_current(generation):
            return
        self.model.set_rows(rows)
        if len(rows) >= MAX_ROWS:
            self.count_label.setText(f"Showing the newest {MAX_ROWS:,} — narrow the filter to see older records")
        else:
            self.count_label.setText(records_count(len(rows)))
        self.stack.setCurrentWidget(self.table if rows else self.empty_state)
        self.result_applied.emit(rows)

    def _on_failed(self, exc: BaseException) -> None:
        self.count_label.setText("The audit log could not be read")
        self._runner.task_did_fail.emit(user_message(exc))

    def _fill_choices(self, choices: tuple[list[str], list[str]]) -> None:
        usernames, actions = choices
        user, action = self.user_combo.currentData(), self.action_combo.currentData()
        for combo in (self.user_combo, self.action_combo):
            combo.blockSignals(True)  # refilling keeps the selection; it is not a new filter
        self.user_combo.clear()
        self.user_combo.addItem(ALL_USERS, "")
        for name in usernames:
            self.user_combo.addItem(name, name)
        self._fill_actions(actions)
        _select(self.user_combo, user)
        _select(self.action_combo, action)
        for combo in (self.user_combo, self.action_combo):
            combo.blockSignals(False)
        self.choices_did_load.emit()

    def _fill_actions(self, actions: list[str]) -> None:
        """Each category (bold) followed by the actions under it that the log holds."""
        combo = self.action_combo
        combo.clear()
        combo.addItem(ALL_ACTIONS, "")
        bold = QFont(combo.font())
        bold.setBold(True)
        by_label = sorted(actions, key=lambda code: action_label(code).casefold())
        for title, prefix in CATEGORIES:
            combo.addItem(title, prefix)
            combo.setItemData(combo.count() - 1, bold, Qt.ItemDataRole.FontRole)
            for code in by_label:
                if code.startswith(prefix):
                    combo.addItem(action_label(code), code)
        others = [code for code in by_label if not code.startswith(tuple(p for _, p in CATEGORIES))]
        if others:
            combo.insertSeparator(combo.count())
            for code in others:
                combo.addItem(action_label(code), code)

    # -- export ----------------------------------------------------------------------------------
    def export_csv(self) -> None:
        suggested = self._export_dir / default_export_name(date.today())
        chosen, _ = QFileDialog.getSaveFileName(self, "Export the audit log", str(suggested),
                                                "CSV files (*.csv);;All files (*)")
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".csv")  # not every platform's dialog adds it
        self._export_dir = path.parent
        self.export_button.setEnabled(False)
        self.export_status.setText("Exporting…")
        self._runner.run(self._services.export_audit_csv, self.current_filter(), path,
                         on_success=lambda count: self._exported(path, count),
                         on_failure=self._export_failed, owner=self)

    def _exported(self, path: Path, count: int) -> None:
        self.export_button.setEnabled(True)
        theme.set_role(self.export_status, "muted")
        self.export_status.setText(f"Exported {records_count(count)} to {path.name}")
        self.export_status.setToolTip(str(path))
        self.export_did_finish.emit(count)
        self.load()  # the export is itself audited: offer its action, and show it when the filters include it

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        theme.set_role(self.export_status, "danger")
        text = user_message(exc)
        if isinstance(exc, OSError):  # the file could not be written: the user can fix that
            text = "Could not write the file. Choose another folder or close the file if it is open in Excel."
        self.export_status.setText(text)

    # -- integrity -------------------------------------------------------------------------------
    def check_integrity(self) -> None:
        self.check_button.setEnabled(False)
        self.check_button.setText("Checking…")
        self._runner.run(self._services.check_audit_chain, on_success=self._checked,
                         on_failure=self._check_failed, owner=self)

    def _checked(self, check: ChainCheck) -> None:
        self._check_done()
        if check.ok:
            when = format_timestamp(datetime.now().astimezone(), self._services.region)
            self._show_integrity("success", f"All {check.records:,} records chain correctly (checked {when}).")
        else:
            self._show_integrity("danger", BROKEN_TEXT.format(id=check.first_broken_id))
            row = self.model.row_of(check.first_broken_id)
            if row is not None:  # point at it when the filters show it
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.check_did_finish.emit(check)

    def _check_failed(self, exc: BaseException) -> None:
        self._check_done()
        self._show_integrity("danger", f"The check could not run: {user_message(exc)}")

    def _check_done(self) -> None:
        self.check_button.setEnabled(True)
        self.check_button.setText("Check integrity")

    def _show_integrity(self, role: str, text: str) -> None:
        theme.set_role(self.integrity, role)
        self.integrity.setText(text)
        self.integrity.show()


def _select(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    combo.setCurrentIndex(max(index, 0))
