"""Named rights, role presets and the permission check (pure).

Rights carry the names users of today's products know (seeds 002 and 003: "Review
Communications setup", "Manage Communications setup", "Manage inbox messages"). A role is only
a preset: an administrator can add or remove single rights per user.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from engage_desktop.domain.errors import EngageError


class Right(enum.StrEnum):
    REVIEW_COMMUNICATIONS = "review_communications_setup"
    MANAGE_COMMUNICATIONS = "manage_communications_setup"
    MANAGE_INBOX = "manage_inbox_messages"
    EMAIL_CAMPAIGN = "email_campaign_csv"
    CREATE_UNLINKED = "create_unlinked_patients"
    LINK_PATIENTS = "link_patients"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_SETTINGS = "manage_settings"
    PORTAL_PAYMENTS_SETTINGS = "portal_payments_settings"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Right.REVIEW_COMMUNICATIONS: "Review Communications setup",
    Right.MANAGE_COMMUNICATIONS: "Manage Communications setup",
    Right.MANAGE_INBOX: "Manage inbox messages",
    Right.EMAIL_CAMPAIGN: "Email Campaign (CSV uploads)",
    Right.CREATE_UNLINKED: "Create unlinked patients",
    Right.LINK_PATIENTS: "Link / re-link / merge patients",
    Right.MANAGE_USERS: "Manage users",
    Right.VIEW_AUDIT_LOG: "View audit log",
    Right.MANAGE_SETTINGS: "Manage settings",
    Right.PORTAL_PAYMENTS_SETTINGS: "Portal and payments settings",
}


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    OFFICE_MANAGER = "office_manager"
    FRONT_DESK = "front_desk"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

    @property
    def preset(self) -> frozenset[Right]:
        return ROLE_PRESETS[self]


ROLE_PRESETS: dict[Role, frozenset[Right]] = {
    Role.ADMINISTRATOR: frozenset(Right),
    Role.OFFICE_MANAGER: frozenset(Right) - {Right.MANAGE_USERS},
    Role.FRONT_DESK: frozenset({Right.REVIEW_COMMUNICATIONS, Right.MANAGE_INBOX, Right.CREATE_UNLINKED,
                                Right.LINK_PATIENTS}),
    Role.VIEWER: frozenset({Right.REVIEW_COMMUNICATIONS}),
}


class PermissionDenied(EngageError):
    """A use case was called by a user without the right it needs. Safe to show as is."""

    def __init__(self, right: Right) -> None:
        super().__init__(f"You need the “{right.label}” right for this — ask an administrator.")
        self.right = right

    def __reduce__(self):
        return (type(self), (self.right,))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something: the signed-in user (or the system, for scheduled jobs)."""

    user_id: int | None
    username: str
    rights: frozenset[Right] = field(default_factory=frozenset)
    workstation: str = ""
    location_ids: frozenset[str] | None = None  # None = every location
    display_name: str = ""
    must_change_password: bool = False  # signed in with a temporary password: change it first

    def can(self, right: Right) -> bool:
        return right in self.rights

    def require(self, right: Right) -> None:
        if right not in self.rights:
            raise PermissionDenied(right)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def with_password_changed(self) -> Actor:
        return replace(self, must_change_password=False)

    def sees_location(self, location_id: str | None) -> bool:
        return self.location_ids is None or (location_id is not None and location_id in self.location_ids)


SYSTEM = Actor(user_id=None, username="system", rights=frozenset(Right), workstation="scheduler")


def rights_for(role: Role, granted: Iterable[Right] = (), revoked: Iterable[Right] = ()) -> frozenset[Right]:
    """A role's preset adjusted per user."""
    return (role.preset | frozenset(granted)) - frozenset(revoked)
