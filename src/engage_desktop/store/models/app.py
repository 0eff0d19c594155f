"""Application tables: settings, sync state and sync history. Later features add their own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage_desktop.store.base import Base
from engage_desktop.store.types import NaiveDateTime


class AppSetting(Base):
    """Practice-wide settings shared by every workstation (values are JSON). Never secrets."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SyncState(Base):
    """Per entity: the incremental cursor (PMS clock) and any unfinished full pass."""

    __tablename__ = "sync_state"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    changed_since: Mapped[datetime | None] = mapped_column(NaiveDateTime)  # the PMS server's clock
    full_run_id: Mapped[int | None] = mapped_column(Integer)
    full_after_key: Mapped[str | None] = mapped_column(String(64))
    full_started_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)  # PMS clock at the pass start
    last_full_at: Mapped[datetime | None] = mapped_column()


class SyncRun(Base):
    """One sync, for the history shown in Settings and for run ids of full passes."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running/ok/failed/cancelled
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_removed: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class SyncLock(Base):
    """At most one PMS sync per database, across processes and workstations.

    The holder renews ``expires_at`` with every page it writes; a holder that died stops
    renewing, and the lock is free again once it expires.
    """

    __tablename__ = "sync_lock"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(255))
    acquired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
