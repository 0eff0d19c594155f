"""Small building blocks shared by the views: cards, section titles, labels with a qss role."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.ui import theme


def label(text: str = "", role: str = "", *, wrap: bool = False, selectable: bool = False,
          name: str = "", rich: bool = False, width: int | None = None) -> QLabel:
    """A label; plain text unless ``rich`` (PMS data may contain '<' and must not become markup).

    ``width``: a wrapped label of that fixed width whose height always fits its text.
    """
    widget = QLabel() if width is None else FittedLabel(width)
    widget.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    widget.setText(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap or width is not None)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


class FittedLabel(QLabel):
    """A word-wrapped label of fixed width that asks for the height its text needs.

    Form layouts that keep fields at their size hint (and dialogs sized from their hints) give a
    wrapped label only one line's height, which cuts off the second line; this label sets its
    minimum height from ``heightForWidth`` whenever its text, font or style changes.
    """

    def __init__(self, width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setFixedWidth(width)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()
        return handled

    def _fit(self) -> None:
        self.setMinimumHeight(self.heightForWidth(self.width()) if self.text() else 0)


def show_message(widget: QLabel, text: str, role: str) -> None:
    """Show ``text`` in a message label styled by ``role`` ("danger", "success", ...)."""
    theme.restyle(widget, "role", role)
    widget.setText(text)
    widget.show()


def section_title(text: str) -> QLabel:
    return label(text.upper(), name="SectionTitle")


class Card(QFrame):
    """A white panel with a border and an optional title; children go into ``body``."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 14)
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


class ElidedLabel(QLabel):
    """One line that shortens with '…' when narrow (full text in the tooltip).

    For values that cannot wrap, such as a long email address, so a narrow card never needs
    a horizontal scroll bar.
    """

    def __init__(self, text: str = "", role: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if role:
            self.setProperty("role", role)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._full = ""
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(60, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(self.width(), 60))
        if shown != self.text():
            self.setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


def list_table(row_height: int) -> QTableView:
    """The read-only list every screen uses: whole-row single selection, no grid, left headers.

    Rows have a fixed height, so the view never measures its rows (100,000 patients scroll at once).
    """
    table = QTableView()
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(row_height)
    horizontal = table.horizontalHeader()
    horizontal.setHighlightSections(False)
    horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    horizontal.setMinimumSectionSize(60)
    return table
