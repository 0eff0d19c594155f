"""Unlinked patients and linking them to PMS charts (LNK-1, LNK-4, LNK-8).

Creating needs the "Create unlinked patients" right; link, re-link and unlink need "Link /
re-link / merge patients". Every change is audited with before/after. An unlinked patient's row
is never deleted: linking records the chart on it, so whatever hangs off the unlinked patient
(messages, threads, campaign results) follows it to the chart and comes back on unlink.

Candidates come from the match-key indexes (``uow.unlinked.chart_candidates``) and are ranked by
the pure engine in ``domain.matching``; only charts of the locations the user sees are offered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.errors import EngageError, ValidationFailed
from engage_desktop.domain.matching import RIVAL_WINDOW, Candidate, Level, Person, Reason, decide, rank, score, score_pair
from engage_desktop.domain.pms_records import format_name
from engage_desktop.domain.pms_write import ChartDraft, PatientCreator, PmsWriteError, WriteFailure
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.domain.unlinked import (
    LinkState,
    PairStatus,
    PmsRequest,
    Source,
    UnlinkedInput,
    UnlinkedPatient,
    clean_unlinked,
    person_of,
)
from engage_desktop.services.audit import record

LOOKALIKE_MIN_SCORE = 0.5  # below this a person is not worth a warning on create


class LinkError(EngageError):
    """A link that cannot be made as asked (the patient or chart is gone, already linked...)."""


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    """A chart (or unlinked patient) that may be the same person, with the reasons staff read."""

    list_id: int  # as in the Patients list: a chart's mirror id, or minus an unlinked patient's id
    pms_id: str  # "" for an unlinked patient
    name: str
    birthdate: date | None
    phone: str  # E.164 or as stored
    email: str
    score: float  # 0..1
    reasons: tuple[str, ...]
    conflicts: tuple[str, ...]

    @property
    def is_chart(self) -> bool:
        return self.list_id > 0


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    """``patient`` is None when lookalikes were found and the user has not confirmed yet."""

    patient: UnlinkedPatient | None
    lookalikes: tuple[MatchCandidate, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkProposal:
    unlinked: UnlinkedPatient
    candidates: tuple[MatchCandidate, ...]
    decision: str  # domain.matching.DecisionKind value: auto_link (certain), review, new
    best_list_id: int | None  # the candidate the decision points at


def _labels(reasons: Iterable[Reason]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    reasons = tuple(reasons)
    return (tuple(r.label for r in reasons if not r.is_conflict), tuple(r.label for r in reasons if r.is_conflict))


def candidate_view(c: Candidate, *, list_id: int, pms_id: str, person: Person | None = None) -> MatchCandidate:
    who = c.chart if c.chart is not None else person
    assert who is not None
    reasons, conflicts = _labels(c.reasons)
    return MatchCandidate(list_id=list_id, pms_id=pms_id, name=format_name(who.first_name, who.last_name,
                                                                           who.preferred_name or ""),
                          birthdate=who.birthdate, phone=who.phone or "", email=who.email or "", score=c.score,
                          reasons=reasons, conflicts=conflicts)


def _ranked_charts(uow, person: Person, *, actor: Actor, limit: int) -> list[tuple[Candidate, str]]:
    charts = uow.unlinked.chart_candidates(person, location_ids=actor.location_ids)
    ranked = rank(person, charts, limit=limit)
    pms_ids = uow.patients.pms_ids([int(c.chart_id) for c in ranked])
    return [(c, pms_ids.get(int(c.chart_id), "")) for c in ranked]


def _lookalikes(uow, person: Person, *, actor: Actor, exclude: int | None = None, limit: int = 5) -> tuple[MatchCandidate, ...]:
    out = [candidate_view(c, list_id=int(c.chart_id), pms_id=pms_id)
           for c, pms_id in _ranked_charts(uow, person, actor=actor, limit=limit) if c.score >= LOOKALIKE_MIN_SCORE]
    for unlinked_id, other in uow.unlinked.unlinked_candidates(person, exclude=exclude):
        c = score_pair(person, other)
        if c.score >= LOOKALIKE_MIN_SCORE:
            out.append(candidate_view(c, list_id=-unlinked_id, pms_id="", person=other))
    out.sort(key=lambda m: -m.score)
    return tuple(out[:limit])


def create_unlinked_patient(*, uow_factory: UnitOfWorkFactory, actor: Actor, data: UnlinkedInput, region: str = "US",
                            confirmed: bool = False, source: Source = Source.MANUAL,
                            now: datetime | None = None) -> CreateOutcome:
    """Validate and create. Without ``confirmed``, people who look like an existing chart or
    unlinked patient come back instead (a warning, not a block: confirm to create anyway)."""
    actor.require(Right.CREATE_UNLINKED)
    with uow_factory() as uow:
        locations = {loc.pms_id: loc.name for loc in uow.mirror.locations() if actor.sees_location(loc.pms_id)}
        new, problems = clean_unlinked(data, region=region, known_locations=locations or None)
        if problems:
            raise ValidationFailed(problems)
        assert new is not None
        if not confirmed:
            lookalikes = _lookalikes(uow, person_of(new), actor=actor)
            if lookalikes:
                return CreateOutcome(patient=None, lookalikes=lookalikes)
        new_id = uow.unlinked.add(new, source=source, by=actor.username, now=now or datetime.now(UTC))
        created = uow.unlinked.get(new_id)
        record(uow, actor, "patient.create_unlinked", entity_type="unlinked_patient", entity_id=str(new_id),
               patient_ref=f"unlinked:{new_id}",
               details={"source": source.value, "location": new.location_id, "warned": confirmed})
        uow.commit()
    return CreateOutcome(patient=created)


def link_candidates(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int, limit: int = 5) -> LinkProposal:
    """The charts that may be this person, best first, each with its reasons; and the engine's view."""
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        found = visible_unlinked(uow, actor, unlinked_id)
        person = person_of(found)
        # The decision looks further down the list than the user does: a close rival blocks certainty.
        ranked = _ranked_charts(uow, person, actor=actor, limit=max(limit, RIVAL_WINDOW))
        decision = decide(person, [c for c, _ in ranked])
    best = int(decision.candidate.chart_id) if decision.candidate is not None else None
    return LinkProposal(unlinked=found,
                        candidates=tuple(candidate_view(c, list_id=int(c.chart_id), pms_id=p) for c, p in ranked[:limit]),
                        decision=decision.kind.value, best_list_id=best)


def link_patient(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int, chart_id: int,
                 now: datetime | None = None) -> UnlinkedPatient:
    """Link (or re-link, when already linked) an unlinked patient to the chart with mirror id ``chart_id``."""
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        found = visible_unlinked(uow, actor, unlinked_id)
        if found.state is LinkState.MERGED:
            raise LinkError("This person was merged into another unlinked patient; link that one instead.")
        pms_id = uow.patients.pms_ids([chart_id]).get(chart_id)
        chart_location = uow.patients.location_of(chart_id)
        if pms_id is None or (chart_location is not None and not actor.sees_location(chart_location)):
            raise LinkError("That chart is no longer in the PMS mirror (or not in your locations); search again.")
        if found.linked_pms_id == pms_id:
            return found
        action = "patient.relink" if found.state is LinkState.LINKED else "patient.link"
        now = now or datetime.now(UTC)
        uow.unlinked.set_link(unlinked_id, pms_id, by=actor.username, now=now)
        # Open proposals about this person are settled by the link (a new run proposes afresh if needed).
        uow.unlinked.decide_pairs(status=PairStatus.RESOLVED, by=actor.username, now=now, unlinked_ids=[unlinked_id])
        record(uow, actor, action, entity_type="unlinked_patient", entity_id=str(unlinked_id), patient_ref=f"pms:{pms_id}",
               details={"before": {"chart": found.linked_pms_id}, "after": {"chart": pms_id}})
        uow.commit()
        return uow.unlinked.get(unlinked_id)


def unlink_patient(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int,
                   now: datetime | None = None) -> UnlinkedPatient:
    """Undo a link: the unlinked patient is back in the list with everything it had."""
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        found = visible_unlinked(uow, actor, unlinked_id)
        if found.state is not LinkState.LINKED:
            return found
        uow.unlinked.set_link(unlinked_id, None, by=actor.username, now=now or datetime.now(UTC))
        record(uow, actor, "patient.unlink", entity_type="unlinked_patient", entity_id=str(unlinked_id),
               patient_ref=f"pms:{found.linked_pms_id}",
               details={"before": {"chart": found.linked_pms_id}, "after": {"chart": None}})
        uow.commit()
        return uow.unlinked.get(unlinked_id)


def links_of_chart(*, uow_factory: UnitOfWorkFactory, actor: Actor, pms_id: str) -> list[UnlinkedPatient]:
    """The unlinked patients linked to this chart (usually none or one)."""
    with uow_factory() as uow:
        return [u for u in uow.unlinked.linked_to(pms_id)
                if u.location_id is None or actor.sees_location(u.location_id)]


def visible_unlinked(uow, actor: Actor, unlinked_id: int) -> UnlinkedPatient:
    found = uow.unlinked.get(unlinked_id)
    if found is None or (found.location_id is not None and not actor.sees_location(found.location_id)):
        raise LinkError("That unlinked patient no longer exists (or is not in your locations).")
    return found


# -- verify (LNK-4) -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ComparedField:
    label: str
    unlinked: object  # the unlinked patient's value (text, date or None)
    chart: object  # the chart's value
    agrees: bool | None  # None when one side is blank


@dataclass(frozen=True, slots=True)
class LinkComparison:
    """The current chart beside what the unlinked patient was created with."""

    unlinked: UnlinkedPatient
    chart: MatchCandidate
    fields: tuple[ComparedField, ...]


_AGREE = {Level.EXACT}


def _agrees(level: Level) -> bool | None:
    return None if level is Level.MISSING else level in _AGREE


def link_comparison(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int) -> LinkComparison:
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        u = visible_unlinked(uow, actor, unlinked_id)
        chart_id = uow.unlinked.mirror_ids([u.linked_pms_id]).get(u.linked_pms_id) if u.linked_pms_id else None
        chart = uow.unlinked.chart(chart_id) if chart_id is not None else None
        if u.state is not LinkState.LINKED or chart is None:
            raise LinkError("This person is not linked to a chart in the PMS mirror any more; link them again.")
        locations = {loc.pms_id: loc.name for loc in uow.mirror.locations()}
        chart_location = uow.patients.location_of(chart_id)
    c = score(person_of(u), chart)
    cmp = c.comparison
    fields = (
        ComparedField("First name", u.first_name, chart.first_name, _agrees(cmp.first_name)),
        ComparedField("Last name", u.last_name, chart.last_name, _agrees(cmp.last_name)),
        ComparedField("Preferred name", u.preferred_name or None, chart.preferred_name,
                      None if not (u.preferred_name and chart.preferred_name)
                      else u.preferred_name.casefold() == chart.preferred_name.casefold()),
        ComparedField("Birthdate", u.birthdate, chart.birthdate, _agrees(cmp.birthdate)),
        # The chart's mobile, else the home or work number the comparison looked at.
        ComparedField("Phone", u.mobile_phone, chart.phone or next(iter(chart.other_phones), None), _agrees(cmp.phone)),
        ComparedField("Email", u.email, chart.email, _agrees(cmp.email)),
        ComparedField("Location", locations.get(u.location_id or ""), locations.get(chart_location or ""),
                      None if not (u.location_id and chart_location) else u.location_id == chart_location),
    )
    return LinkComparison(unlinked=u, chart=candidate_view(c, list_id=chart_id, pms_id=u.linked_pms_id or ""),
                          fields=fields)


def confirm_link(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int,
                 now: datetime | None = None) -> UnlinkedPatient:
    """Staff compared the chart with the person and the link is right."""
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        u = visible_unlinked(uow, actor, unlinked_id)
        if u.state is not LinkState.LINKED:
            raise LinkError("This person is not linked any more; nothing to verify.")
        uow.unlinked.set_verified(unlinked_id, by=actor.username, now=now or datetime.now(UTC))
        record(uow, actor, "patient.link_verified", entity_type="unlinked_patient", entity_id=str(unlinked_id),
               patient_ref=f"pms:{u.linked_pms_id}", details={"chart": u.linked_pms_id,
                                                             "before": {"verified_by": u.verified_by},
                                                             "after": {"verified_by": actor.username}})
        uow.commit()
        return uow.unlinked.get(unlinked_id)


# -- create in PMS (PMS-4) ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HandoffCard:
    """What to type into a PMS without a sanctioned write path, exactly as the sync will match it."""

    title: str
    fields: tuple[tuple[str, str], ...]  # (PMS field, value)
    note: str

    @property
    def text(self) -> str:
        width = max(len(k) for k, _ in self.fields)
        lines = [self.title, ""] + [f"{k + ':':<{width + 1}} {v}" for k, v in self.fields] + ["", self.note]
        return "\n".join(lines)


def handoff_card(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int, vendor: str,
                 region: str = "US") -> HandoffCard:
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        u = visible_unlinked(uow, actor, unlinked_id)
        locations = {loc.pms_id: loc.name for loc in uow.mirror.locations()}
    fields = [("Last name", u.last_name), ("First name", u.first_name)]
    if u.preferred_name:
        fields.append(("Preferred name", u.preferred_name))
    if u.birthdate:
        fields.append(("Birthdate", u.birthdate.strftime("%m/%d/%Y") if region in ("US", "CA") else u.birthdate.isoformat()))
    if u.mobile_phone:
        fields.append(("Mobile (wireless) phone", format_phone(u.mobile_phone, u.mobile_phone, region)))
    if u.email:
        fields.append(("Email", u.email))
    if u.location_id and u.location_id in locations:
        fields.append(("Location / clinic", locations[u.location_id]))
    return HandoffCard(
        title=f"New patient for {vendor}",
        fields=tuple(fields),
        note=("Enter these details exactly as shown (same birthdate and mobile or email). The next sync links "
              "the new chart to this person automatically; if anything differs, it appears under Review ▸ "
              "Needs review."))


def mark_handed_off(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int,
                    now: datetime | None = None) -> UnlinkedPatient:
    actor.require(Right.LINK_PATIENTS)
    with uow_factory() as uow:
        u = visible_unlinked(uow, actor, unlinked_id)
        uow.unlinked.set_pms_request(unlinked_id, PmsRequest.HANDOFF, pending_pms_id=None, now=now or datetime.now(UTC))
        record(uow, actor, "patient.create_in_pms", entity_type="unlinked_patient", entity_id=str(unlinked_id),
               patient_ref=f"unlinked:{unlinked_id}",
               details={"how": "handoff", "before": {"request": u.pms_request}, "after": {"request": "handoff"}})
        uow.commit()
        return uow.unlinked.get(unlinked_id)


def create_in_pms(*, uow_factory: UnitOfWorkFactory, actor: Actor, unlinked_id: int, creator: PatientCreator,
                  retry_unknown: bool = False, now: datetime | None = None) -> UnlinkedPatient:
    """Create the chart through the PMS's API (Open Dental ``POST /patients``); the next sync links it.

    Exactly once: the request is recorded before the API is called, so a crash in between leaves a
    trace. A person whose earlier request never came back is not sent again unless staff checked
    the PMS and say so (``retry_unknown``); a person with a chart id already is never sent again.
    """
    actor.require(Right.LINK_PATIENTS)
    now = now or datetime.now(UTC)
    with uow_factory() as uow:
        u = visible_unlinked(uow, actor, unlinked_id)
        if u.state is not LinkState.UNLINKED:
            raise LinkError("This person is linked to a chart already.")
        if u.pending_pms_id:
            return u  # created before; the sync brings the chart and links it
        if u.pms_request == PmsRequest.API.value and not retry_unknown:
            raise UnknownPmsOutcome("A chart may already have been created for this person (the earlier request got no "
                                    "answer). Look for them in Open Dental first; if they are not there, create again.")
        uow.unlinked.set_pms_request(unlinked_id, PmsRequest.API, pending_pms_id=None, now=now)
        uow.commit()
    draft = ChartDraft(first_name=u.first_name, last_name=u.last_name, preferred_name=u.preferred_name,
                       birthdate=u.birthdate, mobile_e164=u.mobile_phone, email=u.email, location_pms_id=u.location_id)
    try:
        created = creator.create_patient(draft)  # network: outside any transaction
    except PmsWriteError as exc:
        if exc.kind is not WriteFailure.UNKNOWN_OUTCOME:  # the PMS said no, or nothing was sent: no chart exists
            with uow_factory() as uow:
                uow.unlinked.set_pms_request(unlinked_id, None, pending_pms_id=None, now=now)
                uow.commit()
        raise
    with uow_factory() as uow:
        uow.unlinked.set_pms_request(unlinked_id, PmsRequest.API, pending_pms_id=created.pms_id, now=now)
        record(uow, actor, "patient.create_in_pms", entity_type="unlinked_patient", entity_id=str(unlinked_id),
               patient_ref=f"pms:{created.pms_id}",
               details={"how": "api", "before": {"chart": None}, "after": {"chart": created.pms_id}})
        uow.commit()
        return uow.unlinked.get(unlinked_id)


class UnknownPmsOutcome(LinkError):
    """An earlier Create in PMS got no answer: staff must look in the PMS before trying again."""
