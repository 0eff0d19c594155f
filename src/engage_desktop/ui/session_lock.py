"""The idle lock: after N idle minutes the window shows the lock screen instead of its pages.

The pages stay alive underneath (unsaved edits survive), but nothing of them is drawn while
locked. The same user unlocks with their password; "Sign in as someone else" ends the session.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engage_desktop.domain.rights import Actor
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import local_time
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import Card, label

CARD_WIDTH = 420
TEXT_WIDTH = CARD_WIDTH - 2 * 28  # inside the card's margins
_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
             QEvent.Type.TouchBegin}


class IdleWatcher(QObject):
    """Emits ``idle`` once no key, mouse or touch input reached the application for ``minutes``."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, round(minutes * 60_000)))
        self._timer.start()

    def reset(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False


class LockScreen(QWidget):
    """Shown in place of the pages. Emits ``unlocked(actor)`` or ``switch_user_requested``."""

    unlocked = Signal(object)  # Actor
    switch_user_requested = Signal()

    def __init__(self, services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self._services, self._runner = services, runner
        self._busy = False
        card = Card()
        card.setFixedWidth(CARD_WIDTH)
        card.body.setContentsMargins(28, 24, 28, 24)
        card.body.setSpacing(10)
        card.body.addWidget(label("Screen locked", name="PageTitle"))
        self.who = label("", "muted", width=TEXT_WIDTH)
        card.body.addWidget(self.who)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.password.returnPressed.connect(self.unlock)
        self.password.textChanged.connect(lambda _: self.message.hide())
        card.body.addWidget(self.password)
        self.message = label("", "danger", width=TEXT_WIDTH)
        self.message.hide()
        card.body.addWidget(self.message)
        buttons = QHBoxLayout()
        self.switch_button = QPushButton("Sign in as someone else")
        self.switch_button.setProperty("flat", True)
        self.switch_button.clicked.connect(self.switch_user_requested)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setProperty("primary", True)
        self.unlock_button.clicked.connect(self.unlock)
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        card.body.addLayout(buttons)
        card.body.addWidget(label("Signing in as someone else closes this session; changes not yet saved "
                                  "on this computer are lost.", "small", width=TEXT_WIDTH))
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def show_for(self, actor: Actor) -> None:
        self.who.setText(f"Locked for {actor.shown_name} ({actor.username}) at {local_time(datetime.now(UTC))}. "
                         "Patient information is hidden until you enter your password.")
        self.password.clear()
        self.message.hide()
        self.password.setFocus()

    def unlock(self) -> None:
        if self._busy or not self.password.text():
            return
        self._busy = True
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText("Checking…")
        self._runner.run(self._services.unlock, self.password.text(), on_success=self._on_unlocked,
                         on_failure=self._on_failed, owner=self)

    def _on_unlocked(self, actor: Actor) -> None:
        self._done()
        self.password.clear()
        self.unlocked.emit(actor)

    def _on_failed(self, exc: BaseException) -> None:
        self._done()
        self.password.clear()
        self.message.setText(user_message(exc))
        theme.set_role(self.message, "danger")
        self.message.show()
        self.password.setFocus()

    def _done(self) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        self.unlock_button.setText("Unlock")
