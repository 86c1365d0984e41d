"""A populated Xiangshan for the web pages' tests (and for looking at the pages by hand:
`python tests/web_seed.py` serves them on http://127.0.0.1:8765).

Everything is made through the features' services as the real roles would: applicants registered
by the district migrant office, applications accepted at its window, items approved by each
department's reviewer, points determined by the office, a rent-subsidy round opened and published
by the county admin. The platform's today is pinned (the calendar package carries 2026 only):
applications accepted on 9 October 2026, determined on 20 November, today 30 November.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierpoints import clock, paths
from tierpoints.accounts import credentials
from tierpoints.accounts import service as accounts
from tierpoints.features.applicants import registry
from tierpoints.features.applicants.identity import check_digit
from tierpoints.features.applicants.schemas import NewApplicant
from tierpoints.features.applications import service as applications
from tierpoints.features.applications.schemas import Claim, NewApplication
from tierpoints.features.auth import Actor
from tierpoints.features.rounds import service as rounds
from tierpoints.features.rounds.schemas import NewRound
from tierpoints.packs import load_catalog
from tierpoints.packs.sources import folder_packs
from tierpoints.runtime import Runtime, build_runtime
from tierpoints.settings import Settings
from tierpoints.store import db as store_db
from tierpoints.store.policy import sync_packs

PASSWORD = "correct horse battery staple"
ACCEPTED_ON = dt.date(2026, 10, 9)
DETERMINED_ON = dt.date(2026, 11, 20)
TODAY = dt.date(2026, 11, 30)  # a Monday
SNAPSHOT = dt.date(2026, 11, 27)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙"
GIVEN = ("小明", "建国", "丽华", "志强", "海燕", "文斌", "秀英", "国平", "晓东", "春梅", "伟", "芳")
EDUCATION = ("junior_college", "bachelor", "senior_high", "master", "bachelor", "secondary_vocational")


class Today:
    """The platform's today, pinned and movable (the services read clock.today())."""

    def __init__(self, day: dt.date):
        self.day = day
        self._original = clock.today
        clock.today = lambda: self.day

    def restore(self) -> None:
        clock.today = self._original


@dataclass
class Seeded:
    county_admin: str = "xs_admin"
    applicant: str = "applicant_xs_1"  # determined points, plus a pending adjustment
    reviewers: dict[str, str] = field(default_factory=dict)  # department → username
    determined: list[str] = field(default_factory=list)  # acceptance numbers ranked in the round
    own_acceptance: str = ""  # the portal applicant's determined application
    pending_application: int = 0
    round_id: int = 0
    names: list[str] = field(default_factory=list)  # the applicants' full names (never on public pages)


def identity_number(sequence: int) -> str:
    first17 = f"330225{1980 + sequence % 20:04d}0301{sequence:03d}"
    return first17 + check_digit(first17)


def facts_of(sequence: int) -> dict[str, Any]:
    """Facts that spread the totals: residence and insurance from different years."""
    since = dt.date(2012 + sequence % 10, 1 + sequence % 12, 1).isoformat()
    facts: dict[str, Any] = {
        "birth_date": f"{1980 + sequence % 20}-03-01",
        "education": EDUCATION[sequence % len(EDUCATION)],
        "social_insurance": [{"start": since, "end": None, "province": "zhejiang", "city": "ningbo",
                              "pension": True}],
        "residence": [{"start": since, "end": None, "tenant": "xiangshan"}],
        "housing": [{"kind": "rented", "tenant": "xiangshan", "start": since, "end": None}],
    }
    if sequence % 3 == 0:
        facts["spring_festival_stay"] = True
    return facts


REVIEWED = ("public_security", "education", "hr_social_security", "housing", "migrant_office", "civil_affairs")


def _reviewer(seeded: Seeded, department: str) -> Actor:
    return Actor(seeded.reviewers[department])


async def _apply(runtime: Runtime, office: Actor, applicant_id: int, facts: dict[str, Any]):
    claims = [Claim(fact=f, value=v, evidence=[f"certificate: {f}"]) for f, v in facts.items()]
    view, _ = await applications.apply(runtime, office, applicant_id, NewApplication(
        claims=claims, declarations={"offences": []}))
    return view


async def seed(runtime: Runtime, today: Today, people: int = 12) -> Seeded:
    seeded = Seeded()
    catalog = runtime.catalog
    for username, role in (("xs_admin", "county_admin"), ("mo_xs", "migrant_office_district")):
        await accounts.create_account(catalog, username, PASSWORD, role, "xiangshan", None, actor="seed")
    await accounts.create_account(catalog, "zj_admin", PASSWORD, "province_admin", "zhejiang", None, actor="seed")
    for department in REVIEWED:  # one reviewer for each department the applications reach
        seeded.reviewers[department] = f"rev_xs_{department}"
        await accounts.create_account(catalog, seeded.reviewers[department], PASSWORD, "department_reviewer",
                                      "xiangshan", department, actor="seed")
    await runtime.refresh_grants(force=True)
    office = Actor("mo_xs")
    today.day = ACCEPTED_ON
    accepted = []
    for sequence in range(1, people + 1):
        username = f"applicant_xs_{sequence}"
        await accounts.create_account(catalog, username, PASSWORD, "applicant", "xiangshan", None, actor="seed")
        name = SURNAMES[sequence % len(SURNAMES)] + GIVEN[sequence % len(GIVEN)]
        seeded.names.append(name)
        registered = await registry.register(runtime, "mo_xs", "xiangshan", NewApplicant(
            name=name, identity_number=identity_number(sequence), permit_number=f"ZJ-XS-{sequence:04d}",
            issued_on=dt.date(2024, 1, 15), account=username))
        accepted.append((registered.id, await _apply(runtime, office, registered.id, facts_of(sequence))))
    for _, view in accepted:
        for item in view.items:
            await applications.decide(runtime, _reviewer(seeded, item.department), item.id, "approve")
    today.day = DETERMINED_ON
    for _, view in accepted:
        await applications.determine(runtime, office, view.id)
        seeded.determined.append(view.acceptance_number)
    seeded.own_acceptance = seeded.determined[0]
    # today: the first applicant adjusts (re-applies) — its items wait in the departments' queues
    today.day = TODAY
    first_applicant = accepted[0][0]
    adjustment = await _apply(runtime, office, first_applicant, {
        "education": "master", "donations": [{"amount": 2500, "tenant": "xiangshan"}]})
    seeded.pending_application = adjustment.id
    county = Actor("xs_admin")
    opened = await rounds.open_round(runtime, county, "xiangshan", NewRound(
        service="rent_subsidy", quota=5, snapshot=SNAPSHOT))
    await rounds.publish(runtime, county, opened.id)
    seeded.round_id = opened.id
    return seeded


async def prepare(directory: Path, secret: str = "web-seed-secret") -> Runtime:
    """A fresh SQLite database in `directory`, migrated and synced from the packs."""
    url = f"sqlite:///{directory / 'web.sqlite'}"
    store_db.activate(store_db.engine_for(url))
    await store_db.migrate()
    await sync_packs(load_catalog(), folder_packs(paths.tenants_dir()), actor="seed")
    return await build_runtime(Settings(data_dir=directory, database_url=url, production=False, secret=secret))


class Server:
    """The whole app under uvicorn in a thread of its own (its own event loop, where the
    database is prepared and seeded too); `url` once started."""

    def __init__(self, directory: Path, port: int, today: Today, people: int = 12,
                 after_seed: Callable[[Runtime], None] | None = None):
        self.directory, self.port, self.today, self.people = directory, port, today, people
        self.url = f"http://127.0.0.1:{port}"
        self.seeded: Seeded | None = None
        self.runtime: Runtime | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._server = None
        self._thread = threading.Thread(target=self._run, name="web-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - reported to the test thread by start()
            self.error = error
            self._ready.set()

    async def _serve(self) -> None:
        import uvicorn

        from tierpoints.app import create_app

        self.runtime = await prepare(self.directory)
        self.seeded = await seed(self.runtime, self.today, self.people)
        config = uvicorn.Config(create_app(self.runtime), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve())
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.02)
        self._ready.set()
        await serving

    def start(self, timeout: float = 60) -> Server:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the web server did not start")
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":  # look at the pages by hand
    import sys
    import tempfile

    credentials.use_test_hashing()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    server = Server(Path(tempfile.mkdtemp()), port, Today(TODAY)).start()
    print(f"serving {server.url} (today pinned to {TODAY}); accounts {server.seeded}; password {PASSWORD!r}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
