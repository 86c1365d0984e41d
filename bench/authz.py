"""Benchmark: permission decisions with all packs' roles and 10,000 role assignments.

    python bench/authz.py [--grants 10000]

Prints microseconds per decision uncached (the decision cache cleared before each one:
casbin evaluates the matcher over the indexed policy lines) and cached, each against a
baseline measured in the same run (one dict look-up of the same key).
"""

from __future__ import annotations

import argparse
import random
import time

from tierpoints.authz import Authorizer, Grant
from tierpoints.packs import load_catalog

QUESTIONS = [("applicants", "read"), ("indicator_sets", "edit"), ("indicator_sets", "read_drafts"),
             ("facts:education", "record"), ("scores", "read"), ("accounts", "manage")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(7)
    catalog = load_catalog()
    tenants = sorted(catalog.tenants)
    grants = []
    for index in range(args.grants):
        tenant = rng.choice(tenants)
        role = rng.choice(sorted(catalog.roles_for(tenant)))
        department = rng.choice(catalog.departments) if catalog.roles_for(tenant)[role].needs_department else None
        grants.append(Grant(f"user{index}", role, tenant, department))

    started = time.perf_counter()
    authorizer = Authorizer(catalog, grants)
    load = time.perf_counter() - started
    questions = [(f"user{rng.randrange(args.grants)}", rng.choice(tenants), *rng.choice(QUESTIONS))
                 for _ in range(args.decisions)]
    for tenant in tenants:  # build each tenant's role manager once, as a running server has
        authorizer.can("user0", tenant, "applicants", "read")

    started = time.perf_counter()
    allowed = 0
    for question in questions:
        authorizer.clear_cache()
        allowed += authorizer.can(*question)
    uncached = (time.perf_counter() - started) / len(questions)

    for question in questions:
        authorizer.can(*question)
    started = time.perf_counter()
    for _ in range(50):
        for question in questions:
            authorizer.can(*question)
    cached = (time.perf_counter() - started) / (50 * len(questions))

    table = {question: True for question in questions}
    started = time.perf_counter()
    for _ in range(50):
        for question in questions:
            table.get(question)
    baseline = (time.perf_counter() - started) / (50 * len(questions))

    print(f"policy: {len(authorizer.policy_lines())} p lines, {len(grants):,} grants loaded in {load:.2f} s")
    print(f"uncached decision   {uncached * 1e6:8.1f} µs   {uncached / baseline:10.0f} x baseline   (target ≤ 200 µs)")
    print(f"cached decision     {cached * 1e6:8.2f} µs   {cached / baseline:10.1f} x baseline   (target ≤ 20 µs)")
    print(f"baseline dict.get   {baseline * 1e6:8.3f} µs")
    print(f"allowed {allowed} of {len(questions)} sampled questions")


if __name__ == "__main__":
    main()
