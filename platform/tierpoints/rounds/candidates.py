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

A determination keeps its Basis (basis_of: its result's tier, indicator and category points,
vetoes, and the facts' residence periods): the keys of any service and snapshot are read off it
(key_readers), so a round need not read the explained result or the facts again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import numpy as np

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


class Period(msgspec.Struct, frozen=True, gc=False):
    start: dt.date
    end: dt.date | None
    tenant: str


class ResidenceFacts(msgspec.Struct, frozen=True, gc=False):
    """The facts a residence tie-break key reads: decoded from stored facts JSON alone."""

    residence: tuple[Period, ...] = ()


residence_facts = msgspec.json.Decoder(ResidenceFacts)


class Basis(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """What a determination brings to any service round of its tenant, whatever the round's
    tie-breaks and snapshot: kept with each determination (store: ranking_basis), so a round
    reads a few hundred bytes a person instead of the explained result and the facts."""

    total: float
    tiers: tuple[float, ...]  # each tier's points, in the chain's order
    indicator_points: dict[str, float]  # before tier caps, the indicators that gave points
    category_points: dict[str, float]
    vetoes: tuple[str, ...]  # "indicator (tenant)" of each one-vote veto that applies
    residence: tuple[tuple[str, int, int], ...]  # (tenant, first day, last day or OPEN_END) ordinals


basis_decoder = msgspec.json.Decoder(Basis)


def basis_of(score: ScoreResult, facts: Any) -> Basis:
    """The Basis of an engine result and the facts it scored (anything with `.residence`)."""
    indicators: dict[str, float] = {}
    categories: dict[str, float] = {}
    for tier in score.tiers:
        for item in tier.indicators:
            if item.points:
                indicators[item.id] = indicators.get(item.id, 0.0) + float(item.points)
                categories[item.category] = categories.get(item.category, 0.0) + float(item.points)
    return Basis(
        total=float(score.total), tiers=tuple(float(tier.points) for tier in score.tiers),
        indicator_points=indicators, category_points=categories,
        vetoes=tuple(f"{veto.indicator} ({veto.tenant})" for veto in score.vetoes) if score.vetoed else (),
        residence=tuple((item.tenant, item.start.toordinal(), OPEN_END if item.end is None else item.end.toordinal())
                        for item in getattr(facts, "residence", ()) or ()),
    )


class KeyLayout(msgspec.Struct, frozen=True):
    """How a determination's key vector is laid out for its tenant's rounds (key_vector): the
    tenant's tie-break keys (declared by it or above) with the area each residence key counts in,
    and how many tiers. `name` is a digest of it: a vector written under another layout (a pack
    changed its keys, the map its areas) is not read; its Basis is."""

    tenant: str
    tiers: int
    keys: tuple[TieBreakKey, ...]
    areas: tuple[tuple[str, ...], ...]  # per key: the residence area, sorted (empty for points keys)

    @property
    def width(self) -> int:
        return 2 + self.tiers + 2 * len(self.keys)

    @property
    def name(self) -> str:
        """A digest of what the numbers depend on (a key's names and notes are not in it)."""
        counted = (self.tenant, self.tiers, [(key.id, key.derive) for key in self.keys], self.areas)
        return hashlib.sha256(msgspec.json.encode(counted)).hexdigest()[:16]


def key_layout(catalog: PolicyCatalog, tenant: str) -> KeyLayout:
    keys = tuple(catalog.tie_break_keys_for(tenant).values())
    return KeyLayout(tenant=tenant, tiers=len(catalog.chain(tenant)), keys=keys,
                     areas=tuple(tuple(sorted(key_area(catalog, tenant, key))) for key in keys))


def key_vector(layout: KeyLayout, basis: Basis, as_of: dt.date) -> bytes | None:
    """The numbers a round of the layout's tenant ranks a determination by, as float64s: the day
    it was determined (ordinal), the total, each tier's points, then per tie-break key its value
    on that day and how much it grows a day after (1 for residence still running in the area,
    else 0). A round on a later snapshot reads every key without the Basis (population.py).
    None when a key is not linear after that day (a period in the area starting or ending later):
    such a determination is read through its Basis."""
    day = as_of.toordinal()
    numbers = [float(day), basis.total, *basis.tiers]
    for key, area in zip(layout.keys, layout.areas):
        derive = key.derive
        if isinstance(derive, ResidenceKey):
            periods = [(start, end) for tenant, start, end in basis.residence if tenant in area]
            if any(start > day or (day < end != OPEN_END) for start, end in periods):
                return None
            numbers += [float(covered_days(periods, day)), float(any(end == OPEN_END for _, end in periods))]
        else:
            numbers += [key_reader(key, frozenset(area), as_of)(basis), 0.0]
    return struct.pack(f"<{len(numbers)}d", *numbers)


def vector_keys(layout: KeyLayout, service_keys: Sequence[TieBreakKey], vectors: np.ndarray,
                snapshot: dt.date) -> np.ndarray:
    """The service's tie-break values on `snapshot` from key vectors (rows of `vectors`), as
    key_readers would read them off each Basis: (n, keys)."""
    positions = {key.id: i for i, key in enumerate(layout.keys)}
    first = 2 + layout.tiers
    columns = []
    for key in service_keys:
        at = first + 2 * positions[key.id]
        days = vectors[:, at] + vectors[:, at + 1] * (snapshot.toordinal() - vectors[:, 0])
        if isinstance(key.derive, ResidenceKey) and key.derive.unit != "day":
            days = full_months(days)
        columns.append(days)
    return np.column_stack(columns) if columns else np.empty((len(vectors), 0))


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


def key_area(catalog: PolicyCatalog, tenant: str, key: TieBreakKey) -> frozenset[str]:
    """The area a residence key of `tenant`'s services counts in: the tenant's, or its city's."""
    derive = key.derive
    if not isinstance(derive, ResidenceKey):
        return frozenset()
    if derive.within == "service_tenant":
        return catalog.tree.area(tenant)
    city = next(m.id for m in catalog.chain(tenant) if m.tier == "city")
    return catalog.tree.area(city)


def key_reader(key: TieBreakKey, area: frozenset[str], snapshot: dt.date) -> Callable[[Basis], float]:
    """How one tie-break key's value is read off a person's Basis on the snapshot date (module
    doc); made once a round, called once a person."""
    derive = key.derive
    if isinstance(derive, ResidenceKey):
        as_of, in_months = snapshot.toordinal(), derive.unit != "day"

        def residence(basis: Basis) -> float:
            days = covered_days([(start, end) for tenant, start, end in basis.residence if tenant in area], as_of)
            return float(full_months(days) if in_months else days)
        return residence
    if isinstance(derive, IndicatorPointsKey):
        wanted = tuple(sorted(set(derive.indicators)))

        def indicators(basis: Basis) -> float:
            points = basis.indicator_points
            return float(sum([points.get(indicator, 0.0) for indicator in wanted]))
        return indicators
    if isinstance(derive, CategoryPointsKey):
        category = derive.category
        return lambda basis: basis.category_points.get(category, 0.0)
    raise TypeError(f"unknown tie-break derivation {derive!r}")


def key_value(key: TieBreakKey, basis: Basis, snapshot: dt.date, area: frozenset[str]) -> float:
    """One tie-break key's value for one person."""
    return key_reader(key, area, snapshot)(basis)


def key_readers(catalog: PolicyCatalog, service: Service, snapshot: dt.date) -> tuple[Callable[[Basis], float], ...]:
    """The service's tie-break keys as readers of a Basis on `snapshot`, most significant first."""
    return tuple(key_reader(key, key_area(catalog, service.tenant, key), snapshot)
                 for key in catalog.tie_breaks(service))


def standing(catalog: PolicyCatalog, service: Service, *, applicant: int, facts: Any, score: ScoreResult,
             snapshot: dt.date, permit_valid: bool) -> Standing:
    """A person's standing for `service`: `facts` is the validated facts struct the score was
    computed from (engine.validate), `score` the engine's result at the service's tenant as of
    a day on or before the snapshot date (when the points were determined)."""
    check_determined(service, score.tenant, dt.date.fromisoformat(score.as_of), snapshot)
    return standing_of_basis(key_readers(catalog, service, snapshot), applicant=applicant,
                             basis=basis_of(score, facts), permit_valid=permit_valid)


def check_determined(service: Service, tenant: str, as_of: dt.date, snapshot: dt.date) -> None:
    """A round ranks the points as its service's tenant sees them, determined by the snapshot."""
    if tenant != service.tenant or as_of > snapshot:
        raise ValueError(f"{service.tenant}/{service.id} on {snapshot} ranks the points as {service.tenant} "
                         f"sees them, determined by that date, not the score at {tenant} on {as_of}")


def standing_of_basis(readers: Sequence[Callable[[Basis], float]], *, applicant: int, basis: Basis,
                      permit_valid: bool) -> Standing:
    """The standing from a Basis; `readers` from key_readers (the caller has checked whose view
    of the points it is, and from when: check_determined)."""
    return Standing(applicant=applicant, total=basis.total, keys=tuple(read(basis) for read in readers),
                    tiers=basis.tiers, vetoes=basis.vetoes, permit_valid=permit_valid)


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
