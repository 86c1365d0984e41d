"""Where and when a fact counts: the tenant's area (tree + listed places) and the as-of date."""

from __future__ import annotations

import datetime as dt

import pytest

from tierpoints.packs import PackError

AS_OF = dt.date(2026, 11, 28)


def indicator(result, tenant: str, indicator_id: str):
    tier = next(t for t in result.tiers if t.tenant == tenant)
    return next(i for i in tier.indicators if i.id == indicator_id)


def test_residence_in_a_zhejiang_city_off_the_platform_counts_for_the_province(engine):
    """DOMAIN: provincial points are recognised everywhere in Zhejiang, not only in our tenants."""
    facts = {"residence": [{"start": "2024-11-29", "end": None, "tenant": "wenzhou"}]}
    result = engine.score(facts, at="ningbo", as_of=AS_OF)
    assert indicator(result, "zhejiang", "residence").points == 6  # 730 days → 24 months × 0.25
    elsewhere = {"residence": [{"start": "2024-11-29", "end": None, "tenant": "shanghai"}]}
    assert indicator(engine.score(elsewhere, at="ningbo", as_of=AS_OF), "zhejiang", "residence").points == 0


def test_a_ningbo_district_is_inside_ningbo_but_not_inside_xiangshan(engine):
    facts = {"housing": [{"kind": "owned", "tenant": "yinzhou", "start": "2020-01-01", "end": None}]}
    result = engine.score(facts, at="xiangshan", as_of=AS_OF)
    assert indicator(result, "ningbo", "housing").points == 30
    assert indicator(result, "xiangshan", "local_housing").points == 0


def test_hangzhou_social_insurance_counts_only_in_the_urban_area(engine):
    """Hangzhou rules §11.3: social insurance paid outside the city's urban area does not count."""
    period = {"start": "2021-01-01", "end": "2025-12-31", "province": "zhejiang", "pension": True}
    urban = engine.score({"social_insurance": [{**period, "city": "xihu"}]}, at="hangzhou", as_of=AS_OF)
    county = engine.score({"social_insurance": [{**period, "city": "tonglu"}]}, at="hangzhou", as_of=AS_OF)
    assert indicator(urban, "hangzhou", "hangzhou_social_insurance").points == 15  # 1,826 days → 60 months × 0.25
    assert indicator(county, "hangzhou", "hangzhou_social_insurance").points == 0
    # …while the province still counts Tonglu: it is in Zhejiang.
    assert indicator(county, "zhejiang", "social_insurance").points == 30


def test_a_home_sold_before_the_as_of_date_earns_nothing(engine):
    """Hangzhou rules §11.5: points for the home the applicant lives in, not one sold years ago."""
    sold = {"housing": [{"kind": "owned", "tenant": "hangzhou", "start": "2010-01-01", "end": "2015-06-30"}]}
    living = {"housing": [{"kind": "owned", "tenant": "hangzhou", "start": "2010-01-01", "end": None}]}
    bought_later = {"housing": [{"kind": "owned", "tenant": "hangzhou", "start": "2027-01-01", "end": None}]}
    assert indicator(engine.score(living, "hangzhou", AS_OF), "hangzhou", "housing").points == 40
    assert indicator(engine.score(sold, "hangzhou", AS_OF), "hangzhou", "housing").points == 0
    assert indicator(engine.score(bought_later, "hangzhou", AS_OF), "hangzhou", "housing").points == 0


def test_an_offence_dated_after_the_as_of_date_does_not_deduct_or_veto(engine):
    later = {"offences": [{"kind": "criminal_conviction", "date": "2027-03-01"}]}
    before = {"offences": [{"kind": "criminal_conviction", "date": "2025-03-01"}]}
    assert not engine.score(later, "hangzhou", AS_OF).vetoed
    assert engine.score(before, "hangzhou", AS_OF).vetoed
    assert engine.score(later, "hangzhou", dt.date(2027, 3, 1)).vetoed
    ningbo = engine.score(later, "ningbo", AS_OF)
    assert indicator(ningbo, "ningbo", "crimes").points == 0


def test_dated_items_agree_between_batch_and_single(engine):
    people = [
        {"housing": [{"kind": "owned", "tenant": "hangzhou", "start": "2010-01-01", "end": "2015-06-30"}]},
        {"housing": [{"kind": "owned", "tenant": "xihu", "start": "2010-01-01", "end": None}]},
        {"offences": [{"kind": "criminal_conviction", "date": "2027-03-01"}]},
        {"offences": [{"kind": "administrative_detention", "date": "2026-11-28"}]},
    ]
    batch = engine.score_batch(people, at="hangzhou", as_of=AS_OF)
    for index, person in enumerate(people):
        single = engine.score(person, at="hangzhou", as_of=AS_OF)
        assert batch.total[index] == single.total
        assert bool(batch.vetoed[index]) == single.vetoed


@pytest.mark.parametrize(
    ("tenant", "places", "message"),
    [
        ("ningbo", "[xiangshan]", "'xiangshan' is a tenant, not a place"),
        ("hangzhou", "[wenzhou]", "'wenzhou' is also a place of 'zhejiang'"),
    ],
)
def test_places_must_be_unique_and_not_tenants(make_pack_tree, tenant, places, message):
    tree = make_pack_tree()
    text = tree.read(f"{tenant}/tenant.yaml")
    start = text.index("places: [")
    end = text.index("]", start) + 1
    tree.write(f"{tenant}/tenant.yaml", text[:start] + f"places: {places}" + text[end:])
    with pytest.raises(PackError) as caught:
        tree.load()
    problems = [p for p in caught.value.problems if message in p.message]
    assert problems and problems[0].pointer == "/places/0"
    assert problems[0].file.endswith(f"{tenant}/tenant.yaml") and problems[0].line
    if "also a place" in message:  # reported on both sides, whichever pack was read first
        assert any("'wenzhou' is also a place of 'hangzhou'" in p.message for p in caught.value.problems)
