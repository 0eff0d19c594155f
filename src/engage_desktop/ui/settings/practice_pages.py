"""Settings pages built from the setting declarations: Practice, Messaging providers, Quiet
hours, Sign-in and security. Each page lists its groups; the form, load and save are shared."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.practice_settings import Group, in_group
from engage_desktop.domain.rights import Right
from engage_desktop.ui import theme
from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.form import SettingsForm
from engage_desktop.ui.tasks import user_message
from engage_desktop.ui.widgets.common import Card, label
from engage_desktop.ui.widgets.rights import rights_notice


class SettingsPageFrame(QWidget):
    """Scrolling page with a title, an intro, a rights notice and a column of cards."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None, *, max_width: int = 900) -> None:
        super().__init__(parent)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        content = QWidget()
        content.setMaximumWidth(max_width)  # long lines are hard to read on a wide monitor
        scroll.setWidget(content)
        self.column = QVBoxLayout(content)
        self.column.setContentsMargins(28, 22, 28, 24)
        self.column.setSpacing(14)
        self.column.addWidget(label(title, name="PageTitle"))
        if intro:
            self.column.addWidget(label(intro, "muted", wrap=True))
        self.column.addStretch(1)

    def add(self, widget: QWidget) -> None:
        self.column.insertWidget(self.column.count() - 1, widget)


class GroupSettingsPage(SettingsPageFrame, SettingsPage):
    """A page of declared settings groups, one card each, saved together."""

    GROUPS: ClassVar[tuple[tuple[str, str], ...]]  # (group, card title)
    INTRO: ClassVar[str] = ""
    RIGHT: ClassVar[Right] = Right.MANAGE_SETTINGS

    page_did_load = Signal()
    settings_did_save = Signal()

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(self.TITLE, self.INTRO, parent)
        self._services = deps.services
        self._runner = deps.runner
        self._baseline: dict[str, Any] = {}
        self._saving = False
        self.allowed = deps.services.can(self.RIGHT)
        if not self.allowed:
            self.add(rights_notice(self.RIGHT))
        self.forms: list[SettingsForm] = []
        for group, title in self.GROUPS:
            card = Card(title)
            form = SettingsForm(in_group(group), region=deps.services.region)
            form.edited.connect(self._on_edited)
            form.set_read_only(not self.allowed)
            card.body.addWidget(form)
            self.add(card)
            self.forms.append(form)
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Undo changes")
        self.revert_button.clicked.connect(self._revert)
        self.save_status = label("", "muted")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_status, 1)
        row = QWidget()
        row.setLayout(buttons)
        row.setVisible(self.allowed)
        self.add(row)
        self._update_buttons()

    def load(self) -> None:
        services, groups = self._services, [g for g, _ in self.GROUPS]

        def read() -> dict[str, Any]:
            values: dict[str, Any] = {}
            for group in groups:
                values.update(services.load_settings(group))
            return values

        self.save_status.setText("Loading…")
        self._runner.run(read, on_success=self._apply, on_failure=self._on_failed, owner=self)

    def _apply(self, values: dict[str, Any]) -> None:
        self._loaded_values = values
        for form in self.forms:
            form.set_values(values)
        self._baseline = self._on_screen()
        self.save_status.setText("")
        self._update_buttons()
        self.page_did_load.emit()

    def save(self) -> None:
        if not self.allowed or self._saving or not self._dirty():
            return
        values = self._on_screen()  # the whole page: rules across fields see every value
        self._saving = True
        self.save_status.setText("Saving…")
        self._update_buttons()
        self._runner.run(self._services.save_settings, values, on_success=self._on_saved, on_failure=self._on_failed,
                         owner=self)

    def _on_saved(self, saved: dict[str, Any]) -> None:
        self._saving = False
        self._apply({**self._loaded_values, **saved})
        self.save_status.setText("Saved.")
        theme.set_role(self.save_status, "success")
        self.settings_did_save.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, ValidationFailed):
            for form in self.forms:
                form.show_errors(exc.errors)
            count = len(exc.errors)
            self.save_status.setText(f"Nothing was saved: fix the field{'s' if count > 1 else ''} marked in red.")
        else:
            self.save_status.setText(f"Not saved: {user_message(exc)}")
        theme.set_role(self.save_status, "danger")
        self._update_buttons()

    def _revert(self) -> None:
        if hasattr(self, "_loaded_values"):
            self._apply(self._loaded_values)

    def _on_screen(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for form in self.forms:
            values.update(form.values())
        return values

    def _dirty(self) -> bool:
        return bool(self._baseline) and self._on_screen() != self._baseline

    def _on_edited(self) -> None:
        if not self._saving and self._baseline:
            self.save_status.setText("Unsaved changes" if self._dirty() else "")
            theme.set_role(self.save_status, "muted")
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self._dirty()
        self.save_button.setEnabled(self.allowed and dirty and not self._saving)
        self.revert_button.setEnabled(dirty and not self._saving)

    def has_unsaved_changes(self) -> bool:
        return self._dirty()


class PracticePage(GroupSettingsPage):
    NAME = "practice"
    TITLE = "Practice"
    ORDER = 10
    INTRO = ("How the practice signs its messages and emails. Marketing emails must carry the "
             "practice's postal address (CAN-SPAM).")
    GROUPS = ((Group.PRACTICE, "Practice details"),)


class MessagingPage(GroupSettingsPage):
    NAME = "messaging"
    TITLE = "Messaging providers"
    ORDER = 30
    INTRO = ("The accounts Engage sends texts and emails through. Passwords and tokens are kept in the "
             "system keyring (Windows Credential Manager), never in the database or a file.")
    GROUPS = ((Group.MESSAGING, "Sending"), (Group.TWILIO, "Text messages (Twilio)"), (Group.SMTP, "Email (SMTP server)"))

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(deps, parent)
        self.add(self._test_card())

    def _test_card(self) -> Card:
        """Send one message through the whole engine: outbox, provider, delivery report."""
        card = Card("Send a test")
        card.body.addWidget(label("Save first: the test uses the saved settings. It goes out at once, "
                                  "whatever the quiet hours.", "muted", wrap=True))
        row = QHBoxLayout()
        self.test_channel = QComboBox()
        self.test_channel.addItem("Text message", "sms")
        self.test_channel.addItem("Email", "email")
        self.test_to = QLineEdit()
        self.test_to.setPlaceholderText("Your mobile number or email address")
        self.test_button = QPushButton("Send test")
        self.test_button.clicked.connect(self.send_test)
        row.addWidget(self.test_channel)
        row.addWidget(self.test_to, 1)
        row.addWidget(self.test_button)
        holder = QWidget()
        holder.setLayout(row)
        card.body.addWidget(holder)
        self.test_result = label("", "muted", wrap=True)
        card.body.addWidget(self.test_result)
        allowed = self._services.can(Right.MANAGE_COMMUNICATIONS)
        self.test_button.setEnabled(allowed)
        if not allowed:
            self.test_result.setText(f"Sending a test needs the “{Right.MANAGE_COMMUNICATIONS.label}” right.")
        return card

    def send_test(self) -> None:
        to, via = self.test_to.text().strip(), self.test_channel.currentData()
        if not to:
            self.test_result.setText("Enter where the test should go.")
            theme.set_role(self.test_result, "danger")
            return
        self.test_button.setEnabled(False)
        self.test_result.setText("Sending… (waiting up to 20 seconds for the delivery report)")
        theme.set_role(self.test_result, "muted")
        self._runner.run(self._services.send_test, to, via, on_success=self._on_test_sent, on_failure=self._on_test_failed,
                         io=True, owner=self)

    def _on_test_sent(self, result) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(result.summary)
        good = result.status.value in ("submitted", "sent", "delivered")
        theme.set_role(self.test_result, "success" if good else "danger")

    def _on_test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(f"Not sent: {user_message(exc)}")
        theme.set_role(self.test_result, "danger")


class QuietHoursPage(GroupSettingsPage):
    NAME = "quiet_hours"
    TITLE = "Quiet hours"
    ORDER = 40
    INTRO = ("Automated texts are only sent inside this window, in each patient's local time. A message "
             "due outside it waits for the window to open; nothing is dropped.")
    GROUPS = ((Group.QUIET_HOURS, "When messages may go out"),)


class SecurityPage(GroupSettingsPage):
    NAME = "security"
    TITLE = "Sign-in and security"
    ORDER = 70
    INTRO = "Front-desk screens face patients: an idle workstation locks and hides patient data."
    GROUPS = ((Group.SECURITY, "Screen lock"),)


class PmsApiPage(GroupSettingsPage):
    NAME = "pms_api"
    TITLE = "Create in PMS"
    ORDER = 55
    INTRO = ("How “Create in PMS” makes a chart for an unlinked patient. Engage never writes to the PMS "
             "database itself: Open Dental charts are created through its API; otherwise staff get the "
             "exact details to type in, and the next sync links the new chart.")
    GROUPS = ((Group.PMS_API, "Open Dental API"),)
