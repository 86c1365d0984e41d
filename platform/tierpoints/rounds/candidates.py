"""From an applicant's facts and score result to a ranking candidate of a service round.

Everything a ranking needs is derived here from what the platform already holds, on the
round's snapshot date:

- the total: the recognised score as the service's tenant sees it (engine ScoreResult with
  `tenant` = the service's tenant, as of the day the points were determined — on or before
  the snapshot date; features/rounds/population.py);
- each tie-break key, as its pack declaration says (services.yaml `tie_break_keys`):
  `residence` from the facts' residence periods inside an area (the public security
  registration records, Hangzhou rules §11.5: overlaps once, both ends included, 30 days a
  month), `indicator_points` and `category_points` from the score result's indicator
  points (before tier caps);
- eligibility (services.yaml `eligibility`): a permit valid on the snapshot date (§21:
  suspended points are not ranked), no one-vote veto, the minimum points, and for a child
  ranked on a parent's points the age rule;
- for `ranks_by: higher_parent_score` (§2: a minor under 16 uses the higher points of a
  father or mother holding a valid permit): the parent with the higher total, tie-break
  values taken from that same parent; equal totals → the parent whose tie-break values rank
  first, so the child stands exactly where that parent would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec

from tierpoints.engine.periods import OPEN_END, age_in_full_years, covered_days, full_months
from tierpoints.engine.results import ScoreResult
from tierpoints.packs.catalog import PolicyCatalog
from tierpoints.packs.models import (
    CategoryPointsKey,
    IndicatorPointsKey,
    ResidenceKey,
    Service,
    TieBreakKey,
)
from tierpoints.rounds.ranking import Candidate, RankingInputs, TieBreak


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    """One person's points as a service sees them on the snapshot date."""

    applicant: int
    total: float
    keys: tuple[float, ...]  # in the service's tie-break order
    tiers: tuple[float, ...]
    vetoes: tuple[str, ...]  # "indicator (tenant)" of each one-vote veto
    permit_valid: bool


class Refusal(msgspec.Struct, frozen=True, kw_only=True):
    """An applicant who is not ranked, and why (each reason names its rule)."""

    applicant: int
    reasons: list[str]


def ranking_inputs(catalog: PolicyCatalog, service: Service, snapshot: dt.date) -> RankingInputs:
    """The inputs of a round of `service` on `snapshot`: its tie-breaks, tiers and policy versions."""
    chain = catalog.chain(service.tenant)
    return RankingInputs(
        tenant=service.tenant, service=service.id, snapshot=snapshot,
        tie_breaks=tie_breaks_of(catalog, service),
        tiers=tuple(manifest.id for manifest in chain),
        policy=tuple(f"{m.id} {catalog.set_in_force(m.id, snapshot).effective_from}" for m in chain),
    )


def key_area(catalog: PolicyCatalog, service: Service, key: TieBreakKey) -> frozenset[str]:
    """The area a residence key counts in: the service's tenant's, or its city's."""
    derive = key.derive
    if not isinstance(derive, ResidenceKey):
        return frozenset()
    if derive.within == "service_tenant":
        return catalog.tree.area(service.tenant)
    city = next(m.id for m in catalog.chain(service.tenant) if m.tier == "city")
    return catalog.tree.area(city)


def key_value(key: TieBreakKey, facts: Any, score: ScoreResult, snapshot: dt.date,
              area: frozenset[str]) -> float:
    """One tie-break key's value for one person (module doc)."""
    derive = key.derive
    if isinstance(derive, ResidenceKey):
        periods = [(item.start.toordinal(), OPEN_END if item.end is None else item.end.toordinal())
                   for item in facts.residence if item.tenant in area]
        days = covered_days(periods, snapshot.toordinal())
        return float(days if derive.unit == "day" else full_months(days))
    if isinstance(derive, IndicatorPointsKey):
        wanted = set(derive.indicators)
        return float(sum(i.points for tier in score.tiers for i in tier.indicators if i.id in wanted))
    if isinstance(derive, CategoryPointsKey):
        return float(sum(i.points for tier in score.tiers for i in tier.indicators
                         if i.category == derive.category))
    raise TypeError(f"unknown tie-break derivation {derive!r}")


def standing(catalog: PolicyCatalog, service: Service, *, applicant: int, facts: Any, score: ScoreResult,
             snapshot: dt.date, permit_valid: bool) -> Standing:
    """A person's standing for `service`: `facts` is the validated facts struct the score was
    computed from (engine.validate), `score` the engine's result at the service's tenant as of
    a day on or before the snapshot date (when the points were determined)."""
    if score.tenant != service.tenant or dt.date.fromisoformat(score.as_of) > snapshot:
        raise ValueError(f"{service.tenant}/{service.id} on {snapshot} ranks the points as {service.tenant} "
                         f"sees them, determined by that date, not the score at {score.tenant} on {score.as_of}")
    keys = catalog.tie_breaks(service)
    return Standing(
        applicant=applicant, total=float(score.total),
        keys=tuple(key_value(key, facts, score, snapshot, key_area(catalog, service, key)) for key in keys),
        tiers=tuple(float(tier.points) for tier in score.tiers),
        vetoes=tuple(f"{veto.indicator} ({veto.tenant})" for veto in score.vetoes) if score.vetoed else (),
        permit_valid=permit_valid,
    )


def _first(tie_breaks: Sequence[TieBreak], standings: Sequence[Standing]) -> Standing:
    """The standing that ranks first: higher total, then the keys in their directions, then
    (identical in everything that counts) the lower applicant id, so the choice is fixed."""
    def order(s: Standing):
        oriented = tuple(-v if tie.prefer == "higher" else v for tie, v in zip(tie_breaks, s.keys))
        return (-s.total, *oriented, s.applicant)
    return min(standings, key=order)


def candidate(catalog: PolicyCatalog, service: Service, *, applicant: int, snapshot: dt.date,
              own: Standing | None = None, parents: Sequence[Standing] = (),
              child_permit_valid: bool = False, born_on: dt.date | None = None,
              masked_name: str = "", masked_identity: str = "") -> Candidate | Refusal:
    """The candidate `applicant` is in a round of `service`, or a Refusal giving every reason.

    own_score: `own` is the applicant's standing (its permit and vetoes included).
    higher_parent_score: the applicant is the child (Hangzhou rules §2: a minor holding a
    permit), `child_permit_valid` its permit on the snapshot date, `born_on` its birth date,
    `parents` the standings of its parents or guardians; only those with a valid permit and no
    veto count.
    """
    rules = service.eligibility
    reasons = []
    if service.ranks_by == "own_score":
        if own is None:
            raise ValueError(f"{service.id} ranks the applicant's own score: give `own`")
        if own.applicant != applicant:
            raise ValueError(f"the standing given is applicant {own.applicant}'s, not {applicant}'s")
        basis = own
        if not own.permit_valid:
            reasons.append(f"permit not valid on {snapshot}: points temporarily invalid and not ranked "
                           "(Hangzhou rules §21)")
        if own.vetoes:
            reasons.append(f"one-vote veto: {', '.join(own.vetoes)}")
    else:
        if not child_permit_valid:
            reasons.append(f"the child's permit is not valid on {snapshot} (Hangzhou rules §2: minor "
                           "certificate holders)")
        age = rules.child_age
        if born_on is None:
            reasons.append("no birth date: the age rule cannot be checked")
        elif age is not None:
            on = age.counted_on(snapshot)
            years = age_in_full_years(born_on, on)
            if not age.min_years <= years <= age.max_years:
                reasons.append(f"aged {years} on {on}: {service.id} takes children of "
                               f"{age.min_years} to {age.max_years}")
        usable = [p for p in parents if p.permit_valid and not p.vetoes]
        if not usable:
            reasons.append("no father, mother or guardian with a valid permit and unvetoed points "
                           "(Hangzhou rules §2)")
            return Refusal(applicant=applicant, reasons=reasons)
        basis = _first(tie_breaks_of(catalog, service), usable)
    if basis.total < rules.min_points:
        reasons.append(f"total {basis.total:g} below the minimum {rules.min_points:g} of {service.id}")
    if reasons:
        return Refusal(applicant=applicant, reasons=reasons)
    return Candidate(applicant, basis.total, basis.keys, basis.tiers, masked_name, masked_identity,
                     None if basis.applicant == applicant else basis.applicant)


def tie_breaks_of(catalog: PolicyCatalog, service: Service) -> tuple[TieBreak, ...]:
    """The service's tie-breaks as the ranking takes them (key id and direction)."""
    return tuple(TieBreak(key.id, key.prefer) for key in catalog.tie_breaks(service))
