"""Users on SQLite and PostgreSQL: first administrator, sign-in and lockout, rights enforced in
the services for every role, audit chain that detects an edited row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import argon2
import pytest
from sqlalchemy import update

from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role
from engage_desktop.passwords import Argon2PasswordHasher
from engage_desktop.services import audit as audit_service
from engage_desktop.services import users
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AuditRecord
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory

FAST = Argon2PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
ADMIN_PW = "correct-horse-battery"


@pytest.fixture
def uow_factory(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def admin(uow_factory):
    return users.create_first_administrator(uow_factory=uow_factory, hasher=FAST, username="Admin",
                                            display_name="Office Admin", password=ADMIN_PW, workstation="FRONT-1")


def test_first_start_creates_the_first_administrator_once(uow_factory, admin):
    assert not users.needs_first_administrator(uow_factory=uow_factory)
    assert admin.username == "admin" and admin.can(Right.MANAGE_USERS)
    with pytest.raises(Exception, match="already exists"):
        users.create_first_administrator(uow_factory=uow_factory, hasher=FAST, username="x", display_name="",
                                         password=ADMIN_PW)


def test_sign_in_lockout_with_back_off_and_reset(uow_factory, admin):
    t0 = datetime(2026, 11, 22, 9, tzinfo=UTC)
    for i in range(5):
        with pytest.raises(users.SignInError, match="not right"):
            users.sign_in(uow_factory=uow_factory, hasher=FAST, username="admin", password="wrong", now=t0 + timedelta(seconds=i))
    with pytest.raises(users.SignInError, match="Try again in 1 minute"):
        users.sign_in(uow_factory=uow_factory, hasher=FAST, username="admin", password=ADMIN_PW, now=t0 + timedelta(seconds=10))
    actor = users.sign_in(uow_factory=uow_factory, hasher=FAST, username="ADMIN", password=ADMIN_PW,
                          now=t0 + timedelta(minutes=2))
    assert actor.user_id is not None
    with uow_factory() as uow:
        assert uow.users.get(actor.user_id).failed_attempts == 0


def test_unknown_user_and_wrong_password_get_the_same_message(uow_factory, admin):
    messages = set()
    for name in ("admin", "nobody"):
        with pytest.raises(users.SignInError) as err:
            users.sign_in(uow_factory=uow_factory, hasher=FAST, username=name, password="wrong-password")
        messages.add(str(err.value))
    assert len(messages) == 1


def test_a_disabled_user_cannot_sign_in_and_keeps_history(uow_factory, admin):
    fd = users.create_user(uow_factory=uow_factory, hasher=FAST, actor=admin, username="frontdesk",
                           display_name="Front Desk", temporary_password="temporary-pass-1", role=Role.FRONT_DESK)
    users.set_user_active(uow_factory=uow_factory, actor=admin, user_id=fd.id, active=False)
    with pytest.raises(users.SignInError, match="disabled"):
        users.sign_in(uow_factory=uow_factory, hasher=FAST, username="frontdesk", password="temporary-pass-1")
    with uow_factory() as uow:
        actions = [e.action for _, e in uow.audit.search(username="frontdesk")]
    assert "user.sign_in_failed" in actions


def test_passwords_are_stored_as_argon2_hashes(uow_factory, admin):
    with uow_factory() as uow:
        _, stored = uow.users.by_username("admin")
    assert stored.startswith("$argon2id$") and ADMIN_PW not in stored


PROTECTED = {
    Right.MANAGE_USERS: lambda f, actor: users.list_users(uow_factory=f, actor=actor),
    Right.VIEW_AUDIT_LOG: lambda f, actor: audit_service.check_audit_chain(uow_factory=f, actor=actor),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("right", list(PROTECTED))
def test_every_protected_service_refuses_every_role_without_its_right(uow_factory, admin, role, right):
    actor = Actor(user_id=99, username=f"{role.value}-user", rights=role.preset)
    if right in role.preset:
        PROTECTED[right](uow_factory, actor)
    else:
        with pytest.raises(PermissionDenied):
            PROTECTED[right](uow_factory, actor)


def test_the_audit_chain_detects_an_edited_row(uow_factory, admin):
    users.sign_out(uow_factory=uow_factory, actor=admin)
    users.create_user(uow_factory=uow_factory, hasher=FAST, actor=admin, username="viewer",
                      display_name="Viewer", temporary_password="temporary-pass-2", role=Role.VIEWER)
    assert audit_service.check_audit_chain(uow_factory=uow_factory, actor=admin).ok
    with uow_factory() as uow:
        first = uow.audit.search(action="user.sign_out")[0][0]
        uow.session.execute(update(AuditRecord).where(AuditRecord.id == first).values(username="someone-else"))
        uow.commit()
    check = audit_service.check_audit_chain(uow_factory=uow_factory, actor=admin)
    assert not check.ok and check.first_broken_id == first


def test_access_changes_are_audited_with_before_and_after(uow_factory, admin):
    fd = users.create_user(uow_factory=uow_factory, hasher=FAST, actor=admin, username="fd2", display_name="FD",
                           temporary_password="temporary-pass-3", role=Role.FRONT_DESK)
    users.set_user_access(uow_factory=uow_factory, actor=admin, user_id=fd.id, role=Role.FRONT_DESK,
                          granted=frozenset({Right.EMAIL_CAMPAIGN}), location_ids=frozenset({"1"}))
    with uow_factory() as uow:
        (_, entry), *_ = uow.audit.search(action="user.access_change")
    assert "email_campaign_csv" not in entry.details["before"]["rights"]
    assert "email_campaign_csv" in entry.details["after"]["rights"] and entry.details["after"]["locations"] == ["1"]
    with pytest.raises(users.InvalidInput, match="own Manage users"):
        users.set_user_access(uow_factory=uow_factory, actor=admin, user_id=admin.user_id, role=Role.OFFICE_MANAGER)
