"""Benchmark: score a province-scale population at xiangshan, batch and single paths.

    python bench/score.py [--count 1000000] [--single 20000]

Prints applicants per second for: decoding + validating JSON facts, loading facts objects
into the batch form, batch scoring, loading + scoring, and the single path; and the
single path's rate as a ratio of the batch path's, measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import msgspec
import numpy as np

from population import generate
from tierpoints.engine import Engine
from tierpoints.packs import load_catalog

AS_OF = dt.date(2026, 11, 28)
AT = "xiangshan"


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--single", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the batch figures")
    args = parser.parse_args()

    engine = Engine(load_catalog())
    engine.chain(AT, AS_OF)
    people, generated = timed(generate, args.count, AS_OF)
    payload = msgspec.json.encode(people)
    del people
    decoder = msgspec.json.Decoder(list[engine.facts.type])
    facts, decode_time = timed(decoder.decode, payload)
    for item in facts[:1000]:
        engine.validate(item)  # the structural checks beyond msgspec's, on a sample

    load_time = score_time = float("inf")
    for _ in range(args.repeat):
        columns, seconds = timed(engine.load_batch, facts, AT, AS_OF)
        load_time = min(load_time, seconds)
        scores, seconds = timed(engine.score_columns, columns, AT, AS_OF)
        score_time = min(score_time, seconds)

    chain = engine.chain(AT, AS_OF)
    sample = facts[: args.single]
    started = time.perf_counter()
    singles = [chain.single(item, AS_OF) for item in sample]
    single_time = time.perf_counter() - started
    mismatches = int(np.sum(np.array([s.total for s in singles]) != scores.total[: len(sample)]))

    n = len(facts)
    rate = lambda count, seconds: f"{count / seconds:>12,.0f} /s"  # noqa: E731
    print(f"applicants: {n:,} at {AT} as of {AS_OF} (generated in {generated:.1f} s)")
    print(f"decode + validate JSON facts   {rate(n, decode_time)}")
    print(f"load facts -> batch form       {rate(n, load_time)}")
    print(f"batch scoring                  {rate(n, score_time)}")
    print(f"load + batch scoring           {rate(n, load_time + score_time)}")
    print(f"single path (explained)        {rate(len(sample), single_time)}")
    print(f"batch / single speed ratio     {(n / score_time) / (len(sample) / single_time):>12,.1f} x")
    print(f"single vs batch total mismatches on the sample: {mismatches}")
    print(f"mean total {scores.total.mean():.2f}, vetoed {int(scores.vetoed.sum()):,}")


if __name__ == "__main__":
    main()
