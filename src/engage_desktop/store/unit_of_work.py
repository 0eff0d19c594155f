"""Unit of work: one session, one transaction; rolls back unless ``commit()`` is called."""

from __future__ import annotations

from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from engage_desktop.store.repositories.messaging import SqlMessagingRepository
from engage_desktop.store.repositories.mirror import SqlMirrorRepository
from engage_desktop.store.repositories.outbox import SqlOutboxRepository
from engage_desktop.store.repositories.patients import SqlPatientQueries
from engage_desktop.store.repositories.settings import SqlSettingsRepository
from engage_desktop.store.repositories.unlinked import SqlUnlinkedRepository
from engage_desktop.store.repositories.users import SqlAuditRepository, SqlUserRepository


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, region: str = "US") -> None:
        self._session_factory = session_factory
        self._region = region
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.mirror = SqlMirrorRepository(self.session)
        self.patients = SqlPatientQueries(self.session, region=self._region)
        self.settings = SqlSettingsRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        self.unlinked = SqlUnlinkedRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.messaging = SqlMessagingRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.session is not None
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()


class SqlUnitOfWorkFactory:
    """Callable that makes a fresh unit of work; safe to share across threads."""

    def __init__(self, session_factory: sessionmaker[Session], *, region: str = "US") -> None:
        self.session_factory = session_factory
        self.region = region

    @property
    def one_writer_at_a_time(self) -> bool:
        """SQLite takes one writer at a time (and makes the others back off in sleeps); PostgreSQL
        locks rows, so concurrent writers need not take turns."""
        bind = self.session_factory.kw.get("bind")
        return bind is None or bind.dialect.name == "sqlite"

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory, region=self.region)
