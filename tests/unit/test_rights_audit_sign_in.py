"""Rights, role presets, the audit hash chain and the lockout rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from engage_desktop.domain.audit import GENESIS, AuditEntry, chain_hash, verify_chain
from engage_desktop.domain.rights import Actor, PermissionDenied, Right, Role, rights_for
from engage_desktop.domain.sign_in import locked_until, password_problem


def test_presets_and_per_user_adjustments():
    assert Role.ADMINISTRATOR.preset == frozenset(Right)
    assert Right.MANAGE_USERS not in Role.OFFICE_MANAGER.preset
    assert Role.VIEWER.preset == {Right.REVIEW_COMMUNICATIONS}
    adjusted = rights_for(Role.FRONT_DESK, granted={Right.EMAIL_CAMPAIGN}, revoked={Right.LINK_PATIENTS})
    assert Right.EMAIL_CAMPAIGN in adjusted and Right.LINK_PATIENTS not in adjusted


def test_permission_denied_names_the_right_as_users_know_it():
    actor = Actor(user_id=3, username="fd", rights=Role.FRONT_DESK.preset)
    with pytest.raises(PermissionDenied, match="“Manage Communications setup” right .* ask an administrator"):
        actor.require(Right.MANAGE_COMMUNICATIONS)
    actor.require(Right.MANAGE_INBOX)  # granted: no error


def test_location_access():
    everywhere = Actor(1, "a")
    one = Actor(2, "b", location_ids=frozenset({"1"}))
    assert everywhere.sees_location("2") and one.sees_location("1") and not one.sees_location("2")


def entries(n):
    base = datetime(2026, 11, 22, 9, tzinfo=UTC)
    return [AuditEntry(at=base + timedelta(minutes=i), username="admin", workstation="FRONT-1", action="patient.view",
                       user_id=1, entity_type="patient", entity_id=str(i), patient_ref=f"pms:{i}") for i in range(n)]


def build_chain(items):
    rows, prev = [], GENESIS
    for i, e in enumerate(items, start=1):
        h = chain_hash(prev, e)
        rows.append((i, prev, h, e))
        prev = h
    return rows


def test_an_intact_chain_verifies():
    check = verify_chain(build_chain(entries(5)))
    assert check.ok and check.records == 5


def test_an_edited_record_breaks_the_chain_at_that_record():
    rows = build_chain(entries(5))
    i, prev, h, e = rows[2]
    rows[2] = (i, prev, h, replace(e, patient_ref="pms:999"))
    assert verify_chain(rows).first_broken_id == 3


def test_a_deleted_record_breaks_the_chain():
    rows = build_chain(entries(5))
    del rows[1]
    assert verify_chain(rows).first_broken_id == 3


def test_lockout_backs_off_and_is_capped():
    t = datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert locked_until(4, t) is None
    assert locked_until(5, t) == t + timedelta(minutes=1)
    assert locked_until(6, t) == t + timedelta(minutes=2)
    assert locked_until(30, t) == t + timedelta(hours=1)


@pytest.mark.parametrize(("password", "ok"), [("short", False), ("aaaaaaaaaaaa", False), ("frontdesk-2026", True),
                                              ("maria-secret-pw", False)])
def test_password_policy(password, ok):
    assert (password_problem(password, username="maria") is None) is ok
