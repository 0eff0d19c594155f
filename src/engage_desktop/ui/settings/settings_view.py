"""The Settings area: the registered pages listed on the left, the chosen page on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from engage_desktop.domain.rights import Right
from engage_desktop.ui.settings import PAGES, PageDeps, SettingsPage
from engage_desktop.ui.settings.practice_pages import SettingsPageFrame
from engage_desktop.ui.widgets.common import section_title
from engage_desktop.ui.widgets.rights import rights_notice


class LockedPage(SettingsPageFrame, SettingsPage):
    """Stands in for a page the signed-in user may not open: it says which right is missing."""

    def __init__(self, page_class: type[SettingsPage], right: Right) -> None:
        super().__init__(page_class.TITLE, "")
        self.NAME, self.TITLE, self.ORDER = page_class.NAME, page_class.TITLE, page_class.ORDER
        self.add(rights_notice(right))

    def load(self) -> None:
        pass

    def save(self) -> None:
        pass


class SettingsView(QWidget):
    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.page_list = QListWidget()
        self.page_list.setObjectName("SettingsNav")
        nav = QWidget()
        nav.setObjectName("SettingsNavPanel")
        nav.setFixedWidth(200)
        nav_layout = QVBoxLayout(nav)
        nav_layout.setContentsMargins(0, 22, 1, 0)  # 1 px: keep the panel's right border visible
        nav_layout.setSpacing(8)
        title = section_title("Settings")
        title.setContentsMargins(18, 0, 0, 0)
        nav_layout.addWidget(title)
        nav_layout.addWidget(self.page_list, 1)
        self.stack = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(nav)
        layout.addWidget(self.stack, 1)

        # Pages are built when first shown: building all of them up front was ~40 % of opening
        # the main window, and most sessions never open Settings.
        self._deps = deps
        self._classes = list(PAGES)
        self._built: dict[int, SettingsPage] = {}
        self._loaded: set[int] = set()
        for page_class in self._classes:
            self.stack.addWidget(QWidget())  # a placeholder until the page is first shown
            QListWidgetItem(page_class.TITLE, self.page_list)
        self.page_list.currentRowChanged.connect(self._show_page)
        self.page_list.setCurrentRow(0)

    @property
    def pages(self) -> list[SettingsPage]:
        """The pages built so far (only these can hold unsaved edits)."""
        return [self._built[i] for i in sorted(self._built)]

    def has_unsaved_changes(self) -> bool:
        return any(getattr(page, "has_unsaved_changes", lambda: False)() for page in self.pages)

    def page(self, name: str) -> SettingsPage:
        return self._page_at(self._row(name))

    def show_page(self, name: str) -> None:
        self.page_list.setCurrentRow(self._row(name))

    def _row(self, name: str) -> int:
        return next(i for i, c in enumerate(self._classes) if c.NAME == name)

    def _page_at(self, row: int) -> SettingsPage:
        if row not in self._built:
            page_class = self._classes[row]
            needed = page_class.VIEW_RIGHT
            deps = self._deps
            page = page_class(deps) if needed is None or deps.services.can(needed) else LockedPage(page_class, needed)
            placeholder = self.stack.widget(row)
            current = self.stack.currentIndex()
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.stack.setCurrentIndex(current)
            self._built[row] = page
        return self._built[row]

    def _show_page(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        if self.isVisible():
            self._load_once(row)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._load_once(self.stack.currentIndex())

    def _load_once(self, row: int) -> None:
        # Loaded when first shown, not on every visit, so unsaved edits survive a trip elsewhere.
        if row >= 0 and row not in self._loaded:
            self._loaded.add(row)
            self._page_at(row).load()
