"""What the pages needed besides the services that were there (issue 6): the scores a person
would keep elsewhere, the points distribution of a round, an account's own applicant record,
the actor of a token, YAML text with its lines — and the pure pieces of the pages (the facts
form, the draft comparison, the chart)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotAuthorizedException

from tierpoints.accounts.credentials import issue_token
from tierpoints.authz import PermissionDenied
from tierpoints.features.applicants.records import for_account
from tierpoints.features.auth import Actor, actor_from_token
from tierpoints.features.rounds import service as rounds
from tierpoints.features.rounds.distribution import bin_width, histogram, points_distribution
from tierpoints.features.rounds.schemas import NewRound
from tierpoints.features.simulation.service import score_elsewhere
from tierpoints.packs.yaml_source import read_yaml_text
from tierpoints.store.tables import Account
from tierpoints.web import charts, factsform
from tierpoints.web.diff import compare
from tierpoints.web.i18n import translator
from web_seed import TODAY, Today, seed

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples/applicant-xiangshan.json").read_text())


def test_score_elsewhere_says_which_tiers_travel(engine, as_of):
    """Xiangshan notice: provincial and municipal commonality + county personality. Provincial
    points are recognised everywhere in Zhejiang, municipal ones within the city, county ones
    only in the county (the README's worked example: 72.5 + 28 + 14 at Xiangshan)."""
    found = {e.at: e for e in score_elsewhere(engine, EXAMPLE, "xiangshan", as_of)}
    assert set(found) == {"zhejiang", "ningbo", "hangzhou"}
    ningbo, hangzhou = found["ningbo"], found["hangzhou"]
    assert [(t.tenant, t.points) for t in ningbo.carried] == [("zhejiang", 72.5), ("ningbo", 28)]
    assert [(t.tenant, t.points) for t in ningbo.left_behind] == [("xiangshan", 14)]
    assert ningbo.total == 100.5 and ningbo.added == []
    assert [t.tenant for t in hangzhou.carried] == ["zhejiang"]
    assert [t.tenant for t in hangzhou.left_behind] == ["ningbo", "xiangshan"]
    assert [(t.tenant, t.points) for t in hangzhou.added] == [("hangzhou", 56)] and hangzhou.total == 128.5


def test_histogram_bins_and_widths():
    assert bin_width(100, 134, 20) == 2 and bin_width(0, 300, 20) == 20 and bin_width(5, 5, 20) == 0.25
    width, bins = histogram(np.array([101.75, 105.5, 125, 125, 133.0]), 20)
    assert width == 2 and bins[0].low == 100 and bins[-1].high == 134
    assert sum(b.count for b in bins) == 5
    assert [b.count for b in bins if b.low == 124] == [2]
    assert histogram(np.array([]), 20) == (1.0, [])


async def test_points_distribution_of_a_round(platform):
    """§19: the ranking is public once published, and so is the distribution drawn from it."""
    today = Today(TODAY)
    try:
        seeded = await seed(platform.runtime, today, people=4)
        public = Actor(None)
        distribution = await points_distribution(platform.runtime, public, seeded.round_id)
        page = await rounds.ranking_page(platform.runtime, public, seeded.round_id, None, 0, 100, None)
        totals = [e.total for e in page.entries]
        assert distribution.entries == 4 and sum(b.count for b in distribution.bins) == 4
        assert distribution.quota == 5 and distribution.fits_all and distribution.cut_total == totals[-1]
        unpublished = await rounds.open_round(platform.runtime, Actor("xs_admin"), "xiangshan",
                                              NewRound(service="rent_subsidy", quota=2, snapshot=TODAY))
        with pytest.raises(NotAuthorizedException):
            await points_distribution(platform.runtime, public, unpublished.id)
        with pytest.raises(PermissionDenied):
            await points_distribution(platform.runtime, Actor("applicant_xs_1"), unpublished.id)
        tight = await points_distribution(platform.runtime, Actor("xs_admin"), unpublished.id)
        assert not tight.fits_all and tight.cut_total == totals[1]  # the second place's total

        assert await for_account("rev_xs_education") is None  # an official, no applicant
        own = await for_account("applicant_xs_2")
        assert own is not None and own.account == "applicant_xs_2" and own.tenant == "xiangshan"

        token, _ = issue_token("xs_admin", platform.runtime.settings.secret, 5)
        assert await actor_from_token(token, platform.runtime) == Actor("xs_admin")
        await Account.update({Account.active: False}).where(Account.username == "xs_admin").run()
        with pytest.raises(NotAuthorizedException, match="not active"):
            await actor_from_token(token, platform.runtime)
        with pytest.raises(NotAuthorizedException):
            await actor_from_token("forged", platform.runtime)
    finally:
        today.restore()


def test_yaml_text_maps_pointers_to_lines():
    source = read_yaml_text("tenant: xiangshan\nindicators:\n  - id: a\n    max_points: 5\n", "draft")
    assert source.data["indicators"][0]["max_points"] == 5
    assert source.line_of("/indicators/0/max_points") == 4 and source.line_of("/indicators/0/rule") == 3


def test_the_facts_form_round_trip(engine, as_of):
    facts = factsform.form_facts(engine, "xiangshan", as_of)
    names = [f.name for f in facts]
    assert names.index("birth_date") < names.index("residence") < names.index("spring_festival_stay")
    assert {r.tenant for r in next(f for f in facts if f.name == "housing").read_by} == {"ningbo", "xiangshan"}
    form = FormMultiDict([
        ("education", "bachelor"), ("qualifications", "skill_level_3"), ("qualifications", "bogus"),
        ("residence.0.start", ""), ("residence.0.end", ""), ("residence.0.tenant", ""),  # blank: dropped
        ("residence.3.start", "2023-06-01"), ("residence.3.end", ""), ("residence.3.tenant", "xiangshan"),
        ("social_insurance.0.start", "2022-01-01"), ("social_insurance.0.end", "2025-12-31"),
        ("social_insurance.0.province", "zhejiang"), ("social_insurance.0.city", "ningbo"),
        ("blood_donations", "3"), ("spring_festival_stay", "on"), ("party_member", ""),
    ])
    posted = factsform.parse(form, facts)
    factsform.check(engine, posted)
    assert posted.ok, posted.errors
    assert posted.facts["residence"] == [{"start": "2023-06-01", "end": None, "tenant": "xiangshan"}]  # renumbered
    assert posted.facts["social_insurance"][0]["pension"] is False  # an unticked box in a row
    assert posted.facts["qualifications"] == ["skill_level_3"]
    assert posted.facts["blood_donations"] == 3 and posted.facts["spring_festival_stay"] is True
    assert "party_member" not in posted.facts  # not claimed
    assert float(engine.score(posted.facts, at="xiangshan", as_of=as_of).total) > 0


def test_the_draft_comparison_reads_like_a_change_list():
    published = {"tenant": "t", "title": {"zh": "旧", "en": "old"}, "indicators": [
        {"id": "a", "name": {"zh": "甲"}, "rule": {"kind": "flag", "points": 5}},
        {"id": "b", "name": {"zh": "乙"}, "rule": {"kind": "flag", "points": 1}}]}
    draft = {"tenant": "t", "title": {"zh": "新", "en": "old"}, "indicators": [
        {"id": "a", "name": {"zh": "甲"}, "rule": {"kind": "flag", "points": 6}},
        {"id": "c", "name": {"zh": "丙"}, "rule": {"kind": "flag", "points": 2}}]}
    comparison = compare(published, draft)
    assert [(c.path, c.old, c.new) for c in comparison.top] == [("title.zh", "旧", "新")]
    assert [(i.id, i.status) for i in comparison.indicators] == [("a", "changed"), ("b", "removed"), ("c", "added")]
    assert [(c.path, c.old, c.new) for c in comparison.indicators[0].changes] == [("rule.points", 5, 6)]
    assert ("add", "+    points: 6") in comparison.lines
    assert compare(published, published).same


def test_the_chart_draws_the_quota_line():
    width, bins = histogram(np.array([90.0, 95, 100, 100, 120]), 20)
    from tierpoints.features.rounds.distribution import PointsDistribution

    svg = charts.distribution_svg(PointsDistribution(round=1, version=1, entries=5, quota=3, bin_width=width,
                                                     bins=bins, cut_total=100.0, fits_all=False), translator("en"))
    assert svg.startswith("<svg") and 'class="quota"' in svg and "quota line: top 3, 100 points" in svg
    assert svg.count('class="bar-in"') >= 2 and "<title>Points of the 5 ranked applicants, 3 places</title>" in svg
