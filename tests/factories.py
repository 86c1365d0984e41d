"""polyfactory factories for applicant facts (issue #2 §5: "polyfactory for applicant facts").

The factories build plain dataclasses mirroring policy_schemas/facts.schema.json and turn
them into the facts dicts other systems send (`to_facts`). They aim at the places where
scoring can go wrong rather than at uniform noise:

- periods with start ≤ end, some open-ended (`end: None`), lengths clustered around the
  unit edges (29/30 days, 359/360 days, 719/720 days), chained so that some overlap, some
  are contained in another, some touch and some leave gaps, and some start after the
  as-of date;
- places among the tenants (zhejiang, hangzhou, ningbo, xiangshan) and outside ones
  ("shanghai", "wenzhou"); pension true/false;
- birth dates on and around the age band edges (40/41, 54/55, 60/61) and on 29 February;
- sparse municipal and county facts: most applicants claim only a few of them.

Everything is drawn from one seeded `random.Random`, so `seed(n)` makes a run repeatable.
Every generated dict passes `Engine.validate` and the JSON Schema (tests check both).
"""

import datetime as dt
import random
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Generic, Literal, TypeVar

from polyfactory import PostGenerated, Use
from polyfactory.factories import DataclassFactory

AS_OF = dt.date(2026, 11, 28)  # the as-of date of the worked examples

RNG = random.Random(2026)

TENANTS = ("zhejiang", "hangzhou", "ningbo", "xiangshan")
CITIES = ("hangzhou", "ningbo", "xiangshan", "shanghai", "wenzhou")
PLACES = ("zhejiang", "hangzhou", "ningbo", "xiangshan", "shanghai", "wenzhou")
PROVINCES = ("zhejiang", "zhejiang", "zhejiang", "shanghai", "jiangsu")

# Period lengths in days (end − start + 1 = length), clustered on the unit edges.
EDGE_LENGTHS = (1, 29, 30, 31, 59, 60, 359, 360, 361, 364, 365, 719, 720, 1799, 1800, 3600)

EDUCATION = ("none", "primary", "junior_high", "senior_high", "secondary_vocational",
             "junior_college", "bachelor", "master", "doctorate")
QUALIFICATIONS = ("skill_level_1", "skill_level_2", "skill_level_3", "skill_level_4",
                  "skill_level_5", "junior_title", "intermediate_title", "deputy_senior_title",
                  "senior_title", "special_cert_ordinary", "special_cert_advanced")
OFFENCES = ("administrative_penalty", "administrative_detention", "judicial_detention",
            "custody_education", "compulsory_drug_rehabilitation", "criminal_conviction")
# Amounts on and around the donation and tax band edges (yuan).
AMOUNTS = (0, 199.99, 200, 999.5, 1000, 1999, 2000, 4999.99, 5000, 9999, 10000, 20000.25,
           49999.99, 50000, 99999, 100000, 500000, 1000000)


def seed(value: int) -> None:
    """Make the next draws repeatable (both our RNG and polyfactory's own)."""
    RNG.seed(value)
    for factory in FACTORIES:
        factory.seed_random(value)


def _chance(probability: float) -> bool:
    return RNG.random() < probability


def random_date(first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=RNG.randint(0, (last - first).days))


def period_start() -> dt.date:
    # Mostly before the as-of date, a few after it (they must count nothing).
    return random_date(dt.date(2004, 1, 1), dt.date(2027, 6, 30))


def period_end(_name: str, values: dict[str, Any]) -> dt.date | None:
    """An end on or after the start; None (still running) about one time in five."""
    if _chance(0.2):
        return None
    length = RNG.choice(EDGE_LENGTHS) if _chance(0.6) else RNG.randint(1, 4000)
    return values["start"] + dt.timedelta(days=length - 1)


def amount() -> float | int:
    return RNG.choice(AMOUNTS) if _chance(0.7) else round(RNG.uniform(0, 60000), 2)


def birth_date() -> dt.date:
    """Birth dates on the age band edges as of AS_OF, on 29 February, or anywhere 1950–2008."""
    draw = RNG.random()
    if draw < 0.4:
        age = RNG.choice((18, 39, 40, 41, 42, 53, 54, 55, 56, 59, 60, 61, 62, 70))
        born = AS_OF.replace(year=AS_OF.year - age)
        return born + dt.timedelta(days=RNG.choice((-1, 0, 0, 1)))
    if draw < 0.5:
        return dt.date(RNG.choice((1964, 1972, 1980, 1984, 1996, 2000)), 2, 29)
    return random_date(dt.date(1950, 1, 1), dt.date(2008, 12, 31))


# --- the facts, as dataclasses polyfactory can build -------------------------------

T = TypeVar("T")


class Factory(DataclassFactory[T], Generic[T]):
    """DataclassFactory that reads its model's fields once (polyfactory re-reads the type
    hints on every build, which made 2,000 applicants take seconds)."""

    __is_base_factory__ = True

    @classmethod
    def get_model_fields(cls):
        cached = cls.__dict__.get("_fields_meta")
        if cached is None:
            cached = super().get_model_fields()
            cls._fields_meta = cached
        return cached


@dataclass
class SocialInsurancePeriod:
    start: dt.date
    end: dt.date | None
    province: str
    city: str
    pension: bool


@dataclass
class ResidencePeriod:
    start: dt.date
    end: dt.date | None
    tenant: str


@dataclass
class Housing:
    kind: Literal["owned", "rented"]
    tenant: str
    start: dt.date
    end: dt.date | None


@dataclass
class Employment:
    kind: Literal["labor_contract", "business_owner", "individual_business",
                  "agricultural_contract", "self_employed"]
    tenant: str
    insured: bool


@dataclass
class TaxPaid:
    year: int
    amount: float
    tenant: str


@dataclass
class Patent:
    kind: Literal["invention", "utility_model", "design"]
    granted: dt.date


@dataclass
class Commendation:
    level: Literal["national", "provincial", "municipal", "county"]
    tenant: str


@dataclass
class Donation:
    amount: float
    tenant: str


@dataclass
class Offence:
    kind: Literal["administrative_penalty", "administrative_detention", "judicial_detention",
                  "custody_education", "compulsory_drug_rehabilitation", "criminal_conviction"]
    date: dt.date


@dataclass
class Applicant:
    """None means "not claimed": the key is left out of the facts dict."""

    birth_date: dt.date | None = None
    education: str | None = None
    qualifications: list[str] | None = None
    social_insurance: list[SocialInsurancePeriod] | None = None
    residence: list[ResidencePeriod] | None = None
    employment: list[Employment] | None = None
    housing: list[Housing] | None = None
    shortage_occupation: bool | None = None
    tax_paid: list[TaxPaid] | None = None
    jobs_created: int | None = None
    patents: list[Patent] | None = None
    commendations: list[Commendation] | None = None
    volunteer_hours: float | None = None
    blood_donations: int | None = None
    donations: list[Donation] | None = None
    party_member: bool | None = None
    special_post: bool | None = None
    spring_festival_stay: bool | None = None
    offences: list[Offence] | None = None
    application_fraud: bool | None = None


class SocialInsuranceFactory(Factory[SocialInsurancePeriod]):
    start = Use(period_start)
    end = PostGenerated(period_end)
    province = Use(lambda: RNG.choice(PROVINCES))
    city = Use(lambda: RNG.choice(CITIES))
    pension = Use(lambda: _chance(0.75))


class ResidenceFactory(Factory[ResidencePeriod]):
    start = Use(period_start)
    end = PostGenerated(period_end)
    tenant = Use(lambda: RNG.choice(PLACES))


class HousingFactory(Factory[Housing]):
    kind = Use(lambda: RNG.choice(("owned", "rented", "rented")))
    tenant = Use(lambda: RNG.choice(CITIES))
    start = Use(period_start)
    end = PostGenerated(period_end)


class EmploymentFactory(Factory[Employment]):
    tenant = Use(lambda: RNG.choice(PLACES))
    insured = Use(lambda: _chance(0.7))


class TaxPaidFactory(Factory[TaxPaid]):
    year = Use(lambda: RNG.randint(2015, 2026))
    amount = Use(amount)
    tenant = Use(lambda: RNG.choice(CITIES))


class PatentFactory(Factory[Patent]):
    granted = Use(lambda: random_date(dt.date(2010, 1, 1), dt.date(2026, 1, 1)))


class CommendationFactory(Factory[Commendation]):
    tenant = Use(lambda: RNG.choice(PLACES))


class DonationFactory(Factory[Donation]):
    amount = Use(amount)
    tenant = Use(lambda: RNG.choice(PLACES))


class OffenceFactory(Factory[Offence]):
    kind = Use(lambda: RNG.choice(OFFENCES))
    date = Use(lambda: random_date(dt.date(2015, 1, 1), dt.date(2026, 6, 30)))


def period_chain(factory: type[DataclassFactory], most: int = 4) -> list[Any]:
    """0..most periods, each placed against the previous one: overlapping, contained,
    touching, after a gap, or anywhere — so merging overlaps and gaps are exercised."""
    periods: list[Any] = []
    for _ in range(RNG.randint(0, most)):
        if not periods:
            periods.append(factory.build())
            continue
        previous = periods[-1]
        previous_end = previous.end or AS_OF
        how = RNG.choice(("overlap", "contained", "touching", "gap", "anywhere"))
        if how == "overlap":
            start = previous.start + dt.timedelta(days=RNG.randint(0, max(0, (previous_end - previous.start).days)))
            periods.append(factory.build(start=start))
        elif how == "contained":
            span = max(0, (previous_end - previous.start).days)
            start = previous.start + dt.timedelta(days=RNG.randint(0, span))
            end = start + dt.timedelta(days=RNG.randint(0, max(0, (previous_end - start).days)))
            periods.append(factory.build(start=start, end=end))
        elif how == "touching":
            periods.append(factory.build(start=previous_end + dt.timedelta(days=1)))
        elif how == "gap":
            periods.append(factory.build(start=previous_end + dt.timedelta(days=RNG.choice((2, 29, 30, 31, 400)))))
        else:
            periods.append(factory.build())
    RNG.shuffle(periods)  # the engine must not rely on the order it is sent
    return periods


def sometimes(probability: float, make):
    """A sparse fact: claimed with the given probability, else None (left out)."""
    return make() if _chance(probability) else None


class ApplicantFactory(Factory[Applicant]):
    birth_date = Use(lambda: sometimes(0.95, birth_date))
    education = Use(lambda: sometimes(0.9, lambda: RNG.choice(EDUCATION)))
    qualifications = Use(lambda: sometimes(0.6, lambda: RNG.sample(QUALIFICATIONS, RNG.randint(0, 3))))
    social_insurance = Use(lambda: sometimes(0.85, lambda: period_chain(SocialInsuranceFactory)))
    residence = Use(lambda: sometimes(0.85, lambda: period_chain(ResidenceFactory, 3)))
    employment = Use(lambda: sometimes(0.5, lambda: EmploymentFactory.batch(RNG.randint(0, 2))))
    housing = Use(lambda: sometimes(0.5, lambda: period_chain(HousingFactory, 3)))
    shortage_occupation = Use(lambda: sometimes(0.2, lambda: _chance(0.5)))
    tax_paid = Use(lambda: sometimes(0.15, lambda: TaxPaidFactory.batch(RNG.randint(0, 3))))
    jobs_created = Use(lambda: sometimes(0.1, lambda: RNG.randint(0, 15)))
    patents = Use(lambda: sometimes(0.1, lambda: PatentFactory.batch(RNG.randint(0, 4))))
    commendations = Use(lambda: sometimes(0.2, lambda: CommendationFactory.batch(RNG.randint(0, 3))))
    volunteer_hours = Use(lambda: sometimes(0.25, lambda: RNG.choice((0, 49.5, 50, 99, 100, 150.25, 199, 200, 500))))
    blood_donations = Use(lambda: sometimes(0.2, lambda: RNG.randint(0, 7)))
    donations = Use(lambda: sometimes(0.2, lambda: DonationFactory.batch(RNG.randint(0, 3))))
    party_member = Use(lambda: sometimes(0.1, lambda: _chance(0.5)))
    special_post = Use(lambda: sometimes(0.1, lambda: _chance(0.5)))
    spring_festival_stay = Use(lambda: sometimes(0.2, lambda: _chance(0.5)))
    offences = Use(lambda: sometimes(0.1, lambda: OffenceFactory.batch(RNG.randint(0, 8))))
    application_fraud = Use(lambda: sometimes(0.05, lambda: _chance(0.5)))

    @classmethod
    def facts(cls, **overrides: Any) -> dict[str, Any]:
        """One applicant as the facts dict of the facts contract."""
        return to_facts(cls.build(**overrides))

    @classmethod
    def facts_batch(cls, size: int, **overrides: Any) -> list[dict[str, Any]]:
        return [cls.facts(**overrides) for _ in range(size)]


FACTORIES = (SocialInsuranceFactory, ResidenceFactory, HousingFactory, EmploymentFactory,
             TaxPaidFactory, PatentFactory, CommendationFactory, DonationFactory, OffenceFactory,
             ApplicantFactory)


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_facts(applicant: Applicant) -> dict[str, Any]:
    """Leave out what is not claimed; dates as YYYY-MM-DD, an open end stays null."""
    return {
        f.name: _plain(getattr(applicant, f.name))
        for f in fields(applicant)
        if getattr(applicant, f.name) is not None
    }
