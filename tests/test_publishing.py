"""Publishing indicator sets (issue 3, "Publishing indicator sets") on SQLite and PostgreSQL:
drafts, If-Match, validation with every problem, publication, tier permissions, the audit
trail, recomputed scores, and the export → validate → sync round trip."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import time
import uuid

import msgspec
from click.testing import CliRunner

from tierpoints import audit, clock
from tierpoints.cli import main
from tierpoints.runtime import POLICY_CHECK_SECONDS
from tierpoints.store import db as store_db
from tierpoints.store.tables import (
    Applicant,
    ApplicantFacts,
    AuditEntry,
    IndicatorSetVersion,
    RecognisedScore,
    ResidencePermit,
)

TODAY = clock.today()
LATER = TODAY + dt.timedelta(days=30)


def sets(tenant: str = "xiangshan") -> str:
    return f"/api/v1/tenants/{tenant}/indicator-sets"


def drafts(tenant: str = "xiangshan", draft_id: int | None = None, action: str = "") -> str:
    path = f"{sets(tenant)}/drafts"
    if draft_id is not None:
        path += f"/{draft_id}"
    return path + (f"/{action}" if action else "")


def party_member_points(content: dict, points: int) -> dict:
    """Xiangshan's set with the migrant-party-member flag worth `points` instead of 5."""
    changed = copy.deepcopy(content)
    indicator = next(i for i in changed["indicators"] if i["id"] == "party_member")
    indicator["max_points"] = indicator["rule"]["points"] = points
    return changed


async def start_draft(platform, headers, tenant="xiangshan", body=None) -> dict:
    response = await platform.client.post(drafts(tenant), headers=headers, json=body or {})
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == f'"{response.json()["revision"]}"'
    return response.json()


async def put(platform, headers, draft, content, revision=None, tenant="xiangshan"):
    extra = {} if revision is False else {"If-Match": f'"{draft["revision"] if revision is None else revision}"'}
    return await platform.client.put(drafts(tenant, draft["id"]), headers={**headers, **extra}, json=content)


async def test_draft_validate_publish_lifecycle_changes_scoring_without_restart(platform):
    """Create a draft, validate it, publish it with a date not in the past; the running
    service scores with the new values from that date on, the old ones before it."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)  # {}: a copy of the version in force today
    assert draft["status"] == "draft" and draft["revision"] == 1
    assert draft["content"]["effective_from"] == "2022-06-17"

    edited = await put(platform, admin, draft, party_member_points(draft["content"], 7))
    assert edited.status_code == 200, edited.text
    assert edited.json()["revision"] == 2 and edited.headers["etag"] == '"2"'

    report = await platform.client.post(drafts(draft_id=draft["id"], action="validate"), headers=admin)
    assert report.status_code == 200 and report.json() == {"valid": True, "problems": []}

    published = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                           json={"effective_from": LATER.isoformat()})
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["version"]["status"] == "published"
    assert body["version"]["effective_from"] == LATER.isoformat()
    assert body["version"]["content"]["effective_from"] == LATER.isoformat()
    assert body["recomputed"] == 0  # no applicants yet

    # The previous version is superseded, and still in force until the new date.
    listed = (await platform.client.get(sets(), headers=admin)).json()
    assert [(v["effective_from"], v["status"]) for v in listed] == [
        ("2022-06-17", "superseded"), (LATER.isoformat(), "published")]
    assert body["superseded"] == [listed[0]["id"]]

    for as_of, set_date, points in ((TODAY, "2022-06-17", 5), (LATER, LATER.isoformat(), 7)):
        chain = (await platform.client.get("/api/v1/tenants/xiangshan/indicators",
                                           params={"as_of": as_of.isoformat()})).json()
        assert chain[-1]["indicator_set"] == set_date
        scored = (await platform.client.post("/api/v1/tenants/xiangshan/simulate",
                                             params={"as_of": as_of.isoformat()},
                                             json={"party_member": True})).json()
        county = next(t for t in scored["tiers"] if t["tenant"] == "xiangshan")
        assert next(i for i in county["indicators"] if i["id"] == "party_member")["points"] == points


async def _applicant(tenant: str, facts: dict) -> int:
    now = dt.datetime.now(dt.UTC)
    token = uuid.uuid4().hex
    applicant = (await Applicant.insert(Applicant(
        name="test", name_masked="t***", identity_lookup=token, identity_masked="3302**********0000", created_at=now,
    )).returning(Applicant.id).run())[0]["id"]
    await ResidencePermit.insert(ResidencePermit(
        applicant=applicant, number=token[:20], tenant=tenant, status="valid", issued_on=TODAY, updated_at=now,
    )).run()
    await ApplicantFacts.insert(ApplicantFacts(
        applicant=applicant, revision=1, content=msgspec.json.encode(facts).decode(), tenant=tenant,
        recorded_by="test", recorded_at=now,
    )).run()
    return applicant


async def test_publishing_recomputes_recognised_scores_of_the_tenant_and_below(platform):
    """Publishing a version that changes points recomputes the affected applicants' scores:
    those whose permit's tenant is the publisher or below it, nobody else."""
    in_xiangshan = await _applicant("xiangshan", {"party_member": True})
    in_hangzhou = await _applicant("hangzhou", {"party_member": True})
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    await put(platform, admin, draft, party_member_points(draft["content"], 7))
    published = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                           json={"effective_from": TODAY.isoformat()})
    assert published.status_code == 200, published.text
    assert published.json()["recomputed"] == 1
    scores = await RecognisedScore.select().run()
    assert [s["applicant"] for s in scores] == [in_xiangshan] and in_hangzhou != in_xiangshan
    assert f"xiangshan@{TODAY.isoformat()}" in scores[0]["policy"]
    result = msgspec.json.decode(scores[0]["result"])
    assert next(t for t in result["tiers"] if t["tenant"] == "xiangshan")["points"] == 7


async def test_stale_if_match_is_409_and_the_stored_draft_is_unchanged(platform):
    """Concurrent edits are detected by revision: the loser gets 409, nothing is lost."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    first = await put(platform, admin, draft, party_member_points(draft["content"], 6))
    assert first.status_code == 200
    stale = await put(platform, admin, draft, party_member_points(draft["content"], 9), revision=1)
    assert stale.status_code == 409, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    stored = (await platform.client.get(drafts(draft_id=draft["id"]), headers=admin)).json()
    assert stored["revision"] == 2 and stored["content"] == first.json()["content"]


async def test_two_concurrent_puts_with_the_same_if_match_exactly_one_wins(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    contents = [party_member_points(draft["content"], points) for points in (6, 7, 8, 9)]
    responses = await asyncio.gather(*(put(platform, admin, draft, c) for c in contents))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    stored = (await platform.client.get(drafts(draft_id=draft["id"]), headers=admin)).json()
    assert stored["revision"] == 2 and stored["content"] == winner["content"]
    assert await AuditEntry.count().where(AuditEntry.action == "indicator_set.draft_updated").run() == 1


async def test_edit_without_if_match_is_428_and_a_malformed_one_400(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    missing = await put(platform, admin, draft, draft["content"], revision=False)
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    malformed = await put(platform, admin, draft, draft["content"], revision="latest")
    assert malformed.status_code == 400
    assert (await platform.client.get(drafts(draft_id=draft["id"]), headers=admin)).json()["revision"] == 1


async def test_invalid_draft_lists_every_problem_with_its_pointer(platform):
    """Validation runs the packs' schema checks and lists every problem, not the first."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    content = copy.deepcopy(draft["content"])
    content["indicators"][0]["category"] = "bonus"
    content["indicators"][1]["max_points"] = "eight"
    content["colour"] = "red"
    assert (await put(platform, admin, draft, content)).status_code == 200  # a draft may be unfinished
    report = (await platform.client.post(drafts(draft_id=draft["id"], action="validate"), headers=admin)).json()
    assert report["valid"] is False
    pointers = {p["pointer"] for p in report["problems"]}
    assert {"/indicators/0/category", "/indicators/1/max_points", ""} <= pointers
    assert all(p["file"] == "xiangshan/indicators/2022-06-17.yaml (draft)" for p in report["problems"])

    refused = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                         json={"effective_from": LATER.isoformat()})
    assert refused.status_code == 422
    assert {e["pointer"] for e in refused.json()["errors"]} == pointers
    assert (await IndicatorSetVersion.select(IndicatorSetVersion.status)
            .where(IndicatorSetVersion.id == draft["id"]).first().run())["status"] == "draft"


async def test_invalid_draft_lists_every_load_time_problem(platform):
    """The load-time checks too: a duplicate id, a parent's indicator redefined, an unknown fact."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    content = copy.deepcopy(draft["content"])
    content["indicators"][1]["id"] = "local_housing"
    content["indicators"][2]["id"] = "age"  # the province's
    content["indicators"][3]["rule"]["fact"] = "yacht_owner"
    await put(platform, admin, draft, content)
    report = (await platform.client.post(drafts(draft_id=draft["id"], action="validate"), headers=admin)).json()
    problems = {p["pointer"]: p["message"] for p in report["problems"]}
    assert "duplicate indicator id" in problems["/indicators/1/id"]
    assert "redefines 'age'" in problems["/indicators/2/id"]
    assert "yacht_owner" in problems["/indicators/3/rule/fact"]


async def test_a_draft_names_its_own_tenant(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    wrong = await platform.client.post(drafts(), headers=admin, json={**draft["content"], "tenant": "ningbo"})
    assert wrong.status_code == 422 and wrong.json()["errors"] == [{"pointer": "/tenant", "message": "must be 'xiangshan'"}]
    not_object = await platform.client.post(drafts(), headers=admin, json=["not", "a", "document"])
    assert not_object.status_code == 400


async def test_publish_refuses_a_past_date_and_a_date_already_published(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    past = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                      json={"effective_from": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and past.json()["errors"][0]["pointer"] == "/effective_from"
    first = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                       json={"effective_from": LATER.isoformat()})
    assert first.status_code == 200
    second = await start_draft(platform, admin)
    clash = await platform.client.post(drafts(draft_id=second["id"], action="publish"), headers=admin,
                                       json={"effective_from": LATER.isoformat()})
    assert clash.status_code == 409 and clash.json()["errors"][0]["pointer"] == "/effective_from"
    bad_date = await platform.client.post(drafts(draft_id=second["id"], action="publish"), headers=admin,
                                          json={"effective_from": "next tuesday"})
    assert bad_date.status_code == 400


async def test_two_concurrent_publications_of_one_date_exactly_one_wins(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    candidates = [await start_draft(platform, admin) for _ in range(4)]
    responses = await asyncio.gather(*(
        platform.client.post(drafts(draft_id=d["id"], action="publish"), headers=admin,
                             json={"effective_from": LATER.isoformat()}) for d in candidates))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.text for r in responses]
    assert await IndicatorSetVersion.count().where(
        (IndicatorSetVersion.tenant == "xiangshan") & (IndicatorSetVersion.effective_from == LATER)
        & (IndicatorSetVersion.status == "published")).run() == 1


async def test_a_published_version_is_immutable(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    published = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                           json={"effective_from": LATER.isoformat()})
    version = published.json()["version"]
    edit = await put(platform, admin, version, party_member_points(version["content"], 7))
    assert edit.status_code == 409 and "never changes" in edit.json()["detail"]
    again = await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                                       json={"effective_from": (LATER + dt.timedelta(days=1)).isoformat()})
    assert again.status_code == 409
    stored = (await platform.client.get(drafts(draft_id=draft["id"]), headers=admin)).json()
    assert stored["content"] == version["content"] and stored["revision"] == version["revision"]


async def test_unknown_drafts_are_404_also_across_tenants(platform):
    xs = await platform.account("xs_admin", "county_admin", "xiangshan")
    nb = await platform.account("nb_admin", "city_admin", "ningbo")
    draft = await start_draft(platform, xs)
    assert (await platform.client.get(drafts(draft_id=999_999), headers=xs)).status_code == 404
    # ningbo's admin may read ningbo's drafts, but xiangshan's draft is not one of them.
    assert (await platform.client.get(drafts("ningbo", draft["id"]), headers=nb)).status_code == 404
    assert (await platform.client.post(drafts("wenzhou"), headers=xs, json={})).status_code == 404


async def test_tiers_edit_only_their_own_drafts_and_the_public_sees_none(platform):
    """A tier edits only its own indicators; reading drafts goes down the tree; the public
    sees published versions only."""
    county = await platform.account("xs_admin", "county_admin", "xiangshan")
    province = await platform.account("zj_admin", "province_admin", "zhejiang")
    sibling = await platform.account("hz_admin", "city_admin", "hangzhou")
    assert (await platform.client.post(drafts("ningbo"), headers=county, json={})).status_code == 403
    draft = await start_draft(platform, county)

    assert (await platform.client.get(drafts(draft_id=draft["id"]), headers=province)).status_code == 200
    assert (await put(platform, province, draft, draft["content"])).status_code == 403
    assert (await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=province,
                                       json={"effective_from": LATER.isoformat()})).status_code == 403
    assert (await platform.client.get(drafts(draft_id=draft["id"]), headers=sibling)).status_code == 403

    assert (await platform.client.get(drafts(draft_id=draft["id"]))).status_code == 401
    assert (await platform.client.post(drafts(draft_id=draft["id"], action="validate"))).status_code == 401
    public = (await platform.client.get(sets())).json()
    assert [v["status"] for v in public] == ["published"] and public[0]["author"] is None
    insider = (await platform.client.get(sets(), headers=province)).json()
    assert [v["status"] for v in insider] == ["published", "draft"] and insider[1]["author"] == "xs_admin"
    assert [v["status"] for v in (await platform.client.get(sets(), headers=sibling)).json()] == ["published"]


async def test_every_change_is_audited_and_the_chain_holds(platform):
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    await put(platform, admin, draft, party_member_points(draft["content"], 7))
    await put(platform, admin, draft, draft["content"], revision=1)  # refused: leaves no entry
    await platform.client.post(drafts(draft_id=draft["id"], action="validate"), headers=admin)
    await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                               json={"effective_from": LATER.isoformat()})
    entries = await AuditEntry.select(AuditEntry.actor, AuditEntry.tenant, AuditEntry.action, AuditEntry.subject) \
        .where(AuditEntry.action.like("indicator_set.%") & (AuditEntry.actor == "xs_admin")) \
        .order_by(AuditEntry.id).run()
    subject = f"indicator_set/{draft['id']}"
    assert entries == [
        {"actor": "xs_admin", "tenant": "xiangshan", "action": action, "subject": subject}
        for action in ("indicator_set.draft_created", "indicator_set.draft_updated", "indicator_set.published")
    ]
    checked, broken = await audit.verify()
    assert broken is None and checked > 3


# --- the command line, against the same database (run in a thread: it has its own event loop) --

def _database_url(engine) -> str:
    if store_db.is_postgres(engine):
        c = engine.config
        return f"postgresql://{c['user']}:{c['password']}@{c['host']}:{c['port']}/{c['database']}"
    return f"sqlite:///{engine.path}"


async def run_cli(engine, data_dir, *args):
    env = {"DATABASE_URL": _database_url(engine), "TIERPOINTS_DATA": str(data_dir), "TIERPOINTS_ENV": "development"}
    try:
        return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)
    finally:
        store_db.activate(engine)  # the command pointed the tables at its own engine


async def test_export_then_validate_and_sync_round_trip(platform, database_engine, tmp_path):
    """`packs export` writes published versions back as pack files: they validate, and
    syncing them reports everything unchanged."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    await put(platform, admin, draft, party_member_points(draft["content"], 7))
    await platform.client.post(drafts(draft_id=draft["id"], action="publish"), headers=admin,
                               json={"effective_from": LATER.isoformat()})
    unpublished = await start_draft(platform, admin)  # drafts are not exported
    assert unpublished["id"]

    out = tmp_path / "exported"
    exported = await run_cli(database_engine, tmp_path, "packs", "export", str(out))
    assert exported.exit_code == 0, exported.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == [
        "hangzhou/indicators/2016-01-01.yaml", "hangzhou/roles.yaml", "hangzhou/services.yaml",
        "hangzhou/tenant.yaml", "hangzhou/workflow.yaml",
        "ningbo/indicators/2022-01-01.yaml", "ningbo/roles.yaml", "ningbo/services.yaml", "ningbo/tenant.yaml",
        "xiangshan/indicators/2022-06-17.yaml", f"xiangshan/indicators/{LATER.isoformat()}.yaml",
        "xiangshan/roles.yaml", "xiangshan/services.yaml", "xiangshan/tenant.yaml", "xiangshan/workflow.yaml",
        "zhejiang/indicators/2022-01-01.yaml", "zhejiang/roles.yaml", "zhejiang/tenant.yaml",
        "zhejiang/workflow.yaml",
    ]
    text = (out / "xiangshan" / "tenant.yaml").read_text(encoding="utf-8")
    assert "象山县" in text  # allow_unicode: readable, not escaped
    assert text.index("id:") < text.index("name:") < text.index("tier:")  # the document's key order

    validated = await run_cli(database_engine, tmp_path, "packs", "validate", str(out))
    assert validated.exit_code == 0, validated.output
    assert "ok: 4 packs, 5 indicator sets" in validated.output
    synced = await run_cli(database_engine, tmp_path, "packs", "sync", str(out))
    assert synced.exit_code == 0, synced.output
    assert "tenants added: none; updated: none" in synced.output
    assert "indicator sets added: none; unchanged: 5" in synced.output

    again = await run_cli(database_engine, tmp_path, "packs", "export", str(out))
    assert "0 file(s) written, 19 unchanged" in again.output  # stable: nothing rewritten


async def test_cli_publishes_a_draft_and_shows_the_recomputation(platform, database_engine, tmp_path):
    await _applicant("xiangshan", {"party_member": True})
    await _applicant("ningbo", {})
    await _applicant("hangzhou", {})
    admin = await platform.account("nb_admin", "city_admin", "ningbo")
    draft = await start_draft(platform, admin, tenant="ningbo")
    args = ["drafts", "publish", "--tenant", "ningbo", "--draft", str(draft["id"])]
    past = await run_cli(database_engine, tmp_path, *args, "--effective-from", "2020-01-01")
    assert past.exit_code == 1 and "in the past" in past.output
    published = await run_cli(database_engine, tmp_path, *args, "--effective-from", TODAY.isoformat())
    assert published.exit_code == 0, published.output
    assert "recomputing recognised scores" in published.output
    assert "recomputed 2 recognised score(s)" in published.output  # ningbo and xiangshan, not hangzhou
    row = await IndicatorSetVersion.select().where(IndicatorSetVersion.id == draft["id"]).first().run()
    assert (row["status"], row["effective_from"], row["published_by"]) == ("published", TODAY, "cli")


async def test_a_running_service_picks_up_a_version_published_from_the_cli(platform, database_engine, tmp_path):
    """A publish in another process (the CLI, another instance) reaches the running service
    within POLICY_CHECK_SECONDS, without a restart."""
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    draft = await start_draft(platform, admin)
    assert (await put(platform, admin, draft, party_member_points(draft["content"], 7))).status_code == 200
    published = await run_cli(database_engine, tmp_path, "drafts", "publish", "--tenant", "xiangshan",
                              "--draft", str(draft["id"]), "--effective-from", TODAY.isoformat())
    assert published.exit_code == 0, published.output
    url = "/api/v1/tenants/xiangshan/simulate"
    body = {"party_member": True}
    platform.runtime.policy_checked = time.monotonic()  # looked just now: still the old policy
    stale = (await platform.client.post(url, params={"as_of": TODAY.isoformat()}, json=body)).json()
    assert stale["tiers"][2]["points"] == 5
    platform.runtime.policy_checked -= POLICY_CHECK_SECONDS  # the check is due
    fresh = (await platform.client.post(url, params={"as_of": TODAY.isoformat()}, json=body)).json()
    assert fresh["tiers"][2]["points"] == 7
