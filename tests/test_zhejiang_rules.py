"""The Zhejiang provincial common indicators at their band edges (issue #2 §1, zhejiang table)
and both worked examples of ../shared/examples/zhejiang-provincial.md, as of 2026-11-28.

| indicator | cap | rule |
| age | 20 | 55–60 years: 5; +1 for each year younger than 55 (so 40 and under: 20); over 60: 0 |
| education | 10 | bachelor's or above 10; junior college 8; senior high school or below 5; highest only |
| vocational skill | 10 | level 2 / intermediate title or above 10; level 3 / junior title / advanced special
|   certificate 8; level 4: 5; level 5 / ordinary special certificate 3; highest only |
| social insurance | 30 | 0.5 per full month paid in Zhejiang |
| residence | 30 | 0.25 per full month since residence registration |
"""

from __future__ import annotations

import datetime as dt

import pytest

AS_OF = dt.date(2026, 11, 28)
CHAIN_TENANTS = ("zhejiang", "hangzhou", "ningbo", "xiangshan")


def provincial(engine, facts, at="zhejiang", as_of=AS_OF):
    result = engine.score(facts, at=at, as_of=as_of)
    tier = result.tiers[0]
    assert tier.tenant == "zhejiang" and tier.tier == "province" and tier.cap == 100
    return tier


def indicator(engine, facts, indicator_id, **kwargs):
    tier = provincial(engine, facts, **kwargs)
    return next(i for i in tier.indicators if i.id == indicator_id)


def born_aged(age: int, *, days_before_birthday: int = 0) -> str:
    """A birth date making the applicant exactly `age` on AS_OF (their birthday that day),
    or with the next birthday `days_before_birthday` days ahead."""
    born = AS_OF.replace(year=AS_OF.year - age)
    return (born + dt.timedelta(days=days_before_birthday)).isoformat()


def si_months(months_days: int, *, province="zhejiang", city="ningbo", pension=True, start="2015-01-01"):
    first = dt.date.fromisoformat(start)
    return {"start": start, "end": (first + dt.timedelta(days=months_days - 1)).isoformat(),
            "province": province, "city": city, "pension": pension}


# --- age -------------------------------------------------------------------------------

def expected_age_points(age: int) -> int:
    if age <= 40:
        return 20
    if age <= 54:
        return 5 + (55 - age)
    if age <= 60:
        return 5
    return 0


@pytest.mark.parametrize(("age", "points"), [
    (18, 20), (40, 20), (41, 19), (42, 18), (50, 10), (53, 7), (54, 6), (55, 5), (58, 5),
    (60, 5), (61, 0), (75, 0),
])
def test_age_band_edges(engine, age, points):
    """Issue #2 zhejiang table: age — 40 and under 20; 41 → 19 … 54 → 6; 55–60: 5; over 60: 0."""
    result = indicator(engine, {"birth_date": born_aged(age)}, "age")
    assert result.points == points == expected_age_points(age)
    assert f"age {age}" in result.reason
    assert result.capped is False


@pytest.mark.parametrize("age", range(16, 80))
def test_age_every_year_follows_the_published_formula(engine, age):
    """Issue #2 zhejiang table: age — +1 for each year younger than 55, at most 20."""
    assert indicator(engine, {"birth_date": born_aged(age)}, "age").points == expected_age_points(age)


@pytest.mark.parametrize(("age_tomorrow", "points"), [(41, 20), (55, 6), (61, 5)])
def test_age_day_before_the_birthday_keeps_the_lower_age(engine, age_tomorrow, points):
    """Issue #2 facts contract: age is in full years on the as-of date (birthday tomorrow does not count)."""
    facts = {"birth_date": born_aged(age_tomorrow, days_before_birthday=1)}
    assert indicator(engine, facts, "age").points == points


def test_age_born_29_february(engine):
    """Issue #2 facts contract: born 29 Feb 1972 — 54 on 28 Feb 2026 … still 54 on 2026-11-28 (6 points)."""
    assert indicator(engine, {"birth_date": "1972-02-29"}, "age").points == 6
    # born 1968-02-29: still 54 on 2023-02-28 (6 points), 55 on 2023-03-01 (5 points)
    assert indicator(engine, {"birth_date": "1968-02-29"}, "age", as_of=dt.date(2023, 2, 28)).points == 6
    assert indicator(engine, {"birth_date": "1968-02-29"}, "age", as_of=dt.date(2023, 3, 1)).points == 5


def test_age_not_claimed_scores_nothing(engine):
    """Issue #2 facts contract: every fact is optional; no birth date, no age points."""
    result = indicator(engine, {}, "age")
    assert result.points == 0 and result.reason == "not claimed"


# --- education -------------------------------------------------------------------------

@pytest.mark.parametrize(("level", "points"), [
    ("doctorate", 10), ("master", 10), ("bachelor", 10), ("junior_college", 8),
    ("senior_high", 5), ("secondary_vocational", 5), ("junior_high", 5), ("primary", 5), ("none", 5),
])
def test_education_each_level(engine, level, points):
    """Issue #2 zhejiang table: education — bachelor's or above 10; junior college 8; senior high or below 5."""
    result = indicator(engine, {"education": level}, "education")
    assert result.points == points
    assert level in result.reason


def test_education_not_claimed_scores_nothing(engine):
    """Issue #2 facts contract: no education claimed, no education points (not the 'or below' 5)."""
    assert indicator(engine, {}, "education").points == 0


# --- vocational skill ------------------------------------------------------------------

@pytest.mark.parametrize(("qualification", "points"), [
    ("skill_level_1", 10), ("skill_level_2", 10), ("intermediate_title", 10),
    ("deputy_senior_title", 10), ("senior_title", 10),
    ("skill_level_3", 8), ("junior_title", 8), ("special_cert_advanced", 8),
    ("skill_level_4", 5),
    ("skill_level_5", 3), ("special_cert_ordinary", 3),
])
def test_vocational_skill_each_qualification(engine, qualification, points):
    """Issue #2 zhejiang table: vocational skill — level 2 / intermediate title or above 10;
    level 3 / junior title / advanced special certificate 8; level 4: 5; level 5 / ordinary special certificate 3."""
    assert indicator(engine, {"qualifications": [qualification]}, "vocational_skill").points == points


@pytest.mark.parametrize(("qualifications", "points"), [
    (["skill_level_5", "junior_title"], 8),
    (["junior_title", "skill_level_5"], 8),
    (["skill_level_5", "special_cert_ordinary", "skill_level_4"], 5),
    (["skill_level_3", "junior_title", "special_cert_advanced"], 8),
    (["skill_level_4", "skill_level_2", "senior_title", "skill_level_5"], 10),
])
def test_vocational_skill_best_of_list_not_cumulative(engine, qualifications, points):
    """Issue #2 zhejiang table: vocational skill — "only the highest counts" (never the sum)."""
    result = indicator(engine, {"qualifications": qualifications}, "vocational_skill")
    assert result.points == points
    assert result.capped is False
    assert "highest of" in result.reason


def test_vocational_skill_empty_list_scores_nothing(engine):
    """Issue #2 zhejiang table: vocational skill — no qualification, no points."""
    assert indicator(engine, {"qualifications": []}, "vocational_skill").points == 0


# --- social insurance ------------------------------------------------------------------

@pytest.mark.parametrize(("days", "points", "capped"), [
    (29, 0, False), (30, 0.5, False), (59, 0.5, False), (60, 1, False), (359, 5.5, False),
    (360, 6, False), (1769, 29, False), (1770, 29.5, False), (1799, 29.5, False),
    (1800, 30, False), (1830, 30, True), (5000, 30, True),
])
def test_social_insurance_half_point_per_full_month_cap_30_at_60_months(engine, days, points, capped):
    """Issue #2 zhejiang table: social insurance — 0.5 per full month paid in Zhejiang, cap 30 (60 months)."""
    result = indicator(engine, {"social_insurance": [si_months(days)]}, "social_insurance")
    assert result.points == points
    assert result.capped is capped
    assert result.max_points == 30


@pytest.mark.parametrize("province", ["shanghai", "jiangsu", "Zhejiang"])
def test_social_insurance_outside_zhejiang_counts_nothing(engine, province):
    """Issue #2 §1: "periods outside the area an indicator names (e.g. social insurance paid
    outside the province) do not count" — a period with province "shanghai" counts nothing."""
    facts = {"social_insurance": [si_months(1800, province=province, city="shanghai")]}
    assert indicator(engine, facts, "social_insurance").points == 0


def test_social_insurance_only_the_zhejiang_part_counts(engine):
    """Issue #2 zhejiang table: 0.5 per full month paid *in Zhejiang*; Shanghai months are dropped,
    and a Zhejiang period overlapping a Shanghai one counts its own days only."""
    facts = {"social_insurance": [
        si_months(600, province="shanghai", city="shanghai", start="2015-01-01"),
        si_months(300, province="zhejiang", city="ningbo", start="2016-01-01"),
    ]}
    assert indicator(engine, facts, "social_insurance").points == 5  # 300 days → 10 months


@pytest.mark.parametrize(("city", "pension"), [
    ("wenzhou", True), ("hangzhou", False), ("xiangshan", True),
])
def test_social_insurance_any_zhejiang_city_counts_for_the_province(engine, city, pension):
    """Issue #2 zhejiang table: the provincial indicator asks "paid in Zhejiang", not where in
    Zhejiang and not whether pension insurance was paid (that is Hangzhou's own rule)."""
    facts = {"social_insurance": [si_months(600, city=city, pension=pension)]}
    assert indicator(engine, facts, "social_insurance").points == 10


def test_social_insurance_overlaps_count_once(engine):
    """Issue #2 §1: "overlapping periods count once" — two employers paying for the same months."""
    facts = {"social_insurance": [
        si_months(600, city="ningbo", start="2020-01-01"),
        si_months(600, city="hangzhou", start="2020-01-01"),
        si_months(300, city="wenzhou", start="2020-06-01"),
    ]}
    assert indicator(engine, facts, "social_insurance").points == 10


def test_social_insurance_open_end_runs_to_the_as_of_date(engine):
    """Issue #2 facts contract: `end: null` = still paying on the as-of date."""
    facts = {"social_insurance": [{"start": "2025-11-29", "end": None, "province": "zhejiang",
                                   "city": "ningbo", "pension": True}]}
    assert indicator(engine, facts, "social_insurance").points == 6  # 365 days → 12 months
    early = indicator(engine, facts, "social_insurance", as_of=dt.date(2025, 12, 28))
    assert early.points == 0.5  # 30 days → 1 month


# --- residence -------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "points", "capped"), [
    (29, 0, False), (30, 0.25, False), (60, 0.5, False), (90, 0.75, False), (360, 3, False),
    (3570, 29.75, False), (3599, 29.75, False), (3600, 30, False), (3630, 30, True),
])
def test_residence_quarter_point_per_full_month_cap_30(engine, days, points, capped):
    """Issue #2 zhejiang table: residence — 0.25 per full month since residence registration, cap 30 (120 months)."""
    start = dt.date(2010, 1, 1)
    facts = {"residence": [{"start": start.isoformat(),
                            "end": (start + dt.timedelta(days=days - 1)).isoformat(), "tenant": "hangzhou"}]}
    result = indicator(engine, facts, "residence")
    assert result.points == points
    assert result.capped is capped


@pytest.mark.parametrize(("tenant", "points"), [
    ("zhejiang", 3), ("hangzhou", 3), ("ningbo", 3), ("xiangshan", 3), ("shanghai", 0),
])
def test_residence_counts_only_inside_zhejiang(engine, tenant, points):
    """Issue #2 §1: residence registered in Zhejiang (the province or any tenant below it) counts;
    a residence registered in Shanghai does not."""
    facts = {"residence": [{"start": "2020-01-01", "end": "2020-12-25", "tenant": tenant}]}  # 360 days
    assert indicator(engine, facts, "residence").points == points


# --- the tier --------------------------------------------------------------------------

def test_provincial_tier_is_the_sum_and_cannot_exceed_100(engine):
    """Issue #2 §3: a tier's points are min(cap, sum of its indicators); the zhejiang maxima add up to 100."""
    facts = {
        "birth_date": born_aged(30), "education": "doctorate", "qualifications": ["senior_title"],
        "social_insurance": [si_months(4000)],
        "residence": [{"start": "2000-01-01", "end": None, "tenant": "ningbo"}],
    }
    tier = provincial(engine, facts)
    assert [i.points for i in tier.indicators] == [20, 10, 10, 30, 30]
    assert tier.points == 100
    assert tier.capped is False  # the sum reaches the cap but does not pass it


@pytest.mark.parametrize("at", CHAIN_TENANTS)
def test_provincial_points_are_the_same_everywhere(engine, at):
    """Xiangshan notice: "Provincial communist indicators score in Zhejiang Province GM and
    cross-district mutual recognition" — the zhejiang tier is identical wherever one is scored."""
    facts = EXAMPLE_1
    reference = provincial(engine, facts, at="zhejiang")
    tier = provincial(engine, facts, at=at)
    assert tier.points == reference.points == 72.5
    assert [(i.id, i.points, i.reason) for i in tier.indicators] == \
        [(i.id, i.points, i.reason) for i in reference.indicators]


# --- the worked examples (../shared/examples/zhejiang-provincial.md) -------------------

EXAMPLE_1 = {
    "birth_date": "1996-03-01", "education": "bachelor", "qualifications": ["skill_level_3"],
    "social_insurance": [{"start": "2022-01-01", "end": "2025-12-31", "province": "zhejiang",
                          "city": "ningbo", "pension": True}],
    "residence": [{"start": "2023-06-01", "end": None, "tenant": "xiangshan"}],
}

EXAMPLE_2 = {
    "birth_date": "1970-08-15", "education": "senior_high",
    "qualifications": ["skill_level_5", "junior_title"],
    "social_insurance": [{"start": "2010-01-01", "end": None, "province": "zhejiang",
                          "city": "hangzhou", "pension": True}],
}


def test_worked_example_1_scores_72_5(engine):
    """Worked example 1 (zhejiang-provincial.md): 20 + 10 + 8 + 24 + 10.5 = 72.5 as of 2026-11-28."""
    result = engine.score(EXAMPLE_1, at="xiangshan", as_of=AS_OF)
    tier = result.tiers[0]
    by_id = {i.id: i for i in tier.indicators}
    assert {k: v.points for k, v in by_id.items()} == {
        "age": 20, "education": 10, "vocational_skill": 8, "social_insurance": 24, "residence": 10.5,
    }
    assert "age 30" in by_id["age"].reason
    assert "1,461 days" in by_id["social_insurance"].reason and "48 full months" in by_id["social_insurance"].reason
    assert "1,277 days" in by_id["residence"].reason and "42 full months" in by_id["residence"].reason
    assert tier.points == 72.5
    assert result.total == 72.5  # no municipal or county facts


def test_worked_example_2_scores_48(engine):
    """Worked example 2 (zhejiang-provincial.md): 5 + 5 + 8 (best of 3 and 8) + 30 (cap) + 0 = 48."""
    tier = provincial(engine, EXAMPLE_2)
    by_id = {i.id: i for i in tier.indicators}
    assert {k: v.points for k, v in by_id.items()} == {
        "age": 5, "education": 5, "vocational_skill": 8, "social_insurance": 30, "residence": 0,
    }
    assert "age 56" in by_id["age"].reason
    assert by_id["social_insurance"].capped is True
    assert by_id["residence"].capped is False
    assert tier.points == 48


def test_worked_examples_batch_path(engine):
    """Issue #2 §3: the batch path gives the same numbers for the worked examples."""
    batch = engine.score_batch([EXAMPLE_1, EXAMPLE_2], at="zhejiang", as_of=AS_OF)
    assert batch.tier_points[0].tolist() == [72.5, 48]
    assert batch.total.tolist() == [72.5, 48]
