"""Layout of Settings ▸ PMS connection (behaviour lives in ui/settings/pms_connection_page.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.pms_connection import Vendor
from engage_desktop.ui.widgets.common import Card, label

FIELD_WIDTH = 340


class PmsConnectionView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        content = QWidget()
        content.setMaximumWidth(900)  # long lines are hard to read on a wide monitor
        scroll.setWidget(content)
        page = QVBoxLayout(content)
        page.setContentsMargins(28, 22, 28, 24)
        page.setSpacing(14)

        page.addWidget(label("PMS connection", name="PageTitle"))
        page.addWidget(label(
            "Engage reads your practice-management system (never writes to it) and keeps a copy of "
            "patients, appointments, recalls and planned treatment on this computer.", "muted", wrap=True))
        page.addWidget(self._build_connection_card())
        page.addStretch(1)
        self._page = page

    def add_section(self, widget: QWidget) -> None:
        """Add a card below the connection (the page adds its SyncPanel this way)."""
        self._page.insertWidget(self._page.count() - 1, widget)

    # -- connection --------------------------------------------------------------------------
    def _build_connection_card(self) -> Card:
        card = Card("Connection")
        self.demo_note = label("", wrap=True, name="Note", rich=True)
        card.body.addWidget(self.demo_note)

        self.fields = QWidget()
        form = QFormLayout(self.fields)
        form.setContentsMargins(0, 4, 0, 0)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.form = form

        self.vendor = QComboBox()
        for vendor in Vendor:
            self.vendor.addItem(vendor.label, vendor.value)  # Qt hands enums back as plain str
        self.vendor.setFixedWidth(FIELD_WIDTH)
        self._row("Practice-management system", self.vendor)

        self.by_server = QRadioButton("Server address")
        self.by_dsn = QRadioButton("ODBC data source (DSN)")
        self.connect_by = QButtonGroup(self)
        self.connect_by.addButton(self.by_server)
        self.connect_by.addButton(self.by_dsn)
        self.by_server.setChecked(True)
        choice = QHBoxLayout()
        choice.setSpacing(18)
        choice.addWidget(self.by_server)
        choice.addWidget(self.by_dsn)
        choice.addStretch(1)
        self._row("Connect using", choice)

        self.dsn = self._line_edit("e.g. OpenDental")
        self.dsn_error = label("", "error")
        self._row("Data source name", self.dsn)
        form.addRow("", self.dsn_error)

        self.driver = self._line_edit()
        self._row("ODBC driver", self.driver)
        self.host = self._line_edit("e.g. frontdesk-server or 192.168.1.20", width=FIELD_WIDTH - 110)
        self.port = self._line_edit(width=80)
        host_row = QHBoxLayout()
        host_row.setSpacing(8)
        host_row.addWidget(self.host)
        host_row.addWidget(label("Port", "muted"))
        host_row.addWidget(self.port)
        host_row.addStretch(1)
        self._row("Server", host_row)
        self.host_row = host_row
        self.host_error = label("", "error")
        form.addRow("", self.host_error)
        self.database = self._line_edit()
        self._row("Database", self.database)

        self.user = self._line_edit()
        self._row("User name", self.user)
        self.password = self._line_edit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_hint = label("", "small")
        self._row("Password", self.password)
        form.addRow("", self.password_hint)
        card.body.addWidget(self.fields)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 8, 0, 0)
        buttons.setSpacing(10)
        self.test_button = QPushButton("Test connection")
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.test_busy = QProgressBar()
        self.test_busy.setRange(0, 0)  # indeterminate: a test takes as long as the server makes it
        self.test_busy.setFixedWidth(120)
        self.save_status = label("", "muted")
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_busy)
        buttons.addWidget(self.save_status)
        buttons.addStretch(1)
        card.body.addLayout(buttons)

        result = QHBoxLayout()
        result.setSpacing(10)
        self.test_icon = QLabel()
        self.test_icon.setFixedSize(20, 20)
        result.addWidget(self.test_icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        self.test_message = label("", wrap=True, selectable=True)
        self.test_detail = label("", "small", wrap=True, selectable=True)
        self.test_missing = label("", "small", wrap=True, selectable=True)
        texts.addWidget(self.test_message)
        texts.addWidget(self.test_missing)
        texts.addWidget(self.test_detail)
        result.addLayout(texts, 1)
        self.test_result = QWidget()
        self.test_result.setLayout(result)
        card.body.addWidget(self.test_result)
        return card

    def _row(self, caption: str, field) -> None:
        # QFormLayout top-aligns captions beside padded fields; give them the field's height.
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        text.setMinimumHeight(field.sizeHint().height())
        self.form.addRow(text, field)

    def _line_edit(self, placeholder: str = "", *, width: int = FIELD_WIDTH) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setFixedWidth(width)
        return edit
