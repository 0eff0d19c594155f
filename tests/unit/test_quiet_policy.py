"""The practice's quiet-hours policy: the rules file's federal and state windows, narrowed by the
practice's own window and "never on Sundays", in every zone the recipient may be in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage_desktop.domain.practice_settings import BY_KEY
from engage_desktop.services.messaging_config import MessagingConfig, quiet_policy


def policy(**values):
    defaults = {key: s.default for key, s in BY_KEY.items() if not s.secret}
    return quiet_policy(MessagingConfig(values={**defaults, "practice.time_zone": "America/New_York", **values},
                                        locations=()))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_federal_window_in_the_location_zone():
    allowed = policy()
    # Tue 2026-12-01 07:30 New York (EST = UTC-5) waits until 08:00; 10:00 is fine.
    assert allowed(utc(2026, 12, 1, 12, 30), state="NY", time_zone="America/New_York") == utc(2026, 12, 1, 13, 0)
    assert allowed(utc(2026, 12, 1, 15, 0), state="NY", time_zone="") == utc(2026, 12, 1, 15, 0)


@pytest.mark.parametrize("state_rules", [True, False])
def test_a_patient_in_another_state_is_never_texted_before_8_in_their_own_zone(state_rules):
    allowed = policy(**{"quiet_hours.state_rules": state_rules})
    # 09:00 in New York is 06:00 in California: wait for 08:00 Pacific (16:00 UTC).
    assert allowed(utc(2026, 12, 1, 14, 0), state="CA", time_zone="America/New_York") == utc(2026, 12, 1, 16, 0)


def test_state_rules_apply_only_when_the_setting_is_on():
    # Florida ends at 8 pm: 20:30 Miami waits for the next morning with the rules, not without.
    evening = utc(2026, 12, 2, 1, 30)  # Tue 20:30 EST
    assert policy()(evening, state="FL", time_zone="America/New_York") > evening
    assert policy(**{"quiet_hours.state_rules": False})(evening, state="FL", time_zone="America/New_York") == evening


def test_the_practice_window_and_no_sundays_narrow_it_further():
    allowed = policy(**{"quiet_hours.earliest": "10:00", "quiet_hours.latest": "17:00", "quiet_hours.no_sundays": True})
    assert allowed(utc(2026, 12, 1, 14, 0), state="NY", time_zone="America/New_York") == utc(2026, 12, 1, 15, 0)
    # Sat 17:30 New York: Sunday is out, so Monday 10:00.
    assert allowed(utc(2026, 12, 5, 22, 30), state="NY", time_zone="America/New_York") == utc(2026, 12, 7, 15, 0)
    # A California patient of a New York practice: 10:00 Pacific is 13:00 New York.
    assert allowed(utc(2026, 12, 1, 14, 0), state="CA", time_zone="America/New_York") == utc(2026, 12, 1, 18, 0)


def test_a_window_that_never_opens_is_an_error_that_names_the_setting():
    allowed = policy(**{"quiet_hours.earliest": "20:30", "quiet_hours.latest": "21:00"})
    with pytest.raises(ValueError, match="Quiet hours"):
        allowed(utc(2026, 12, 1, 14, 0), state="FL", time_zone="America/New_York")
