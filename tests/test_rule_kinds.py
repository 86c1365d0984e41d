"""Every rule kind through the real packs, tier caps, recognition, dating, facts validation,
and the batch path against the single path (issue #2 §1 and §3).

Indicators used (tenants/*/indicators/*.yaml):
- lookup: zhejiang education (enum), zhejiang vocational_skill (list), ningbo/hangzhou
  commendation (records field), hangzhou education_or_title (inside best_of)
- bands: zhejiang age (age, with step), ningbo public_welfare / hangzhou volunteer_service
  (value), ningbo charitable_donation / investment_tax, xiangshan local_donation (total)
- duration: zhejiang social_insurance (month), hangzhou_social_insurance (month, where +
  in_area), hangzhou residence_permit_years and rented housing (year)
- count: ningbo blood_donation / job_creation (number), ningbo invention (records + where),
  xiangshan local_commendation (records + in_area)
- flag: ningbo shortage_occupation, xiangshan spring_festival_stay (boolean), ningbo and
  hangzhou employment (records + where + in_area), owned homes (inside best_of)
- best_of: ningbo housing, hangzhou housing, xiangshan local_housing, hangzhou education_or_title
- deduction: ningbo violations and crimes, hangzhou detention
- veto: hangzhou false_material (boolean) and criminal_record (records + where)
"""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import msgspec
import numpy as np
import pytest

import factories
from tierpoints import paths
from tierpoints.engine import Engine, FactsError, ScoreResult
from tierpoints.packs.catalog import NotInForce, UnknownTenant

AS_OF = dt.date(2026, 11, 28)


def score(engine, facts, at, as_of=AS_OF) -> ScoreResult:
    return engine.score(facts, at=at, as_of=as_of)


def find(result: ScoreResult, indicator_id: str):
    found = [i for tier in result.tiers for i in tier.indicators if i.id == indicator_id]
    assert len(found) == 1, f"{indicator_id} appears {len(found)} times in the chain"
    return found[0]


def points(engine, facts, at, indicator_id, as_of=AS_OF):
    return find(score(engine, facts, at, as_of), indicator_id).points


def tier_of(result: ScoreResult, tenant: str):
    return next(t for t in result.tiers if t.tenant == tenant)


def period(start: str, days: int | None, **fields):
    """A period of `days` days from start (both ends included); None = still running."""
    first = dt.date.fromisoformat(start)
    end = None if days is None else (first + dt.timedelta(days=days - 1)).isoformat()
    return {"start": start, "end": end, **fields}


def si(start, days, city, pension=True, province="zhejiang"):
    return period(start, days, province=province, city=city, pension=pension)


# === lookup ===============================================================================

def test_lookup_enum(engine):
    """Issue #2 §1 lookup tables over categories: zhejiang education junior_college → 8."""
    result = find(score(engine, {"education": "junior_college"}, "zhejiang"), "education")
    assert (result.points, result.reason) == (8, "junior_college: 8")


def test_lookup_list_takes_the_highest_entry_only(engine):
    """Issue #2 §1: lookup over a list — "highest one only, not cumulative" (zhejiang vocational skill)."""
    result = find(score(engine, {"qualifications": ["skill_level_4", "junior_title", "skill_level_5"]},
                        "zhejiang"), "vocational_skill")
    assert result.points == 8
    assert result.reason == "highest of skill_level_4, junior_title, skill_level_5: junior_title 8"


@pytest.mark.parametrize(("commendations", "expected"), [
    ([{"level": "county", "tenant": "ningbo"}], 4),
    ([{"level": "county", "tenant": "ningbo"}, {"level": "national", "tenant": "shanghai"}], 15),
    ([{"level": "municipal", "tenant": "ningbo"}, {"level": "provincial", "tenant": "zhejiang"},
      {"level": "municipal", "tenant": "ningbo"}], 12),
    ([], 0),
])
def test_lookup_records_field_highest_only(engine, commendations, expected):
    """Ningbo commendation and award ("highest only"): lookup over the `level` field of records."""
    assert points(engine, {"commendations": commendations}, "ningbo", "commendation") == expected


def test_lookup_entry_missing_from_the_table_scores_nothing(engine):
    """Hangzhou commendation (§11.6) has no county level: a county award scores nothing there."""
    result = find(score(engine, {"commendations": [{"level": "county", "tenant": "hangzhou"}]}, "hangzhou"),
                  "commendation")
    assert result.points == 0 and result.reason == "county: no points"


# === bands ================================================================================

@pytest.mark.parametrize(("hours", "expected"), [
    (0, 0), (49.5, 0), (50, 3), (99.75, 3), (100, 6), (199, 6), (200, 10), (1000, 10),
])
def test_bands_value_ningbo_public_welfare(engine, hours, expected):
    """Issue #2 §1 numeric bands; Ningbo public welfare (illustrative): 50 h → 3, 100 h → 6, 200 h → 10."""
    assert points(engine, {"volunteer_hours": hours}, "ningbo", "public_welfare") == expected


@pytest.mark.parametrize(("hours", "expected"), [(99, 0), (100, 5), (199.9, 5), (200, 10)])
def test_bands_value_hangzhou_volunteer_service(engine, hours, expected):
    """Hangzhou rules §11.7 social services: volunteer hours in bands (illustrative values)."""
    assert points(engine, {"volunteer_hours": hours}, "hangzhou", "volunteer_service") == expected


def test_bands_value_not_claimed(engine):
    """DOMAIN.md facts: every point comes from evidence — a fact not claimed scores nothing."""
    result = find(score(engine, {}, "ningbo"), "public_welfare")
    assert (result.points, result.reason) == (0, "not claimed")


def test_bands_age_with_step(engine):
    """Issue #2 zhejiang table: age band 41–54 has `step: -1` — 19 at 41 down to 6 at 54."""
    for age in range(41, 55):
        born = AS_OF.replace(year=AS_OF.year - age).isoformat()
        assert points(engine, {"birth_date": born}, "zhejiang", "age") == 60 - age


@pytest.mark.parametrize(("donations", "expected"), [
    ([{"amount": 999.99, "tenant": "ningbo"}], 0),
    ([{"amount": 1000, "tenant": "ningbo"}], 3),
    # the total over the list, inside Ningbo (Xiangshan is in Ningbo): 600 + 400
    ([{"amount": 600, "tenant": "ningbo"}, {"amount": 400, "tenant": "xiangshan"}], 3),
    # donations outside Ningbo do not count
    ([{"amount": 600, "tenant": "ningbo"}, {"amount": 50000, "tenant": "hangzhou"},
      {"amount": 9000, "tenant": "shanghai"}], 0),
    ([{"amount": 4999.99, "tenant": "ningbo"}, {"amount": 0.01, "tenant": "ningbo"}], 6),
    ([{"amount": 10000, "tenant": "xiangshan"}], 10),
    ([], 0),
])
def test_bands_total_with_in_area_ningbo_donation(engine, donations, expected):
    """Ningbo charitable donation: bands over the total amount of donations made in Ningbo."""
    assert points(engine, {"donations": donations}, "ningbo", "charitable_donation") == expected


@pytest.mark.parametrize(("tax", "expected"), [
    ([{"year": 2025, "amount": 49999.99, "tenant": "ningbo"}], 0),
    ([{"year": 2025, "amount": 50000, "tenant": "ningbo"}], 5),
    ([{"year": 2024, "amount": 30000, "tenant": "ningbo"}, {"year": 2025, "amount": 20000, "tenant": "xiangshan"}], 5),
    ([{"year": 2025, "amount": 100000, "tenant": "ningbo"}], 10),
    ([{"year": 2025, "amount": 999999, "tenant": "ningbo"}], 15),
    ([{"year": 2025, "amount": 1000000, "tenant": "ningbo"}], 20),
    ([{"year": 2025, "amount": 5000000, "tenant": "hangzhou"}], 0),
])
def test_bands_total_ningbo_investment_tax(engine, tax, expected):
    """Ningbo investment and tax (illustrative): tax paid in Ningbo, in bands at 50k / 100k / 500k / 1M yuan."""
    assert points(engine, {"tax_paid": tax}, "ningbo", "investment_tax") == expected


def test_bands_total_xiangshan_donation_counts_only_inside_the_county(engine):
    """Xiangshan notice: county "free donation" — only donations in Xiangshan reach the county tier."""
    facts = {"donations": [{"amount": 800, "tenant": "ningbo"}, {"amount": 300, "tenant": "xiangshan"}]}
    result = score(engine, facts, "xiangshan")
    assert find(result, "local_donation").points == 1          # 300 in the county: 200 or more
    assert find(result, "charitable_donation").points == 3     # 1,100 in Ningbo: 1,000 or more


# === duration =============================================================================

@pytest.mark.parametrize(("periods", "expected"), [
    ([si("2000-01-01", 9000, "hangzhou")], 75),                     # 300 months × 0.25
    ([si("2000-01-01", 9030, "hangzhou")], 75),                     # 301 months: capped
    ([si("2020-01-01", 360, "hangzhou")], 3),
    ([si("2020-01-01", 360, "hangzhou", pension=False)], 0),        # no pension insurance
    ([si("2020-01-01", 360, "ningbo")], 0),                         # outside Hangzhou
    ([si("2020-01-01", 360, "shanghai", province="shanghai")], 0),
    ([si("2020-01-01", 360, "hangzhou"), si("2020-01-01", 360, "hangzhou")], 3),  # overlap once
    ([si("2020-01-01", 360, "hangzhou"), si("2020-06-01", 360, "ningbo")], 3),    # the Ningbo part is dropped
    ([si("2020-01-01", 180, "hangzhou"), si("2022-01-01", 180, "hangzhou")], 3),  # interrupted
])
def test_duration_month_with_where_and_in_area_hangzhou_social_insurance(engine, periods, expected):
    """Hangzhou rules §11.3: social insurance 0.25 per month up to 75, only with pension paid;
    "transferred from outside the city's urban area … not counted, repeated participation not counted twice"."""
    assert points(engine, {"social_insurance": periods}, "hangzhou", "hangzhou_social_insurance") == expected


def test_duration_reason_explains_days_months_and_cap(engine):
    """Issue #2 §3: each indicator's reason shows the raw value, the unit count and whether a cap cut it."""
    result = find(score(engine, {"social_insurance": [si("2000-01-01", 9030, "hangzhou")]}, "hangzhou"),
                  "hangzhou_social_insurance")
    assert result.capped is True
    assert result.reason == (
        "9,030 days (pension true) in hangzhou → 301 full months × 0.25 = 75.25, capped at 75"
    )


@pytest.mark.parametrize(("days", "expected", "capped"), [
    (359, 0, False), (360, 3, False), (5399, 42, False), (5400, 45, False), (5760, 45, True),
])
def test_duration_year_hangzhou_residence(engine, days, expected, capped):
    """Hangzhou rules §11.5: residence permit 3 per year up to 45; under 12 months counts nothing."""
    facts = {"residence": [period("2005-01-01", days, tenant="hangzhou")]}
    result = find(score(engine, facts, "hangzhou"), "residence_permit_years")
    assert (result.points, result.capped) == (expected, capped)


def test_duration_year_residence_elsewhere_does_not_count_in_hangzhou(engine):
    """Hangzhou rules §11.5: length of residence in the city — a Ningbo residence counts nothing."""
    facts = {"residence": [period("2010-01-01", 3600, tenant="ningbo")]}
    assert points(engine, facts, "hangzhou", "residence_permit_years") == 0


# === count ================================================================================

@pytest.mark.parametrize(("donations", "expected", "capped"), [
    (0, 0, False), (1, 2, False), (4, 8, False), (5, 10, False), (6, 10, True), (40, 10, True),
])
def test_count_number_ningbo_blood_donation(engine, donations, expected, capped):
    """Issue #2 §1 counted events with per-event points and a cap (blood donations): 2 each, at most 10."""
    result = find(score(engine, {"blood_donations": donations}, "ningbo"), "blood_donation")
    assert (result.points, result.capped) == (expected, capped)


@pytest.mark.parametrize(("jobs", "expected"), [(0, 0), (9, 9), (10, 10), (25, 10)])
def test_count_number_ningbo_job_creation(engine, jobs, expected):
    """Ningbo municipal common indicators: driving employment, 1 per insured employee, at most 10."""
    assert points(engine, {"jobs_created": jobs}, "ningbo", "job_creation") == expected


@pytest.mark.parametrize(("kinds", "expected"), [
    (["utility_model", "design"], 0),
    (["invention"], 5),
    (["invention", "utility_model", "invention", "design"], 10),
    (["invention"] * 3, 15),
    (["invention"] * 4, 15),
])
def test_count_records_with_where_ningbo_invention(engine, kinds, expected):
    """Ningbo invention and creation: 5 per *invention* patent (where kind: invention), at most 15."""
    facts = {"patents": [{"kind": k, "granted": "2024-05-01"} for k in kinds]}
    assert points(engine, facts, "ningbo", "invention") == expected


@pytest.mark.parametrize(("tenants", "expected"), [
    (["xiangshan"], 4),
    (["xiangshan", "ningbo", "shanghai"], 4),
    (["xiangshan", "xiangshan"], 8),
    (["xiangshan", "xiangshan", "xiangshan"], 8),
    (["ningbo", "zhejiang"], 0),
])
def test_count_records_with_in_area_xiangshan_commendation(engine, tenants, expected):
    """Xiangshan notice: county commendation — only awards given in the county count (4 each, at most 8)."""
    facts = {"commendations": [{"level": "county", "tenant": t} for t in tenants]}
    assert points(engine, facts, "xiangshan", "local_commendation") == expected


# === flag =================================================================================

@pytest.mark.parametrize(("value", "expected"), [(True, 10), (False, 0), (None, 0)])
def test_flag_boolean_ningbo_shortage_occupation(engine, value, expected):
    """Issue #2 §1 boolean flags; Ningbo municipal common indicators: shortage occupations (10, illustrative)."""
    facts = {} if value is None else {"shortage_occupation": value}
    result = find(score(engine, facts, "ningbo"), "shortage_occupation")
    assert result.points == expected
    assert result.reason == ("yes" if value else "no")


def test_flag_boolean_xiangshan_spring_festival_stay(engine):
    """Xiangshan notice: "actively responding to the epidemic prevention and control policy during
    the Spring Festival … you can get 5 points" (the one published county value)."""
    assert points(engine, {"spring_festival_stay": True}, "xiangshan", "spring_festival_stay") == 5
    assert points(engine, {"spring_festival_stay": False}, "xiangshan", "spring_festival_stay") == 0


@pytest.mark.parametrize(("employment", "at", "expected"), [
    ([{"kind": "labor_contract", "tenant": "ningbo", "insured": True}], "ningbo", 10),
    ([{"kind": "labor_contract", "tenant": "xiangshan", "insured": True}], "ningbo", 10),  # inside Ningbo
    ([{"kind": "labor_contract", "tenant": "ningbo", "insured": False}], "ningbo", 0),
    ([{"kind": "labor_contract", "tenant": "hangzhou", "insured": True}], "ningbo", 0),
    ([{"kind": "labor_contract", "tenant": "hangzhou", "insured": True}], "hangzhou", 10),
    ([{"kind": "self_employed", "tenant": "hangzhou", "insured": False}], "hangzhou", 0),
    ([{"kind": "self_employed", "tenant": "hangzhou", "insured": False},
      {"kind": "business_owner", "tenant": "hangzhou", "insured": True}], "hangzhou", 10),
    ([{"kind": "labor_contract", "tenant": "hangzhou", "insured": True},
      {"kind": "business_owner", "tenant": "hangzhou", "insured": True}], "hangzhou", 10),  # not per item
])
def test_flag_list_with_where_and_in_area_employment(engine, employment, at, expected):
    """Hangzhou rules §11.4: "no points will be awarded for failure to pay social insurance";
    employment must be in the city (flag over a list with where + in_area)."""
    assert points(engine, {"employment": employment}, at, "employment") == expected


# === best_of ==============================================================================

@pytest.mark.parametrize(("housing", "expected"), [
    ([period("2020-01-01", None, kind="owned", tenant="ningbo")], 30),
    ([period("2020-01-01", 720, kind="rented", tenant="ningbo")], 6),
    # owned 30 and rented 2 years 6: only the best counts, not 36
    ([period("2015-01-01", 720, kind="rented", tenant="ningbo"),
      period("2020-01-01", None, kind="owned", tenant="xiangshan")], 30),
    # an owned home outside Ningbo counts nothing; the rented Ningbo years do
    ([period("2015-01-01", 1800, kind="rented", tenant="ningbo"),
      period("2020-01-01", None, kind="owned", tenant="hangzhou")], 15),
])
def test_best_of_ningbo_housing(engine, housing, expected):
    """Issue #2 §1: mutually exclusive alternatives where only the best counts (owned home vs. rented home)."""
    assert points(engine, {"housing": housing}, "ningbo", "housing") == expected


def test_best_of_hangzhou_housing_not_both(engine):
    """Hangzhou rules §11.5: "self-purchased or legally rented housing, not both" — owned 40, rented 8 per year."""
    facts = {"housing": [period("2021-01-01", 1080, kind="rented", tenant="hangzhou"),  # 3 years: 24
                         period("2024-01-01", None, kind="owned", tenant="hangzhou")]}   # 40
    result = find(score(engine, facts, "hangzhou"), "housing")
    assert result.points == 40
    assert result.reason == ("owned home in Hangzhou: yes (kind owned) in hangzhou "
                             "(only the best counts; legally rented home in Hangzhou 24)")


def test_best_of_then_the_indicator_cap(engine):
    """Hangzhou housing: 6 rented years are 48 raw, more than owning; the indicator's cap 40 cuts it."""
    facts = {"housing": [period("2015-01-01", 2160, kind="rented", tenant="hangzhou")]}
    result = find(score(engine, facts, "hangzhou"), "housing")
    assert (result.points, result.capped) == (40, True)


@pytest.mark.parametrize(("facts", "expected"), [
    ({"education": "doctorate", "qualifications": ["senior_title"]}, 100),  # not 190
    ({"education": "doctorate", "qualifications": ["skill_level_1"]}, 90),
    ({"education": "master", "qualifications": ["deputy_senior_title"]}, 80),
    ({"education": "bachelor", "qualifications": ["skill_level_2"]}, 50),  # level 2 is not in Hangzhou's table
    ({"education": "junior_college"}, 0),
    ({"qualifications": ["skill_level_1", "senior_title"]}, 100),
])
def test_best_of_hangzhou_education_or_title(engine, facts, expected):
    """Hangzhou rules §11.1–11.2: "only the highest education or title counts" (doctorate 90, master 70,
    bachelor 50; senior title 100; deputy senior title or senior technician 80)."""
    assert points(engine, facts, "hangzhou", "education_or_title") == expected


def test_best_of_xiangshan_local_housing(engine):
    """Xiangshan notice: county housing — owned 10 or rented 2 per year, in the county only."""
    owned_in_ningbo = {"housing": [period("2020-01-01", None, kind="owned", tenant="ningbo")]}
    result = score(engine, owned_in_ningbo, "xiangshan")
    assert find(result, "local_housing").points == 0
    assert find(result, "housing").points == 30  # the municipal indicator sees it
    rented = {"housing": [period("2020-01-01", 1080, kind="rented", tenant="xiangshan")]}
    assert points(engine, rented, "xiangshan", "local_housing") == 6


# === deduction ============================================================================

def offences(*kinds):
    return {"offences": [{"kind": k, "date": "2024-01-01"} for k in kinds]}


@pytest.mark.parametrize(("kinds", "violations", "crimes"), [
    ((), 0, 0),
    (("administrative_penalty",), -5, 0),
    (("administrative_penalty", "judicial_detention", "custody_education"), -15, 0),
    (("administrative_detention",) * 6, -30, 0),
    (("administrative_detention",) * 7, -30, 0),              # at most 30 taken
    (("criminal_conviction",), 0, -20),
    (("criminal_conviction",) * 4 + ("administrative_penalty",), -5, -60),  # at most 60 taken
])
def test_deduction_per_occurrence_with_its_max_ningbo(engine, kinds, violations, crimes):
    """Xiangshan notice: two municipal deduction indicators, "illegal and misconduct" and "illegal crimes"."""
    result = score(engine, offences(*kinds), "ningbo")
    assert find(result, "violations").points == violations
    assert find(result, "crimes").points == crimes
    assert find(result, "violations").capped is (len([k for k in kinds if k != "criminal_conviction"]) > 6)
    assert tier_of(result, "ningbo").points == violations + crimes


def test_deduction_reason(engine):
    """Hangzhou rules §7/§11: detention records deduct per occurrence; the reason names the kinds counted."""
    result = find(score(engine, offences("custody_education", "criminal_conviction"), "hangzhou"), "detention")
    assert result.points == -10
    assert result.reason == "1 occurrence (kind administrative_detention or compulsory_drug_rehabilitation " \
        "or custody_education or judicial_detention) × −10"


# === veto =================================================================================

def test_veto_boolean_marks_the_result_vetoed_with_the_indicator(engine):
    """Hangzhou rules §11: one-vote veto indicators — false material disqualifies whatever the points."""
    facts = {"application_fraud": True, "education": "doctorate", "blood_donations": 3}
    result = score(engine, facts, "hangzhou")
    assert result.vetoed is True
    assert [(v.tenant, v.indicator) for v in result.vetoes] == [("hangzhou", "false_material")]
    assert "disqualifies" in result.vetoes[0].reason
    veto = find(result, "false_material")
    assert veto.category == "veto" and veto.points == 0 and veto.max_points is None
    # the points are still shown, but the result is not rankable
    assert tier_of(result, "hangzhou").points == 90 + 6


def test_veto_list_with_where(engine):
    """Hangzhou rules §7/§11: criminal punishment is a one-vote veto; a detention is only a deduction."""
    vetoed = score(engine, offences("criminal_conviction", "judicial_detention"), "hangzhou")
    assert vetoed.vetoed is True
    assert [v.indicator for v in vetoed.vetoes] == ["criminal_record"]
    assert find(vetoed, "detention").points == -10
    clean = score(engine, offences("judicial_detention"), "hangzhou")
    assert clean.vetoed is False and clean.vetoes == []


def test_veto_both_vetoes_listed(engine):
    """Issue #2 §3: the result names the indicator(s) that caused the veto — all of them."""
    facts = {"application_fraud": True, **offences("criminal_conviction")}
    result = score(engine, facts, "hangzhou")
    assert [v.indicator for v in result.vetoes] == ["false_material", "criminal_record"]


def test_veto_false_or_absent_does_not_strike(engine):
    """Hangzhou rules §11: a veto strikes only when the fact is declared true."""
    assert score(engine, {"application_fraud": False}, "hangzhou").vetoed is False
    assert score(engine, {}, "hangzhou").vetoed is False


def test_veto_is_hangzhou_only(engine):
    """Ningbo has no veto indicators: a conviction there is a deduction, not a disqualification."""
    result = score(engine, {"application_fraud": True, **offences("criminal_conviction")}, "xiangshan")
    assert result.vetoed is False
    assert find(result, "crimes").points == -20


def test_veto_in_the_batch_path(engine):
    """Issue #2 §3: the batch path marks the same applicants vetoed, with the same indicators."""
    facts = [{"application_fraud": True}, {}, offences("criminal_conviction")]
    batch = engine.score_batch(facts, "hangzhou", AS_OF)
    assert batch.vetoed.tolist() == [True, False, True]
    assert batch.row(0)["vetoes"] == [{"tenant": "hangzhou", "indicator": "false_material"}]
    assert batch.row(2)["vetoes"] == [{"tenant": "hangzhou", "indicator": "criminal_record"}]
    assert batch.row(1)["vetoes"] == []


# === tier caps ============================================================================

RICH_IN_HANGZHOU = {
    "birth_date": "1990-05-05", "education": "doctorate", "qualifications": ["senior_title"],
    "social_insurance": [si("2000-01-01", None, "hangzhou")],
    "residence": [period("2005-01-01", None, tenant="hangzhou")],
    "employment": [{"kind": "labor_contract", "tenant": "hangzhou", "insured": True}],
    "housing": [period("2015-01-01", None, kind="owned", tenant="hangzhou")],
    "blood_donations": 5, "volunteer_hours": 300,
}


def test_hangzhou_cap_enforced_cuts_a_rich_applicant_to_150(engine):
    """Issue #2 §3: a tier's points are min(cap, sum of its non-deduction indicators); Hangzhou's published
    values add up past the 150-point city cap (cap_enforced: true), so the cap cuts."""
    result = score(engine, RICH_IN_HANGZHOU, "hangzhou")
    hangzhou = tier_of(result, "hangzhou")
    raw = sum(i.points for i in hangzhou.indicators if i.category in ("basic", "additional"))
    assert raw == 100 + 75 + 10 + 40 + 45 + 10 + 10
    assert hangzhou.points == 150 and hangzhou.capped is True and hangzhou.cap == 150
    assert result.total == tier_of(result, "zhejiang").points + 150 == 100 + 150


def test_deductions_apply_after_the_cap(engine):
    """Issue #2 §3: min(cap, sum of non-deduction indicators) *plus* its deductions."""
    facts = {**RICH_IN_HANGZHOU, **offences("administrative_detention", "judicial_detention")}
    hangzhou = tier_of(score(engine, facts, "hangzhou"), "hangzhou")
    assert hangzhou.points == 150 - 20
    assert hangzhou.capped is True


def test_deductions_can_make_a_tier_negative(engine):
    """Issue #2 §3 / Xiangshan notice: the total is the tiers' points "to reduce the deduction score"."""
    facts = {"birth_date": "1990-05-05", "blood_donations": 1,
             **offences(*(["administrative_penalty"] * 8 + ["criminal_conviction"] * 2))}
    result = score(engine, facts, "xiangshan")
    ningbo = tier_of(result, "ningbo")
    assert ningbo.points == 2 - 30 - 40
    assert ningbo.capped is False
    assert result.total == 20 + (2 - 30 - 40) + 0
    batch = engine.score_batch([facts], "xiangshan", AS_OF)
    assert batch.tier_points[:, 0].tolist() == [20, -68, 0]
    hangzhou = tier_of(score(engine, offences(*["custody_education"] * 9), "hangzhou"), "hangzhou")
    assert hangzhou.points == -50  # detention at most 50


def test_indicator_cap_reports_capped(engine):
    """Issue #2 §3: the reason says whether a cap cut the indicator (Hangzhou blood donation, cap 10)."""
    result = find(score(engine, {"blood_donations": 7}, "hangzhou"), "blood_donation")
    assert (result.points, result.capped, result.max_points) == (10, True, 10)
    assert result.reason.endswith("= 14, capped at 10")


# === recognition ==========================================================================

SPREAD = {  # points in every tier of every chain
    "birth_date": "1990-05-05", "education": "bachelor",
    "employment": [{"kind": "labor_contract", "tenant": "xiangshan", "insured": True}],
    "shortage_occupation": True, "jobs_created": 3,
    "spring_festival_stay": True, "party_member": True,
    "blood_donations": 2,
}


@pytest.mark.parametrize(("at", "chain"), [
    ("xiangshan", ["zhejiang", "ningbo", "xiangshan"]),
    ("ningbo", ["zhejiang", "ningbo"]),
    ("hangzhou", ["zhejiang", "hangzhou"]),
    ("zhejiang", ["zhejiang"]),
])
def test_recognition_tiers_from_the_province_down(engine, at, chain):
    """Issue #2 §3: at xiangshan the result holds zhejiang, ningbo and xiangshan; at ningbo
    zhejiang + ningbo; at hangzhou zhejiang + hangzhou — in order from the province down."""
    result = score(engine, SPREAD, at)
    assert result.tenant == at
    assert [t.tenant for t in result.tiers] == chain
    assert [t.tier for t in result.tiers] == ["province", "city", "county"][: len(chain)]
    assert result.total == sum(t.points for t in result.tiers)


def test_county_points_only_inside_the_county(engine):
    """Xiangshan notice: "The county-level personality index score is limited to the application of the county"."""
    at_xiangshan = score(engine, SPREAD, "xiangshan")
    at_ningbo = score(engine, SPREAD, "ningbo")
    county = tier_of(at_xiangshan, "xiangshan")
    assert county.points == 5 + 5  # Spring Festival stay, party member
    assert "xiangshan" not in [t.tenant for t in at_ningbo.tiers]
    assert not {i.id for i in county.indicators} & {i.id for t in at_ningbo.tiers for i in t.indicators}
    assert at_xiangshan.total - at_ningbo.total == county.points
    assert tier_of(at_ningbo, "ningbo").points == tier_of(at_xiangshan, "ningbo").points == 10 + 10 + 3 + 4


def test_municipal_ningbo_points_do_not_appear_at_hangzhou(engine):
    """Xiangshan notice: "Municipal-level common indicators score in Ningbo GM and cross-district mutual
    recognition" — not in Hangzhou, whose own indicators see a Ningbo job as outside the city."""
    at_hangzhou = score(engine, SPREAD, "hangzhou")
    assert [t.tenant for t in at_hangzhou.tiers] == ["zhejiang", "hangzhou"]
    ids = {i.id for t in at_hangzhou.tiers for i in t.indicators}
    assert not ids & {"shortage_occupation", "job_creation", "spring_festival_stay", "party_member"}
    assert find(at_hangzhou, "employment").points == 0  # the job is in Xiangshan, not Hangzhou
    # only Hangzhou's own indicators: bachelor's 50 and blood donations 2 × 2
    assert tier_of(at_hangzhou, "hangzhou").points == 50 + 4
    assert tier_of(at_hangzhou, "zhejiang").points == tier_of(score(engine, SPREAD, "xiangshan"), "zhejiang").points


def test_another_ningbo_county_sees_province_and_ningbo_but_not_xiangshan(make_pack_tree):
    """DOMAIN.md tiers: "another Ningbo county sees province + Ningbo only (plus its own county points if any)"."""
    tree = make_pack_tree()
    tree.edit("ningbo/tenant.yaml", ", ninghai]", "]")  # joining as a tenant, it stops being a place
    tree.write("ninghai/tenant.yaml", tree.read("xiangshan/tenant.yaml")
               .replace("id: xiangshan", "id: ninghai").replace("象山县", "宁海县")
               .replace("Xiangshan County", "Ninghai County"))
    tree.write("ninghai/indicators/2022-06-17.yaml", (
        'tenant: ninghai\neffective_from: "2022-06-17"\n'
        "title: {zh: 宁海县个性指标, en: Ninghai county indicators}\n"
        "indicators:\n"
        "  - id: ninghai_stay\n    name: {zh: 留宁海过年, en: Spring Festival stay in Ninghai}\n"
        "    category: additional\n    department: migrant_office\n    evidence: [certificate]\n"
        "    source: {document: test, clause: test}\n    values: illustrative\n    max_points: 5\n"
        "    rule: {kind: flag, fact: spring_festival_stay, points: 5}\n"))
    engine = tree.engine()
    result = engine.score(SPREAD, at="ninghai", as_of=AS_OF)
    assert [t.tenant for t in result.tiers] == ["zhejiang", "ningbo", "ninghai"]
    assert tier_of(result, "ninghai").points == 5
    assert tier_of(result, "ningbo").points == 27  # the Xiangshan job is inside Ningbo
    assert result.total == score(engine, SPREAD, "ningbo").total + 5


def test_unknown_tenant(engine):
    """Issue #2 §3: scoring at a jurisdiction that has no pack is an error, not an empty result."""
    with pytest.raises(UnknownTenant, match="unknown tenant 'wenzhou'"):
        engine.score({}, at="wenzhou", as_of=AS_OF)


# === dating ===============================================================================

@pytest.fixture
def dated_engine(make_pack_tree) -> Engine:
    """The real packs plus a second zhejiang indicator-set version from 2026-01-01 in which
    residence earns 0.5 per month instead of 0.25."""
    tree = make_pack_tree()
    text = tree.read("zhejiang/indicators/2022-01-01.yaml")
    text = text.replace('effective_from: "2022-01-01"', 'effective_from: "2026-01-01"')
    old = "      unit: month\n      points_per_unit: 0.25\n"
    assert text.count(old) == 1
    tree.write("zhejiang/indicators/2026-01-01.yaml", text.replace(old, "      unit: month\n      points_per_unit: 0.5\n"))
    return tree.engine()


RESIDENT = {"residence": [period("2023-06-01", None, tenant="xiangshan")]}


def test_dating_the_version_in_force_on_the_as_of_date(dated_engine):
    """Issue #2 §1: "a new version takes effect from its date; scoring as of a date uses the version then in force"."""
    before = dated_engine.score(RESIDENT, at="xiangshan", as_of=dt.date(2025, 12, 31))
    on = dated_engine.score(RESIDENT, at="xiangshan", as_of=dt.date(2026, 1, 1))
    # 2023-06-01 … 2025-12-31 = 945 days, … 2026-01-01 = 946 days: 31 full months either way
    assert find(before, "residence").points == 31 * 0.25
    assert find(on, "residence").points == 31 * 0.5
    assert [t.indicator_set for t in before.tiers] == ["2022-01-01", "2022-01-01", "2022-06-17"]
    assert [t.indicator_set for t in on.tiers] == ["2026-01-01", "2022-01-01", "2022-06-17"]
    # the older chain is still there after the newer one was compiled
    again = dated_engine.score(RESIDENT, at="xiangshan", as_of=dt.date(2025, 12, 31))
    assert again == before


def test_dating_in_the_batch_path(dated_engine):
    """Issue #2 §1/§3: the batch path uses the version in force on its as-of date too."""
    factories.seed(5)
    facts = [RESIDENT, {}, *factories.ApplicantFactory.facts_batch(20)]
    for as_of, per_month in ((dt.date(2025, 12, 31), 0.25), (dt.date(2026, 1, 1), 0.5)):
        batch = dated_engine.score_batch(facts, "xiangshan", as_of)
        assert batch.indicator_points[4, 0] == 31 * per_month  # zhejiang residence is row 4
        singles = [dated_engine.score(f, at="xiangshan", as_of=as_of).total for f in facts]
        assert batch.total.tolist() == singles


def test_the_real_packs_have_one_version_each(catalog):
    """Issue #2 §1: the real packs' indicator-set versions (the dating tests add their own)."""
    assert {t: [s.effective_from.isoformat() for s in v] for t, v in catalog.indicator_sets.items()} == {
        "zhejiang": ["2022-01-01"], "ningbo": ["2022-01-01"], "hangzhou": ["2016-01-01"],
        "xiangshan": ["2022-06-17"],
    }


def test_as_of_before_the_first_version_is_not_in_force(engine):
    """Issue #2 §1 dating: no indicator set is in force before the first version's date."""
    with pytest.raises(NotInForce) as caught:
        engine.score({}, at="xiangshan", as_of=dt.date(2021, 12, 31))
    assert caught.value.tenant == "zhejiang"
    assert "its first takes effect 2022-01-01" in str(caught.value)
    with pytest.raises(NotInForce):
        engine.score_batch([{}], "hangzhou", dt.date(2021, 12, 31))


def test_county_not_yet_in_force_while_the_city_is(engine):
    """Xiangshan's county indicators date from the notice (2022-06-17); Ningbo's chain is in force earlier."""
    early = dt.date(2022, 3, 1)
    assert score(engine, {}, "ningbo", early).total == 0
    with pytest.raises(NotInForce) as caught:
        score(engine, {}, "xiangshan", early)
    assert caught.value.tenant == "xiangshan"
    assert [t.tenant for t in score(engine, {}, "xiangshan", dt.date(2022, 6, 17)).tiers] == \
        ["zhejiang", "ningbo", "xiangshan"]


# === facts validation =====================================================================

SI_OK = {"start": "2022-01-01", "end": None, "province": "zhejiang", "city": "ningbo", "pension": True}

BAD_FACTS = [
    ("wrong type", {"birth_date": 19900101}, "/birth_date", "Expected `date`, got `int`"),
    ("wrong type in a list", {"blood_donations": "3"}, "/blood_donations", "Expected a whole number, got `str`"),
    ("bool is not a number", {"volunteer_hours": True}, "/volunteer_hours", "Expected `float`, got `bool`"),
    ("unknown field", {"salary": 10000}, "/salary", "unknown field"),
    ("unknown field in an item", {"social_insurance": [{**SI_OK, "employer": "x"}]},
     "/social_insurance/0/employer", "unknown field"),
    ("bad enum", {"education": "phd"}, "/education", "Invalid enum value 'phd'"),
    ("bad enum in a list", {"qualifications": ["skill_level_6"]}, "/qualifications/0", "Invalid enum value"),
    ("bad enum in an item", {"housing": [{"kind": "leased", "tenant": "ningbo", "start": "2020-01-01", "end": None}]},
     "/housing/0/kind", "Invalid enum value 'leased'"),
    ("bad date", {"birth_date": "1990-02-30"}, "/birth_date", "Invalid RFC3339 encoded date"),
    ("bad date format", {"birth_date": "1990/01/01"}, "/birth_date", "Invalid RFC3339 encoded date"),
    ("bad date in a period", {"social_insurance": [{**SI_OK, "start": "2022-13-01"}]},
     "/social_insurance/0/start", "Invalid RFC3339 encoded date"),
    ("end before start", {"social_insurance": [SI_OK, {**SI_OK, "start": "2022-05-02", "end": "2022-05-01"}]},
     "/social_insurance/1/end", "ends 2022-05-01 before it starts 2022-05-02"),
    ("end before start in residence", {"residence": [{"start": "2024-01-02", "end": "2023-12-31", "tenant": "ningbo"}]},
     "/residence/0/end", "before it starts"),
    ("missing required field", {"residence": [{"start": "2024-01-02", "end": None}]},
     "/residence/0", "missing required field `tenant`"),
    ("open end must be explicit", {"residence": [{"start": "2024-01-02", "tenant": "ningbo"}]},
     "/residence/0", "missing required field `end`"),
    ("negative count", {"blood_donations": -1}, "/blood_donations", "Expected `int` >= 0"),
    ("negative amount", {"donations": [{"amount": -5, "tenant": "ningbo"}]}, "/donations/0/amount", ">= 0"),
    ("year out of range", {"tax_paid": [{"year": 1900, "amount": 1, "tenant": "ningbo"}]},
     "/tax_paid/0/year", ">= 1949"),
    ("empty place", {"residence": [{"start": "2024-01-02", "end": None, "tenant": ""}]},
     "/residence/0/tenant", "length >= 1"),
    ("duplicate qualification", {"qualifications": ["junior_title", "junior_title"]}, "/qualifications",
     "lists an entry twice"),
    ("null for a fact", {"education": None}, "/education", "Expected"),
    ("not an object", [], "", "Expected `object`, got `array`"),
    ("list expected", {"residence": {"start": "2024-01-02", "end": None, "tenant": "ningbo"}},
     "/residence", "Expected `array`, got `object`"),
]


@pytest.mark.parametrize(("name", "facts", "pointer", "message"), BAD_FACTS, ids=[b[0] for b in BAD_FACTS])
def test_bad_facts_are_rejected_naming_the_field(engine, name, facts, pointer, message):
    """Issue #2 §3: "Facts that fail the facts schema are rejected with a message naming the field"."""
    with pytest.raises(FactsError) as caught:
        engine.validate(facts)
    assert caught.value.pointer == pointer
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{pointer or '/'}: ")
    # the same through JSON (what the CLI and HTTP receive), and through score()
    with pytest.raises(FactsError) as again:
        engine.validate(json.dumps(facts).encode())
    assert again.value.pointer == pointer
    with pytest.raises(FactsError):
        engine.score(facts, at="xiangshan", as_of=AS_OF)


def test_bad_json_is_a_facts_error(engine):
    """Issue #2 §3: facts arriving as broken JSON are a FactsError, not a crash."""
    with pytest.raises(FactsError, match="not valid JSON"):
        engine.validate(b'{"birth_date": "1990-01-01"')


def test_validate_returns_the_facts_struct(engine):
    """Issue #2 §3: validate() turns facts into the generated msgspec struct, which scores the same."""
    struct = engine.validate(RICH_IN_HANGZHOU)
    assert isinstance(struct, engine.facts.type)
    assert engine.validate(struct) is struct
    assert struct.birth_date == dt.date(1990, 5, 5)
    assert struct.social_insurance[0].end is None
    assert msgspec.to_builtins(struct) == RICH_IN_HANGZHOU
    assert engine.score(struct, at="hangzhou", as_of=AS_OF) == engine.score(RICH_IN_HANGZHOU, at="hangzhou", as_of=AS_OF)


def test_a_batch_with_one_bad_applicant_is_rejected(engine):
    """Issue #2 §3: the batch path rejects bad facts like the single path, naming the field."""
    with pytest.raises(FactsError) as caught:
        engine.score_batch([{}, {"education": "phd"}], "xiangshan", AS_OF)
    assert caught.value.pointer == "/education"


# === the msgspec facts model and the JSON Schema agree ====================================

@pytest.fixture(scope="module")
def facts_schema_validator():
    schema = json.loads((paths.schemas_dir() / "facts.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _every_field() -> dict:
    return {
        "birth_date": "1980-02-29", "education": "none", "qualifications": [],
        "social_insurance": [SI_OK], "residence": [{"start": "2020-01-01", "end": "2020-01-01", "tenant": "wenzhou"}],
        "employment": [{"kind": "agricultural_contract", "tenant": "x", "insured": False}],
        "housing": [{"kind": "owned", "tenant": "ningbo", "start": "2020-01-01", "end": None}],
        "shortage_occupation": False, "tax_paid": [{"year": 1949, "amount": 0, "tenant": "ningbo"},
                                                   {"year": 2100, "amount": 1.5, "tenant": "ningbo"}],
        "jobs_created": 0, "patents": [{"kind": "design", "granted": "2000-01-01"}],
        "commendations": [{"level": "county", "tenant": "xiangshan"}], "volunteer_hours": 0,
        "blood_donations": 0, "donations": [{"amount": 0, "tenant": "ningbo"}], "party_member": False,
        "special_post": True, "spring_festival_stay": True,
        "offences": [{"kind": "criminal_conviction", "date": "2020-01-01"}], "application_fraud": False,
    }


GOOD_BY_HAND = [
    {}, _every_field(), {"volunteer_hours": 12}, {"volunteer_hours": 12.25}, {"birth_date": "2000-02-29"},
    {"residence": [{"start": "2020-01-01", "end": None, "tenant": " "}]},
]

BAD_BY_HAND = [
    [], "x", None, 5, {"birth_date": 1}, {"birth_date": "1990-1-1"}, {"birth_date": "1990-02-30"},
    {"birth_date": "1990-01-01T00:00:00"}, {"birth_date": "1990-W01-1"}, {"birth_date": ""}, {"birth_date": None},
    {"education": "phd"}, {"education": 5}, {"qualifications": "skill_level_1"}, {"qualifications": ["x"]},
    {"qualifications": ["junior_title", "junior_title"]},
    {"social_insurance": [{k: v for k, v in SI_OK.items() if k != "pension"}]},
    {"social_insurance": [{**SI_OK, "pension": "yes"}]}, {"social_insurance": [{**SI_OK, "pension": 1}]},
    {"social_insurance": [{**SI_OK, "province": ""}]}, {"social_insurance": [{**SI_OK, "city": 3}]},
    {"social_insurance": [{**SI_OK, "end": "2022-13-01"}]}, {"social_insurance": [{**SI_OK, "x": 1}]},
    {"social_insurance": SI_OK}, {"social_insurance": ["2022-01-01"]},
    {"residence": [{"start": "2020-01-01", "end": None}]}, {"residence": [{"start": "2020-01-01", "tenant": "x"}]},
    {"employment": [{"kind": "boss", "tenant": "x", "insured": True}]},
    {"employment": [{"kind": "self_employed", "tenant": "x"}]},
    {"housing": [{"kind": "leased", "tenant": "x", "start": "2020-01-01", "end": None}]},
    {"shortage_occupation": "true"}, {"shortage_occupation": 1},
    {"tax_paid": [{"year": 1948, "amount": 1, "tenant": "x"}]}, {"tax_paid": [{"year": 2101, "amount": 1, "tenant": "x"}]},
    {"tax_paid": [{"year": 2020.5, "amount": 1, "tenant": "x"}]}, {"tax_paid": [{"year": 2020, "amount": -1, "tenant": "x"}]},
    {"tax_paid": [{"year": 2020, "amount": "100", "tenant": "x"}]},
    {"jobs_created": -1}, {"jobs_created": 1.5}, {"jobs_created": True}, {"jobs_created": "3"},
    {"patents": [{"kind": "software", "granted": "2020-01-01"}]}, {"patents": [{"kind": "design", "granted": "2020"}]},
    {"commendations": [{"level": "city", "tenant": "x"}]}, {"commendations": [{"level": "county"}]},
    {"volunteer_hours": -0.5}, {"volunteer_hours": "10"}, {"blood_donations": 2.5}, {"blood_donations": -1},
    {"donations": [{"amount": -5, "tenant": "x"}]}, {"donations": [{"amount": 5, "tenant": ""}]},
    {"party_member": "no"}, {"party_member": 0}, {"special_post": None},
    {"offences": [{"kind": "murder", "date": "2020-01-01"}]}, {"offences": [{"kind": "criminal_conviction"}]},
    {"application_fraud": None}, {"nationality": "cn"},
]


def _accepted_by_model(engine, facts) -> bool:
    try:
        engine.validate(facts)
    except FactsError:
        return False
    return True


def test_facts_model_and_json_schema_agree(engine, facts_schema_validator):
    """facts.py: the msgspec structs accept and reject exactly what policy_schemas/facts.schema.json does
    (checked with jsonschema's Draft 2020-12 validator and its format checker)."""
    factories.seed(3)
    good = GOOD_BY_HAND + factories.ApplicantFactory.facts_batch(300)
    disagreements = []
    for facts in good + BAD_BY_HAND:
        by_schema = facts_schema_validator.is_valid(facts)
        by_model = _accepted_by_model(engine, facts)
        if by_schema != by_model:
            disagreements.append((facts, by_schema, by_model))
    assert disagreements == []
    assert all(facts_schema_validator.is_valid(f) for f in good)
    assert not any(facts_schema_validator.is_valid(f) for f in BAD_BY_HAND)


def test_the_model_is_stricter_only_where_the_schema_cannot_speak(engine, facts_schema_validator):
    """A period ending before it starts fits the JSON Schema (it cannot compare two fields) but is
    rejected by the engine: the one intended difference."""
    facts = {"residence": [{"start": "2024-01-02", "end": "2024-01-01", "tenant": "ningbo"}]}
    assert facts_schema_validator.is_valid(facts)
    assert not _accepted_by_model(engine, facts)


@pytest.mark.parametrize("facts", [{"jobs_created": 1.0}, {"blood_donations": 3.0},
                                   {"tax_paid": [{"year": 2020.0, "amount": 1, "tenant": "x"}]}])
def test_integral_floats_for_integer_facts(engine, facts_schema_validator, facts):
    """facts.py: the model and the schema should agree on integer facts sent as 3.0."""
    assert facts_schema_validator.is_valid(facts) == _accepted_by_model(engine, facts)


# === batch == single ======================================================================

@pytest.fixture(scope="module")
def applicants():
    factories.seed(2026)
    return factories.ApplicantFactory.facts_batch(2000)


def _compact(result: ScoreResult) -> dict:
    """The single result in the batch's compact form (BatchScores.row)."""
    return {
        "tenant": result.tenant, "as_of": result.as_of, "total": result.total, "vetoed": result.vetoed,
        "vetoes": [{"tenant": v.tenant, "indicator": v.indicator} for v in result.vetoes],
        "tiers": [{
            "tenant": t.tenant, "tier": t.tier, "cap": t.cap, "points": t.points, "capped": t.capped,
            "indicators": [{"id": i.id, "category": i.category, "points": i.points, "capped": i.capped}
                           for i in t.indicators if i.category != "veto"],
        } for t in result.tiers],
    }


@pytest.mark.parametrize("at", ["xiangshan", "hangzhou"])
@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2023, 3, 1)])
def test_batch_equals_single_exactly(engine, applicants, at, as_of):
    """Issue #2 §3: "A batch path scores many applicants at once … and gives exactly the same numbers as
    the single path" — 2,000 factory applicants, compared with ==, not approx."""
    batch = engine.score_batch(applicants, at, as_of)
    singles = [engine.score(f, at=at, as_of=as_of) for f in applicants]
    assert len(batch) == len(applicants)

    total = np.array([r.total for r in singles], dtype=np.float64)
    vetoed = np.array([r.vetoed for r in singles])
    tier_points = np.array([[t.points for t in r.tiers] for r in singles], dtype=np.float64).T
    indicator_points = np.array(
        [[i.points for t in r.tiers for i in t.indicators if i.category != "veto"] for r in singles],
        dtype=np.float64).T
    assert np.array_equal(batch.total, total)
    assert np.array_equal(batch.vetoed, vetoed)
    assert np.array_equal(batch.tier_points, tier_points)
    assert np.array_equal(batch.indicator_points, indicator_points)
    for index, result in enumerate(singles):
        assert batch.row(index) == _compact(result), index
    assert batch.rows() == [_compact(result) for result in singles]  # all at once, as a recompute writes them

    # the corpus reaches the interesting places, or the comparison would prove little
    assert vetoed.any() == (at == "hangzhou")
    assert (tier_points < 0).any()
    assert (indicator_points != 0).mean(axis=1).min() > 0  # every indicator scores for someone
    if at == "hangzhou" and as_of == AS_OF:
        assert batch.tier_capped[1].any()  # someone hit the 150 cap


def test_batch_of_nothing(engine):
    """Issue #2 §3: an empty batch gives empty columns, one row per tier."""
    batch = engine.score_batch([], "xiangshan", AS_OF)
    assert len(batch) == 0
    assert batch.tier_points.shape == (3, 0)
