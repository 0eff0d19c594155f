"""The messaging engine's configuration, read fresh from the practice settings for each job run
(staff may change a setting while the scheduler runs), and the quiet-hours policy built from it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.practice_settings import BY_KEY, LocationSettings, parse_time
from engage_desktop.domain.quiet_hours import QuietHoursRules, load_default_rules, next_allowed
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.services import practice_settings
from engage_desktop.services.dispatch import DispatchSettings, QuietHours
from engage_desktop.services.inbound import LocationNumber


@dataclass(frozen=True, slots=True)
class MessagingConfig:
    values: dict  # every non-secret setting, defaults filled in
    locations: tuple[LocationSettings, ...]

    def get(self, key: str):
        value = self.values.get(key)
        return BY_KEY[key].default if value is None else value

    @property
    def practice_tz(self) -> str:
        return self.get("practice.time_zone") or "America/New_York"

    @property
    def postal_address(self) -> str:
        state_zip = " ".join(p for p in (self.get("practice.state"), self.get("practice.postcode")) if p)
        city_line = ", ".join(p for p in (self.get("practice.city"), state_zip) if p)
        return ", ".join(p for p in (self.get("practice.name"), self.get("practice.address1"),
                                     self.get("practice.address2"), city_line) if p)

    def location_tz(self, location_id: str | None) -> str:
        loc = next((loc for loc in self.locations if loc.pms_id == location_id), None)
        return (loc.time_zone if loc and loc.time_zone else "") or self.practice_tz

    def numbers(self) -> list[LocationNumber]:
        """Every location with a texting number: each is polled for replies (INB-1)."""
        return [LocationNumber(number=loc.texting_number, location_id=loc.pms_id,
                               practice_name=loc.name or self.get("practice.name"),
                               help_phone=self.get("practice.phone") or loc.texting_number)
                for loc in self.locations if loc.texting_number]

    def dispatch_settings(self) -> DispatchSettings:
        cap = int(self.get("messaging.daily_cap") or 0)
        return DispatchSettings(daily_segment_cap=cap or None, postal_address=self.postal_address)

    def sms_rate(self) -> float:
        return float(self.get("messaging.sms_rate") or 1)


def load_messaging_config(*, uow_factory: UnitOfWorkFactory) -> MessagingConfig:
    with uow_factory() as uow:
        stored = uow.settings.all()
    values = {key: stored.get(key, setting.default) for key, setting in BY_KEY.items() if not setting.secret}
    locations = tuple(practice_settings.list_locations(uow_factory=uow_factory, actor=SYSTEM))
    return MessagingConfig(values=values, locations=locations)


def quiet_policy(config: MessagingConfig, rules: QuietHoursRules | None = None) -> QuietHours:
    """The federal window and the state rules (from the dated rules file), narrowed further by the
    practice's own window and "never on Sundays", all in the recipient's local time: every zone
    they may be in (the location's and their address state's) must allow it."""
    rules = rules or load_default_rules()
    if not config.get("quiet_hours.state_rules"):
        rules = dataclasses.replace(rules, states={})  # the state's time zones still count
    earliest = parse_time(config.get("quiet_hours.earliest")) or time(8)
    latest = parse_time(config.get("quiet_hours.latest")) or time(21)
    no_sundays = bool(config.get("quiet_hours.no_sundays"))

    def allowed(now: datetime, *, state: str, time_zone: str) -> datetime:
        zone_name = time_zone or config.practice_tz
        zones = [ZoneInfo(z) for z in dict.fromkeys((zone_name, *rules.zones_for(state)))]
        at = now
        for _ in range(64):  # each step moves strictly later; a fortnight has fewer edges than this
            at = next_allowed(rules, at, state=state, location_tz=zone_name)
            later = max((_practice_next(at, zone, earliest, latest, no_sundays) for zone in zones), default=at)
            if later == at:
                return at
            at = later
        raise ValueError("the practice's sending hours never overlap the allowed hours; check Settings ▸ Quiet hours.")

    return allowed


def _practice_next(at: datetime, zone: ZoneInfo, earliest: time, latest: time, no_sundays: bool) -> datetime:
    """``at`` when the practice's own window allows it in ``zone``, else the next opening there."""
    local = at.astimezone(zone)
    if no_sundays and local.weekday() == 6:
        return _local(local.date() + timedelta(days=1), earliest, zone)
    if local.time() < earliest:
        return _local(local.date(), earliest, zone)
    if local.time() >= latest:
        return _local(local.date() + timedelta(days=1), earliest, zone)
    return at


def _local(day, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
