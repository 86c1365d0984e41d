"""Benchmark: score a province-scale population at xiangshan, batch and single paths.

    python bench/score.py [--count 1000000] [--single 20000] [--repeat 3]

Prints applicants per second for: decoding + validating JSON facts, loading facts objects
into the batch form, batch scoring, loading + scoring, and the single (explained) path.
Machines here are noisy, so each figure is also given against a baseline measured in the
same run: one plain Python pass that reads one attribute of every facts object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
from operator import attrgetter

import msgspec
import numpy as np

from population import generate
from tierpoints.engine import Engine
from tierpoints.packs import load_catalog

AS_OF = dt.date(2026, 11, 28)
AT = "xiangshan"


def best_of(repeat: int, function, *args):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--single", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for each figure")
    args = parser.parse_args()

    engine = Engine(load_catalog())
    chain = engine.chain(AT, AS_OF)
    people, generated = best_of(1, generate, args.count, AS_OF)
    payload = msgspec.json.encode(people)
    del people
    decoder = msgspec.json.Decoder(list[engine.facts.type])
    facts, decode_time = best_of(1, decoder.decode, payload)
    del payload
    for item in facts[:1000]:
        engine.validate(item)  # the checks beyond msgspec's (period order), on a sample
    gc.freeze()  # a million long-lived facts: keep the collector from rescanning them

    n = len(facts)
    _, baseline = best_of(args.repeat, lambda: list(map(attrgetter("birth_date"), facts)))
    # The single path remembers explanations across applicants (engine/chain.py), so each
    # repeat scores other applicants: no figure comes from scoring someone twice.
    singles, single_time = [], float("inf")
    for first in range(0, args.repeat * args.single, args.single):
        sample = facts[first:first + args.single]
        results, seconds = best_of(1, lambda sample: [chain.single(f, AS_OF) for f in sample], sample)
        singles += results
        single_time = min(single_time, seconds)
    columns, load_time = best_of(args.repeat, engine.load_batch, facts, AT, AS_OF)
    scores, score_time = best_of(args.repeat, engine.score_columns, columns, AT, AS_OF)
    mismatches = int(np.sum(np.array([s.total for s in singles]) != scores.total[: len(singles)]))

    def line(label: str, count: int, seconds: float) -> None:
        per_second = count / seconds
        print(f"{label:<34}{per_second:>12,.0f} /s   {per_second / (n / baseline):>9.4f} x baseline")

    print(f"applicants: {n:,} at {AT} as of {AS_OF} (generated in {generated:.1f} s)")
    line("baseline: read one attribute", n, baseline)
    line("decode + validate JSON facts", n, decode_time)
    line("load facts objects -> batch form", n, load_time)
    line("batch scoring", n, score_time)
    line("load + batch scoring", n, load_time + score_time)
    line("single path (explained)", len(sample), single_time)
    print(f"batch scoring / single path: {(n / score_time) / (len(sample) / single_time):,.1f} x")
    print(f"single vs batch totals differing on the {len(singles):,} sampled: {mismatches}")
    print(f"mean total {scores.total.mean():.2f}, vetoed {int(scores.vetoed.sum()):,}")


if __name__ == "__main__":
    main()
