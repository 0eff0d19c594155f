"""Cells for CSV files that people open in Excel (pure).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula ("CSV injection"; OWASP). Every exported text cell goes through
``safe_cell``, which puts an apostrophe in front so the text shows as typed and never runs.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value to write: text that could be a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[object]) -> list[object]:
    return [safe_cell(value) for value in values]
