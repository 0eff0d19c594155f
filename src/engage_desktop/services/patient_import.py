"""Bulk-create unlinked patients from a CSV file (LNK-2), in two steps.

``preview_import`` reads the file (``domain.patient_csv``), validates every row like the Create
patient form does, and says what would happen to each one, writing nothing: *new*; *matches a
chart* or *matches an unlinked patient* (the same person is already known: not created unless
the user asks); *already imported* (its import key is in the store: re-importing a file creates
nothing new); *repeated* (the same person earlier in the same file); *invalid*, with why.

``run_import`` then creates the accepted rows in one transaction: all of them or, on an error or
a cancel, none. Both steps report progress and can be cancelled between chunks; both need the
"Email Campaign (CSV uploads)" right, the right this workflow has in the products staff know.
Candidate lookups are batched (a few chunked index queries for the whole file), never a query
per row.
"""

from __future__ import annotations

import enum
import hashlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from engage_desktop.domain.errors import EngageError
from engage_desktop.domain.matching import blocking_keys, rank, score_pair
from engage_desktop.domain.patient_csv import CsvRow, read_patient_csv
from engage_desktop.domain.pms_records import format_name
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.domain.unlinked import LinkState, NewUnlinked, Source, clean_unlinked, person_of
from engage_desktop.services.audit import record
from engage_desktop.services.linking import LOOKALIKE_MIN_SCORE

CHUNK = 1000  # rows per progress step and per insert
Progress = Callable[[str, int, int], None]  # (phase, done, total)


class ImportCancelled(EngageError):
    pass


class Outcome(enum.StrEnum):
    NEW = "new"
    MATCHES_CHART = "matches_chart"
    MATCHES_UNLINKED = "matches_unlinked"
    ALREADY_IMPORTED = "already_imported"
    REPEATED = "repeated"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Outcome.NEW: "New", Outcome.MATCHES_CHART: "Matches a PMS chart",
           Outcome.MATCHES_UNLINKED: "Matches an unlinked patient", Outcome.ALREADY_IMPORTED: "Already imported",
           Outcome.REPEATED: "Repeated in this file", Outcome.INVALID: "Invalid"}


@dataclass(frozen=True, slots=True)
class RowPreview:
    line: int
    name: str
    outcome: Outcome
    detail: str  # why it is invalid, or who it matches
    match_list_id: int | None = None  # the matching chart (mirror id) or unlinked patient (minus its id)


@dataclass(frozen=True, slots=True)
class ImportPreview:
    file_name: str
    file_sha256: str
    encoding: str
    delimiter: str
    problems: tuple[str, ...]  # file-level: nothing can be imported
    ignored_columns: tuple[str, ...]
    rows: tuple[RowPreview, ...]
    # What run_import creates: (line, cleaned person, import key) of NEW rows and, separately, matched ones.
    new: tuple[tuple[int, NewUnlinked, str], ...] = field(default=(), repr=False)
    matched: tuple[tuple[int, NewUnlinked, str], ...] = field(default=(), repr=False)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome is outcome)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    skipped: int
    seconds: float


def _key(row: CsvRow) -> str:
    # Keys from the file and keys computed from a row's content live in separate namespaces.
    return ("key:" if row.key_from_file else "row:") + row.import_key.strip()[:120]


def _location_id(locations: Sequence, text: str) -> str | None:
    wanted = text.strip().casefold()
    for loc in locations:
        if wanted in (loc.pms_id.casefold(), loc.name.casefold(), (loc.abbreviation or "").casefold()):
            return loc.pms_id
    return None


def preview_import(*, uow_factory: UnitOfWorkFactory, actor: Actor, data: bytes, file_name: str = "",
                   default_location: str | None = None, region: str = "US", day_first: bool | None = None,
                   progress: Progress | None = None, cancel: threading.Event | None = None,
                   today=None) -> ImportPreview:
    actor.require(Right.EMAIL_CAMPAIGN)
    day_first = region not in ("US", "CA", "PH") if day_first is None else day_first
    read = read_patient_csv(data, day_first=day_first)
    base = dict(file_name=file_name, file_sha256=hashlib.sha256(data).hexdigest(), encoding=read.encoding,
                delimiter=read.delimiter, ignored_columns=read.ignored_columns)
    if read.problems:
        return ImportPreview(problems=read.problems, rows=(), **base)
    with uow_factory() as uow:
        locations = [loc for loc in uow.mirror.locations() if actor.sees_location(loc.pms_id)]
    known = {loc.pms_id: loc.name for loc in locations}
    names = ", ".join(sorted(known.values())) or "none"

    # 1. Validate every row like the Create patient form.
    cleaned: list[tuple[CsvRow, NewUnlinked | None, str]] = []  # (row, person or None, problem)
    for i, row in enumerate(read.rows):
        _step(progress, cancel, "Checking rows", i, len(read.rows))
        location = default_location
        if row.location_text:
            location = _location_id(locations, row.location_text)
            if location is None:
                cleaned.append((row, None, f'Location "{row.location_text}" is not one of yours ({names}).'))
                continue
        person, problems = clean_unlinked(replace(row.data, location_id=location), region=region,
                                          known_locations=known or None, today=today)
        problems = {**problems, **row.problems}
        cleaned.append((row, person, " ".join(problems.values())))

    # 2. Look up import keys and match candidates for the whole file at once.
    valid = [(row, person) for row, person, problem in cleaned if person is not None and not problem]
    keys_by_line = {row.line: blocking_keys(person_of(person)) for row, person in valid}
    all_keys = set().union(*keys_by_line.values()) if keys_by_line else set()
    with uow_factory() as uow:
        imported = uow.unlinked.existing_import_keys(_key(row) for row, _ in valid)
        already = uow.unlinked.get_many(sorted(set(imported.values())))
        chart_keys = uow.unlinked.chart_ids_by_key(all_keys)
        charts = uow.unlinked.charts_by_ids({i for ids in chart_keys.values() for i in ids},
                                            location_ids=actor.location_ids)
        unlinked_keys = uow.unlinked.unlinked_ids_by_key(all_keys)
        others = {i: u for i, u in uow.unlinked.get_many(sorted({i for ids in unlinked_keys.values() for i in ids})).items()
                  if u.state is LinkState.UNLINKED}
        pms_ids = uow.patients.pms_ids(sorted(charts))

    # 3. Decide each row.
    previews: list[RowPreview] = []
    new: list[tuple[int, NewUnlinked, str]] = []
    matched: list[tuple[int, NewUnlinked, str]] = []
    seen_keys: dict[str, int] = {}
    for i, (row, person, problem) in enumerate(cleaned):
        _step(progress, cancel, "Looking for matches", i, len(cleaned))
        name = format_name(row.data.first_name, row.data.last_name, row.data.preferred_name) or "(no name)"
        if person is None or problem:
            previews.append(RowPreview(row.line, name, Outcome.INVALID, problem))
            continue
        key = _key(row)
        if key in seen_keys:
            previews.append(RowPreview(row.line, name, Outcome.REPEATED, f"The same person as line {seen_keys[key]}."))
            continue
        seen_keys[key] = row.line
        if key in imported:
            earlier = already.get(imported[key])
            if earlier is not None and row.key_from_file and (earlier.first_name.casefold(), earlier.last_name.casefold()) \
                    != (person.first_name.casefold(), person.last_name.casefold()):
                previews.append(RowPreview(row.line, name, Outcome.INVALID,
                                           f"Import key {row.import_key} was already used for someone else "
                                           f"({earlier.display_name}); give this row a new key."))
                continue
            previews.append(RowPreview(row.line, name, Outcome.ALREADY_IMPORTED, "Imported before; nothing to do.",
                                       match_list_id=-imported[key]))
            continue
        me = person_of(person)
        keys = keys_by_line[row.line]
        chart_ids = {c for k in keys for c in chart_keys.get(k, ())}
        best = rank(me, [charts[c] for c in chart_ids if c in charts], limit=1)
        if best and best[0].score >= LOOKALIKE_MIN_SCORE:
            c = best[0]
            previews.append(RowPreview(row.line, name, Outcome.MATCHES_CHART,
                                       f"PMS # {pms_ids.get(int(c.chart_id), '?')}: " + ", ".join(c.labels[:4]),
                                       match_list_id=int(c.chart_id)))
            matched.append((row.line, person, key))
            continue
        twin = None
        for other_id in sorted({u for k in keys for u in unlinked_keys.get(k, ())}):
            other = others.get(other_id)
            if other is not None and score_pair(me, person_of(other)).score >= LOOKALIKE_MIN_SCORE:
                twin = other
                break
        if twin is not None:
            previews.append(RowPreview(row.line, name, Outcome.MATCHES_UNLINKED, f"Unlinked patient {twin.display_name}.",
                                       match_list_id=-twin.id))
            matched.append((row.line, person, key))
            continue
        previews.append(RowPreview(row.line, name, Outcome.NEW, ""))
        new.append((row.line, person, key))
    return ImportPreview(problems=(), rows=tuple(previews), new=tuple(new), matched=tuple(matched), **base)


def run_import(*, uow_factory: UnitOfWorkFactory, actor: Actor, preview: ImportPreview, include_matches: bool = False,
               progress: Progress | None = None, cancel: threading.Event | None = None,
               now: datetime | None = None) -> ImportResult:
    """Create the accepted rows, all in one transaction (a cancel or an error leaves nothing behind)."""
    actor.require(Right.EMAIL_CAMPAIGN)
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    todo = list(preview.new) + (list(preview.matched) if include_matches else [])
    todo.sort(key=lambda item: item[0])
    with uow_factory() as uow:
        # Another workstation (or an earlier run of this preview) may have imported some rows since.
        done = uow.unlinked.existing_import_keys(key for _, _, key in todo)
        todo = [item for item in todo if item[2] not in done]
        created = 0
        for start in range(0, len(todo), CHUNK):
            _step(progress, cancel, "Importing", start, len(todo))
            chunk = todo[start : start + CHUNK]
            uow.unlinked.add_many([(person, key) for _, person, key in chunk], source=Source.CSV, by=actor.username,
                                  now=now)
            created += len(chunk)
        _step(progress, cancel, "Importing", len(todo), len(todo))
        record(uow, actor, "patient.import_csv", entity_type="patient_import", entity_id=preview.file_sha256[:16],
               details={"file": preview.file_name, "sha256": preview.file_sha256, "rows": len(preview.rows),
                        "created": created, "include_matches": include_matches,
                        "outcomes": _counts(preview.rows)})
        uow.commit()
    return ImportResult(created=created, skipped=len(preview.rows) - created, seconds=time.perf_counter() - started)


def _counts(rows: Sequence[RowPreview]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.outcome.value] = out.get(r.outcome.value, 0) + 1
    return out


def _step(progress: Progress | None, cancel: threading.Event | None, phase: str, done: int, total: int) -> None:
    if done % CHUNK and done != total:
        return
    if cancel is not None and cancel.is_set():
        raise ImportCancelled("Cancelled: nothing was imported.")
    if progress is not None:
        progress(phase, done, total)
