"""Phone and email normalisation: the fast paths agree with the full libraries."""

from __future__ import annotations

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from engage_desktop.domain.contacts import _parse_phone, format_phone, normalize_email, normalize_phone


def test_fast_north_american_path_agrees_with_full_parsing():
    rng = random.Random(20261122)
    formats = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}{b}{c}"]
    for _ in range(5000):
        a, b, c = rng.randint(200, 999), rng.randint(200, 999), f"{rng.randint(0, 9999):04d}"
        text = rng.choice(formats).format(a=a, b=b, c=c)
        assert normalize_phone(text).e164 == _parse_phone(text, text, None, "US").e164, text


@pytest.mark.parametrize("text", ["(123) 555-0142", "(503) 155-0142", "555-0142", "+44 20 7946 0958", "0800 123 4567"])
def test_numbers_outside_the_fast_path_still_parse_exactly(text):
    assert normalize_phone(text).e164 == _parse_phone(text, text, None, "US").e164


def test_display_format():
    assert format_phone("+15035550142") == "(503) 555-0142"
    assert format_phone("+442079460958") == "+44 20 7946 0958"
    assert format_phone(None, "n/a") == "n/a"


@pytest.mark.parametrize(
    "text",
    ["a@b.co", "Avery.T@Example.COM", "x@test", "john@", "a..b@c.com", '"q"@x.com', "é@x.com", "a@b.c", "first.last+tag@sub.example.org",
     ".a@b.com", "a.@b.com", "a@-b.com", "a@b-.com", "a@localhost", "none", "a b@c.com"],
)
def test_fast_email_path_agrees_with_email_validator(text):
    try:
        expected = (validate_email(text, check_deliverability=False).normalized, True)
    except EmailNotValidError:
        expected = (text, False)
    assert normalize_email(text) == expected
