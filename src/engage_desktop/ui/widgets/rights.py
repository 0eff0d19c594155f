"""How the window shows what the signed-in user may not do (the services enforce it anyway).

Seeds 002/003: the user is told which right is missing and whom to ask, not just shown a
greyed-out button.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from engage_desktop.domain.rights import Right
from engage_desktop.ui.widgets.common import label


def missing_right_text(right: Right) -> str:
    return f"You need the “{right.label}” right — ask an administrator."


def rights_notice(right: Right) -> QLabel:
    """A note for the top of a page the user may look at but not change."""
    return label(f"View only. {missing_right_text(right)}", name="Note", wrap=True)


def require_right(widgets: QWidget | list[QWidget], allowed: bool, right: Right) -> None:
    """Disable ``widgets`` with a tooltip naming the right, or enable them again."""
    for widget in widgets if isinstance(widgets, list) else [widgets]:
        widget.setEnabled(allowed)
        widget.setToolTip("" if allowed else missing_right_text(right))
