"""Editors for what a user may do (a checkbox per right, grouped) and where (location access).

Used by Settings ▸ Users and roles, in the user editor and in the Add user dialog.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from engage_desktop.domain.rights import Right
from engage_desktop.ui.widgets.common import label

RIGHT_GROUPS: tuple[tuple[str, tuple[Right, ...]], ...] = (
    ("Patients and inbox", (Right.MANAGE_INBOX, Right.CREATE_UNLINKED, Right.LINK_PATIENTS)),
    ("Communications", (Right.REVIEW_COMMUNICATIONS, Right.MANAGE_COMMUNICATIONS, Right.EMAIL_CAMPAIGN)),
    ("Administration", (Right.MANAGE_USERS, Right.VIEW_AUDIT_LOG, Right.MANAGE_SETTINGS,
                        Right.PORTAL_PAYMENTS_SETTINGS)),
)


def _groups() -> list[tuple[str, tuple[Right, ...]]]:
    """RIGHT_GROUPS plus any right added later and not placed in a group yet."""
    placed = {right for _, rights in RIGHT_GROUPS for right in rights}
    rest = tuple(right for right in Right if right not in placed)
    return list(RIGHT_GROUPS) + ([("Other", rest)] if rest else [])


class RightsChecklist(QWidget):
    """One checkbox per named right, in columns by group. ``edited`` fires on a click."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[Right, QCheckBox] = {}
        self._locked: dict[Right, str] = {}
        columns = QHBoxLayout(self)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(28)
        for caption, rights in _groups():
            column = QVBoxLayout()
            column.setSpacing(6)
            column.addWidget(label(caption, name="GroupCaption"))
            for right in rights:
                box = QCheckBox(right.label)
                box.toggled.connect(self.edited)
                self.boxes[right] = box
                column.addWidget(box)
            column.addStretch(1)
            columns.addLayout(column)
        columns.addStretch(1)

    def set_rights(self, rights: frozenset[Right]) -> None:
        for right, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(right in rights or right in self._locked)
            box.blockSignals(False)

    def rights(self) -> frozenset[Right]:
        return frozenset(right for right, box in self.boxes.items() if box.isChecked())

    def lock(self, right: Right, reason: str | None) -> None:
        """Keep ``right`` ticked and unchangeable, saying why in its tooltip (``None`` unlocks it)."""
        box = self.boxes[right]
        if reason is None:
            self._locked.pop(right, None)
        else:
            self._locked[right] = reason
            box.setChecked(True)
        box.setEnabled(reason is None)
        box.setToolTip(reason or "")

    def is_locked(self, right: Right) -> bool:
        return right in self._locked


class LocationAccess(QWidget):
    """'All locations' or 'Only these locations' with a checkbox per location.

    ``value()`` is None for all locations (including any the practice adds later), else the
    ticked ids. Ids this editor was given but does not list (a location the signed-in user
    cannot see, or one gone from the PMS) are kept, so saving never drops them silently.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_locations = QRadioButton("All locations, including any added later")
        self.only_these = QRadioButton("Only these locations:")
        self._choice = QButtonGroup(self)
        self._choice.addButton(self.all_locations)
        self._choice.addButton(self.only_these)
        self.all_locations.setChecked(True)
        self.all_locations.toggled.connect(self._on_choice)
        self.boxes: dict[str, QCheckBox] = {}
        self._kept: frozenset[str] = frozenset()
        self._chosen: frozenset[str] | None = None  # the ticks to restore when "Only these" comes back

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.all_locations)
        column.addWidget(self.only_these)
        self._list = QVBoxLayout()
        self._list.setContentsMargins(26, 0, 0, 0)  # under the radio's text
        self._list.setSpacing(6)
        column.addLayout(self._list)
        self.none_known = label("Locations are listed here after the first sync with the practice-management "
                                "system.", "small", wrap=True)
        self._list.addWidget(self.none_known)
        self._update()

    def set_locations(self, locations: Sequence[tuple[str, str]]) -> None:
        """(pms_id, name) pairs in the order to show them."""
        for box in self.boxes.values():
            self._list.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for pms_id, name in locations:
            box = QCheckBox(name)
            box.toggled.connect(self._on_ticked)
            self.boxes[pms_id] = box
            self._list.addWidget(box)
        self._update()

    def set_value(self, location_ids: frozenset[str] | None) -> None:
        self._kept = frozenset() if location_ids is None else location_ids - self.boxes.keys()
        self._chosen = location_ids
        for widget in (self.all_locations, self.only_these):
            widget.blockSignals(True)
        (self.all_locations if location_ids is None else self.only_these).setChecked(True)
        for widget in (self.all_locations, self.only_these):
            widget.blockSignals(False)
        self._update()

    def value(self) -> frozenset[str] | None:
        if self.all_locations.isChecked():
            return None
        return frozenset(pms_id for pms_id, box in self.boxes.items() if box.isChecked()) | self._kept

    def _on_choice(self) -> None:
        if self.only_these.isChecked() and self._chosen is None:
            self._chosen = frozenset(self.boxes)  # start from everything; untick what they may not see
        self._update()
        self.edited.emit()

    def _on_ticked(self) -> None:
        if self.only_these.isChecked():
            self._chosen = self.value()
        self.edited.emit()

    def _update(self) -> None:
        only = self.only_these.isChecked()
        self.only_these.setEnabled(bool(self.boxes) or only)
        self.none_known.setVisible(not self.boxes)
        for pms_id, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(not only or (self._chosen is not None and pms_id in self._chosen))
            box.setEnabled(only)
            box.blockSignals(False)
