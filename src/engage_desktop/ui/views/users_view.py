"""Layout of Settings ▸ Users and roles (behaviour lives in ui/settings/users_page.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.rights import Role
from engage_desktop.ui.models.user_table_model import Column
from engage_desktop.ui.widgets.access import LocationAccess, RightsChecklist
from engage_desktop.ui.widgets.common import Card, label, list_table, rule, section_title

FIELD_WIDTH = 340
WIDE_FIELD_WIDTH = 560  # error lines under the rights and the locations (a fixed width wraps predictably)
ROW_HEIGHT = 32
MAX_VISIBLE_ROWS = 8  # more users than this scroll inside the table
INTRO = ("Who can sign in, what they may do and which locations they see. A role is a starting point; "
         "you can adjust single rights per person.")
ROLE_HINT = "Choosing a role sets the rights below to that role's usual set."


class UsersView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        content = QWidget()
        content.setMaximumWidth(1100)
        scroll.setWidget(content)
        page = QVBoxLayout(content)
        page.setContentsMargins(28, 22, 28, 24)
        page.setSpacing(14)
        page.addWidget(label("Users and roles", name="PageTitle"))
        page.addWidget(label(INTRO, "muted", wrap=True))
        self.notice_slot = QVBoxLayout()  # the page puts a rights notice here when needed
        page.addLayout(self.notice_slot)
        self.list_card = self._build_list_card()
        page.addWidget(self.list_card)
        self.editor_card = self._build_editor_card()
        page.addWidget(self.editor_card)
        page.addStretch(1)

    # -- the list ---------------------------------------------------------------------------------
    def _build_list_card(self) -> Card:
        card = Card()
        header = QHBoxLayout()
        header.addWidget(section_title("Users"))
        self.count_label = label("", "small")
        header.addWidget(self.count_label)
        header.addStretch(1)
        self.add_button = QPushButton("Add user…")
        self.add_button.setProperty("primary", True)
        header.addWidget(self.add_button)
        card.body.addLayout(header)

        table = list_table(ROW_HEIGHT)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table = table
        card.body.addWidget(table)
        return card

    def fit_table(self) -> None:
        """Columns share the width; the table is as tall as its rows (up to MAX_VISIBLE_ROWS)."""
        header = self.table.horizontalHeader()
        for column in Column:
            mode = QHeaderView.ResizeMode.Stretch if column in (Column.NAME, Column.LOCATIONS) \
                else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        rows = min(max(self.table.model().rowCount(), 1), MAX_VISIBLE_ROWS)
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(header.sizeHint().height() + rows * ROW_HEIGHT + frame)

    # -- the editor -------------------------------------------------------------------------------
    def _build_editor_card(self) -> Card:
        card = Card()
        heading = QHBoxLayout()
        heading.setSpacing(12)
        self.user_name = label("", name="CardName")
        self.user_status = label("", "muted")
        self.user_facts = label("", "muted")
        heading.addWidget(self.user_name)
        heading.addWidget(self.user_status, 0, Qt.AlignmentFlag.AlignBottom)
        heading.addStretch(1)
        heading.addWidget(self.user_facts, 0, Qt.AlignmentFlag.AlignBottom)
        card.body.addLayout(heading)
        self.user_note = label("", wrap=True, name="Note")
        card.body.addWidget(self.user_note)
        card.body.addWidget(rule())

        form = QFormLayout()
        form.setContentsMargins(0, 6, 0, 0)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.form = form

        self.display_name = QLineEdit()
        self.display_name.setFixedWidth(FIELD_WIDTH)
        self.display_name.setPlaceholderText("e.g. Maria Lopez")
        self.display_name_error = label("", "error", wrap=True)
        self.display_name_error.setFixedWidth(FIELD_WIDTH)
        self._row("Name", self.display_name)
        form.addRow("", self.display_name_error)

        self.role = role_combo()
        role_row = QHBoxLayout()
        role_row.setSpacing(12)
        role_row.addWidget(self.role)
        role_row.addWidget(label(ROLE_HINT, "small"))
        role_row.addStretch(1)
        self._row("Role", role_row, self.role)

        self.rights = RightsChecklist()
        self.rights_error = label("", "error", wrap=True)
        self.rights_error.setFixedWidth(WIDE_FIELD_WIDTH)
        rights_box = QVBoxLayout()
        rights_box.setSpacing(6)
        rights_box.addWidget(self.rights)
        rights_box.addWidget(self.rights_error)
        self._top_row("Rights", rights_box)

        self.locations = LocationAccess()
        self.locations_error = label("", "error", wrap=True)
        self.locations_error.setFixedWidth(WIDE_FIELD_WIDTH)
        locations_box = QVBoxLayout()
        locations_box.setSpacing(6)
        locations_box.addWidget(self.locations)
        locations_box.addWidget(self.locations_error)
        self._top_row("Locations", locations_box)
        card.body.addLayout(form)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 10, 0, 0)
        buttons.setSpacing(10)
        self.save_button = QPushButton("Save changes")
        self.save_button.setProperty("primary", True)
        self.undo_button = QPushButton("Undo changes")
        self.save_status = label("", "muted", wrap=True)
        self.reset_password_button = QPushButton("Reset password…")
        self.active_button = QPushButton("Disable user")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.save_status, 1)
        buttons.addWidget(self.reset_password_button)
        buttons.addWidget(self.active_button)
        card.body.addLayout(buttons)
        return card

    def _row(self, caption: str, field, sized_by: QWidget | None = None) -> None:
        # QFormLayout top-aligns captions beside padded fields; give them the field's height.
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        text.setMinimumHeight((sized_by or field).sizeHint().height())
        self.form.addRow(text, field)

    def _top_row(self, caption: str, field) -> None:
        # Beside a block of checkboxes the caption lines up with the first line, not the middle.
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.addRow(text, field)


def role_combo() -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(role.label, role.value)  # Qt hands enums back as plain str
    combo.setFixedWidth(200)
    return combo
