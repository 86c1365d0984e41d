"""Services in the packs (tenants/<id>/services.yaml) and the candidates of their rounds (issue #5).

Pure: the packs, the engine and rounds/candidates.py — no database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import msgspec
import pytest

import factories
from test_broken_packs import problems_of, relative
from tierpoints.engine.periods import OPEN_END
from tierpoints.packs.catalog import UnknownService
from tierpoints.packs.models import Names
from tierpoints.rounds import rank
from tierpoints.rounds.candidates import (
    Refusal,
    Standing,
    basis_decoder,
    basis_of,
    candidate,
    key_area,
    key_readers,
    key_value,
    ranking_inputs,
    residence_facts,
    standing,
    standing_of_basis,
)

SNAPSHOT = dt.date(2026, 11, 28)
EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples" / "applicant-xiangshan.json").read_text())


# --- what the packs declare ---------------------------------------------------------------------


def test_hangzhou_declares_settling_and_school_places(catalog):
    """Hangzhou rules §19: ties go to the longer registered residence in the city, then the higher
    social-insurance points, then the higher basic points; publicity no less than 7 working days.
    §2: a minor under 16 ranks on the higher parent's points."""
    services = catalog.services_of("hangzhou")
    assert list(services) == ["settlement", "school_place"]
    for service in services.values():
        assert service.tie_breaks == ["registered_residence", "social_insurance_points", "basic_points"]
        assert service.publicity_working_days == 7 and service.values == "published"
        assert "§19" in service.source.clause
        assert service.eligibility.valid_permit and service.eligibility.not_vetoed
    keys = catalog.tie_breaks(services["settlement"])
    assert [type(k.derive).__name__ for k in keys] == ["ResidenceKey", "IndicatorPointsKey", "CategoryPointsKey"]
    assert keys[1].derive.indicators == ["social_insurance", "hangzhou_social_insurance"]
    assert all(k.prefer == "higher" and k.tenant == "hangzhou" and "§19" in k.source.clause for k in keys)
    school = services["school_place"]
    assert (school.kind, school.ranks_by) == ("school_place", "higher_parent_score")
    assert school.eligibility.child_age.max_years == 15  # §2: under 16
    assert services["settlement"].boundary.resolve == "office_decides"
    assert school.boundary.resolve == "admit_all" and school.boundary.values == "illustrative"


def test_ningbo_and_xiangshan_services(catalog):
    """Xiangshan notice: settling, children's school entry and rental housing subsidies are decided
    by points; their ranking rules are not in the seeds, so they follow Hangzhou's §19 and say so."""
    assert list(catalog.services_of("ningbo")) == ["settlement"]
    xiangshan = catalog.services_of("xiangshan")
    assert list(xiangshan) == ["school_place", "rent_subsidy"]  # not Ningbo's: services are not inherited
    assert catalog.services_of("zhejiang") == {}
    keys = catalog.tie_breaks(xiangshan["rent_subsidy"])
    assert [(k.id, k.tenant) for k in keys] == [
        ("registered_residence", "ningbo"), ("social_insurance_points", "ningbo"), ("basic_points", "ningbo")]
    assert all(s.values == "illustrative" and s.publicity_working_days == 7 for s in xiangshan.values())
    assert "3,314" in xiangshan["school_place"].source.clause and "470" in xiangshan["rent_subsidy"].source.clause


def test_an_unknown_service_names_the_known_ones(catalog):
    with pytest.raises(UnknownService, match=r"'ningbo' runs no service 'school_place' \(its services: settlement"):
        catalog.service("ningbo", "school_place")


def test_ranking_inputs_come_from_the_pack(catalog):
    """The inputs hashed with a ranking: the service's keys and directions, the tiers the tenant
    recognises and the indicator sets in force on the snapshot date."""
    inputs = ranking_inputs(catalog, catalog.service("xiangshan", "school_place"), SNAPSHOT)
    assert [t.key for t in inputs.tie_breaks] == ["registered_residence", "social_insurance_points", "basic_points"]
    assert inputs.tiers == ("zhejiang", "ningbo", "xiangshan")
    assert inputs.policy == ("zhejiang 2022-01-01", "ningbo 2022-01-01", "xiangshan 2022-06-17")


SERVICE_EDITS = [
    ("publicity of 5 working days", "hangzhou/services.yaml", "publicity_working_days: 7\n    boundary:\n      resolve: office_decides",
     "publicity_working_days: 5\n    boundary:\n      resolve: office_decides",
     "hangzhou/services.yaml", 46, "/services/0/publicity_working_days", "5 is less than the minimum of 7"),
    ("school places on the applicant's own score", "hangzhou/services.yaml", "kind: settlement",
     "kind: school_place", "hangzhou/services.yaml", 44, "/services/0/ranks_by", "'higher_parent_score' was expected"),
    ("an unknown tie-break key", "xiangshan/services.yaml",
     "    ranks_by: own_score\n    tie_breaks: [registered_residence, social_insurance_points, basic_points]",
     "    ranks_by: own_score\n    tie_breaks: [registered_residence, hukou_years]",
     "xiangshan/services.yaml", 42, "/services/1/tie_breaks/1",
     ("unknown tie-break key 'hukou_years' (known to 'xiangshan': basic_points, registered_residence, "
      "social_insurance_points)")),
    ("a duplicate service id", "xiangshan/services.yaml", "  - id: rent_subsidy", "  - id: school_place",
     "xiangshan/services.yaml", 28, "/services/1/id", "duplicate service id 'school_place' (also /services/0)"),
    ("a child age range upside down", "xiangshan/services.yaml", "child_age: {min_years: 6, max_years: 15",
     "child_age: {min_years: 12, max_years: 6", "xiangshan/services.yaml", 16,
     "/services/0/eligibility/child_age/min_years", "min_years 12 is above max_years 6"),
    ("an age counted on a day that does not exist", "xiangshan/services.yaml", 'max_years: 15, on: "08-31"',
     'max_years: 15, on: "02-30"', "xiangshan/services.yaml", 16, "/services/0/eligibility/child_age/on",
     "'02-30' is not a day of the year"),
    ("a key reading an indicator of a sibling city", "ningbo/services.yaml", "indicators: [social_insurance]",
     "indicators: [social_insurance, hangzhou_social_insurance]", "ningbo/services.yaml", 17,
     "/tie_break_keys/1/derive/indicators/1", "no indicator 'hangzhou_social_insurance' in the chain of 'ningbo'"),
]


@pytest.mark.parametrize(("name", "file", "old", "new", "where", "line", "pointer", "message"),
                         SERVICE_EDITS, ids=[e[0] for e in SERVICE_EDITS])
def test_real_services_with_one_edit(make_pack_tree, name, file, old, new, where, line, pointer, message):
    """The real services.yaml files, broken by one edit, report the problem at its file and line."""
    tree = make_pack_tree()
    tree.edit(file, old, new)
    problems = problems_of(tree.root)
    assert [(relative(p.file, tree.root), p.line, p.pointer) for p in problems] == [(where, line, pointer)]
    assert message in problems[0].message


def test_a_broken_parent_file_reports_once(make_pack_tree):
    """A problem is reported where it is: Ningbo's unreadable services.yaml does not make the keys
    Xiangshan uses from it 'unknown', nor an unreadable indicator set the indicators a key reads."""
    tree = make_pack_tree()
    tree.edit("ningbo/services.yaml", "publicity_working_days: 7", "publicity_working_days: 3")
    tree.edit("zhejiang/indicators/2022-01-01.yaml", "  - id: social_insurance\n", "  - id: Social Insurance\n")
    problems = problems_of(tree.root)
    assert [(relative(p.file, tree.root), p.pointer) for p in problems] == [
        ("ningbo/services.yaml", "/services/0/publicity_working_days"),
        ("zhejiang/indicators/2022-01-01.yaml", "/indicators/3/id"),
    ]


def test_a_pack_without_services_loads(make_pack_tree):
    """services.yaml is optional: a tenant without one runs no service."""
    tree = make_pack_tree()
    tree.remove("hangzhou/services.yaml")
    assert tree.load().services_of("hangzhou") == {}


# --- tie-break values from an applicant's facts and score ----------------------------------------


def test_the_example_applicant_seen_from_hangzhou(catalog, engine):
    """Hangzhou rules §19 keys, derived: no registered residence in Hangzhou (they live in Xiangshan);
    social-insurance points 24 (the province's 48 months × 0.5; insurance paid in Ningbo earns no
    Hangzhou points, §11.3); basic points 122.5 (the province's 72.5, all basic, + Hangzhou's
    education 50)."""
    service = catalog.service("hangzhou", "settlement")
    facts = engine.validate(EXAMPLE)
    score = engine.score(facts, "hangzhou", SNAPSHOT)
    mine = standing(catalog, service, applicant=7, facts=facts, score=score, snapshot=SNAPSHOT, permit_valid=True)
    assert mine == Standing(applicant=7, total=128.5, keys=(0.0, 24.0, 122.5), tiers=(72.5, 56.0), vetoes=(),
                            permit_valid=True)


def test_the_example_applicant_seen_from_xiangshan(catalog, engine):
    """The county's round counts residence in the county: 1,277 days → 42 full months (§11.5)."""
    service = catalog.service("xiangshan", "rent_subsidy")
    facts = engine.validate(EXAMPLE)
    score = engine.score(facts, "xiangshan", SNAPSHOT)
    mine = standing(catalog, service, applicant=7, facts=facts, score=score, snapshot=SNAPSHOT, permit_valid=True)
    assert mine.total == 114.5 and mine.keys == (42.0, 24.0, 97.5) and mine.tiers == (72.5, 28.0, 14.0)


def test_registered_residence_counts_merged_periods_inside_the_area(catalog, engine):
    """Hangzhou rules §11.5 (length of residence per the public security records): overlapping
    periods count once, both ends included, 30 days a month, remainders nothing; only periods in
    the city's area (its districts are places of hangzhou) and up to the snapshot date."""
    facts = engine.validate({"residence": [
        {"start": "2020-01-01", "end": "2020-12-31", "tenant": "xihu"},      # 366 days
        {"start": "2020-06-01", "end": "2021-01-29", "tenant": "hangzhou"},  # + 29 days not yet covered
        {"start": "2022-01-01", "end": None, "tenant": "ningbo"},            # outside Hangzhou
        {"start": "2027-01-01", "end": None, "tenant": "binjiang"},          # after the snapshot
    ]})
    service = catalog.service("hangzhou", "settlement")
    key = catalog.tie_breaks(service)[0]
    area = key_area(catalog, service.tenant, key)
    score = engine.score(facts, "hangzhou", SNAPSHOT)
    assert key_value(key, basis_of(score, facts), SNAPSHOT, area) == (366 + 29) // 30 == 13


def test_the_stored_basis_ranks_as_the_explained_result_and_facts(catalog, engine):
    """Issue #5 (end to end from stored scores): a determination keeps a short Basis (tier,
    indicator and category points, vetoes, residence periods) beside its explained result; its
    JSON, decoded, gives every service of every tenant exactly the standing the result and the
    facts give, whatever the snapshot."""
    factories.seed(5)
    for tenant in ("hangzhou", "xiangshan", "ningbo"):
        for service in catalog.services_of(tenant).values():
            for raw in factories.ApplicantFactory.facts_batch(40):
                facts = engine.validate(raw)
                score = engine.score(facts, tenant, SNAPSHOT)
                stored = basis_decoder.decode(msgspec.json.encode(basis_of(score, residence_facts.decode(
                    msgspec.json.encode(raw)))))
                for snapshot in (SNAPSHOT, SNAPSHOT + dt.timedelta(days=400)):
                    readers = key_readers(catalog, service, snapshot)
                    assert standing_of_basis(readers, applicant=1, basis=stored, permit_valid=True) \
                        == standing(catalog, service, applicant=1, facts=facts, score=score, snapshot=snapshot,
                                    permit_valid=True)
                assert len(msgspec.json.encode(stored)) < len(msgspec.json.encode(score)) / 10


def test_the_key_vector_gives_every_service_the_keys_of_the_basis(catalog, engine):
    """Issue #5 (scale): a determination also keeps its tenant's tie-break values as numbers (the
    day, total, tiers, each key's value that day and its growth a day after). For every service of
    every tenant, over generated facts determined on one day and ranked on that day and later ones,
    the numbers give exactly what the key readers give off the Basis (residence in days or full
    months, §11.5); periods in the area that start or end after that day give no vector (the
    Basis is read), and a layout names what the vector holds (another pack's keys → another name)."""
    import numpy as np

    from tierpoints.rounds.candidates import key_layout, key_vector, vector_keys

    factories.seed(6)
    checked = without = 0
    for tenant in ("hangzhou", "xiangshan", "ningbo"):
        layout = key_layout(catalog, tenant)
        for raw in factories.ApplicantFactory.facts_batch(60):
            facts = engine.validate(raw)
            basis = basis_of(engine.score(facts, tenant, SNAPSHOT), residence_facts.decode(msgspec.json.encode(raw)))
            vector = key_vector(layout, basis, SNAPSHOT)
            if vector is None:
                without += 1
                assert any(start > SNAPSHOT.toordinal() or SNAPSHOT.toordinal() < end != OPEN_END
                           for _, start, end in basis.residence)
                continue
            numbers = np.frombuffer(vector, "<f8").reshape(1, layout.width)
            assert numbers[0, 1] == basis.total and tuple(numbers[0, 2:2 + layout.tiers]) == basis.tiers
            for service in catalog.services_of(tenant).values():
                for later in (0, 1, 29, 30, 400, 3653):
                    snapshot = SNAPSHOT + dt.timedelta(days=later)
                    expected = tuple(read(basis) for read in key_readers(catalog, service, snapshot))
                    got = vector_keys(layout, catalog.tie_breaks(service), numbers, snapshot)
                    assert tuple(got[0].tolist()) == expected, (tenant, service.id, later)
                    checked += 1
    assert checked > 500 and without > 0  # both ways are exercised
    ningbo = key_layout(catalog, "ningbo")
    assert ningbo.name == key_layout(catalog, "ningbo").name != key_layout(catalog, "hangzhou").name
    assert msgspec.structs.replace(ningbo, keys=ningbo.keys[1:]).name != ningbo.name
    renamed = msgspec.structs.replace(ningbo.keys[0], note="reworded", name=Names(zh="改名", en="renamed"))
    assert msgspec.structs.replace(ningbo, keys=(renamed, *ningbo.keys[1:])).name == ningbo.name


def test_a_standing_is_the_score_the_service_tenant_sees_by_the_snapshot(catalog, engine):
    """Issue #5: a service ranks the recognised score as its tenant sees it, determined by the
    snapshot date (an earlier determination day is fine, a later one or another tenant's view not)."""
    facts = engine.validate(EXAMPLE)
    service = catalog.service("hangzhou", "settlement")
    for at, on in (("ningbo", SNAPSHOT), ("hangzhou", SNAPSHOT + dt.timedelta(days=1))):
        with pytest.raises(ValueError, match="ranks the points as hangzhou sees them"):
            standing(catalog, service, applicant=1, facts=facts, score=engine.score(facts, at, on),
                     snapshot=SNAPSHOT, permit_valid=True)
    earlier = standing(catalog, service, applicant=1, facts=facts, snapshot=SNAPSHOT, permit_valid=True,
                       score=engine.score(facts, "hangzhou", SNAPSHOT - dt.timedelta(days=30)))
    assert earlier.total == float(engine.score(facts, "hangzhou", SNAPSHOT - dt.timedelta(days=30)).total)


# --- eligibility ------------------------------------------------------------------------------------


def person(applicant: int, total: float, keys=(12.0, 3.0, 50.0), *, valid: bool = True, vetoes=()) -> Standing:
    return Standing(applicant=applicant, total=total, keys=keys, tiers=(total, 0.0), vetoes=vetoes,
                    permit_valid=valid)


def test_a_suspended_permit_is_not_ranked(catalog):
    """Hangzhou rules §21: while the permit is suspended the points are temporarily invalid and not ranked."""
    service = catalog.service("hangzhou", "settlement")
    refused = candidate(catalog, service, applicant=1, snapshot=SNAPSHOT, own=person(1, 150, valid=False))
    assert isinstance(refused, Refusal) and "§21" in refused.reasons[0]


def test_a_vetoed_applicant_is_not_ranked(catalog):
    """Hangzhou rules §11: a one-vote veto disqualifies, whatever the points."""
    service = catalog.service("hangzhou", "settlement")
    refused = candidate(catalog, service, applicant=1, snapshot=SNAPSHOT,
                        own=person(1, 150, vetoes=("criminal_record (hangzhou)",)))
    assert refused.reasons == ["one-vote veto: criminal_record (hangzhou)"]


def test_the_minimum_points(catalog, make_pack_tree):
    """services.yaml eligibility.min_points: below it, not ranked."""
    tree = make_pack_tree()
    tree.edit("ningbo/services.yaml", "      min_points: 0", "      min_points: 60")
    edited = tree.load()
    service = edited.service("ningbo", "settlement")
    assert candidate(edited, service, applicant=1, snapshot=SNAPSHOT, own=person(1, 60)).total == 60
    refused = candidate(edited, service, applicant=2, snapshot=SNAPSHOT, own=person(2, 59.75))
    assert refused.reasons == ["total 59.75 below the minimum 60 of settlement"]


def test_an_eligible_applicant_becomes_a_candidate(catalog):
    service = catalog.service("hangzhou", "settlement")
    made = candidate(catalog, service, applicant=3, snapshot=SNAPSHOT, own=person(3, 99.5),
                     masked_name="王*", masked_identity="330***********123X")
    assert (made.applicant, made.total, made.keys, made.points_of) == (3, 99.5, (12.0, 3.0, 50.0), None)
    assert made.masked_identity == "330***********123X"


# --- a child on a parent's points (Hangzhou rules §2) -------------------------------------------------


def school(catalog):
    return catalog.service("hangzhou", "school_place")


BORN = dt.date(2019, 8, 31)  # 6 on 31 August 2026, the pack's counting day


def test_the_child_ranks_on_the_higher_parents_points(catalog):
    """Hangzhou rules §2: a minor under 16 enjoys services on the higher points of the father or
    mother holding a valid permit; the tie-break values come from that same parent."""
    made = candidate(catalog, school(catalog), applicant=100, snapshot=SNAPSHOT, child_permit_valid=True,
                     born_on=BORN, parents=[person(1, 90, (60.0, 20.0, 80.0)), person(2, 95, (1.0, 0.0, 10.0))])
    assert (made.total, made.keys, made.points_of) == (95, (1.0, 0.0, 10.0), 2)


def test_equal_parents_give_the_child_the_better_tie_breaks(catalog):
    """Hangzhou rules §2 with §19: with equal totals the child stands where the better-placed parent would."""
    made = candidate(catalog, school(catalog), applicant=100, snapshot=SNAPSHOT, child_permit_valid=True,
                     born_on=BORN, parents=[person(1, 95, (24.0, 5.0, 50.0)), person(2, 95, (24.0, 6.0, 10.0))])
    assert made.points_of == 2


def test_only_parents_with_a_valid_unvetoed_permit_count(catalog):
    """Hangzhou rules §2: a parent who holds a valid permit; §21: suspended points do not rank; a vetoed
    parent's points do not either."""
    parents = [person(1, 200, valid=False), person(2, 180, vetoes=("false_material (hangzhou)",)), person(3, 70)]
    made = candidate(catalog, school(catalog), applicant=100, snapshot=SNAPSHOT, child_permit_valid=True,
                     born_on=BORN, parents=parents)
    assert (made.total, made.points_of) == (70, 3)
    refused = candidate(catalog, school(catalog), applicant=100, snapshot=SNAPSHOT, child_permit_valid=True,
                        born_on=BORN, parents=parents[:2])
    assert isinstance(refused, Refusal) and "§2" in refused.reasons[-1]


@pytest.mark.parametrize(("born", "eligible"), [
    (dt.date(2020, 8, 31), True),    # 6 on 31 August 2026
    (dt.date(2020, 9, 1), False),    # 5 on 31 August 2026, though 6 on the snapshot date
    (dt.date(2010, 9, 1), True),     # 15
    (dt.date(2010, 8, 31), False),   # 16: §2 is for minors under 16
])
def test_the_childs_age_on_the_counting_day(catalog, born, eligible):
    """Hangzhou rules §2 (under 16) and the pack's school age (6 on 31 August of the snapshot's year)."""
    made = candidate(catalog, school(catalog), applicant=100, snapshot=dt.date(2026, 11, 28),
                     child_permit_valid=True, born_on=born, parents=[person(1, 90)])
    assert isinstance(made, Refusal) != eligible
    if not eligible:
        assert "aged" in made.reasons[0] and "2026-08-31" in made.reasons[0]


def test_the_child_holds_a_valid_permit(catalog):
    """Hangzhou rules §2: minor certificate holders."""
    refused = candidate(catalog, school(catalog), applicant=100, snapshot=SNAPSHOT, child_permit_valid=False,
                        born_on=BORN, parents=[person(1, 90)])
    assert "child's permit" in refused.reasons[0]


# --- end to end, without storage ------------------------------------------------------------------------


def test_generated_applicants_rank_reproducibly_at_hangzhou(catalog, engine):
    """Facts → the engine's score at Hangzhou on the snapshot → standings → candidates → ranking;
    the same people in another order give the same hash."""
    factories.seed(11)
    service = catalog.service("hangzhou", "settlement")
    made = []
    for applicant, raw in enumerate(factories.ApplicantFactory.facts_batch(150), start=1000):
        facts = engine.validate(raw)
        score = engine.score(facts, "hangzhou", SNAPSHOT)
        own = standing(catalog, service, applicant=applicant, facts=facts, score=score, snapshot=SNAPSHOT,
                       permit_valid=applicant % 10 != 0)
        made.append(candidate(catalog, service, applicant=applicant, snapshot=SNAPSHOT, own=own))
    candidates = [c for c in made if not isinstance(c, Refusal)]
    assert 0 < len(candidates) < len(made)  # some suspended, some vetoed
    inputs = ranking_inputs(catalog, service, SNAPSHOT)
    ranking = rank(candidates, inputs)
    shuffled = list(candidates)
    random.Random(3).shuffle(shuffled)
    assert rank(shuffled, inputs).hash == ranking.hash
    totals = [e.total for e in ranking]
    assert totals == sorted(totals, reverse=True)
