"""Quiet hours in the recipient's local time: federal and state windows, zones, DST (MSG-4)."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from engage_desktop.domain.quiet_hours import (
    QuietHoursRules,
    _earliest_at_or_after,
    is_allowed,
    load_default_rules,
    next_allowed,
    window,
)

NY = "America/New_York"
CHICAGO = "America/Chicago"
DENVER = "America/Denver"
LA = "America/Los_Angeles"
# 2026-07-01 is a Wednesday, 2026-07-04 a Saturday, 2026-07-05 a Sunday.
WED, SAT, SUN, MON = date(2026, 7, 1), date(2026, 7, 4), date(2026, 7, 5), date(2026, 7, 6)

ALL_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
    "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
}


@pytest.fixture(scope="module")
def rules() -> QuietHoursRules:
    return load_default_rules()


def at(day: date, hh: int, mm: int, tz: str) -> datetime:
    """A local wall time as an aware UTC instant."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local(instant: datetime, tz: str) -> tuple[date, int, int]:
    t = instant.astimezone(ZoneInfo(tz))
    return t.date(), t.hour, t.minute


# --- the packaged file ---------------------------------------------------------------------------------


def _packaged_text() -> str:
    return (resources.files("engage_desktop") / "resources" / "quiet_hours.json").read_text(encoding="utf-8")


def test_packaged_rules_load_with_a_reviewed_date_and_every_state(rules):
    assert rules.reviewed == date(2026, 12, 1)
    assert set(rules.state_time_zones) == ALL_STATES
    for code in ("FL", "OK", "MD", "MA", "MS", "NJ", "CT", "NV", "TX", "AL", "LA", "RI", "KY", "MI", "MN", "NM"):
        assert code in rules.states and rules.states[code].source.strip(), code
    assert "not legal advice" in rules.note
    assert load_default_rules() is rules  # read once


def test_zone_table_spot_checks(rules):
    assert rules.zones_for("AZ")[0] == "America/Phoenix"
    assert rules.zones_for("HI") == ("Pacific/Honolulu",)
    assert rules.zones_for("AK")[0] == "America/Anchorage"
    assert rules.zones_for("IN") == ("America/Indiana/Indianapolis", CHICAGO)
    assert rules.zones_for("FL") == (NY, CHICAGO)
    assert rules.zones_for(" fl ") == (NY, CHICAGO)
    assert rules.zones_for("") == () and rules.zones_for(None) == () and rules.zones_for("ZZ") == ()


# --- windows -------------------------------------------------------------------------------------------


def test_state_windows_are_the_stricter_of_federal_and_state(rules):
    assert window(rules, "NY", WED) == (time(8), time(21))
    assert window(rules, "FL", WED) == (time(8), time(20))
    assert window(rules, "CT", WED) == (time(9), time(20))
    assert window(rules, "KY", WED) == (time(10), time(21))
    assert window(rules, "TX", SAT) == (time(9), time(21))
    assert window(rules, "TX", SUN) == (time(12), time(21))
    assert window(rules, "AL", SAT) == (time(8), time(21))
    assert window(rules, "AL", SUN) is None
    assert window(rules, "MS", SUN) is None and window(rules, "MS", WED) == (time(8), time(20))
    assert window(rules, "RI", WED) == (time(9), time(18))
    assert window(rules, "RI", SAT) == (time(10), time(17))


@pytest.mark.parametrize("state", ["", None, "ZZ", "  ", "Narnia"])
def test_unknown_or_blank_state_gets_the_federal_window(rules, state):
    assert window(rules, state, SUN) == (time(8), time(21))
    assert not is_allowed(rules, at(WED, 7, 59, NY), state=state, location_tz=NY)
    assert is_allowed(rules, at(WED, 8, 0, NY), state=state, location_tz=NY)


def test_state_codes_are_case_insensitive(rules):
    assert window(rules, " tx ", SUN) == (time(12), time(21))


# --- next_allowed / is_allowed -------------------------------------------------------------------------


def test_federal_edges_in_new_york(rules):
    def ok(hh, mm):
        return is_allowed(rules, at(WED, hh, mm, NY), state="NY", location_tz=NY)

    assert not ok(7, 59) and ok(8, 0) and ok(20, 59) and not ok(21, 0)
    assert next_allowed(rules, at(WED, 7, 59, NY), state="NY", location_tz=NY) == at(WED, 8, 0, NY)
    assert next_allowed(rules, at(WED, 21, 0, NY), state="NY", location_tz=NY) == at(date(2026, 7, 2), 8, 0, NY)
    now = at(WED, 12, 34, NY) + timedelta(seconds=5, microseconds=7)
    assert next_allowed(rules, now, state="NY", location_tz=NY) == now


def test_next_allowed_accepts_any_aware_datetime_and_answers_in_utc(rules):
    now = datetime(2026, 7, 1, 6, 0, tzinfo=ZoneInfo(NY))
    result = next_allowed(rules, now, state="NY", location_tz=NY)
    assert result.utcoffset() == timedelta(0) and result == at(WED, 8, 0, NY)


def test_florida_ends_at_8pm(rules):
    miami = NY
    assert is_allowed(rules, at(WED, 19, 59, miami), state="FL", location_tz=miami)
    assert not is_allowed(rules, at(WED, 20, 0, miami), state="FL", location_tz=miami)


def test_multi_zone_florida_patient_at_a_miami_location(rules):
    """FL spans Eastern and Central: 8 am Central is 9 am Eastern, so the window in ET is 9 am to 8 pm.

    The end stays 8 pm ET (7 pm in the panhandle); it is the start that the Central zone pushes later.
    """
    assert not is_allowed(rules, at(WED, 8, 30, NY), state="FL", location_tz=NY)
    assert next_allowed(rules, at(WED, 8, 30, NY), state="FL", location_tz=NY) == at(WED, 9, 0, NY)
    assert is_allowed(rules, at(WED, 19, 59, NY), state="FL", location_tz=NY)
    assert next_allowed(rules, at(WED, 20, 0, NY), state="FL", location_tz=NY) == at(date(2026, 7, 2), 9, 0, NY)
    # A Pensacola location (Central) gets the same instants.
    assert next_allowed(rules, at(WED, 7, 0, CHICAGO), state="FL", location_tz=CHICAGO) == at(WED, 8, 0, CHICAGO)
    assert not is_allowed(rules, at(WED, 19, 0, CHICAGO), state="FL", location_tz=CHICAGO)


def test_california_patient_at_a_new_york_location_gets_the_intersection(rules):
    # NY 8-21 ET, CA 8-21 PT = 11-24 ET: 11 am to 9 pm Eastern.
    assert not is_allowed(rules, at(WED, 10, 59, NY), state="CA", location_tz=NY)
    assert next_allowed(rules, at(WED, 9, 0, NY), state="CA", location_tz=NY) == at(WED, 11, 0, NY)
    assert is_allowed(rules, at(WED, 20, 59, NY), state="CA", location_tz=NY)
    assert not is_allowed(rules, at(WED, 21, 0, NY), state="CA", location_tz=NY)
    # And the reverse: a NY patient at a Los Angeles location: 8 am to 6 pm Pacific.
    assert next_allowed(rules, at(WED, 17, 0, LA), state="NY", location_tz=LA) == at(WED, 17, 0, LA)
    assert next_allowed(rules, at(WED, 18, 0, LA), state="NY", location_tz=LA) == at(date(2026, 7, 2), 8, 0, LA)


def test_texas_sunday_starts_at_noon(rules):
    el_paso = DENVER
    assert next_allowed(rules, at(SUN, 11, 30, el_paso), state="TX", location_tz=el_paso) == at(SUN, 12, 0, el_paso)
    assert next_allowed(rules, at(SAT, 8, 30, el_paso), state="TX", location_tz=el_paso) == at(SAT, 9, 0, el_paso)
    # Dallas: TX also spans Mountain time (El Paso), so noon there is 1 pm in Dallas.
    assert next_allowed(rules, at(SUN, 11, 30, CHICAGO), state="TX", location_tz=CHICAGO) == at(SUN, 13, 0, CHICAGO)


def test_alabama_has_no_sunday_so_saturday_night_waits_for_monday_8am(rules):
    assert next_allowed(rules, at(SAT, 21, 0, CHICAGO), state="AL", location_tz=CHICAGO) == at(MON, 8, 0, CHICAGO)
    assert not is_allowed(rules, at(SUN, 12, 0, CHICAGO), state="AL", location_tz=CHICAGO)
    assert is_allowed(rules, at(SAT, 20, 59, CHICAGO), state="AL", location_tz=CHICAGO)


def test_rhode_island_saturday_window(rules):
    assert next_allowed(rules, at(SAT, 9, 59, NY), state="RI", location_tz=NY) == at(SAT, 10, 0, NY)
    assert is_allowed(rules, at(SAT, 16, 59, NY), state="RI", location_tz=NY)
    assert not is_allowed(rules, at(SAT, 17, 0, NY), state="RI", location_tz=NY)
    # Sunday is treated as no-sending (conservative reading), so Saturday evening waits for Monday 9 am.
    assert next_allowed(rules, at(SAT, 17, 0, NY), state="RI", location_tz=NY) == at(MON, 9, 0, NY)
    assert not is_allowed(rules, at(WED, 18, 0, NY), state="RI", location_tz=NY)


def test_connecticut_starts_at_9am(rules):
    assert not is_allowed(rules, at(WED, 8, 59, NY), state="CT", location_tz=NY)
    assert next_allowed(rules, at(WED, 8, 0, NY), state="CT", location_tz=NY) == at(WED, 9, 0, NY)
    assert not is_allowed(rules, at(WED, 20, 0, NY), state="CT", location_tz=NY)


def test_spring_forward_day(rules):
    day = date(2026, 3, 8)  # 2 am EST -> 3 am EDT
    now = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 1 am EST
    result = next_allowed(rules, now, state="NY", location_tz=NY)
    assert result == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 8 am EDT (UTC-4), not 13:00
    assert local(result, NY) == (day, 8, 0)
    assert is_allowed(rules, datetime(2026, 3, 9, 0, 59, tzinfo=UTC), state="NY", location_tz=NY)  # 20:59 EDT
    assert not is_allowed(rules, datetime(2026, 3, 9, 1, 0, tzinfo=UTC), state="NY", location_tz=NY)  # 21:00 EDT
    # The day before is still on EST.
    assert next_allowed(rules, datetime(2026, 3, 7, 6, 0, tzinfo=UTC), state="NY", location_tz=NY) == datetime(
        2026, 3, 7, 13, 0, tzinfo=UTC)


def test_fall_back_day(rules):
    now = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 1:30 am EDT, the first of the two 1:30s
    result = next_allowed(rules, now, state="NY", location_tz=NY)
    assert result == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 8 am EST (UTC-5)
    assert is_allowed(rules, datetime(2026, 11, 2, 1, 59, tzinfo=UTC), state="NY", location_tz=NY)  # 20:59 EST
    assert not is_allowed(rules, datetime(2026, 11, 2, 2, 0, tzinfo=UTC), state="NY", location_tz=NY)  # 21:00 EST
    # A CA patient at a NY location that night: ET falls back with PT, so still 11 am ET.
    assert next_allowed(rules, now, state="CA", location_tz=NY) == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)


def test_wall_time_inside_a_dst_gap_maps_to_the_jump():
    ny = ZoneInfo(NY)
    assert _earliest_at_or_after(date(2026, 3, 8), time(2, 30), ny) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert _earliest_at_or_after(date(2026, 11, 1), time(1, 30), ny) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert _earliest_at_or_after(date(2026, 7, 1), time(8, 0), ny) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_arizona_counts_the_navajo_nation_dst_zone(rules):
    # Summer: Phoenix is UTC-7 all year, the Navajo Nation (Denver) UTC-6, so 8 pm in Phoenix is 9 pm there.
    phoenix = "America/Phoenix"
    assert is_allowed(rules, at(WED, 19, 59, phoenix), state="AZ", location_tz=phoenix)
    assert not is_allowed(rules, at(WED, 20, 0, phoenix), state="AZ", location_tz=phoenix)


def test_next_allowed_is_the_first_allowed_minute(rules):
    """Against a brute-force minute scan, for random instants, states and locations."""
    rng = random.Random(20261201)
    states = ["NY", "FL", "TX", "AL", "RI", "CT", "KY", "CA", "AZ", "IN", "", "MS", "NV"]
    zones = [NY, CHICAGO, DENVER, LA, "America/Phoenix", "Pacific/Honolulu"]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(40):
        now = base + timedelta(minutes=rng.randrange(365 * 24 * 60))
        state, tz = rng.choice(states), rng.choice(zones)
        result = next_allowed(rules, now, state=state, location_tz=tz)
        assert result >= now and is_allowed(rules, result, state=state, location_tz=tz)
        probe = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while probe < result:
            assert not is_allowed(rules, probe, state=state, location_tz=tz), (state, tz, now, probe)
            probe += timedelta(minutes=1)


# --- errors --------------------------------------------------------------------------------------------


def test_naive_now_and_unknown_location_zone_are_refused(rules):
    with pytest.raises(ValueError, match="aware"):
        next_allowed(rules, datetime(2026, 7, 1, 12, 0), state="NY", location_tz=NY)
    with pytest.raises(ValueError, match="Mars/Olympus"):
        is_allowed(rules, at(WED, 12, 0, NY), state="NY", location_tz="Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        is_allowed(rules, at(WED, 12, 0, NY), state="NY", location_tz="")


def _rules_with(change) -> str:
    data = json.loads(_packaged_text())
    change(data)
    return json.dumps(data)


def test_no_allowed_instant_in_eight_days_is_a_misconfiguration():
    def never(data):
        data["states"]["ZZ"] = {"days": {"mon-sun": None}, "source": "test"}
        data["state_time_zones"]["ZZ"] = [NY]

    rules = QuietHoursRules.from_json(_rules_with(never))
    with pytest.raises(ValueError, match="No time is allowed"):
        next_allowed(rules, at(WED, 12, 0, NY), state="ZZ", location_tz=NY)
    # Windows that never overlap across the candidate zones are the same mistake.
    def narrow(data):
        data["states"]["ZZ"] = {"days": {"mon-sun": ["08:00", "09:00"]}, "source": "test"}
        data["state_time_zones"]["ZZ"] = [NY, LA]

    rules = QuietHoursRules.from_json(_rules_with(narrow))
    with pytest.raises(ValueError, match="No time is allowed"):
        next_allowed(rules, at(WED, 12, 0, NY), state="ZZ", location_tz=NY)


def test_the_packaged_text_round_trips():
    assert QuietHoursRules.from_json(_rules_with(lambda d: None)).states["TX"].days[6] == (time(12), time(21))


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("reviewed"), "'reviewed' is missing"),
    (lambda d: d.update(reviewed="December 2026"), "reviewed"),
    (lambda d: d.update(federal={"start": "8am", "end": "21:00"}), "not a time like 08:00"),
    (lambda d: d.update(federal={"start": "21:00", "end": "08:00"}), "start before it ends"),
    (lambda d: d["states"]["TX"]["days"].update({"funday": ["09:00", "10:00"]}), "funday"),
    (lambda d: d["states"]["TX"]["days"].update({"sat-sun": ["09:00", "10:00"]}), "given twice"),
    (lambda d: d["states"]["TX"]["days"].update({"sun-mon": ["09:00", "10:00"]}), "backwards"),
    (lambda d: d["states"]["TX"].update(days={"mon": ["09:00"]}), "window"),
    (lambda d: d["states"]["TX"].update(dyas={}), "unknown key"),
    (lambda d: d["states"]["TX"].pop("source"), "source"),
    (lambda d: d["states"].update(Texas={"days": {"sun": None}, "source": "x"}), "two-letter"),
    (lambda d: d["state_time_zones"].update(TX=["America/Dallas"]), "America/Dallas"),
    (lambda d: d["state_time_zones"].update(TX=[]), "non-empty list"),
    (lambda d: d["state_time_zones"].pop("TX"), "no entry in 'state_time_zones'"),
    (lambda d: d.update(extra=1), "unknown top-level"),
])
def test_malformed_rules_are_refused_with_a_clear_message(change, message):
    with pytest.raises(ValueError, match=message):
        QuietHoursRules.from_json(_rules_with(change))


def test_broken_json_and_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match="not valid JSON .line 1"):
        QuietHoursRules.from_json("{not json")
    with pytest.raises(ValueError, match="JSON object"):
        QuietHoursRules.from_json("[]")
    data = json.loads(_packaged_text())
    bad = copy.deepcopy(data)
    bad["states"] = []
    with pytest.raises(ValueError, match="'states' must be an object"):
        QuietHoursRules.from_json(json.dumps(bad))
