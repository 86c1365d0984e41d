"""The ranking core of a service round (issue #5): pure, no database.

Hangzhou rules §19: "the applicant's points rankings [are made] public ... In the same
situation, the one with the longest registered residence time in this city will be given
priority; if the residence time is the same, the one with the higher social insurance
points will be given priority; if the social insurance points are the same, the one with
the higher basic points will be given priority." Issue #5: anything still tied ranks
jointly — never by insertion or database order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random

import msgspec
import numpy as np
import pytest

from tierpoints.rounds import Candidate, RankingInputs, TieBreak, allocate, diff, rank
from tierpoints.rounds.ranking import Ranking, RankingError, listing_order_key

HANGZHOU = RankingInputs(
    tenant="hangzhou", service="settlement", snapshot=dt.date(2026, 11, 28),
    tie_breaks=(TieBreak("registered_residence"), TieBreak("social_insurance_points"), TieBreak("basic_points")),
    tiers=("zhejiang", "hangzhou"),
)


def person(applicant: int, total: float, residence: float = 0, insurance: float = 0, basic: float = 0,
           **extra) -> Candidate:
    return Candidate(applicant, total, (residence, insurance, basic), (min(total, 100.0), max(total - 100, 0.0)),
                     **extra)


def ranks(ranking: Ranking) -> list[tuple[int, int]]:
    """(applicant, rank) in listing order."""
    return [(entry.applicant, entry.rank) for entry in ranking]


def by_applicant(ranking: Ranking) -> dict[int, int]:
    return dict(ranks(ranking))


# --- order and ties (Hangzhou rules §19) -----------------------------------------------------


def test_higher_total_ranks_first():
    """Hangzhou rules §19: applicants are ranked by their points, the highest first."""
    ranking = rank([person(1, 90), person(2, 120.5), person(3, 120.25)], HANGZHOU)
    assert ranks(ranking) == [(2, 1), (3, 2), (1, 3)]


def test_equal_totals_go_to_the_longer_registered_residence():
    """Hangzhou rules §19: in the same situation (equal points) the longest registered residence
    time in this city is given priority — whatever the later keys say."""
    ranking = rank([person(1, 100, residence=36, insurance=40, basic=90),
                    person(2, 100, residence=37, insurance=0, basic=0)], HANGZHOU)
    assert ranks(ranking) == [(2, 1), (1, 2)]


def test_equal_residence_goes_to_the_higher_social_insurance_points():
    """Hangzhou rules §19: if the residence time is the same, the higher social insurance points first."""
    ranking = rank([person(1, 100, residence=36, insurance=24, basic=90),
                    person(2, 100, residence=36, insurance=24.25, basic=10)], HANGZHOU)
    assert ranks(ranking) == [(2, 1), (1, 2)]


def test_equal_social_insurance_goes_to_the_higher_basic_points():
    """Hangzhou rules §19: if the social insurance points are the same, the higher basic points first."""
    ranking = rank([person(1, 100, residence=36, insurance=24, basic=80),
                    person(2, 100, residence=36, insurance=24, basic=80.5)], HANGZHOU)
    assert ranks(ranking) == [(2, 1), (1, 2)]


def test_ties_at_every_level_at_once():
    """Hangzhou rules §19, all three keys in one round, each deciding between some candidates,
    and issue #5: those equal on everything share a rank (competition ranking 1, 2, 2, 4)."""
    field = [
        person(10, 150),                                            # alone on the total
        person(11, 120, residence=60, insurance=10, basic=50),      # residence decides
        person(12, 120, residence=48, insurance=30, basic=99),
        person(13, 120, residence=48, insurance=20, basic=99),      # insurance decides
        person(14, 120, residence=48, insurance=20, basic=70),      # basic decides
        person(15, 120, residence=48, insurance=20, basic=60),      # ↓ all equal: joint
        person(16, 120, residence=48, insurance=20, basic=60),
        person(17, 120, residence=48, insurance=20, basic=60),
        person(18, 119.75, residence=99, insurance=99, basic=99),  # a lower total, whatever its keys
    ]
    got = by_applicant(rank(field, HANGZHOU))
    assert got == {10: 1, 11: 2, 12: 3, 13: 4, 14: 5, 15: 6, 16: 6, 17: 6, 18: 9}


def test_fully_tied_rank_jointly():
    """Issue #5 / Hangzhou rules §19: anything still tied after the last key ranks jointly — the
    same rank number, and the next rank skips the places they take (1, 2, 2, 4)."""
    ranking = rank([person(1, 110), person(2, 100, 12, 3, 50), person(3, 100, 12, 3, 50), person(4, 90)], HANGZHOU)
    assert sorted(by_applicant(ranking).values()) == [1, 2, 2, 4]
    assert ranking.joint_groups() == [(2, 1, 3)]


def test_a_key_preferring_lower_values():
    """services.schema.json `prefer: lower`: the key's smaller value ranks first."""
    inputs = msgspec.structs.replace(HANGZHOU, tie_breaks=(TieBreak("registered_residence", "lower"),
                                                           *HANGZHOU.tie_breaks[1:]))
    ranking = rank([person(1, 100, residence=12), person(2, 100, residence=24)], inputs)
    assert ranks(ranking) == [(1, 1), (2, 2)]


def test_no_tie_breaks_at_all():
    """A service may declare no tie-break: equal totals rank jointly straight away."""
    inputs = msgspec.structs.replace(HANGZHOU, tie_breaks=())
    ranking = rank([Candidate(1, 100, (), (100.0, 0.0)), Candidate(2, 100, (), (100.0, 0.0)),
                    Candidate(3, 101, (), (100.0, 1.0))], inputs)
    assert by_applicant(ranking) == {3: 1, 1: 2, 2: 2}


def test_the_listing_inside_a_joint_group_is_not_input_or_id_order():
    """Issue #5: never by insertion or database order. Inside a joint group the listing follows a
    fixed scramble of the applicant id (splitmix64): the same for every input order, and not the
    id order (ids are given out in registration order)."""
    tied = [person(applicant, 100, 12, 3, 50) for applicant in range(1, 9)]
    listings = {tuple(e.applicant for e in rank(list(order), HANGZHOU))
                for order in itertools.islice(itertools.permutations(tied), 0, None, 997)}
    assert len(listings) == 1
    [listing] = listings
    assert list(listing) == sorted(range(1, 9), key=lambda a: int(listing_order_key(np.array([a]))[0]))
    assert list(listing) != sorted(listing) and list(listing) != sorted(listing, reverse=True)
    assert {e.rank for e in rank(tied, HANGZHOU)} == {1}


def test_matches_a_plain_reference_on_random_rounds():
    """The numpy ranking agrees with the obvious one (sort by the keys, count who is strictly
    ahead) on random rounds full of ties at every level."""
    rng = random.Random(5)
    for _ in range(30):
        field = [person(a, rng.choice([90, 100, 100.25, 110]), rng.choice([12, 24]), rng.choice([0, 3]),
                        rng.choice([40, 50])) for a in rng.sample(range(1, 10_000), rng.randint(0, 60))]
        key = {c.applicant: (-c.total, *(-k for k in c.keys)) for c in field}
        expected = {a: 1 + sum(other < key[a] for other in key.values()) for a in key}
        assert by_applicant(rank(field, HANGZHOU)) == expected


def test_an_empty_round_ranks():
    ranking = rank([], HANGZHOU)
    assert len(ranking) == 0 and ranking.joint_groups() == [] and len(ranking.hash) == 64


# --- the content hash (issue #5: computing it again from the same inputs gives the same hash) ---


def field_of(count: int, seed: int = 3) -> list[Candidate]:
    rng = random.Random(seed)
    return [person(a, rng.randrange(300, 500) / 4, rng.choice([0, 12, 24, 36]), rng.randrange(0, 40) / 4,
                   rng.randrange(100, 200) / 2, masked_name="王*", masked_identity=f"330***********{a:04d}")
            for a in rng.sample(range(1, 100_000), count)]


def test_same_inputs_in_any_order_give_the_same_hash():
    """Issue #5: a ranking computed again from the same inputs has the same hash, whatever order
    the candidates arrive in (database order is not an input)."""
    field = field_of(500)
    first = rank(field, HANGZHOU)
    for seed in range(5):
        shuffled = list(field)
        random.Random(seed).shuffle(shuffled)
        again = rank(shuffled, HANGZHOU)
        assert again.hash == first.hash and again.document() == first.document()


def test_the_hash_is_sha256_of_the_published_document():
    """Anyone can check a published snapshot: the hash is SHA-256 of its bytes."""
    ranking = rank(field_of(50), HANGZHOU)
    assert ranking.hash == hashlib.sha256(ranking.document()).hexdigest()
    document = msgspec.json.decode(ranking.document())
    assert document["format"] == "tierpoints-ranking/1"
    assert document["inputs"]["tie_breaks"][0] == {"key": "registered_residence", "prefer": "higher"}
    assert document["rank"] == [e.rank for e in ranking]


def test_whole_numbers_and_negative_zero_do_not_change_the_hash():
    """Scores print 20, not 20.0 (engine results): the same value must hash the same."""
    as_floats = [Candidate(1, 20.0, (12.0, 0.0, 20.0), (20.0, 0.0)), Candidate(2, 7.5, (0.0, 0.0, 7.5), (7.5, 0.0))]
    as_ints = [Candidate(1, 20, (12, -0.0, 20), (20, 0)), Candidate(2, 7.5, (0, 0, 7.5), (7.5, -0.0))]
    assert rank(as_floats, HANGZHOU).hash == rank(as_ints, HANGZHOU).hash


@pytest.mark.parametrize("change", [
    lambda c: msgspec.structs.replace(c, total=c.total + 0.25),
    lambda c: msgspec.structs.replace(c, keys=(c.keys[0] + 1, *c.keys[1:])),
    lambda c: msgspec.structs.replace(c, masked_identity="330***********9999"),
    lambda c: msgspec.structs.replace(c, points_of=c.applicant + 1),
])
def test_any_change_to_an_entry_changes_the_hash(change):
    """The hash covers every entry: rank, total, each key, the masked identity, whose points."""
    field = field_of(20)
    changed = [change(field[0]), *field[1:]]
    assert rank(changed, HANGZHOU).hash != rank(field, HANGZHOU).hash


def test_the_inputs_are_part_of_the_hash():
    """The same candidates ranked on another snapshot date or another policy are another ranking."""
    field = field_of(20)
    base = rank(field, HANGZHOU).hash
    assert rank(field, msgspec.structs.replace(HANGZHOU, snapshot=dt.date(2026, 12, 1))).hash != base
    assert rank(field, msgspec.structs.replace(HANGZHOU, policy=("hangzhou 2027-01-01",))).hash != base


def test_a_stored_snapshot_loads_back_and_tampering_is_refused():
    """Storage keeps the document; loading checks it against the recorded hash."""
    ranking = rank(field_of(30), HANGZHOU)
    loaded = Ranking.from_document(ranking.document(), ranking.hash)
    assert list(loaded) == list(ranking) and loaded.inputs == ranking.inputs
    assert rank(loaded.candidates(), loaded.inputs).hash == ranking.hash  # recomputed from the snapshot
    assert loaded.verify()
    reordered = ranking.document().replace(b'"rank":[1,', b'"rank":[2,')  # recorded with its own hash
    assert not Ranking.from_document(reordered).verify()
    tampered = ranking.document().replace(b'"rank":[1,', b'"rank":[2,')
    with pytest.raises(RankingError, match="does not match its hash"):
        Ranking.from_document(tampered, ranking.hash)


# --- allocation under the quota (issue #5: joint ranks at the boundary, resolved as the pack says) ---


def boundary_round() -> Ranking:
    """Ranks 1, 2, 3, 3, 3, 6: a joint group of three at ranks 3-5."""
    return rank([person(1, 130), person(2, 120), person(3, 110, 12, 3, 50), person(4, 110, 12, 3, 50),
                 person(5, 110, 12, 3, 50), person(6, 100)], HANGZHOU)


def test_admit_all_grants_the_whole_straddling_group():
    """services.yaml boundary `admit_all` (Hangzhou and Xiangshan school places): a joint group
    straddling the quota is granted whole; the surplus over the quota is reported."""
    allocation = allocate(boundary_round(), 4, "admit_all")
    assert allocation.granted[:2] == [1, 2] and sorted(allocation.granted[2:]) == [3, 4, 5]
    assert (allocation.over_quota, allocation.unfilled, allocation.pending) == (1, 0, [])
    assert allocation.boundary.rank == 3 and sorted(allocation.boundary.applicants) == [3, 4, 5]
    assert allocation.boundary.places_left == 2


def test_admit_none_leaves_the_places_unfilled():
    """services.yaml boundary `admit_none`: nobody of the straddling group; the places stay empty."""
    allocation = allocate(boundary_round(), 4, "admit_none")
    assert allocation.granted == [1, 2]
    assert (allocation.over_quota, allocation.unfilled, allocation.pending) == (0, 2, [])
    assert allocation.boundary.places_left == 2


def test_office_decides_reports_the_group_as_pending():
    """services.yaml boundary `office_decides` (settling): those ahead are granted, the joint group
    goes to the migrant office with the places left — nothing is drawn by lot or by listing."""
    allocation = allocate(boundary_round(), 3, "office_decides")
    assert allocation.granted == [1, 2]
    assert sorted(allocation.pending) == [3, 4, 5] and allocation.boundary.places_left == 1
    assert allocation.unfilled == 1 and allocation.over_quota == 0


def test_a_quota_ending_between_ranks_reports_no_boundary():
    """A quota that ends exactly after a group splits nobody: no boundary to resolve."""
    ranking = boundary_round()
    for resolve in ("admit_all", "admit_none", "office_decides"):
        allocation = allocate(ranking, 5, resolve)
        assert allocation.boundary is None and sorted(allocation.granted) == [1, 2, 3, 4, 5]
        assert (allocation.over_quota, allocation.unfilled) == (0, 0)


def test_quota_edges():
    """No places, or more places than candidates."""
    ranking = boundary_round()
    assert allocate(ranking, 0, "admit_all").granted == []
    everyone = allocate(ranking, 10, "admit_none")
    assert len(everyone.granted) == 6 and everyone.boundary is None and everyone.unfilled == 4
    with pytest.raises(RankingError):
        allocate(ranking, -1, "admit_all")
    first_place = allocate(rank([person(1, 9), person(2, 9)], HANGZHOU), 1, "admit_none")
    assert first_place.granted == [] and first_place.boundary.places_left == 1


def test_the_boundary_does_not_depend_on_the_listing():
    """Whatever order the group is listed in, the same people are granted (the listing decides nothing)."""
    field = [person(a, 100, 12, 3, 50) for a in range(1, 30)] + [person(99, 200)]
    results = set()
    for seed in range(5):
        random.Random(seed).shuffle(field)
        allocation = allocate(rank(field, HANGZHOU), 10, "admit_all")
        results.add(frozenset(allocation.granted))
    assert len(results) == 1 and len(next(iter(results))) == 30


# --- versions (issue #5: a correction gives a new ranking version, the difference shown) ---------


def test_diff_names_who_moved_where_and_why():
    """Hangzhou rules §20: objections during publicity are corrected; issue #5: the new version
    shows who moved, from which rank to which, by how much total, and why."""
    old = rank([person(1, 120), person(2, 110, 24, 5, 60), person(3, 100), person(4, 90)], HANGZHOU)
    new = rank([person(1, 120), person(2, 110, 24, 5, 60), person(3, 125.5, insurance=2),
                person(5, 95)], HANGZHOU)
    changes = diff(old, new)
    moves = {m.applicant: m for m in changes.moves}
    assert sorted(moves) == [1, 2, 3, 4, 5] and changes.unchanged == 0
    assert (moves[3].old_rank, moves[3].new_rank, moves[3].rank_change) == (3, 1, 2)
    assert (moves[3].old_total, moves[3].new_total, moves[3].total_change) == (100, 125.5, 25.5)
    assert moves[3].changed == ["total", "social_insurance_points", "tiers"]
    assert (moves[1].old_rank, moves[1].new_rank, moves[1].changed) == (1, 2, [])  # moved by others
    assert moves[5].changed == ["entered"] and moves[5].old_rank is None and moves[5].new_rank == 4
    assert moves[4].changed == ["left"] and moves[4].new_rank is None
    assert [m.applicant for m in changes.moves] == [3, 1, 2, 5, 4]  # by new rank, those who left last
    assert (changes.old, changes.new) == (old.hash, new.hash)


def test_identical_versions_differ_in_nothing():
    field = field_of(100)
    changes = diff(rank(field, HANGZHOU), rank(list(reversed(field)), HANGZHOU))
    assert changes.moves == [] and changes.unchanged == 100


def test_only_versions_of_one_round_compare():
    field = field_of(5)
    other = msgspec.structs.replace(HANGZHOU, tie_breaks=HANGZHOU.tie_breaks[:2])
    with pytest.raises(RankingError, match="same round"):
        diff(rank(field, HANGZHOU), rank([msgspec.structs.replace(c, keys=c.keys[:2]) for c in field], other))


# --- inputs that cannot be ranked --------------------------------------------------------------


def test_an_applicant_is_a_candidate_once():
    with pytest.raises(RankingError, match="applicant 7 is a candidate twice"):
        rank([person(7, 100), person(8, 90), person(7, 90)], HANGZHOU)


def test_every_candidate_has_a_value_per_tie_break():
    with pytest.raises(RankingError, match="applicant 2 has 2 keys, the inputs name 3 tie-break keys"):
        rank([person(1, 100), Candidate(2, 100, (1.0, 2.0), (100.0, 0.0))], HANGZHOU)


def test_a_total_that_is_not_a_number_is_refused():
    with pytest.raises(RankingError, match="applicant 2"):
        rank([person(1, 100), person(2, float("nan"))], HANGZHOU)
