"""Quiet hours in the recipient's local time (product MSG-4, docs/facts/messaging.md §4.2).

The rules are dated data (``resources/quiet_hours.json``), not code: the federal window
(47 CFR 64.1200(c)(1): not before 8 am or after 9 pm) and the stricter state windows, each a
half-open ``[start, end)`` per weekday, ``None`` meaning no sending that day.

Which local time: the patient's address state (not the phone's area code: numbers are portable)
and the location's time zone. When they disagree, or the state spans several zones, an instant is
allowed only if it is inside the window in *every* candidate zone: a Florida patient (Eastern and
Central) or a patient who moved out of state is never texted at night in any zone they may be in.

Pure: no I/O except reading the packaged data file once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Window = tuple[time, time]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 8  # next_allowed gives up (misconfiguration) after this many days without a window

_TOP_KEYS = {"format", "reviewed", "note", "sources", "federal", "states", "state_time_zones", "state_time_zones_note"}
_STATE_KEYS = {"name", "days", "source", "notes", "other_limits"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class StateRule:
    code: str
    name: str
    days: Mapping[int, Window | None]  # weekday (Monday = 0) -> window or None (no sending); absent = federal only
    source: str
    notes: str = ""


@dataclass(frozen=True)
class QuietHoursRules:
    reviewed: date
    note: str
    federal: Window
    states: Mapping[str, StateRule]
    state_time_zones: Mapping[str, tuple[str, ...]]
    sources: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str) -> QuietHoursRules:
        """Parse and validate a rules file; a malformed one raises ValueError naming the problem."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Quiet-hours rules are not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
        if not isinstance(data, dict):
            raise ValueError("Quiet-hours rules: the file must hold a JSON object.")
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise ValueError(f"Quiet-hours rules: unknown top-level key(s) {', '.join(sorted(unknown))}.")
        for key in ("reviewed", "federal", "states", "state_time_zones"):
            if key not in data:
                raise ValueError(f"Quiet-hours rules: '{key}' is missing.")
        reviewed = _parse_date(data["reviewed"], "reviewed")
        federal_data = data["federal"]
        if not isinstance(federal_data, dict) or "start" not in federal_data or "end" not in federal_data:
            raise ValueError("Quiet-hours rules: 'federal' must be an object with 'start' and 'end'.")
        federal = _parse_window([federal_data["start"], federal_data["end"]], "federal")
        zones = _parse_zones(data["state_time_zones"])
        if not isinstance(data["states"], dict):
            raise ValueError("Quiet-hours rules: 'states' must be an object keyed by state code.")
        states = {}
        for code, spec in data["states"].items():
            rule = _parse_state(code, spec)
            if code not in zones:
                raise ValueError(f"Quiet-hours rules: state {code} has a rule but no entry in 'state_time_zones'.")
            states[code] = rule
        sources = data.get("sources", [])
        if not isinstance(sources, list):
            raise ValueError("Quiet-hours rules: 'sources' must be a list.")
        return cls(
            reviewed=reviewed,
            note=str(data.get("note", "")),
            federal=federal,
            states=MappingProxyType(states),
            state_time_zones=MappingProxyType(zones),
            sources=tuple(s["title"] if isinstance(s, dict) and "title" in s else str(s) for s in sources),
        )

    def zones_for(self, state: str | None) -> tuple[str, ...]:
        """The IANA zones of a state (main one first); () for a blank or unknown state."""
        return self.state_time_zones.get(_state_code(state), ())


def _parse_date(value: object, where: str) -> date:
    if not isinstance(value, str):
        raise ValueError(f"Quiet-hours rules: '{where}' must be a date like 2026-12-01.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Quiet-hours rules: '{where}' must be a date like 2026-12-01, not {value!r}.") from None


def _parse_time(value: object, where: str) -> time:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"Quiet-hours rules: {where}: {value!r} is not a time like 08:00 (24-hour HH:MM).")
    return time(int(match[1]), int(match[2]))


def _parse_window(value: object, where: str) -> Window:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"Quiet-hours rules: {where}: a window is [\"HH:MM\", \"HH:MM\"] (or null for no sending).")
    start, end = _parse_time(value[0], where), _parse_time(value[1], where)
    if not start < end:
        raise ValueError(f"Quiet-hours rules: {where}: the window must start before it ends ({value[0]} - {value[1]}).")
    return start, end


def _parse_days(key: str, where: str) -> list[int]:
    parts = key.strip().lower().split("-")
    if len(parts) not in (1, 2) or any(p not in DAY_NAMES for p in parts):
        raise ValueError(f"Quiet-hours rules: {where}: {key!r} is not a day or range like 'mon', 'mon-fri', 'sun'.")
    first, last = DAY_NAMES.index(parts[0]), DAY_NAMES.index(parts[-1])
    if last < first:
        raise ValueError(f"Quiet-hours rules: {where}: the day range {key!r} runs backwards (write it Monday-first).")
    return list(range(first, last + 1))


def _parse_state(code: object, spec: object) -> StateRule:
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"Quiet-hours rules: {code!r} is not a two-letter state code.")
    if not isinstance(spec, dict):
        raise ValueError(f"Quiet-hours rules: states.{code} must be an object.")
    unknown = set(spec) - _STATE_KEYS
    if unknown:
        raise ValueError(f"Quiet-hours rules: states.{code}: unknown key(s) {', '.join(sorted(unknown))}.")
    if not isinstance(spec.get("days"), dict) or not spec["days"]:
        raise ValueError(f"Quiet-hours rules: states.{code}.days must be an object like {{\"mon-sun\": [\"08:00\", \"20:00\"]}}.")
    if not isinstance(spec.get("source"), str) or not spec["source"].strip():
        raise ValueError(f"Quiet-hours rules: states.{code} needs a 'source'.")
    days: dict[int, Window | None] = {}
    for key, value in spec["days"].items():
        where = f"states.{code}.days.{key}"
        window = None if value is None else _parse_window(value, where)
        for day in _parse_days(key, where):
            if day in days:
                raise ValueError(f"Quiet-hours rules: {where}: {DAY_NAMES[day]} is given twice.")
            days[day] = window
    return StateRule(code=code, name=str(spec.get("name", code)), days=MappingProxyType(days),
                     source=spec["source"], notes=str(spec.get("notes", "")))


def _parse_zones(value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError("Quiet-hours rules: 'state_time_zones' must be an object keyed by state code.")
    zones: dict[str, tuple[str, ...]] = {}
    for code, names in value.items():
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"Quiet-hours rules: state_time_zones: {code!r} is not a two-letter state code.")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f"Quiet-hours rules: state_time_zones.{code} must be a non-empty list of IANA zone names.")
        for name in names:
            _zone(name, f"state_time_zones.{code}")
        zones[code] = tuple(dict.fromkeys(names))
    return zones


def _zone(name: str, where: str = "location time zone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"Quiet-hours rules: {where}: {name!r} is not a known IANA time zone.") from None


@cache
def load_default_rules() -> QuietHoursRules:
    """The rules packaged with the app (``engage_desktop/resources/quiet_hours.json``), read once."""
    text = (resources.files("engage_desktop") / "resources" / "quiet_hours.json").read_text(encoding="utf-8")
    return QuietHoursRules.from_json(text)


def _state_code(state: str | None) -> str:
    return (state or "").strip().upper()


def window(rules: QuietHoursRules, state: str | None, local_day: date) -> Window | None:
    """The allowed ``[start, end)`` window on a local day: the stricter of federal and state rules.

    ``None`` means no sending that day. A blank or unknown state gets the federal window.
    """
    start, end = rules.federal
    rule = rules.states.get(_state_code(state))
    if rule is not None and local_day.weekday() in rule.days:
        day_window = rule.days[local_day.weekday()]
        if day_window is None:
            return None
        start, end = max(start, day_window[0]), min(end, day_window[1])
        if not start < end:
            return None
    return start, end


def _candidate_zones(rules: QuietHoursRules, state: str | None, location_tz: str) -> list[ZoneInfo]:
    if not location_tz or not isinstance(location_tz, str):
        raise ValueError("Quiet hours need the location's time zone.")
    names = [location_tz, *rules.zones_for(state)]
    return [_zone(name) for name in dict.fromkeys(names)]


def _check_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("Quiet hours need an aware datetime (UTC), not a naive one.")
    return now.astimezone(UTC)


def _allowed_in(rules: QuietHoursRules, state: str | None, instant: datetime, tz: ZoneInfo) -> bool:
    local = instant.astimezone(tz)
    allowed = window(rules, state, local.date())
    return allowed is not None and allowed[0] <= local.time().replace(tzinfo=None) < allowed[1]


def _allowed(rules: QuietHoursRules, state: str | None, instant: datetime, zones: Iterable[ZoneInfo]) -> bool:
    return all(_allowed_in(rules, state, instant, tz) for tz in zones)


def is_allowed(rules: QuietHoursRules, now: datetime, *, state: str | None, location_tz: str) -> bool:
    """Whether a text may go out at ``now`` (aware) to a patient in ``state`` served by a location in ``location_tz``."""
    return _allowed(rules, state, _check_aware(now), _candidate_zones(rules, state, location_tz))


def _wall(instant_ts: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(instant_ts, UTC).astimezone(tz).replace(tzinfo=None)


def _earliest_at_or_after(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant whose wall-clock time in ``tz`` is ``day at`` or later.

    Ordinary times map to one instant; an ambiguous (fall-back) time to its first occurrence; a
    time that does not exist (spring-forward gap) to the transition instant, when the clock jumps
    past it.
    """
    naive = datetime.combine(day, at)
    a = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    b = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = int(min(a, b).timestamp()), int(max(a, b).timestamp())
    if _wall(lo, tz) >= naive:
        return datetime.fromtimestamp(lo, UTC)
    while hi - lo > 1:  # wall time is monotonic inside a gap: bisect to the second the clock jumps
        mid = (lo + hi) // 2
        if _wall(mid, tz) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Instants in [start, end] where the UTC offset of ``tz`` changes (DST), to the second."""
    found = []
    step = timedelta(hours=6)
    t = start
    while t < end:
        u = min(t + step, end)
        if t.astimezone(tz).utcoffset() != u.astimezone(tz).utcoffset():
            lo, hi = int(t.timestamp()), int(u.timestamp())
            offset = t.astimezone(tz).utcoffset()
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            found.append(datetime.fromtimestamp(hi, UTC))
        t = u
    return found


def next_allowed(rules: QuietHoursRules, now: datetime, *, state: str | None, location_tz: str) -> datetime:
    """``now`` (as UTC) if a text may go out now, else the earliest later instant when it may.

    Raises ValueError when there is no allowed instant in the next ``SEARCH_DAYS`` days: the rules
    or the zones are misconfigured (e.g. a state with no sending on any day).
    """
    now = _check_aware(now)
    zones = _candidate_zones(rules, state, location_tz)
    if _allowed(rules, state, now, zones):
        return now
    horizon = now + timedelta(days=SEARCH_DAYS)
    # The earliest allowed instant opens some zone's window: it is a window start in that zone,
    # or a DST transition (the clock jumping into a window). Check those candidates in order.
    candidates: set[datetime] = set()
    for tz in zones:
        first_day = now.astimezone(tz).date() - timedelta(days=1)
        for offset in range(SEARCH_DAYS + 2):
            day = first_day + timedelta(days=offset)
            allowed = window(rules, state, day)
            if allowed is not None:
                candidates.add(_earliest_at_or_after(day, allowed[0], tz))
        candidates.update(_transitions(tz, now, horizon))
    for candidate in sorted(c for c in candidates if now < c <= horizon):
        if _allowed(rules, state, candidate, zones):
            return candidate
    zone_names = ", ".join(tz.key for tz in zones)
    raise ValueError(
        f"No time is allowed for texting in the {SEARCH_DAYS} days after {now:%Y-%m-%d %H:%M} UTC "
        f"(state {_state_code(state) or 'unknown'}, time zones {zone_names}): check the quiet-hours rules "
        "and the location's time zone."
    )
