"""Service rounds over HTTP on SQLite and PostgreSQL (issue 5): a Hangzhou settling round from
determined points to allocation, as the real roles drive it — Hangzhou rules §19 (ranking,
tie-breaks, publicity of at least 7 working days), §20 (objections during publicity, corrected,
then the procedures), §21 (suspended points are not ranked), §18 (used points)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from test_applications import applicant, claims, decide_all, pin

from tierpoints.store.tables import AuditEntry, Determination, RankingBasis, RankingEntry, RankingVersion

SNAPSHOT = "2026-03-09"


def facts(residence_from: str, education: str = "bachelor") -> dict:
    return {
        "birth_date": "1990-01-01", "education": education,
        "residence": [{"start": residence_from, "end": None, "tenant": "hangzhou"}],
        "social_insurance": [{"start": "2022-01-01", "end": "2025-12-31", "province": "zhejiang",
                              "city": "hangzhou", "pension": True}],
    }


async def determined(platform, office, sequence: int, claimed: dict) -> tuple[int, dict, dict]:
    applicant_id, own = await applicant(platform, office, "hangzhou", sequence)
    body = {"claims": claims(claimed), "declarations": {"offences": []}}
    accepted = await platform.client.post(f"/api/v1/applicants/{applicant_id}/applications", json=body, headers=own)
    assert accepted.status_code == 201, accepted.text
    await decide_all(platform, "hangzhou", accepted.json())
    result = await platform.client.post(f"/api/v1/applications/{accepted.json()['id']}/determine", headers=office)
    assert result.status_code == 200, result.text
    return applicant_id, own, result.json()


async def test_a_settling_round_from_ranking_to_allocation(platform, monkeypatch):
    """§19: equal totals → the longer registered residence in the city first; equal in everything
    → the same rank (never by insertion order); §21: a suspended permit's points are not ranked;
    the public sees masked entries only after publication, and can find its own by acceptance
    number; §20: an objection during publicity, upheld with a correction, ranks again — a new
    version with the moves shown, both kept; allocation only after publicity closes with no
    objection open; the quota boundary (a joint group) goes to the office; granted points used."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    admin = await platform.account("hz_admin", "city_admin", "hangzhou")
    city_office = await platform.account("hz_city_office", "migrant_office_city", "hangzhou")
    county_admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    first, _, d1 = await determined(platform, office, 31, facts("2005-01-01"))  # capped, longest residence
    second, _, d2 = await determined(platform, office, 32, facts("2008-01-01"))  # capped, same total
    third, _, d3 = await determined(platform, office, 33, facts("2019-01-01"))
    fourth, _, d4 = await determined(platform, office, 34, facts("2019-01-01"))  # identical to third
    fifth, fifth_login, d5 = await determined(platform, office, 35, facts("2021-01-01"))
    sixth, _, _ = await determined(platform, office, 36, facts("2005-01-01"))
    assert (await platform.client.post(f"/api/v1/applicants/{sixth}/permit/suspend", headers=office,
                                       json={"reason": "left the city"})).status_code == 200
    totals = [d["determination"]["total"] for d in (d1, d2, d3, d4, d5)]
    assert totals[0] == totals[1] > totals[2] == totals[3] > totals[4], totals

    # a county admin cannot open a city's round; an unknown service or a future snapshot is 422
    pin(monkeypatch, "2026-03-10")
    body = {"service": "settlement", "quota": 4, "snapshot": SNAPSHOT}
    assert (await platform.client.post("/api/v1/tenants/hangzhou/rounds", headers=county_admin,
                                       json=body)).status_code == 403
    unknown = await platform.client.post("/api/v1/tenants/hangzhou/rounds", headers=admin,
                                         json={**body, "service": "moon_base"})
    assert unknown.status_code == 422 and "/service" in unknown.text
    future = await platform.client.post("/api/v1/tenants/hangzhou/rounds", headers=admin,
                                        json={**body, "snapshot": "2026-03-11"})
    assert future.status_code == 422 and "/snapshot" in future.text
    opened = await platform.client.post("/api/v1/tenants/hangzhou/rounds", headers=admin, json=body)
    assert opened.status_code == 201, opened.text
    round_ = opened.json()
    url = f"/api/v1/rounds/{round_['id']}"
    assert round_["status"] == "ranked" and round_["versions"][0]["entries"] == 5
    assert round_["versions"][0]["refused"] == 1  # the suspended permit (§21)

    # not public before publication
    assert (await platform.client.get(f"{url}/ranking")).status_code == 401
    page = (await platform.client.get(f"{url}/ranking", headers=admin)).json()
    ranks = [(e["rank"], e["tie_breaks"]["registered_residence"]) for e in page["entries"]]
    assert [r for r, _ in ranks] == [1, 2, 3, 3, 5]
    assert ranks[0][1] > ranks[1][1]  # same total: the longer residence first (§19)

    # the same inputs give the same ranking and hash (a second round of the same service and date)
    again = (await platform.client.post("/api/v1/tenants/hangzhou/rounds", headers=admin, json=body)).json()
    assert again["versions"][0]["content_hash"] == round_["versions"][0]["content_hash"]
    document = await platform.client.get(f"{url}/document", headers=admin)
    assert hashlib.sha256(document.content).hexdigest() == round_["versions"][0]["content_hash"]

    # publicity: at least 7 working days (10 March + 7 working days = 19 March)
    published = await platform.client.post(f"{url}/publish", headers=admin)
    assert published.status_code == 200, published.text
    assert (published.json()["publicity_from"], published.json()["publicity_until"]) == ("2026-03-10", "2026-03-19")
    assert "7 working days" in published.json()["publicity_rule"]
    public = await platform.client.get(f"{url}/ranking")
    assert public.status_code == 200
    text = public.text
    assert "李明" not in text and all(e["masked_name"] == "李*" for e in public.json()["entries"])
    assert all(e["masked_identity"].count("*") == 11 for e in public.json()["entries"])
    assert set(public.json()["entries"][0]["tiers"]) == {"zhejiang", "hangzhou"}
    mine = await platform.client.get(f"{url}/ranking", params={"acceptance_number": d5["acceptance_number"]})
    assert [e["rank"] for e in mine.json()["entries"]] == [5]
    listed = (await platform.client.get("/api/v1/tenants/hangzhou/rounds")).json()
    assert [r["id"] for r in listed] == [round_["id"]]  # the unpublished second round stays private

    # §20: the fifth applicant objects; the city office upholds it with a corrected education
    pin(monkeypatch, "2026-03-12")
    objection = await platform.client.post(f"{url}/objections", headers=fifth_login,
                                           json={"applicant": fifth, "grounds": "my residence since 2004 was not counted"})
    assert objection.status_code == 201, objection.text
    early = await platform.client.post(f"{url}/allocate", headers=admin)
    assert early.status_code == 409
    refused = await platform.client.post(f"{url}/objections/{objection.json()['id']}/check", headers=office,
                                         json={"outcome": "upheld", "answer": "x"})
    assert refused.status_code == 403  # the municipal office checks them
    checked = await platform.client.post(f"{url}/objections/{objection.json()['id']}/check", headers=city_office,
                                         json={"outcome": "upheld", "answer": "registration records verified",
                                               "corrections": {"residence": [{"start": "2004-01-01", "end": None,
                                                                              "tenant": "hangzhou"}]}})
    assert checked.status_code == 200, checked.text
    assert checked.json()["corrected_version"] == 2
    moved = (await platform.client.get(f"{url}/versions/2/diff")).json()
    assert "objection" in moved["reason"]
    by_applicant = {m["applicant"]: m for m in moved["moves"]}
    assert by_applicant[fifth]["old_rank"] == 5 and by_applicant[fifth]["new_rank"] == 1  # longest residence now
    assert by_applicant[fifth]["changed"][0] == "total" and by_applicant[fifth]["total_change"] == totals[0] - totals[4]
    assert by_applicant[first]["changed"] == []  # moved down only because the fifth moved up
    assert await RankingVersion.count().where(RankingVersion.round == round_["id"]).run() == 2  # both kept
    corrected = await Determination.select().where(Determination.occasion == "publicity_correction").run()
    assert [str(c["as_of"]) for c in corrected] == ["2026-03-02"]  # the same day the points were determined

    late = await platform.client.post(f"{url}/objections", headers=fifth_login,
                                      json={"applicant": fifth, "grounds": "again"})
    assert late.status_code == 201  # still during publicity
    await platform.client.post(f"{url}/objections/{late.json()['id']}/check", headers=city_office,
                               json={"outcome": "dismissed", "answer": "nothing new"})
    pin(monkeypatch, "2026-03-19")
    assert (await platform.client.post(f"{url}/allocate", headers=admin)).status_code == 409  # last day
    pin(monkeypatch, "2026-03-20")
    after = await platform.client.post(f"{url}/objections", headers=fifth_login,
                                       json={"applicant": fifth, "grounds": "too late"})
    assert after.status_code == 409 and "§20" in after.text
    allocated = await platform.client.post(f"{url}/allocate", headers=admin)
    assert allocated.status_code == 200, allocated.text
    allocation = allocated.json()["allocation"]
    assert allocation["granted"] == [fifth, first, second]
    assert sorted(allocation["pending"]) == sorted([third, fourth])  # joint at the quota's end: the office decides
    assert allocation["boundary"]["places_left"] == 1
    used = (await platform.client.get(f"/api/v1/applicants/{first}/points", headers=office)).json()
    assert used["status"] == "used" and f"round {round_['id']}" in used["reason"]
    assert (await platform.client.get(f"/api/v1/applicants/{third}/points", headers=office)).json()["status"] == "valid"
    marked = {row["determination"]: (row["used_on"], row["used_for"]) for row in await RankingBasis.select(
        RankingBasis.determination, RankingBasis.used_on, RankingBasis.used_for).run()}  # mirrors the determinations
    assert marked == {row["id"]: (row["used_on"], row["used_for"]) for row in await Determination.select(
        Determination.id, Determination.used_on, Determination.used_for).run()}
    assert sum(1 for used_on, _ in marked.values() if used_on == dt.date(2026, 3, 20)) == 3
    again_allocated = await platform.client.post(f"{url}/allocate", headers=admin)
    assert again_allocated.status_code == 409 and again_allocated.json()["state"] == "allocated"
    actions = [e["action"] for e in await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.subject == f"round/{round_['id']}").order_by(AuditEntry.id).run()]
    assert actions == ["round.opened", "round.published", "round.objection_raised", "round.objection_upheld",
                       "round.objection_raised", "round.objection_dismissed", "round.allocated"]
    await entries_match_their_documents(expected_versions=3)


async def entries_match_their_documents(expected_versions: int) -> None:
    """Each version's ranking_entry rows (what the public pages read) are its snapshot document's
    entries; the migration that added the table writes them for older versions, identically."""
    import importlib

    from tierpoints.rounds.ranking import Ranking
    from tierpoints.store.entries import ENTRY_COLUMNS, entry_rows, store_entries
    from tierpoints.store.transactions import write_transaction

    async def stored() -> list[tuple]:
        rows = await RankingEntry.select(*(getattr(RankingEntry, c) for c in ENTRY_COLUMNS)).order_by(
            RankingEntry.version).order_by(RankingEntry.position).run()
        return [tuple(row[c] for c in ENTRY_COLUMNS) for row in rows]

    versions = await RankingVersion.select(RankingVersion.id, RankingVersion.document).order_by(RankingVersion.id).run()
    assert len(versions) == expected_versions
    written = await stored()
    assert written == [row for v in versions for row in entry_rows(v["id"], Ranking.from_document(v["document"].encode()))]
    await RankingEntry.delete(force=True).run()
    migration = importlib.import_module("tierpoints.store.migrations.tierpoints_2026_12_06t03_35_00_000000")
    for step in (await migration.forwards()).raw:
        await step()
    assert await stored() == written
    await RankingEntry.delete(force=True).run()
    async with write_transaction():  # written a few at a time, the same rows
        for v in versions:
            await store_entries(v["id"], Ranking.from_document(v["document"].encode()), batch=2)
    assert await stored() == written


def test_operators_run_a_round_from_the_command_line(tmp_path, monkeypatch):
    """Issue 5: CLI `tierpoints rounds ...` for operators; each change acts as an account whose
    roles are checked (a county admin cannot open a city's round) and audited under its name."""
    import asyncio

    from click.testing import CliRunner

    from tierpoints import clock
    from tierpoints.cli import main

    monkeypatch.setenv("TIERPOINTS_DATA", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 10))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    for command in (["db", "migrate"], ["packs", "sync"]):
        assert run(*command).exit_code == 0
    for name, role, tenant in (("hz_admin", "city_admin", "hangzhou"), ("xs_admin", "county_admin", "xiangshan")):
        added = run("accounts", "add", "--tenant", tenant, "--role", role, "--password-stdin", name,
                    input="a long enough password\n")
        assert added.exit_code == 0, added.output
    refused = run("rounds", "open", "--tenant", "hangzhou", "--service", "settlement", "--quota", "2",
                  "--snapshot", "2026-03-09", "--as", "xs_admin")
    assert refused.exit_code == 1 and "xs_admin" in refused.output
    opened = run("rounds", "open", "--tenant", "hangzhou", "--service", "settlement", "--quota", "2",
                 "--snapshot", "2026-03-09", "--as", "hz_admin")
    assert opened.exit_code == 0, opened.output
    assert opened.output.startswith("round 1: hangzhou settlement") and "0 ranked" in opened.output
    assert run("rounds", "list", "--tenant", "hangzhou").output.strip() == "hangzhou has no round to show"
    published = run("rounds", "publish", "1", "--as", "hz_admin")
    assert "publicity 2026-03-10 to 2026-03-19" in published.output
    assert "round 1: hangzhou settlement" in run("rounds", "show", "1").output  # public now
    early = run("rounds", "allocate", "1", "--as", "hz_admin")
    assert early.exit_code == 1 and "runs until 2026-03-19" in early.output
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 20))
    allocated = run("rounds", "allocate", "1", "--as", "hz_admin")
    assert allocated.exit_code == 0 and "allocated: 0 granted" in allocated.output
    actors = asyncio.run(AuditEntry.select(AuditEntry.action, AuditEntry.actor).where(
        AuditEntry.subject == "round/1").order_by(AuditEntry.id).run())
    assert actors == [{"action": a, "actor": "hz_admin"} for a in ("round.opened", "round.published", "round.allocated")]
    prepared = run("rounds", "prepare", "--tenant", "hangzhou", "--as", "hz_admin")
    assert prepared.exit_code == 0 and prepared.output.strip() == (
        "hangzhou: 0 key vector(s) written under the tie-break keys in force"), prepared.output
    assert run("rounds", "prepare", "--tenant", "hangzhou", "--as", "xs_admin").exit_code == 1


async def test_each_determination_keeps_its_ranking_basis_and_older_ones_get_it_by_migration(platform, monkeypatch):
    """Issue #5 (scale, end to end from stored scores): a determination is written with its
    ranking basis (what a round reads instead of the explained result and the facts); the
    migration that added the table writes it for determinations stored before, identically."""
    import importlib

    import msgspec

    from tierpoints.engine.results import ScoreResult
    from tierpoints.rounds.candidates import basis_decoder, basis_of, key_layout, key_vector, residence_facts
    from tierpoints.store.tables import ApplicantFacts

    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    for sequence, since in ((41, "2005-01-01"), (42, "2019-06-01"), (43, "2021-01-01")):
        await determined(platform, office, sequence, facts(since, "master" if sequence == 42 else "bachelor"))
    columns = (RankingBasis.determination, RankingBasis.applicant, RankingBasis.tenant, RankingBasis.as_of,
               RankingBasis.vetoed, RankingBasis.facts_revision, RankingBasis.used_on, RankingBasis.basis)
    written = await RankingBasis.select(*columns).order_by(RankingBasis.determination).run()
    determinations = await Determination.select(
        Determination.id, Determination.application.applicant.as_alias("applicant"), Determination.tenant,
        Determination.as_of, Determination.vetoed, Determination.facts_revision, Determination.result,
    ).order_by(Determination.id).run()
    assert [row["determination"] for row in written] == [row["id"] for row in determinations] and len(written) == 3
    for row, determination in zip(written, determinations):
        content = await ApplicantFacts.select(ApplicantFacts.content).where(
            (ApplicantFacts.applicant == determination["applicant"])
            & (ApplicantFacts.revision == determination["facts_revision"])).first().run()
        expected = basis_of(msgspec.json.decode(determination["result"], type=ScoreResult),
                            residence_facts.decode(content["content"]))
        assert basis_decoder.decode(row["basis"]) == expected
        assert expected.residence and expected.indicator_points
        layout = key_layout(platform.runtime.catalog, "hangzhou")
        vector = await RankingBasis.select(RankingBasis.key_layout, RankingBasis.key_vector).where(
            RankingBasis.determination == determination["id"]).first().run()
        assert vector == {"key_layout": layout.name, "key_vector": key_vector(layout, expected, dt.date(2026, 3, 2))}
        assert vector["key_vector"] is not None
        assert (row["applicant"], row["tenant"], row["as_of"], row["vetoed"], row["facts_revision"]) == (
            determination["applicant"], "hangzhou", dt.date(2026, 3, 2), determination["vetoed"],
            determination["facts_revision"])

    await RankingBasis.delete(force=True).run()
    migration = importlib.import_module("tierpoints.store.migrations.tierpoints_2026_12_06t03_24_00_000000")
    for step in (await migration.forwards()).raw:
        await step()
    assert await RankingBasis.select(*columns).order_by(RankingBasis.determination).run() == written


def stored_population():
    """bench/rank.py's generator of stored applicants: every kind of history a round meets."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "rank.py"
    spec = importlib.util.spec_from_file_location("bench_rank", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def insert_stored_population(platform, count: int, seed: int):
    """`count` applicants as bench/rank.py stores them (rows written straight, as the bench does)."""
    from tierpoints.store.bulk import insert_rows
    from tierpoints.store.db import is_postgres
    from tierpoints.store.piccolo_conf import DB
    from tierpoints.store.transactions import write_transaction

    bench = stored_population()
    rows = bench.Population(platform.runtime.engine, seed=seed).batch(1, count)
    async with write_transaction():
        for table, columns in bench.COLUMNS.items():
            await insert_rows(table, columns, rows[table])
    if is_postgres(DB):  # explicit ids: the serials go on after them
        for table in bench.COLUMNS:
            await DB.run_ddl(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    return bench


async def test_the_plain_lane_ranks_everyone_as_the_exact_lane_would(platform):
    """Issue #5 (scale): a round reads plain people (permit valid and unchanged since before the
    snapshot, points determined by the service's tenant, not vetoed, not used — §18, §21) in one
    row each; everyone else goes through the exact lane. For a generated population with every
    kind of history (moves, suspensions, restorations, terminations, adjustments before and after
    the snapshot, used points, vetoes, points determined in another city), on three snapshots and
    two cities, the two lanes together give what the exact lane alone gives for everyone."""
    from tierpoints.store.piccolo_conf import DB

    bench = await insert_stored_population(platform, 3_000, seed=11)
    await lanes_agree(platform.runtime, bench)
    # vectors written under another layout (a pack changed its keys) are not read: the Basis is
    await DB.run_ddl("UPDATE ranking_basis SET key_layout = '0000000000000000' WHERE id % 2 = 0")
    await lanes_agree(platform.runtime, bench)


async def lanes_agree(runtime, bench) -> None:
    from tierpoints.features.rounds import population
    from tierpoints.rounds.candidates import key_readers

    plain_total = never_determined = 0
    for tenant in ("hangzhou", "ningbo"):
        service = runtime.catalog.service(tenant, "settlement")
        for snapshot in (bench.SNAPSHOT, dt.date(2026, 6, 15), dt.date(2025, 12, 20)):
            keys = key_readers(runtime.catalog, service, snapshot)
            everyone = await population.area_applicants(runtime, service)
            expected = await population.exact_lane(runtime, service, snapshot, keys, everyone)
            plain, plainly_refused, others = await population.plain_lane(runtime, service, snapshot, keys)
            candidates, refused = await population.build(runtime, service, snapshot)
            by_applicant = lambda c: c.applicant  # noqa: E731
            assert sorted(candidates, key=by_applicant) == sorted(expected[0], key=by_applicant), (tenant, snapshot)
            assert refused == expected[1], (tenant, snapshot)
            assert sorted([c.applicant for c in plain] + [r.applicant for r in plainly_refused]
                          + list(others)) == everyone
            plain_total += len(plain)
            never_determined += len(plainly_refused)
            if snapshot == bench.SNAPSHOT:  # most people are plain; each kind of exception is not
                assert len(plain) > 0.8 * len(everyone) and len(refused) > 0, (tenant, len(plain), len(everyone))
                reasons = " ".join(r.reasons[0] for r in refused)
                if tenant == "hangzhou":
                    for kind in ("not valid", "used on", "veto", "void for good"):
                        assert kind in reasons, kind
                    moved_in = [c for c in candidates if c.applicant in set(others)]
                    assert moved_in, "people determined elsewhere are ranked through the exact lane"
    assert plain_total > 0 and never_determined > 0  # refused in the plain lane: no points yet


async def test_a_permit_keeps_the_day_it_last_changed_and_older_ones_get_it_by_migration(platform, monkeypatch):
    """residence_permit.changed_on (what lets a round skip the events of unchanged permits) is the
    latest day of the permit's events, kept by the registry and every permit action; the migration
    that added it fills it for older permits, and leaves it empty where an event has no day."""
    import importlib

    from tierpoints.store.tables import PermitEvent, ResidencePermit

    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    first, _ = await applicant(platform, office, "hangzhou", 51)
    second, _ = await applicant(platform, office, "hangzhou", 52)
    permit = f"/api/v1/applicants/{first}/permit"
    pin(monkeypatch, "2026-04-01")
    assert (await platform.client.post(f"{permit}/suspend", headers=office, json={"reason": "left"})).status_code == 200
    pin(monkeypatch, "2026-05-06")
    assert (await platform.client.post(f"{permit}/restore", headers=office, json={})).status_code == 200

    async def changed() -> dict[int, dt.date | None]:
        rows = await ResidencePermit.select(ResidencePermit.applicant, ResidencePermit.changed_on).run()
        return {row["applicant"]: row["changed_on"] for row in rows}

    async def latest_event_day(applicant_id: int) -> dt.date:
        rows = await PermitEvent.select(PermitEvent.day).where(PermitEvent.permit.applicant == applicant_id).run()
        return max(row["day"] for row in rows)

    kept = await changed()
    assert kept[first] == dt.date(2026, 5, 6) == await latest_event_day(first)
    assert kept[second] == await latest_event_day(second)  # issued: the issue date

    await ResidencePermit.update({ResidencePermit.changed_on: None}, force=True).run()
    await PermitEvent.update({PermitEvent.day: None}).where(
        (PermitEvent.permit.applicant == second)).run()  # an event kept from before `day`
    migration = importlib.import_module("tierpoints.store.migrations.tierpoints_2026_12_06t05_31_00_000000")
    for step in (await migration.forwards()).raw:
        await step()
    assert await changed() == {first: dt.date(2026, 5, 6), second: None}


async def test_the_masked_name_a_round_reads_is_kept_at_registration_and_filled_by_migration(platform, monkeypatch):
    """Issue #5 (publicity masks names): the registry keeps each name's masked form beside it, so a
    round reads only masked names; the migration that added it masks the names stored before."""
    import importlib

    from tierpoints.features.applicants.identity import mask_name
    from tierpoints.store.tables import Applicant

    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_hz", "migrant_office_district", "hangzhou")
    for sequence in (61, 62):
        await applicant(platform, office, "hangzhou", sequence)
    kept = await Applicant.select(Applicant.id, Applicant.name, Applicant.name_masked).order_by(Applicant.id).run()
    assert len(kept) == 2 and all(row["name_masked"] == mask_name(row["name"]) != row["name"] for row in kept)
    assert mask_name("欧阳娜娜") == "欧***" and mask_name("李明") == "李*" and mask_name("王") == "王*"

    await Applicant.update({Applicant.name_masked: None}, force=True).run()
    migration = importlib.import_module("tierpoints.store.migrations.tierpoints_2026_12_06t05_50_00_000000")
    for step in (await migration.forwards()).raw:
        await step()
    assert await Applicant.select(Applicant.id, Applicant.name, Applicant.name_masked).order_by(
        Applicant.id).run() == kept


async def test_an_operator_writes_the_key_vectors_again_after_the_keys_change(platform):
    """Issue #5 (scale): vectors written under another layout of tie-break keys (a pack changed
    them), or none, are written again under the layout in force by `rounds prepare` — authorised
    (rounds:open in that tenant: a county admin cannot for the city) and audited; the round ranks
    the same before and after, and every vector is then what the basis gives."""
    from tierpoints.authz import PermissionDenied
    from tierpoints.features.auth import Actor
    from tierpoints.features.rounds import population, vectors
    from tierpoints.rounds import rank
    from tierpoints.rounds.candidates import basis_decoder, key_layout, key_vector, ranking_inputs
    from tierpoints.store.piccolo_conf import DB

    bench = await insert_stored_population(platform, 600, seed=12)
    await DB.run_ddl("UPDATE ranking_basis SET key_layout = NULL, key_vector = NULL WHERE id % 3 = 0")
    await DB.run_ddl("UPDATE ranking_basis SET key_layout = '0000000000000000' WHERE id % 3 = 1")
    runtime = platform.runtime
    service = runtime.catalog.service("hangzhou", "settlement")
    inputs = ranking_inputs(runtime.catalog, service, bench.SNAPSHOT)
    before = rank((await population.build(runtime, service, bench.SNAPSHOT))[0], inputs).hash

    await platform.account("hz_admin", "city_admin", "hangzhou")
    await platform.account("xs_admin", "county_admin", "xiangshan")
    await runtime.refresh_grants(force=True)  # as the CLI's runtime would hold them
    with pytest.raises(PermissionDenied):
        await vectors.prepare(runtime, Actor("xs_admin"), "hangzhou")
    layout = key_layout(runtime.catalog, "hangzhou")
    outdated = len(await RankingBasis.select(RankingBasis.id).where(
        (RankingBasis.tenant == "hangzhou") & (RankingBasis.key_layout.is_null()
                                               | (RankingBasis.key_layout != layout.name))).run())
    assert outdated > 100
    assert await vectors.prepare(runtime, Actor("hz_admin"), "hangzhou") == outdated
    assert await vectors.prepare(runtime, Actor("hz_admin"), "hangzhou") == 0  # nothing left to write

    rows = await RankingBasis.select(RankingBasis.as_of, RankingBasis.basis, RankingBasis.key_layout,
                                     RankingBasis.key_vector).where(RankingBasis.tenant == "hangzhou").run()
    assert all(row["key_layout"] == layout.name and row["key_vector"] == key_vector(
        layout, basis_decoder.decode(row["basis"]), row["as_of"]) for row in rows)
    assert rank((await population.build(runtime, service, bench.SNAPSHOT))[0], inputs).hash == before
    audited = await AuditEntry.select(AuditEntry.actor, AuditEntry.detail).where(
        AuditEntry.action == "round.vectors_prepared").run()
    assert [(a["actor"], json.loads(a["detail"])["written"]) for a in audited] == [("hz_admin", outdated),
                                                                                   ("hz_admin", 0)]
