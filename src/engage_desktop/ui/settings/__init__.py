"""Settings pages, registered here in one list; the settings view shows them by ORDER."""

from __future__ import annotations

from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.pms_connection_page import PmsConnectionPage

PAGES: list[type[SettingsPage]] = sorted([PmsConnectionPage], key=lambda page: page.ORDER)

__all__ = ["PAGES", "PageDeps", "SettingsPage"]
