"""A generated migrant population: facts with periods, in the shapes other systems send.

Deterministic for a seed. Most people have the provincial facts; municipal and county
facts are sparse, as in life. Places mix the platform's tenants with other cities.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

PLACES = ["xiangshan", "xiangshan", "xiangshan", "ningbo", "ningbo", "hangzhou", "wenzhou", "shanghai"]
PROVINCE_OF = {"xiangshan": "zhejiang", "ningbo": "zhejiang", "hangzhou": "zhejiang",
               "wenzhou": "zhejiang", "shanghai": "shanghai"}
EDUCATION = ["none", "primary", "junior_high", "senior_high", "secondary_vocational",
             "junior_college", "bachelor", "master", "doctorate"]
EDUCATION_WEIGHTS = [0.01, 0.05, 0.30, 0.20, 0.10, 0.15, 0.15, 0.03, 0.01]
QUALIFICATIONS = ["skill_level_1", "skill_level_2", "skill_level_3", "skill_level_4", "skill_level_5",
                  "junior_title", "intermediate_title", "deputy_senior_title", "senior_title",
                  "special_cert_ordinary", "special_cert_advanced"]
OFFENCES = ["administrative_penalty", "administrative_detention", "criminal_conviction"]


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(int(ordinal)).isoformat()


def generate(count: int, as_of: dt.date, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    today = as_of.toordinal()
    births = today - rng.integers(18 * 365, 65 * 365, count)
    education = rng.choice(len(EDUCATION), count, p=EDUCATION_WEIGHTS)
    qualification_counts = rng.choice([0, 1, 2], count, p=[0.5, 0.35, 0.15])
    period_counts = rng.choice([0, 1, 2, 3], count, p=[0.1, 0.5, 0.3, 0.1])
    starts = today - rng.integers(30, 12 * 365, (count, 3))
    lengths = rng.integers(20, 6 * 365, (count, 3))
    open_end = rng.random((count, 3)) < 0.4
    places = rng.integers(0, len(PLACES), (count, 3))
    extras = rng.random((count, 8))
    people = []
    for i in range(count):
        facts: dict = {"birth_date": _iso(births[i]), "education": EDUCATION[education[i]]}
        if qualification_counts[i]:
            picks = rng.choice(len(QUALIFICATIONS), qualification_counts[i], replace=False) \
                if qualification_counts[i] > 1 else [int(places[i, 2]) % len(QUALIFICATIONS)]
            facts["qualifications"] = [QUALIFICATIONS[q] for q in picks]
        insurance, residence = [], []
        for p in range(period_counts[i]):
            start = int(starts[i, p])
            end = None if open_end[i, p] else _iso(min(start + int(lengths[i, p]), today + 200))
            place = PLACES[places[i, p]]
            insurance.append({"start": _iso(start), "end": end, "province": PROVINCE_OF[place],
                              "city": place, "pension": bool(extras[i, p] < 0.8)})
            residence.append({"start": _iso(start - 60), "end": end, "tenant": place})
        if insurance:
            facts["social_insurance"] = insurance
            facts["residence"] = residence
        home = PLACES[places[i, 0]]
        if extras[i, 3] < 0.6:
            facts["employment"] = [{"kind": "labor_contract", "tenant": home, "insured": bool(extras[i, 4] < 0.9)}]
        if extras[i, 4] < 0.35:
            kind = "owned" if extras[i, 5] < 0.2 else "rented"
            facts["housing"] = [{"kind": kind, "tenant": home, "start": _iso(starts[i, 0]), "end": None}]
        if extras[i, 5] < 0.1:
            facts["blood_donations"] = int(extras[i, 6] * 8)
        if extras[i, 6] < 0.05:
            facts["donations"] = [{"amount": float(round(extras[i, 7] * 12000, 2)), "tenant": home}]
        if extras[i, 7] < 0.15:
            facts["spring_festival_stay"] = True
        if extras[i, 2] < 0.02:
            facts["offences"] = [{"kind": OFFENCES[int(extras[i, 1] * 3)], "date": _iso(today - 400)}]
        people.append(facts)
    return people
