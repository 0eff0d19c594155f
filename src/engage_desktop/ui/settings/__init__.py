"""Settings pages, registered here in one list; the settings view shows them by ORDER."""

from __future__ import annotations

from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.locations_page import LocationsPage
from engage_desktop.ui.settings.pms_connection_page import PmsConnectionPage
from engage_desktop.ui.settings.practice_pages import (
    MessagingPage,
    PmsApiPage,
    PracticePage,
    QuietHoursPage,
    SecurityPage,
)
from engage_desktop.ui.settings.users_page import UsersPage

PAGES: list[type[SettingsPage]] = sorted(
    [PracticePage, LocationsPage, MessagingPage, QuietHoursPage, PmsConnectionPage, PmsApiPage, SecurityPage, UsersPage],
    key=lambda page: page.ORDER,
)

__all__ = ["PAGES", "PageDeps", "SettingsPage"]
