"""Users: the first administrator, sign-in with lockout, passwords, rights, disabling.

Every change is audited in the same transaction; sign-in failures are audited too (with the
user name typed, never the password).
"""

from __future__ import annotations

from datetime import UTC, datetime

from engage_desktop.domain.errors import EngageError
from engage_desktop.domain.ports import PasswordHasher, UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right, Role, rights_for
from engage_desktop.domain.sign_in import locked_until, password_problem
from engage_desktop.domain.users import UserAccount
from engage_desktop.services.audit import record


class SignInError(EngageError):
    """Sign-in refused. The message never says whether the user name exists."""


class InvalidInput(EngageError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


WRONG_CREDENTIALS = "The user name or password is not right."


def needs_first_administrator(*, uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return uow.users.count() == 0


def create_first_administrator(*, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, username: str,
                               display_name: str, password: str, workstation: str = "") -> Actor:
    """The first start's setup dialog: only allowed while there are no users at all."""
    _check_new_credentials(username, password)
    with uow_factory() as uow:
        if uow.users.count():
            raise EngageError("An administrator already exists; sign in instead.")
        account = uow.users.add(username=username, display_name=display_name, password_hash=hasher.hash(password),
                                role=Role.ADMINISTRATOR, rights=Role.ADMINISTRATOR.preset, location_ids=None,
                                must_change_password=False)
        actor = _actor(account, workstation)
        record(uow, actor, "user.create", entity_type="user", entity_id=str(account.id),
               details={"after": {"username": account.username, "role": account.role.value}, "first_administrator": True})
        uow.commit()
    return actor


def sign_in(*, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, username: str, password: str,
            workstation: str = "", now: datetime | None = None, action: str = "user.sign_in") -> Actor:
    """``action`` is "user.unlock" when the locked user signs in again: same checks, own record."""
    now = now or datetime.now(UTC)
    with uow_factory() as uow:
        found = uow.users.by_username(username)
        if found is None:
            record(uow, _anonymous(username, workstation), "user.sign_in_failed", details={"reason": "unknown user"})
            uow.commit()
            raise SignInError(WRONG_CREDENTIALS)
        account, stored_hash = found
        until = locked_until(account.failed_attempts, account.last_failure_at) if account.last_failure_at else None
        if until is not None and now < until:
            minutes = max(1, round((until - now).total_seconds() / 60))
            raise SignInError(f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        if not account.is_active:
            record(uow, _anonymous(username, workstation), "user.sign_in_failed", entity_type="user",
                   entity_id=str(account.id), details={"reason": "disabled"})
            uow.commit()
            raise SignInError("This user is disabled. Ask an administrator.")
        if not hasher.verify(stored_hash, password):
            uow.users.update(account.id, failed_attempts=account.failed_attempts + 1, last_failure_at=now)
            record(uow, _anonymous(username, workstation), "user.sign_in_failed", entity_type="user",
                   entity_id=str(account.id), details={"reason": "wrong password", "attempt": account.failed_attempts + 1})
            uow.commit()
            raise SignInError(WRONG_CREDENTIALS)
        changes = {"failed_attempts": 0, "last_failure_at": None, "last_sign_in_at": now}
        if hasher.needs_rehash(stored_hash):
            changes["password_hash"] = hasher.hash(password)
        uow.users.update(account.id, **changes)
        actor = _actor(account, workstation)
        record(uow, actor, action, entity_type="user", entity_id=str(account.id))
        uow.commit()
    return actor


def sign_out(*, uow_factory: UnitOfWorkFactory, actor: Actor, reason: str = "user") -> None:
    with uow_factory() as uow:
        record(uow, actor, "user.sign_out", entity_type="user", entity_id=str(actor.user_id), details={"reason": reason})
        uow.commit()


def lock_screen(*, uow_factory: UnitOfWorkFactory, actor: Actor, reason: str = "idle") -> None:
    with uow_factory() as uow:
        record(uow, actor, "user.lock", entity_type="user", entity_id=str(actor.user_id), details={"reason": reason})
        uow.commit()


def change_own_password(*, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, actor: Actor, current: str,
                        new: str) -> None:
    with uow_factory() as uow:
        found = uow.users.by_username(actor.username)
        if found is None or not hasher.verify(found[1], current):
            raise InvalidInput("current", "The current password is not right.")
        _check_new_credentials(actor.username, new, field="new")
        uow.users.update(found[0].id, password_hash=hasher.hash(new), must_change_password=False)
        record(uow, actor, "user.password_change", entity_type="user", entity_id=str(found[0].id))
        uow.commit()


def create_user(*, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, actor: Actor, username: str,
                display_name: str, temporary_password: str, role: Role,
                location_ids: frozenset[str] | None = None) -> UserAccount:
    actor.require(Right.MANAGE_USERS)
    _check_new_credentials(username, temporary_password)
    if location_ids is not None and not location_ids:
        raise InvalidInput("locations", "Grant at least one location, or all locations.")
    if len(display_name.strip()) > 120:
        raise InvalidInput("display_name", "Use at most 120 characters for the name.")
    with uow_factory() as uow:
        if uow.users.by_username(username) is not None:
            raise InvalidInput("username", "That user name is taken.")
        account = uow.users.add(username=username, display_name=display_name, password_hash=hasher.hash(temporary_password),
                                role=role, rights=role.preset, location_ids=location_ids, must_change_password=True)
        record(uow, actor, "user.create", entity_type="user", entity_id=str(account.id),
               details={"after": _public(account)})
        uow.commit()
    return account


def set_user_access(*, uow_factory: UnitOfWorkFactory, actor: Actor, user_id: int, role: Role,
                    granted: frozenset[Right] = frozenset(), revoked: frozenset[Right] = frozenset(),
                    location_ids: frozenset[str] | None = None, display_name: str | None = None) -> UserAccount:
    actor.require(Right.MANAGE_USERS)
    with uow_factory() as uow:
        before = _require_user(uow, user_id)
        rights = rights_for(role, granted, revoked)
        if before.id == actor.user_id and Right.MANAGE_USERS not in rights:
            raise InvalidInput("rights", "You cannot remove your own Manage users right.")
        if location_ids is not None and not location_ids:
            raise InvalidInput("locations", "Grant at least one location, or all locations.")
        changes: dict = {"role": role, "rights": rights, "location_ids": location_ids}
        if display_name is not None:
            if len(display_name.strip()) > 120:
                raise InvalidInput("display_name", "Use at most 120 characters for the name.")
            changes["display_name"] = display_name.strip()
        uow.users.update(user_id, **changes)
        after = uow.users.get(user_id)
        record(uow, actor, "user.access_change", entity_type="user", entity_id=str(user_id),
               details={"before": _public(before), "after": _public(after)})
        uow.commit()
    return after


def reset_password(*, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, actor: Actor, user_id: int,
                   temporary_password: str) -> None:
    actor.require(Right.MANAGE_USERS)
    with uow_factory() as uow:
        user = _require_user(uow, user_id)
        _check_new_credentials(user.username, temporary_password)
        uow.users.update(user_id, password_hash=hasher.hash(temporary_password), must_change_password=True,
                         failed_attempts=0, last_failure_at=None)
        record(uow, actor, "user.password_reset", entity_type="user", entity_id=str(user_id))
        uow.commit()


def set_user_active(*, uow_factory: UnitOfWorkFactory, actor: Actor, user_id: int, active: bool) -> None:
    """Disable (or enable again) a user; their history stays."""
    actor.require(Right.MANAGE_USERS)
    if user_id == actor.user_id and not active:
        raise InvalidInput("active", "You cannot disable yourself.")
    with uow_factory() as uow:
        before = _require_user(uow, user_id)
        uow.users.update(user_id, is_active=active)
        record(uow, actor, "user.enable" if active else "user.disable", entity_type="user", entity_id=str(user_id),
               details={"before": {"is_active": before.is_active}, "after": {"is_active": active}})
        uow.commit()


def list_users(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> list[UserAccount]:
    actor.require(Right.MANAGE_USERS)
    with uow_factory() as uow:
        return uow.users.all()


def _require_user(uow, user_id: int) -> UserAccount:
    user = uow.users.get(user_id)
    if user is None:
        raise InvalidInput("user", "That user does not exist.")
    return user


def _check_new_credentials(username: str, password: str, *, field: str = "password") -> None:
    if not username.strip() or len(username.strip()) > 64 or any(c.isspace() for c in username.strip()):
        raise InvalidInput("username", "Use a user name of 1 to 64 characters without spaces.")
    if (problem := password_problem(password, username=username.strip())) is not None:
        raise InvalidInput(field, problem)


def _actor(account: UserAccount, workstation: str) -> Actor:
    return Actor(user_id=account.id, username=account.username, rights=account.rights, workstation=workstation,
                 location_ids=account.location_ids, display_name=account.display_name,
                 must_change_password=account.must_change_password)


def _anonymous(username: str, workstation: str) -> Actor:
    return Actor(user_id=None, username=username.strip().casefold()[:64], workstation=workstation)


def _public(account: UserAccount) -> dict:
    return {"username": account.username, "display_name": account.display_name, "role": account.role.value, "rights": sorted(r.value for r in account.rights),
            "locations": None if account.location_ids is None else sorted(account.location_ids),
            "active": account.is_active}
