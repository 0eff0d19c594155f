"""CSV cells that spreadsheet programs would run as formulas."""

from __future__ import annotations

import pytest

from engage_desktop.domain.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize("text", ["=1+1", "+15035550100", "-2", "@SUM(A1)", "\tx", "\r=1"])
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Maria", "", "555-0100", "a=b", 42, -3, None])
def test_everything_else_is_written_as_it_is(value):
    assert safe_cell(value) == value


def test_a_row_is_made_safe_cell_by_cell():
    assert safe_row(["=cmd", "ok", 7]) == ["'=cmd", "ok", 7]
