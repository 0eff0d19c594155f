"""What every settings page is: a declarative class (Picard's options pages, style rule 13)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engage_desktop.domain.rights import Right
from engage_desktop.services.app_services import AppServices
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.tasks import TaskRunner


@dataclass(frozen=True)
class PageDeps:
    """What pages may use; each page takes only the parts it needs."""

    services: AppServices
    runner: TaskRunner
    sync: SyncController


class SettingsPage:
    """Mixed into a QWidget. ``load()`` fills the page from the services (off-thread);
    ``save()`` validates and writes through the services. Pages never touch the database."""

    NAME: ClassVar[str]
    TITLE: ClassVar[str]
    ORDER: ClassVar[int]
    VIEW_RIGHT: ClassVar[Right | None] = None  # without it the page is replaced by a notice naming the right

    def load(self) -> None:
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError
