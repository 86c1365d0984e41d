"""The batch form (engine/columns.py): facts are loaded block by block, and the blocks must
not show in the columns. Small blocks put block edges, facts nobody in a block claims, and
blocks with a missing value among present ones all over a factory corpus."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import factories
from tierpoints.engine.columns import MISSING_DATE, load_columns
from tierpoints.engine.periods import OPEN_END

AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def corpus(engine):
    factories.seed(11)
    return [engine.validate(f) for f in factories.ApplicantFactory.facts_batch(400)]


def _load(engine, facts, at, chunk):
    return load_columns(facts, engine.chain(at, AS_OF).needs, engine.catalog.facts, chunk=chunk)


@pytest.mark.parametrize("chunk", [1, 7, 64])
@pytest.mark.parametrize("at", ["xiangshan", "hangzhou"])
def test_blocks_do_not_show_in_the_columns(engine, corpus, at, chunk):
    """Loading in blocks of 1, 7 or 64 applicants gives the columns of one single block."""
    whole = _load(engine, corpus, at, chunk=len(corpus))
    blocks = _load(engine, corpus, at, chunk=chunk)
    assert blocks.size == whole.size == len(corpus)
    assert blocks.scalars.keys() == whole.scalars.keys()
    for name, column in whole.scalars.items():
        np.testing.assert_array_equal(blocks.scalars[name], column, err_msg=name)
        assert blocks.scalars[name].dtype == column.dtype, name
    assert blocks.items.keys() == whole.items.keys()
    for name, items in whole.items.items():
        np.testing.assert_array_equal(blocks.items[name].owner, items.owner, err_msg=name)
        for field, column in items.fields.items():
            np.testing.assert_array_equal(blocks.items[name].fields[field], column, err_msg=f"{name}.{field}")
        # places are numbered as first met, so the blocks share one vocabulary
        assert blocks.items[name].vocabularies == items.vocabularies, name


def test_facts_claimed_in_some_blocks_only(engine):
    """Blocks of two: a fact nobody in a block claims gets its missing value there, and a
    block holding a missing date among present ones still converts the present ones."""
    facts = [engine.validate(f) for f in [
        {"birth_date": "1990-05-01"},
        {},
        {"residence": [{"start": "2020-01-01", "end": None, "tenant": "xiangshan"}]},
        {"blood_donations": 0, "birth_date": "1980-02-29"},
        {"spring_festival_stay": True, "volunteer_hours": 12.5},
    ]]
    columns = _load(engine, facts, "xiangshan", chunk=2)
    born = [dt.date(1990, 5, 1).toordinal(), MISSING_DATE, MISSING_DATE,
            dt.date(1980, 2, 29).toordinal(), MISSING_DATE]
    assert columns.scalars["birth_date"].tolist() == born
    np.testing.assert_array_equal(columns.scalars["blood_donations"], [np.nan, np.nan, np.nan, 0, np.nan])
    np.testing.assert_array_equal(columns.scalars["volunteer_hours"], [np.nan] * 4 + [12.5])
    assert columns.scalars["spring_festival_stay"].tolist() == [False] * 4 + [True]
    assert columns.scalars["education"].tolist() == [-1] * 5
    residence = columns.items["residence"]
    assert residence.owner.tolist() == [2]
    assert residence.fields["start"].tolist() == [dt.date(2020, 1, 1).toordinal()]
    assert residence.fields["end"].tolist() == [OPEN_END]
    assert residence.vocabularies["tenant"] == {"xiangshan": 0}
    assert columns.items["social_insurance"].owner.size == 0
    assert set(columns.items["social_insurance"].fields) == {"start", "end", "province"}


def test_no_facts_at_all(engine):
    columns = _load(engine, [], "xiangshan", chunk=4)
    assert columns.size == 0
    assert all(column.size == 0 for column in columns.scalars.values())
    assert all(items.owner.size == 0 for items in columns.items.values())


@pytest.mark.parametrize("at", ["xiangshan", "hangzhou"])
def test_batch_in_small_blocks_equals_single(engine, corpus, at):
    """Issue #2 §3 batch == single, with block edges between most applicants."""
    chain = engine.chain(at, AS_OF)
    batch = chain.batch(_load(engine, corpus, at, chunk=3), AS_OF)
    singles = [chain.single(f, AS_OF) for f in corpus]
    assert batch.total.tolist() == [r.total for r in singles]
    assert batch.vetoed.tolist() == [r.vetoed for r in singles]
    indicator_points = [[i.points for t in r.tiers for i in t.indicators if i.category != "veto"]
                        for r in singles]
    assert batch.indicator_points.T.tolist() == indicator_points
