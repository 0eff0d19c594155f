"""The lazy patients model: placeholders, page loads, stale pages, 100,000 rows, Qt's checks."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from engage_desktop.domain.views import PatientListRow, SearchResult
from engage_desktop.ui.models.patient_table_model import (
    LOADING,
    PAGE_SIZE,
    Column,
    IdRole,
    PatientTableModel,
    RowRole,
    SortRole,
)


def row(patient_id: int, *, linked: bool = True) -> PatientListRow:
    return PatientListRow(id=patient_id, pms_id=str(patient_id), name=f"Person{patient_id:06d}, Pat",
                          birthdate=date(1980, 1, 1 + patient_id % 28), phone="(503) 555-0101", email="",
                          status="active", location="Main Street", chart_number=f"C{patient_id}", is_linked=linked)


class Loader:
    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []

    def __call__(self, ids):
        self.calls.append(tuple(ids))
        return [row(i, linked=i != 13) for i in ids]


def make_model(manual_runner, ids, loader=None):
    model = PatientTableModel(loader or Loader(), manual_runner)
    model.set_result(SearchResult(ids=tuple(ids), total=len(ids)))
    return model


def test_model_passes_qt_checks_while_loading_and_once_loaded(qtmodeltester, manual_runner):
    model = make_model(manual_runner, range(1, 451))
    qtmodeltester.check(model)  # rows are placeholders; pages are only requested
    assert manual_runner.queued
    for first_row in range(0, 450, PAGE_SIZE):
        model.data(model.index(first_row, 0))
    manual_runner.flush()
    assert all(model.is_loaded(r) for r in range(450))
    qtmodeltester.check(model)
    assert model.data(model.index(449, Column.NAME)) == "Person000450, Pat"


def test_rows_show_a_muted_placeholder_until_their_page_arrives(manual_runner):
    model = make_model(manual_runner, range(1, 451))
    index = model.index(250, Column.NAME)
    assert model.data(index) == LOADING
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(index, RowRole) is None
    assert model.data(index, IdRole) == 251  # known before the row loads
    changed = []
    model.dataChanged.connect(lambda tl, br, roles: changed.append((tl.row(), tl.column(), br.row(), br.column())))
    manual_runner.flush()
    assert changed == [(200, 0, 399, len(Column) - 1)]  # just that page
    assert model.data(index) == "Person000251, Pat"
    assert model.data(index, RowRole).id == 251
    assert model.data(model.index(250, Column.BIRTHDATE)) == "01/28/1980"
    assert model.data(model.index(250, Column.STATUS)) == "Patient"
    assert model.data(model.index(250, Column.BIRTHDATE), SortRole) == date(1980, 1, 28)


def test_unlinked_patients_get_a_broken_link_icon(manual_runner):
    model = make_model(manual_runner, range(1, 30))
    model.data(model.index(0, 0))
    manual_runner.flush()
    assert model.data(model.index(12, Column.NAME), Qt.ItemDataRole.DecorationRole) is not None  # id 13
    assert model.data(model.index(11, Column.NAME), Qt.ItemDataRole.DecorationRole) is None


def test_a_page_from_an_earlier_search_is_ignored(manual_runner):
    model = make_model(manual_runner, range(1, 300))
    model.data(model.index(0, 0))  # asks for page 0 of the first search
    model.set_result(SearchResult(ids=tuple(range(1000, 1300)), total=300, query="later"))
    model.data(model.index(0, 0))  # page 0 of the later search
    stale, fresh = manual_runner.queued
    manual_runner.queued[:] = [fresh, stale]  # the earlier search's page arrives last
    manual_runner.flush()
    assert model.data(model.index(0, Column.NAME)) == "Person001000, Pat"
    assert model.data(model.index(0, Column.NAME), RowRole).id == 1000


def test_a_hundred_thousand_rows_load_only_the_pages_on_screen(qtbot, manual_runner):
    ids = range(1, 100_001)
    loader = Loader()
    model = make_model(manual_runner, ids, loader)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: bool(manual_runner.queued))  # the first paint asks for page 0
    manual_runner.flush()
    assert model.rowCount() == 100_000
    assert loader.calls == [tuple(range(1, PAGE_SIZE + 1))]
    view.scrollTo(model.index(50_000, 0))
    qtbot.waitUntil(lambda: bool(manual_runner.queued))
    manual_runner.flush()
    assert len(loader.calls) <= 3 and all(len(c) <= PAGE_SIZE for c in loader.calls)
    assert (50_001 in loader.calls[-1]) or (50_001 in loader.calls[-2])
    assert model.data(model.index(50_000, Column.NAME)) == "Person050001, Pat"


def test_a_failed_page_is_not_retried_in_a_loop(manual_runner):
    def broken(ids):
        raise RuntimeError("database locked")

    model = make_model(manual_runner, range(1, 10), broken)
    reported = []
    manual_runner.task_did_fail.connect(reported.append)
    model.data(model.index(0, 0))
    manual_runner.flush()
    assert model.data(model.index(0, Column.NAME)) == "Could not load this row"
    assert manual_runner.queued == [] and len(reported) == 1
