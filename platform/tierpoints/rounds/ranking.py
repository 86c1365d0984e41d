"""The ranking of a service round: order, joint ranks, content hash, allocation, versions.

Hangzhou rules §19: applicants are ranked by their points; "in the same situation" the longer
registered residence in the city goes first, then the higher social-insurance points, then
the higher basic points. Which keys and in which direction is the service's pack
(tenants/<id>/services.yaml); here they arrive as `RankingInputs.tie_breaks`, and each
candidate carries its values in that order.

Ranks are competition ranks (1, 2, 2, 4): candidates equal on the total and on every key
share a rank — nothing else separates them, never insertion or database order. They are
still *listed* in an order, which must not depend on how the candidates arrived: inside a
joint group the listing follows a fixed scramble of the applicant id (splitmix64, a
bijection on 64-bit integers). Not the id itself, because ids are handed out in
registration order and sorting by them would be insertion order in disguise; not a
random draw, because the same inputs must give the same listing and hash. The listing
decides nothing: the rank number is shared, and allocation treats a joint group as one
(`allocate`).

The content hash is SHA-256 over the snapshot document (`Ranking.document()`): canonical
JSON (msgspec) of the inputs and of the ranked entries, column by column. The same
candidates in any order give the same bytes and so the same hash, and anyone can check a
published snapshot with `sha256sum`.

Candidates are sorted in numpy (one lexsort over the columns), so a round of a million
ranks in about the time of one plain `sorted()` over the same keys (bench/rank.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Literal

import msgspec
import numpy as np

FORMAT = "tierpoints-ranking/1"

Resolve = Literal["admit_all", "admit_none", "office_decides"]


class TieBreak(msgspec.Struct, frozen=True):
    """One tie-break key of the service, most significant first in `RankingInputs.tie_breaks`."""

    key: str
    prefer: Literal["higher", "lower"] = "higher"


class RankingInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What, besides the candidates, produced a ranking (all of it goes into the hash)."""

    tenant: str
    service: str
    snapshot: dt.date  # the points valid on this date rank
    tie_breaks: tuple[TieBreak, ...] = ()
    tiers: tuple[str, ...] = ()  # the tenants of each candidate's tier breakdown, province first
    policy: tuple[str, ...] = ()  # the indicator sets in force, e.g. "zhejiang 2022-01-01"


class Candidate(msgspec.Struct, frozen=True, gc=False):
    """One eligible applicant of a round (rounds/candidates.py builds them from facts and scores).

    `keys` holds the tie-break values in the order of `RankingInputs.tie_breaks`; `tiers` the
    points per tier in the order of `RankingInputs.tiers`. Names and identity numbers arrive
    already masked: the ranking never sees them whole.
    """

    applicant: int
    total: float
    keys: tuple[float, ...] = ()
    tiers: tuple[float, ...] = ()
    masked_name: str = ""
    masked_identity: str = ""
    points_of: int | None = None  # whose points rank: None = the applicant's own (a parent's: §2)


class RankedEntry(msgspec.Struct, frozen=True, gc=False):
    rank: int
    applicant: int
    total: float
    keys: tuple[float, ...]
    tiers: tuple[float, ...]
    masked_name: str
    masked_identity: str
    points_of: int


class RankingDocument(msgspec.Struct, frozen=True, kw_only=True):
    """The snapshot as stored and published; its bytes are what the hash covers.

    Columns, not rows: entry i is (rank[i], applicant[i], ...), keys[j][i] is the value of
    tie-break j, tiers[t][i] the points of tier t.
    """

    format: str
    inputs: RankingInputs
    rank: list[int]
    applicant: list[int]
    total: list[float]
    keys: list[list[float]]
    tiers: list[list[float]]
    masked_name: list[str]
    masked_identity: list[str]
    points_of: list[int]


class RankingError(ValueError):
    """Candidates that cannot be ranked as given (a programming or data error, not a policy one)."""


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def listing_order_key(applicants: np.ndarray) -> np.ndarray:
    """splitmix64 of each applicant id: the listing order inside a joint group (module doc)."""
    with np.errstate(over="ignore"):
        x = applicants.astype(np.uint64) + _M1
        x = (x ^ (x >> np.uint64(30))) * _M2
        x = (x ^ (x >> np.uint64(27))) * _M3
        return x ^ (x >> np.uint64(31))


class Ranking:
    """A ranking version: columns in rank order, the inputs, and the hash of its document."""

    __slots__ = ("_document", "_hash", "_positions", "applicant", "inputs", "keys", "masked_identity",
                 "masked_name", "points_of", "rank", "tiers", "total")

    def __init__(self, inputs: RankingInputs, rank: np.ndarray, applicant: np.ndarray, total: np.ndarray,
                 keys: np.ndarray, tiers: np.ndarray, masked_name: list[str], masked_identity: list[str],
                 points_of: np.ndarray):
        self.inputs = inputs
        self.rank, self.applicant, self.total = rank, applicant, total
        self.keys, self.tiers = keys, tiers  # (n, keys) and (n, tiers)
        self.masked_name, self.masked_identity, self.points_of = masked_name, masked_identity, points_of
        self._document: bytes | None = None
        self._hash: str | None = None
        self._positions: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.applicant)

    def __getitem__(self, position: int) -> RankedEntry:
        i = range(len(self))[position]
        return RankedEntry(
            int(self.rank[i]), int(self.applicant[i]), float(self.total[i]),
            tuple(self.keys[i].tolist()), tuple(self.tiers[i].tolist()),
            self.masked_name[i], self.masked_identity[i], int(self.points_of[i]))

    def __iter__(self) -> Iterator[RankedEntry]:
        return (self[i] for i in range(len(self)))

    def entries(self, start: int = 0, stop: int | None = None) -> list[RankedEntry]:
        return [self[i] for i in range(*slice(start, stop).indices(len(self)))]

    def position_of(self, applicant: int) -> int | None:
        if self._positions is None:
            self._positions = dict(zip(self.applicant.tolist(), range(len(self))))
        return self._positions.get(applicant)

    def entry_of(self, applicant: int) -> RankedEntry | None:
        position = self.position_of(applicant)
        return None if position is None else self[position]

    def joint_groups(self) -> list[tuple[int, int, int]]:
        """(rank, first position, end position) of every group of two or more sharing a rank."""
        if len(self) < 2:
            return []
        starts = np.flatnonzero(np.diff(self.rank, prepend=0))  # rank changes where a group starts
        ends = np.append(starts[1:], len(self))
        joint = ends - starts > 1
        return [(int(self.rank[s]), int(s), int(e)) for s, e in zip(starts[joint], ends[joint])]

    def candidates(self) -> list[Candidate]:
        """The candidates it was computed from (points_of None where it is the applicant's own)."""
        return [
            Candidate(e.applicant, e.total, e.keys, e.tiers, e.masked_name, e.masked_identity,
                      None if e.points_of == e.applicant else e.points_of)
            for e in self
        ]

    def document(self) -> bytes:
        """The canonical snapshot (JSON); what is stored, published and hashed."""
        if self._document is None:
            self._document = msgspec.json.encode(RankingDocument(
                format=FORMAT, inputs=self.inputs, rank=self.rank.tolist(), applicant=self.applicant.tolist(),
                total=self.total.tolist(), keys=self.keys.T.tolist(), tiers=self.tiers.T.tolist(),
                masked_name=self.masked_name, masked_identity=self.masked_identity,
                points_of=self.points_of.tolist(),
            ))
        return self._document

    @property
    def hash(self) -> str:
        """SHA-256 (hex) of `document()`."""
        if self._hash is None:
            self._hash = hashlib.sha256(self.document()).hexdigest()
        return self._hash

    def verify(self) -> bool:
        """Rank the snapshot's candidates again: True when that gives this very ranking (its hash)."""
        return rank(self.candidates(), self.inputs).hash == self.hash

    @classmethod
    def from_document(cls, data: bytes, expected_hash: str | None = None) -> Ranking:
        """A stored snapshot back; with `expected_hash`, refuse bytes that do not hash to it."""
        if expected_hash is not None and hashlib.sha256(data).hexdigest() != expected_hash:
            raise RankingError("the snapshot does not match its hash: it was altered or damaged")
        doc = msgspec.json.decode(data, type=RankingDocument)
        if doc.format != FORMAT:
            raise RankingError(f"snapshot format {doc.format!r}, expected {FORMAT!r}")
        n = len(doc.applicant)
        ranking = cls(
            doc.inputs, np.array(doc.rank, dtype=np.int64), np.array(doc.applicant, dtype=np.int64),
            np.array(doc.total, dtype=np.float64),
            np.array(doc.keys, dtype=np.float64).reshape(len(doc.inputs.tie_breaks), n).T,
            np.array(doc.tiers, dtype=np.float64).reshape(len(doc.inputs.tiers), n).T,
            doc.masked_name, doc.masked_identity, np.array(doc.points_of, dtype=np.int64))
        ranking._document = data
        return ranking


def _column(candidates: Sequence[Candidate], field: str, width: int, what: str) -> np.ndarray:
    """A tuple field of every candidate as an (n, width) float array, checking the width."""
    n = len(candidates)
    values = list(map(attrgetter(field), candidates))
    widths = set(map(len, values))
    if widths - {width}:
        found = next(c for c in candidates if len(getattr(c, field)) != width)
        raise RankingError(f"applicant {found.applicant} has {len(getattr(found, field))} {field}, "
                           f"the inputs name {width} {what}")
    return np.fromiter(chain.from_iterable(values), np.float64, n * width).reshape(n, width)


@dataclass
class CandidateColumns:
    """Candidates as columns: what a round of a million builds and ranks without making a
    Candidate for each (features/rounds/population.py); iterating gives the Candidates."""

    applicant: np.ndarray  # int64
    total: np.ndarray  # float64
    keys: np.ndarray  # (n, tie-breaks)
    tiers: np.ndarray  # (n, tiers)
    masked_name: list[str]
    masked_identity: list[str]
    points_of: np.ndarray  # int64: whose points rank (the applicant's own id where they are their own)

    @classmethod
    def of(cls, candidates: Sequence[Candidate], keys: int, tiers: int) -> CandidateColumns:
        """Candidates with `keys` tie-break values and `tiers` tier points each (checked)."""
        if isinstance(candidates, CandidateColumns):
            return candidates
        n = len(candidates)
        applicant = np.fromiter(map(attrgetter("applicant"), candidates), np.int64, n)
        points = list(map(attrgetter("points_of"), candidates))
        if None in points:
            points = [a if p is None else p for a, p in zip(applicant.tolist(), points)]
        return cls(applicant, np.fromiter(map(attrgetter("total"), candidates), np.float64, n),
                   _column(candidates, "keys", keys, "tie-break keys"), _column(candidates, "tiers", tiers, "tiers"),
                   list(map(attrgetter("masked_name"), candidates)),
                   list(map(attrgetter("masked_identity"), candidates)), np.fromiter(points, np.int64, n))

    @classmethod
    def join(cls, parts: Sequence[CandidateColumns], keys: int, tiers: int) -> CandidateColumns:
        if not parts:
            return cls.of([], keys, tiers)
        return cls(np.concatenate([p.applicant for p in parts]), np.concatenate([p.total for p in parts]),
                   np.concatenate([p.keys for p in parts]), np.concatenate([p.tiers for p in parts]),
                   list(chain.from_iterable(p.masked_name for p in parts)),
                   list(chain.from_iterable(p.masked_identity for p in parts)),
                   np.concatenate([p.points_of for p in parts]))

    def __len__(self) -> int:
        return len(self.applicant)

    def __iter__(self) -> Iterator[Candidate]:
        for a, t, k, tiers, name, identity, p in zip(
                self.applicant.tolist(), self.total.tolist(), self.keys.tolist(), self.tiers.tolist(),
                self.masked_name, self.masked_identity, self.points_of.tolist()):
            yield Candidate(a, t, tuple(k), tuple(tiers), name, identity, None if p == a else p)


def rank(candidates: Sequence[Candidate] | CandidateColumns, inputs: RankingInputs) -> Ranking:
    """Rank eligible candidates: total descending, then each tie-break in its direction;
    equal on all of them → the same rank. The result does not depend on the input order."""
    columns = CandidateColumns.of(candidates, len(inputs.tie_breaks), len(inputs.tiers))
    n = len(columns)
    applicant, total, keys, tiers = columns.applicant, columns.total, columns.keys, columns.tiers
    if keys.shape != (n, len(inputs.tie_breaks)) or tiers.shape != (n, len(inputs.tiers)):
        raise RankingError(f"columns of {keys.shape[1]} tie-break keys and {tiers.shape[1]} tiers, "
                           f"the inputs name {len(inputs.tie_breaks)} and {len(inputs.tiers)}")
    ascending = np.sort(applicant)  # a sort: numpy's hashing unique() took 0.5 s for a million
    twice = ascending[1:][ascending[1:] == ascending[:-1]]
    if twice.size:
        raise RankingError(f"applicant {twice[0]} is a candidate twice")
    if np.isnan(total).any() or np.isnan(keys).any():
        bad = np.flatnonzero(np.isnan(total) | np.isnan(keys).any(axis=1))[0]
        raise RankingError(f"applicant {applicant[bad]} has a total or tie-break value that is not a number")
    points_of = columns.points_of

    # np.lexsort sorts by the last column first: most significant last. Ascending, so a key
    # where higher is preferred is negated.
    sort_by = [listing_order_key(applicant)]
    for j in range(len(inputs.tie_breaks) - 1, -1, -1):
        sort_by.append(-keys[:, j] if inputs.tie_breaks[j].prefer == "higher" else keys[:, j])
    sort_by.append(-total)
    order = np.lexsort(sort_by)

    total, keys = total[order] + 0.0, keys[order] + 0.0  # + 0.0: no -0.0 in the document
    new_group = np.ones(n, dtype=bool)
    if n > 1:
        same = total[1:] == total[:-1]
        for j in range(keys.shape[1]):
            same &= keys[1:, j] == keys[:-1, j]
        new_group[1:] = ~same
    ranks = np.maximum.accumulate(np.where(new_group, np.arange(1, n + 1), 0))
    names = np.array(columns.masked_name, dtype=object)[order].tolist()
    identities = np.array(columns.masked_identity, dtype=object)[order].tolist()
    return Ranking(inputs, ranks, applicant[order], total, keys, tiers[order] + 0.0, names, identities,
                   points_of[order])


# --- allocation --------------------------------------------------------------------------------


class JointBoundary(msgspec.Struct, frozen=True, kw_only=True):
    """Candidates sharing a rank across the end of the quota: some would fit, not all."""

    rank: int
    applicants: list[int]  # the whole group, as listed
    places_left: int  # the places still free when the group is reached
    resolve: Resolve


class Allocation(msgspec.Struct, frozen=True, kw_only=True):
    ranking: str  # the hash of the ranking version allocated
    quota: int
    resolve: Resolve
    granted: list[int]  # applicants, in rank order
    pending: list[int]  # office_decides: the boundary group, for the migrant office
    boundary: JointBoundary | None
    over_quota: int  # admit_all: places granted beyond the quota
    unfilled: int  # places of the quota nobody was granted (pending ones included)


def allocate(ranking: Ranking, quota: int, resolve: Resolve) -> Allocation:
    """Grant the quota in rank order. A joint group straddling the end of the quota is reported
    and resolved as the service's pack says (services.yaml `boundary.resolve`):
    admit_all grants the whole group, admit_none none of it, office_decides none of it yet
    (pending). The order a group is listed in never matters."""
    if quota < 0:
        raise RankingError(f"a quota is a number of places, not {quota}")
    n, applicants = len(ranking), ranking.applicant
    end_granted, pending, boundary = min(quota, n), [], None
    if 0 < quota < n:
        last_rank = int(ranking.rank[quota - 1])
        start = last_rank - 1  # competition ranks: a group's rank is 1 + the candidates ahead of it
        end = int(np.searchsorted(ranking.rank, last_rank, side="right"))
        if end > quota:
            group = applicants[start:end].tolist()
            boundary = JointBoundary(rank=last_rank, applicants=group, places_left=quota - start,
                                     resolve=resolve)
            end_granted = end if resolve == "admit_all" else start
            pending = group if resolve == "office_decides" else []
    granted = applicants[:end_granted].tolist()
    return Allocation(ranking=ranking.hash, quota=quota, resolve=resolve, granted=granted, pending=pending,
                      boundary=boundary, over_quota=max(0, len(granted) - quota),
                      unfilled=max(0, quota - len(granted)))


# --- versions ------------------------------------------------------------------------------------


class Move(msgspec.Struct, frozen=True, kw_only=True):
    """One applicant whose entry differs between two versions of a ranking."""

    applicant: int
    masked_name: str
    masked_identity: str
    old_rank: int | None  # None: not ranked in the old version
    new_rank: int | None  # None: not ranked in the new version
    rank_change: int | None  # old - new: positive moved up
    old_total: float | None
    new_total: float | None
    total_change: float | None
    # What changed in the applicant's own entry: "entered", "left", "total", tie-break key ids,
    # "tiers", "points_of". Empty: nothing of theirs changed — they moved because others did.
    changed: list[str]


class RankingDiff(msgspec.Struct, frozen=True, kw_only=True):
    old: str  # hashes
    new: str
    moves: list[Move]  # by new rank, then those who left by old rank
    unchanged: int


def diff(old: Ranking, new: Ranking) -> RankingDiff:
    """Who moved between two versions of a round's ranking (a correction after an objection
    during publicity, Hangzhou rules §20), from which rank to which, and why."""
    a, b = old.inputs, new.inputs
    if (a.tenant, a.service, a.tie_breaks, a.tiers) != (b.tenant, b.service, b.tie_breaks, b.tiers):
        raise RankingError("only versions of the same round compare: same tenant, service, tie-breaks and tiers")
    _, io, jn = np.intersect1d(old.applicant, new.applicant, assume_unique=True, return_indices=True)
    key_changed = old.keys[io] != new.keys[jn]
    total_changed = old.total[io] != new.total[jn]
    tiers_changed = (old.tiers[io] != new.tiers[jn]).any(axis=1)
    points_changed = old.points_of[io] != new.points_of[jn]
    moved = (old.rank[io] != new.rank[jn]) | total_changed | key_changed.any(axis=1) | tiers_changed | points_changed
    key_ids = [tie.key for tie in a.tie_breaks]
    # sorted by (new position, or after all of them the old position): rank order, and inside
    # a joint group the listing order
    moves: list[tuple[int, Move]] = []
    picked = np.flatnonzero(moved)
    i_all, j_all = io[picked], jn[picked]
    columns = zip(
        new.applicant[j_all].tolist(), j_all.tolist(), old.rank[i_all].tolist(), new.rank[j_all].tolist(),
        old.total[i_all].tolist(), new.total[j_all].tolist(), total_changed[picked].tolist(),
        key_changed[picked].tolist(), tiers_changed[picked].tolist(), points_changed[picked].tolist())
    for who, j, old_rank, new_rank, old_total, new_total, total_flag, key_flags, tiers_flag, points_flag in columns:
        changed = (["total"] if total_flag else []) + [key for key, flag in zip(key_ids, key_flags) if flag]
        changed += (["tiers"] if tiers_flag else []) + (["points_of"] if points_flag else [])
        moves.append((j, Move(applicant=who, masked_name=new.masked_name[j],
                              masked_identity=new.masked_identity[j], old_rank=old_rank, new_rank=new_rank,
                              rank_change=old_rank - new_rank, old_total=old_total, new_total=new_total,
                              total_change=new_total - old_total, changed=changed)))
    for j in np.flatnonzero(~np.isin(new.applicant, old.applicant)).tolist():
        moves.append((j, Move(applicant=int(new.applicant[j]), masked_name=new.masked_name[j],
                              masked_identity=new.masked_identity[j], old_rank=None, new_rank=int(new.rank[j]),
                              rank_change=None, old_total=None, new_total=float(new.total[j]),
                              total_change=None, changed=["entered"])))
    for i in np.flatnonzero(~np.isin(old.applicant, new.applicant)).tolist():
        moves.append((len(new) + i, Move(
            applicant=int(old.applicant[i]), masked_name=old.masked_name[i],
            masked_identity=old.masked_identity[i], old_rank=int(old.rank[i]), new_rank=None,
            rank_change=None, old_total=float(old.total[i]), new_total=None, total_change=None,
            changed=["left"])))
    moves.sort(key=lambda pair: pair[0])
    return RankingDiff(old=old.hash, new=new.hash, moves=[move for _, move in moves],
                       unchanged=len(io) - int(moved.sum()))
