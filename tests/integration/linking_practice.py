"""The small practice the linking and review tests share: two locations, a single patient, twins
on one family file with the parent's phone and email, and a patient at the second location.
Every person is invented."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engage_desktop.domain.ports import Entity
from engage_desktop.domain.rights import Actor, Role
from engage_desktop.domain.unlinked import UnlinkedInput
from engage_desktop.services import linking
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AuditRecord
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.factories import location, patient

DESK = Actor(user_id=7, username="maria", rights=Role.FRONT_DESK.preset, workstation="FRONT-DESK-1")
VIEWER = Actor(user_id=8, username="jordan", rights=Role.VIEWER.preset, workstation="FRONT-DESK-2")
RIVERSIDE_ONLY = Actor(user_id=9, username="riley", rights=Role.FRONT_DESK.preset, location_ids=frozenset({"2"}))


@pytest.fixture
def linking_store(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    factory = SqlUnitOfWorkFactory(make_session_factory(engine))
    with factory() as uow:
        uow.mirror.upsert(Entity.LOCATIONS, [location(1, "Main Street"), location(2, "Riverside")], run_id=None)
        uow.mirror.upsert(Entity.PATIENTS, [
            patient(101, "Katherine", "Okafor", birthdate=date(1984, 3, 14), mobile="(503) 555-0142",
                    email="kokafor@example.com"),
            # Twins on one family file, sharing the parent's phone and email.
            patient(102, "Emma", "Lindqvist", birthdate=date(2012, 6, 2), mobile="(503) 555-0177",
                    email="lindqvist.family@example.com", guarantor_id="104"),
            patient(103, "Emily", "Lindqvist", birthdate=date(2012, 6, 2), mobile="(503) 555-0177",
                    email="lindqvist.family@example.com", guarantor_id="104"),
            patient(104, "Sofia", "Lindqvist", birthdate=date(1981, 9, 30), mobile="(503) 555-0177",
                    email="lindqvist.family@example.com"),
            patient(105, "Tomas", "Reyes", birthdate=date(1990, 11, 5), location_id="2", mobile="(541) 555-0110"),
        ], run_id=None)
        uow.commit()
    yield factory
    engine.dispose()


def mirror_id(uow_factory, pms_id: str) -> int:
    with uow_factory() as uow:
        return next(k for k, v in uow.patients.pms_ids(list(range(1, 10_000))).items() if v == pms_id)


def create(uow_factory, actor=DESK, *, confirmed=False, **fields):
    data = UnlinkedInput(**{"first_name": "Ada", "last_name": "Newcomer", "mobile": "(503) 555-0199",
                            "location_id": "1", **fields})
    return linking.create_unlinked_patient(uow_factory=uow_factory, actor=actor, data=data, confirmed=confirmed)


def audit_actions(uow_factory) -> list[str]:
    with uow_factory() as uow:
        return list(uow.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
