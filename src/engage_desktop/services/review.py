"""Auto-link, the "Needs review" queue and duplicates (LNK-5, LNK-6).

``run_auto_link`` runs after every PMS sync and nightly. For each unlinked patient it links the
chart only when the link is certain: a chart created for them through the PMS API, or the matching
engine's AUTO_LINK decision (exact birthdate, the same first name, an agreeing last name, no close
or same-family rival) *and* a corroborating phone or email. Everything less certain becomes an
open proposal in ``match_pair`` for staff; so do likely duplicate unlinked patients. A pair staff
dismissed is never proposed again, and never auto-linked either.

The job is idempotent (proposals are upserts, links are only made for unlinked people) and commits
in small batches, so it can be stopped and re-run at any moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from engage_desktop.domain.errors import EngageError
from engage_desktop.domain.matching import (
    BLOCKING_KEYS_VERSION,
    REVIEW_MIN_WEIGHT,
    RIVAL_WINDOW,
    Candidate,
    DecisionKind,
    Reason,
    decide,
    rank,
    score,
    score_pair,
)
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import SYSTEM, Actor, Right
from engage_desktop.domain.unlinked import LinkState, NewUnlinked, PairKind, PairStatus, UnlinkedPatient, person_of
from engage_desktop.services.audit import record
from engage_desktop.services.linking import LinkError, MatchCandidate, candidate_view, link_patient, visible_unlinked

BATCH = 200  # unlinked patients per transaction
KEYS_BATCH = 2000  # charts per transaction when match keys are rebuilt
KEYS_VERSION_SETTING = "matching.blocking_keys_version"
MAX_PROPOSALS = 3  # chart candidates kept for review per person
_CORROBORATING = frozenset({Reason.SAME_PHONE, Reason.SAME_EMAIL})


class ReviewCancelled(EngageError):
    pass


@dataclass(frozen=True, slots=True)
class AutoLinkReport:
    checked: int = 0
    linked: int = 0
    to_review: int = 0  # people with at least one open chart proposal after the run
    new_duplicates: int = 0
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        return (f"Checked {self.checked:,} unlinked patients: linked {self.linked:,} automatically, "
                f"{self.to_review:,} need review, {self.new_duplicates:,} new possible duplicates.")


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One unlinked patient the job could not link for certain, with the charts it may be."""

    unlinked: UnlinkedPatient
    candidates: tuple[tuple[int, MatchCandidate], ...]  # (pair id, candidate), best first


@dataclass(frozen=True, slots=True)
class DuplicateItem:
    pair_id: int
    first: UnlinkedPatient
    second: UnlinkedPatient
    match: MatchCandidate  # second scored against first


def _reasons(c: Candidate) -> list[tuple[str, bool]]:
    return [(r.label, r.is_conflict) for r in c.reasons]


def is_certain(c: Candidate, kind: DecisionKind) -> bool:
    """The engine is sure, and a phone or email the person gave is on the chart too."""
    return kind is DecisionKind.AUTO_LINK and bool(_CORROBORATING.intersection(c.reasons))


def run_auto_link(*, uow_factory: UnitOfWorkFactory, actor: Actor = SYSTEM, now: datetime | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  cancel: threading.Event | None = None) -> AutoLinkReport:
    actor.require(Right.LINK_PATIENTS)
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    refresh_match_keys(uow_factory=uow_factory, cancel=cancel)
    with uow_factory() as uow:
        ids = uow.unlinked.open_ids()
    linked = duplicates = 0
    for start in range(0, len(ids), BATCH):
        if cancel is not None and cancel.is_set():
            raise ReviewCancelled("Auto-link was stopped; what it did so far is kept.")
        with uow_factory() as uow:
            pending = dict(uow.unlinked.pending_pms_links())
            for unlinked_id, person in uow.unlinked.get_many(ids[start : start + BATCH]).items():
                if person.state is not LinkState.UNLINKED:
                    continue  # linked or merged by someone since the list was read
                done, found = _check(uow, actor, person, pending.get(unlinked_id), now)
                linked += done
                duplicates += found
            uow.commit()
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    with uow_factory() as uow:
        to_review = len({p.unlinked_id for p in uow.unlinked.open_pairs(PairKind.CHART)})
    return AutoLinkReport(checked=len(ids), linked=linked, to_review=to_review, new_duplicates=duplicates,
                          seconds=time.perf_counter() - started)


def refresh_match_keys(*, uow_factory: UnitOfWorkFactory, cancel: threading.Event | None = None) -> int:
    """Rebuild the stored blocking keys once after a release changed them (BLOCKING_KEYS_VERSION):
    candidates found through stale keys would silently miss people. Charts go in batches; the
    version is recorded only at the end, so an interrupted rebuild starts over. Returns charts done."""
    with uow_factory() as uow:
        if uow.settings.get(KEYS_VERSION_SETTING) == BLOCKING_KEYS_VERSION:
            return 0
    done, after = 0, 0
    while True:
        if cancel is not None and cancel.is_set():
            raise ReviewCancelled("Rebuilding the match index was stopped; it starts again next time.")
        with uow_factory() as uow:
            step = uow.unlinked.rebuild_chart_keys(after_id=after, limit=KEYS_BATCH)
            uow.commit()
        if step is None:
            break
        after, count = step
        done += count
    with uow_factory() as uow:
        uow.unlinked.rebuild_unlinked_keys()
        uow.settings.set(KEYS_VERSION_SETTING, BLOCKING_KEYS_VERSION)
        uow.commit()
    return done


def _check(uow, actor: Actor, u: UnlinkedPatient, pending_pms_id: str | None, now: datetime) -> tuple[int, int]:
    """(1 if linked, new duplicate proposals) for one unlinked patient."""
    if pending_pms_id is not None:
        chart_id = uow.unlinked.mirror_ids([pending_pms_id]).get(pending_pms_id)
        if chart_id is not None:
            _auto_link(uow, actor, u, pending_pms_id, now, how="created in PMS", reasons=())
            return 1, 0
    person = person_of(u)
    ranked = rank(person, uow.unlinked.chart_candidates(person), limit=RIVAL_WINDOW)
    decision = decide(person, ranked)
    pms_ids = uow.patients.pms_ids([int(c.chart_id) for c in ranked])
    decided = uow.unlinked.pair_refs(PairKind.CHART, u.id)
    best = decision.candidate
    if best is not None and is_certain(best, decision.kind):
        pms_id = pms_ids.get(int(best.chart_id))
        if pms_id is not None and decided.get(pms_id) is not PairStatus.DISMISSED:
            _auto_link(uow, actor, u, pms_id, now, how="matching", reasons=best.labels)
            return 1, 0
    for c in ranked[:MAX_PROPOSALS]:
        pms_id = pms_ids.get(int(c.chart_id))
        if pms_id is not None and c.weight >= REVIEW_MIN_WEIGHT:
            uow.unlinked.propose(PairKind.CHART, u.id, pms_id, score=c.score, reasons=_reasons(c), now=now)
    new = 0
    for other_id, other in uow.unlinked.unlinked_candidates(person, exclude=u.id):
        c = score_pair(person, other)
        if c.weight >= REVIEW_MIN_WEIGHT:
            low, high = sorted((u.id, other_id))
            new += uow.unlinked.propose(PairKind.UNLINKED, low, str(high), score=c.score, reasons=_reasons(c), now=now)
    return 0, new


def _auto_link(uow, actor: Actor, u: UnlinkedPatient, pms_id: str, now: datetime, *, how: str,
               reasons: tuple[str, ...]) -> None:
    uow.unlinked.set_link(u.id, pms_id, by=actor.username, now=now)
    uow.unlinked.decide_pairs(status=PairStatus.RESOLVED, by=actor.username, now=now, unlinked_ids=[u.id])
    record(uow, actor, "patient.auto_link", entity_type="unlinked_patient", entity_id=str(u.id), patient_ref=f"pms:{pms_id}",
           details={"before": {"chart": None}, "after": {"chart": pms_id}, "how": how, "reasons": list(reasons)})


# -- the queues ------------------------------------------------------------------------------------

def needs_review(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> list[ReviewItem]:
    """Unlinked patients with open chart proposals, candidates re-scored against today's chart data."""
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        pairs = uow.unlinked.open_pairs(PairKind.CHART)
        people = uow.unlinked.get_many(sorted({p.unlinked_id for p in pairs}))
        mirror = uow.unlinked.mirror_ids([p.other_ref for p in pairs])
        charts = uow.unlinked.charts_by_ids(mirror.values(), location_ids=actor.location_ids)
        by_person: dict[int, list[tuple[int, MatchCandidate]]] = {}
        for pair in pairs:
            u, chart_id = people.get(pair.unlinked_id), mirror.get(pair.other_ref)
            chart = charts.get(chart_id) if chart_id is not None else None
            if u is None or u.state is not LinkState.UNLINKED or chart is None or not _sees(actor, u):
                continue
            c = replace(score(person_of(u), chart), chart=chart)
            by_person.setdefault(u.id, []).append((pair.id, candidate_view(c, list_id=chart_id, pms_id=pair.other_ref)))
    items = [ReviewItem(unlinked=people[i], candidates=tuple(sorted(cs, key=lambda x: -x[1].score)))
             for i, cs in by_person.items()]
    items.sort(key=lambda item: -item.candidates[0][1].score)
    return items


def duplicate_pairs(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> list[DuplicateItem]:
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        pairs = uow.unlinked.open_pairs(PairKind.UNLINKED)
        people = uow.unlinked.get_many(sorted({p.unlinked_id for p in pairs} | {int(p.other_ref) for p in pairs}))
    out = []
    for pair in pairs:
        a, b = people.get(pair.unlinked_id), people.get(int(pair.other_ref))
        if a is None or b is None or a.state is not LinkState.UNLINKED or b.state is not LinkState.UNLINKED:
            continue
        if not (_sees(actor, a) and _sees(actor, b)):
            continue
        c = score_pair(person_of(a), person_of(b))
        out.append(DuplicateItem(pair_id=pair.id, first=a, second=b, match=candidate_view(c, list_id=-b.id, pms_id="",
                                                                                person=person_of(b))))
    out.sort(key=lambda d: -d.match.score)
    return out


def review_counts(*, uow_factory: UnitOfWorkFactory, actor: Actor) -> tuple[int, int]:
    """(people needing review, possible duplicates) as the navigation badge shows them."""
    if not actor.can(Right.LINK_PATIENTS):
        return 0, 0
    return (len(needs_review(uow_factory=uow_factory, actor=actor)),
            len(duplicate_pairs(uow_factory=uow_factory, actor=actor)))


def dismiss_pair(*, uow_factory: UnitOfWorkFactory, actor: Actor, pair_id: int, now: datetime | None = None) -> None:
    """"Not the same person": the pair is kept as dismissed so it is not proposed (or auto-linked) again."""
    actor.require(Right.LINK_PATIENTS)
    now = now or datetime.now(UTC)
    with uow_factory() as uow:
        pair = uow.unlinked.get_pair(pair_id)
        if pair is None or pair.status is not PairStatus.OPEN:
            return
        visible_unlinked(uow, actor, pair.unlinked_id)
        uow.unlinked.decide_pairs(status=PairStatus.DISMISSED, by=actor.username, now=now, pair_id=pair_id)
        ref = f"pms:{pair.other_ref}" if pair.kind is PairKind.CHART else f"unlinked:{pair.other_ref}"
        record(uow, actor, "patient.match_dismissed", entity_type="match_pair", entity_id=str(pair_id),
               patient_ref=f"unlinked:{pair.unlinked_id}",
               details={"kind": pair.kind.value, "other": ref, "before": {"status": "open"}, "after": {"status": "dismissed"}})
        uow.commit()


def keep_unlinked(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int, now: datetime | None = None) -> int:
    """None of the proposed charts is this person: dismiss them all (new charts are still proposed later)."""
    actor.require(Right.LINK_PATIENTS)
    now = now or datetime.now(UTC)
    with uow_factory() as uow:
        visible_unlinked(uow, actor, unlinked_id)
        count = uow.unlinked.decide_pairs(status=PairStatus.DISMISSED, by=actor.username, now=now,
                                          unlinked_ids=[unlinked_id], kind=PairKind.CHART)
        record(uow, actor, "patient.kept_unlinked", entity_type="unlinked_patient", entity_id=str(unlinked_id),
               patient_ref=f"unlinked:{unlinked_id}", details={"dismissed": count})
        uow.commit()
    return count


def link_from_review(*, uow_factory: UnitOfWorkFactory, actor: Actor, pair_id: int,
                     now: datetime | None = None) -> UnlinkedPatient:
    with uow_factory() as uow:
        pair = uow.unlinked.get_pair(pair_id)
        chart_id = uow.unlinked.mirror_ids([pair.other_ref]).get(pair.other_ref) if pair is not None else None
    if pair is None or pair.kind is not PairKind.CHART or chart_id is None:
        raise LinkError("That proposal is gone (the chart left the PMS, or someone already decided); refresh the list.")
    return link_patient(uow_factory=uow_factory, actor=actor, unlinked_id=pair.unlinked_id, chart_id=chart_id, now=now)


# -- merge -------------------------------------------------------------------------------------------

_MERGED_FIELDS = ("preferred_name", "birthdate", "mobile_phone", "email", "location_id")


def _snapshot(u: UnlinkedPatient) -> dict[str, object]:
    return {"first_name": u.first_name, "last_name": u.last_name, "preferred_name": u.preferred_name,
            "birthdate": u.birthdate.isoformat() if u.birthdate else None, "mobile": u.mobile_phone, "email": u.email,
            "location": u.location_id, "contact_preference": u.contact_preference.value}


def merged_values(keep: UnlinkedPatient, other: UnlinkedPatient) -> Mapping[str, object]:
    """What the kept record will hold: its own values, with its blanks filled from the other one."""
    return {f: getattr(keep, f) or getattr(other, f) for f in _MERGED_FIELDS}


def merge_unlinked(*, uow_factory: UnitOfWorkFactory, actor: Actor, keep_id: int, merge_id: int,
                   now: datetime | None = None) -> UnlinkedPatient:
    """Merge ``merge_id`` into ``keep_id``. The merged row stays (status merged, pointing at the kept
    one), so every message, thread and campaign result it had is found through the kept patient."""
    actor.require(Right.LINK_PATIENTS)
    if keep_id == merge_id:
        raise LinkError("Choose two different people to merge.")
    now = now or datetime.now(UTC)
    with uow_factory() as uow:
        keep, other = visible_unlinked(uow, actor, keep_id), visible_unlinked(uow, actor, merge_id)
        if keep.state is not LinkState.UNLINKED or other.state is not LinkState.UNLINKED:
            raise LinkError("Only two unlinked patients can be merged; one of them was linked or merged meanwhile.")
        values = merged_values(keep, other)
        merged = NewUnlinked(first_name=keep.first_name, last_name=keep.last_name,
                             preferred_name=str(values["preferred_name"] or ""),
                             birthdate=values["birthdate"], mobile_e164=values["mobile_phone"],
                             mobile_raw=str(values["mobile_phone"] or ""), email=values["email"],
                             location_id=values["location_id"], contact_preference=keep.contact_preference)
        uow.unlinked.update_details(keep_id, merged, now=now)
        uow.unlinked.mark_merged(merge_id, keep_id, now=now)
        uow.unlinked.decide_pairs(status=PairStatus.RESOLVED, by=actor.username, now=now, unlinked_ids=[merge_id])
        after = uow.unlinked.get(keep_id)
        record(uow, actor, "patient.merge", entity_type="unlinked_patient", entity_id=str(keep_id),
               patient_ref=f"unlinked:{keep_id}",
               details={"merged": merge_id, "before": {"kept": _snapshot(keep), "merged": _snapshot(other)},
                        "after": {"kept": _snapshot(after)}})
        uow.commit()
    return after


def _sees(actor: Actor, u: UnlinkedPatient) -> bool:
    return u.location_id is None or actor.sees_location(u.location_id)
