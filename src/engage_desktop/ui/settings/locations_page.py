"""Settings ▸ Locations: the PMS's locations, each with its texting number, SMS registration,
sender address and time zone. Locations themselves come from the PMS; they are not added here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QWidget

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.practice_settings import LOCATION_FIELDS, LocationSettings
from engage_desktop.domain.rights import Right
from engage_desktop.ui import theme
from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.form import SettingsForm
from engage_desktop.ui.settings.practice_pages import SettingsPageFrame
from engage_desktop.ui.tasks import user_message
from engage_desktop.ui.widgets.common import Card, label
from engage_desktop.ui.widgets.rights import rights_notice


class LocationsPage(SettingsPageFrame, SettingsPage):
    NAME = "locations"
    TITLE = "Locations"
    ORDER = 20

    page_did_load = Signal()
    location_did_save = Signal(object)  # LocationSettings

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(self.TITLE, "Each location texts from its own number and has its own inbox. The list of "
                         "locations comes from the PMS (its clinics).", parent, max_width=1120)
        self._services = deps.services
        self._runner = deps.runner
        self._locations: list[LocationSettings] = []
        self._current: LocationSettings | None = None
        self._baseline: dict[str, Any] = {}
        self.allowed = deps.services.can(Right.MANAGE_SETTINGS)
        if not self.allowed:
            self.add(rights_notice(Right.MANAGE_SETTINGS))

        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(14)
        self.list = QListWidget()
        self.list.setObjectName("SettingsNav")
        self.list.setFixedWidth(250)
        self.list.setWordWrap(True)  # long clinic names wrap instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._show_location)
        list_card = Card("Locations")
        list_card.body.addWidget(self.list)
        self.empty = label("No locations yet: they arrive with the first PMS sync.", "muted", wrap=True)
        list_card.body.addWidget(self.empty)
        row.addWidget(list_card, 0, Qt.AlignmentFlag.AlignTop)

        self.editor_card = Card("Location")
        self.pms_name = label("", "small", wrap=True)
        self.editor_card.body.addWidget(self.pms_name)
        self.form = SettingsForm(LOCATION_FIELDS, region=deps.services.region)
        self.form.set_read_only(not self.allowed)
        self.form.edited.connect(self._on_edited)
        self.editor_card.body.addWidget(self.form)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save location")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.save_status = label("", "muted")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_status, 1)
        self.save_button.setVisible(self.allowed)
        self.editor_card.body.addLayout(buttons)
        row.addWidget(self.editor_card, 1, Qt.AlignmentFlag.AlignTop)
        self.add(body)
        self.editor_card.hide()
        self._update_buttons()

    def load(self) -> None:
        self._runner.run(self._services.list_locations, on_success=self._apply, on_failure=self._on_failed, owner=self)

    def _apply(self, locations: list[LocationSettings]) -> None:
        keep = self._current.pms_id if self._current else None
        self._locations = locations
        self.list.blockSignals(True)
        self.list.clear()
        for loc in locations:
            item = QListWidgetItem(loc.name + ("  (hidden in the PMS)" if loc.hidden_in_pms else ""), self.list)
            number = format_phone(loc.texting_number, "", self._services.region)
            item.setToolTip(f"Texting number: {number}" if number else "No texting number yet")
        self.list.blockSignals(False)
        self.empty.setVisible(not locations)
        self.list.setVisible(bool(locations))
        index = next((i for i, loc in enumerate(locations) if loc.pms_id == keep), 0)
        if locations:
            self.list.setCurrentRow(index)
            self._show_location(index)
        self.page_did_load.emit()

    def _show_location(self, row: int) -> None:
        if row < 0 or row >= len(self._locations):
            return
        if self._current is not None and self._dirty() and self._locations[row].pms_id != self._current.pms_id:
            answer = QMessageBox.question(self, "Unsaved changes",
                                          f"Discard the changes to {self._current.name}?")
            if answer != QMessageBox.StandardButton.Yes:
                self.list.blockSignals(True)
                self.list.setCurrentRow(next(i for i, loc in enumerate(self._locations) if loc.pms_id == self._current.pms_id))
                self.list.blockSignals(False)
                return
        loc = self._locations[row]
        self._current = loc
        self.editor_card.title.setText(loc.name.upper())
        self.pms_name.setText(f"In the PMS: {loc.pms_name} (#{loc.pms_id})")
        self.form.set_values(loc.values())
        self._baseline = self.form.values()
        self.save_status.setText("")
        self.editor_card.show()
        self._update_buttons()

    def save(self) -> None:
        if not self.allowed or self._current is None or not self._dirty():
            return
        self.save_status.setText("Saving…")
        theme.set_role(self.save_status, "muted")
        self.save_button.setEnabled(False)
        self._runner.run(self._services.save_location, self._current.pms_id, self.form.values(),
                         on_success=self._on_saved, on_failure=self._on_failed, owner=self)

    def _on_saved(self, saved: LocationSettings) -> None:
        self._locations = [saved if loc.pms_id == saved.pms_id else loc for loc in self._locations]
        self._current = saved  # the form is reloaded from what was saved: nothing is unsaved now
        self._baseline = self.form.values()
        self._apply(self._locations)
        self.save_status.setText("Saved.")
        theme.set_role(self.save_status, "success")
        self.location_did_save.emit(saved)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.errors)
            self.save_status.setText("Not saved: fix the fields marked in red." if set(exc.errors) & {f.key for f in LOCATION_FIELDS}
                                     else f"Not saved: {exc}")
        else:
            self.save_status.setText(f"Not saved: {user_message(exc)}")
        theme.set_role(self.save_status, "danger")
        self._update_buttons()

    def _dirty(self) -> bool:
        return self._current is not None and self.form.values() != self._baseline

    def _on_edited(self) -> None:
        self.save_status.setText("Unsaved changes" if self._dirty() else "")
        theme.set_role(self.save_status, "muted")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.allowed and self._dirty())

    def has_unsaved_changes(self) -> bool:
        return self._dirty()
