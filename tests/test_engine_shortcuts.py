"""The engine's shortcuts must not change an answer: remembered explanations and plans in
the single path, periods sorted once and masked instead of removed, the age table."""

from __future__ import annotations

import datetime as dt
import random

import msgspec
import numpy as np
import pytest

import factories
from tierpoints.engine import Engine, chain
from tierpoints.engine.periods import OPEN_END, covered_days, covered_days_columnar

AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def applicants():
    factories.seed(5)
    return factories.ApplicantFactory.facts_batch(300)


def _encoded(engine, facts, at):
    return [msgspec.json.encode(engine.score(f, at=at, as_of=AS_OF)) for f in facts]


@pytest.mark.parametrize("at", ["xiangshan", "hangzhou"])
def test_remembered_answers_are_each_applicants_own(catalog, applicants, at, monkeypatch):
    """Explanations are remembered per measured value and plans per set of claimed facts:
    in any order, and with memories so small they are always forgetting, every applicant
    gets the same result, reasons included."""
    in_order = _encoded(Engine(catalog), applicants, at)
    backwards = _encoded(Engine(catalog), applicants[::-1], at)[::-1]
    monkeypatch.setattr(chain, "MEMO_SIZE", 2)
    forgetful = _encoded(Engine(catalog), applicants, at)
    assert in_order == backwards == forgetful
    alone = [_encoded(Engine(catalog), [f], at)[0] for f in applicants[:20]]
    assert alone == in_order[:20]


def test_periods_that_do_not_count_neither_count_nor_hide_others():
    """covered_days_columnar(where=...) equals covered_days over the periods kept, with
    periods in any order, some after the as-of date and some open."""
    rng = random.Random(3)
    as_of = AS_OF.toordinal()
    owner, start, end, keep = [], [], [], []
    for applicant in range(300):
        for _ in range(rng.randint(0, 5)):
            first = as_of + rng.randint(-3000, 40)
            owner.append(applicant)
            start.append(first)
            end.append(OPEN_END if rng.random() < 0.3 else first + rng.randint(0, 900))
            keep.append(rng.random() < 0.6)
    order = list(range(len(owner)))
    rng.shuffle(order)
    columns = [np.array([values[i] for i in order]) for values in (owner, start, end, keep)]
    days = covered_days_columnar(*columns[:3], as_of, 300, where=columns[3])
    for applicant in range(300):
        kept = [(s, e) for o, s, e, k in zip(owner, start, end, keep) if o == applicant and k]
        assert days[applicant] == covered_days(kept, as_of), applicant


@pytest.mark.parametrize("born", ["1700-01-01", "1826-11-28", "1966-11-28", "2026-11-29", "2030-02-28",
                                  "2300-01-01"])
def test_age_far_from_the_usual_scores_alike_in_batch_and_single(engine, born):
    """The batch path reads ages from a table over birth days, clamped far out; the
    single path works them out. They agree, also for a birth after the as-of date."""
    facts = {"birth_date": born}
    single = engine.score(facts, at="zhejiang", as_of=AS_OF)
    batch = engine.score_batch([facts, {}], "zhejiang", AS_OF)
    assert batch.indicator_points[0].tolist() == [single.tiers[0].indicators[0].points, 0]
