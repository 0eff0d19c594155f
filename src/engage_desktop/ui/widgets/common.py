"""Small building blocks shared by the views: cards, section titles, labels with a qss role."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


def label(text: str = "", role: str = "", *, wrap: bool = False, selectable: bool = False,
          name: str = "", rich: bool = False) -> QLabel:
    """A label; plain text unless ``rich`` (PMS data may contain '<' and must not become markup)."""
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    widget.setText(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def section_title(text: str) -> QLabel:
    return label(text.upper(), name="SectionTitle")


class Card(QFrame):
    """A white panel with a border and an optional title; children go into ``body``."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(18, 14, 18, 16)
        self.body.setSpacing(8)
        if title:
            self.title = section_title(title)
            self.body.addWidget(self.title)


def rule() -> QFrame:
    line = QFrame()
    line.setObjectName("Rule")
    line.setFrameShape(QFrame.Shape.NoFrame)
    line.setFixedHeight(1)
    return line
