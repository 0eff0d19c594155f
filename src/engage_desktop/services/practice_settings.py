"""Practice settings: read, validate, save and audit (shared by every workstation).

Values live in the shared database's settings table, one row per key; secrets go to the OS
keyring under the setting's key and the database never sees them. Every save is validated as
a whole (nothing is written when one field is wrong) and audited with before/after values;
for secrets the log says only that they changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.ports import SecretStore, UnitOfWorkFactory
from engage_desktop.domain.practice_settings import (
    BY_KEY,
    LocationSettings,
    clean_group,
    clean_location,
    defaults,
    in_group,
)
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.services.audit import record

LOCATIONS_KEY = "locations"  # {pms_id: {field: value}}


def load_settings(*, uow_factory: UnitOfWorkFactory, secrets: SecretStore, actor: Actor, group: str) -> dict[str, Any]:
    """The group's values (defaults where unset). A secret reads as True when one is stored."""
    del actor  # any signed-in user may read these: messages and footers need them
    settings = in_group(group)
    with uow_factory() as uow:
        stored = {s.key: uow.settings.get(s.key) for s in settings if not s.secret}
    values = {}
    for s in settings:
        if s.secret:
            values[s.key] = bool(secrets.get(s.key))
        else:
            values[s.key] = s.default if stored[s.key] is None else stored[s.key]
    return values


def save_settings(*, uow_factory: UnitOfWorkFactory, secrets: SecretStore, actor: Actor, values: Mapping[str, Any],
                  region: str = "US") -> dict[str, Any]:
    """Validate and save settings of any groups in one transaction, or nothing at all.

    Secrets: None keeps the stored one, "" removes it, text replaces it. Returns the saved
    groups' values as ``load_settings`` gives them.
    """
    actor.require(Right.MANAGE_SETTINGS)
    unknown = sorted(set(values) - set(BY_KEY))
    if unknown:
        raise ValidationFailed({key: "Not a setting Engage knows." for key in unknown})
    settings = tuple(BY_KEY[key] for key in values)
    groups = sorted({s.group for s in settings})
    cleaned, problems = clean_group(settings, values, region=region)
    if problems:
        raise ValidationFailed(problems)
    secret_changes = {s.key: values[s.key] for s in settings if s.secret and values[s.key] is not None}
    with uow_factory() as uow:
        before = {key: uow.settings.get(key, BY_KEY[key].default) for key in cleaned}
        changed = {key: value for key, value in cleaned.items() if before[key] != value}
        for key, value in changed.items():
            uow.settings.set(key, value)
        for group in groups:
            mine = {k: v for k, v in changed.items() if BY_KEY[k].group == group}
            secret = {k: ("removed" if not v else "changed") for k, v in secret_changes.items() if BY_KEY[k].group == group}
            if mine or secret:
                details: dict[str, Any] = {"before": {k: before[k] for k in mine}, "after": mine}
                if secret:
                    details["secrets"] = secret
                record(uow, actor, "settings.change", entity_type="settings", entity_id=group, details=details)
        # The keyring is written before the commit: if it fails, nothing is committed and the
        # user sees the error; if the commit fails after it, the secret is merely saved early.
        for key, value in secret_changes.items():
            if value:
                secrets.set(key, value)
            else:
                secrets.delete(key)
        uow.commit()
    out: dict[str, Any] = {}
    for group in groups:
        out.update(load_settings(uow_factory=uow_factory, secrets=secrets, actor=actor, group=group))
    return out


def practice_defaults() -> dict[str, Any]:
    return defaults()


def setting_value(*, uow_factory: UnitOfWorkFactory, key: str) -> Any:
    """One non-secret value, for other services (quiet hours, idle lock)."""
    with uow_factory() as uow:
        value = uow.settings.get(key)
    return BY_KEY[key].default if value is None else value


# -- locations --------------------------------------------------------------------------------

def list_locations(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> list[LocationSettings]:
    """The PMS's locations with their Engage values; a user sees the locations granted to them."""
    with uow_factory() as uow:
        pms_locations = uow.mirror.locations()
        overlay = uow.settings.get(LOCATIONS_KEY) or {}
    result = []
    for loc in pms_locations:
        if not actor.sees_location(loc.pms_id):
            continue
        mine = overlay.get(loc.pms_id, {})
        address = ", ".join(p for p in (loc.address1, loc.city, " ".join(x for x in (loc.state, loc.postcode) if x)) if p)
        result.append(LocationSettings(
            pms_id=loc.pms_id, pms_name=loc.name, name=mine.get("name") or loc.name,
            address=mine.get("address", address), time_zone=mine.get("time_zone", loc.time_zone or ""),
            texting_number=mine.get("texting_number", ""), sms_registered=bool(mine.get("sms_registered", False)),
            email_sender=mine.get("email_sender", ""), hidden_in_pms=loc.is_hidden,
        ))
    return result


def save_location(*, uow_factory: UnitOfWorkFactory, actor: Actor, pms_id: str, values: Mapping[str, Any],
                  region: str = "US") -> LocationSettings:
    actor.require(Right.MANAGE_SETTINGS)
    cleaned, problems = clean_location(values, region=region)
    with uow_factory() as uow:
        if pms_id not in {loc.pms_id for loc in uow.mirror.locations()} or not actor.sees_location(pms_id):
            raise ValidationFailed({"location": "That location is not in the PMS (any more); sync and try again."})
        overlay = dict(uow.settings.get(LOCATIONS_KEY) or {})
        number = cleaned.get("texting_number")
        if number and any(v.get("texting_number") == number for k, v in overlay.items() if k != pms_id):
            problems["texting_number"] = "Another location texts from this number; each location needs its own."
        if problems:
            raise ValidationFailed(problems)
        before = overlay.get(pms_id, {})
        changed = {k: v for k, v in cleaned.items() if before.get(k) != v}
        if changed:
            overlay[pms_id] = {**before, **cleaned}
            uow.settings.set(LOCATIONS_KEY, overlay)
            record(uow, actor, "settings.location_change", entity_type="location", entity_id=pms_id,
                   details={"before": {k: before.get(k) for k in changed}, "after": changed})
            uow.commit()
    return next(loc for loc in list_locations(uow_factory=uow_factory, actor=actor) if loc.pms_id == pms_id)
