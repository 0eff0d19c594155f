"""How dates, ages and labels read on screen (pure functions, no Qt)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from engage_desktop.ui.formatting import (
    age_on,
    consent_label,
    contact_method_label,
    format_date,
    language_label,
    patients_count,
    relative_time,
    status_label,
)


def test_dates_follow_the_practice_region():
    assert format_date(date(1985, 3, 14)) == "03/14/1985"
    assert format_date(date(1985, 3, 14), "GB") == "14/03/1985"
    assert format_date(None) == ""


def test_age_counts_birthdays_not_years():
    assert age_on(date(2000, 6, 15), date(2026, 6, 14)) == 25
    assert age_on(date(2000, 6, 15), date(2026, 6, 15)) == 26
    assert age_on(date(2030, 1, 1), date(2026, 1, 1)) is None


def test_relative_time_reads_naturally():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(seconds=20), now) == "just now"
    assert relative_time(now - timedelta(minutes=3), now) == "3 min ago"
    assert relative_time(now - timedelta(hours=5), now) == "5 h ago"
    assert relative_time(now - timedelta(days=1, hours=2), now) == "yesterday"
    assert relative_time((now - timedelta(days=4)).replace(tzinfo=None), now) == "4 days ago"  # naive = UTC


def test_labels_for_codes_the_pms_stores():
    assert status_label("active") == "Patient" and status_label("non_patient") == "Non-patient"
    assert consent_label("yes") == "Yes" and consent_label("unknown") == "Unknown"
    assert contact_method_label("text") == "Text message"
    assert language_label("spa") == "Spanish" and language_label("Klingon") == "Klingon"
    assert patients_count(1) == "1 patient" and patients_count(12345) == "12,345 patients"

