"""Policy impact preview (issue 7) over HTTP on SQLite and PostgreSQL: what a draft indicator set
would do to the applicants it reaches, before it is published."""

from __future__ import annotations

import asyncio
import copy

from test_applications import applicant, claims, decide_all, pin
from test_publishing import drafts, put, start_draft

from tierpoints.store.tables import AuditEntry, ImpactReport

DEPARTMENTS = {"spring_festival_stay": "migrant_office", "education": "education", "residence": "public_security"}


async def record(platform, tenant: str, applicant_id: int, facts: dict) -> None:
    """Verified facts recorded by each fact's department reviewer in the applicant's tenant."""
    logins = platform.__dict__.setdefault("fact_logins", {})
    for fact, value in facts.items():
        department = DEPARTMENTS[fact]
        if (tenant, department) not in logins:
            logins[tenant, department] = await platform.account(f"rec_{tenant}_{department}", "department_reviewer",
                                                                tenant, department)
        response = await platform.client.put(f"/api/v1/applicants/{applicant_id}/facts",
                                             headers=logins[tenant, department], json={"facts": {fact: value}})
        assert response.status_code == 200, response.text


def with_indicator(content: dict, indicator_id: str, change) -> dict:
    changed = copy.deepcopy(content)
    change(next(i for i in changed["indicators"] if i["id"] == indicator_id))
    return changed


def spring_festival(points: int):
    def change(indicator):
        indicator["max_points"] = indicator["rule"]["points"] = points
    return change


async def finished(platform, headers, tenant: str, started) -> dict:
    """Poll the report the 202 pointed at until it is done (the preview runs in the background)."""
    assert started.status_code in (200, 202), started.text
    location = started.headers["location"]
    for _ in range(200):
        report = (await platform.client.get(location, headers=headers)).json()
        if report["status"] != "running":
            assert report["status"] == "done", report
            return report
        await asyncio.sleep(0.02)
    raise AssertionError("the preview did not finish")


async def test_a_county_draft_moves_exactly_the_applicants_holding_that_fact(platform):
    """Issue 7: a county draft raising one indicator (Xiangshan's Spring-Festival stay, notice:
    5 points) moves exactly the applicants holding that fact, only in the county; the movers name
    the indicator; rows are masked; the same draft revision and date reuse the report, a new
    revision gets a new one."""
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    people = {}
    for sequence, facts in enumerate(({"spring_festival_stay": True, "education": "bachelor"},
                                      {"spring_festival_stay": True}, {"education": "bachelor"}, {}), start=41):
        people[sequence], _ = await applicant(platform, office, "xiangshan", sequence, with_account=False)
        if facts:
            await record(platform, "xiangshan", people[sequence], facts)
    ningbo_office = await platform.account("mo_nb", "migrant_office_district", "ningbo")
    elsewhere, _ = await applicant(platform, ningbo_office, "ningbo", 45, with_account=False)
    await record(platform, "ningbo", elsewhere, {"education": "bachelor"})

    draft = await start_draft(platform, admin)
    edited = await put(platform, admin, draft, with_indicator(draft["content"], "spring_festival_stay", spring_festival(8)))
    assert edited.status_code == 200, edited.text
    url = drafts("xiangshan", draft["id"], "impact")
    started = await platform.client.post(url, headers=admin, json={})
    assert started.status_code == 202
    report = await finished(platform, admin, "xiangshan", started)
    result = report["result"]
    assert result["tenants"] == ["xiangshan"] and result["applicants"] == 4
    assert (result["gain"], result["lose"], result["same"]) == (2, 0, 2)
    holders = {people[41], people[42]}
    assert {m["applicant"] for m in result["movers"]} == holders
    for mover in result["movers"]:
        assert mover["change"] == 3 and [c["indicator"] for c in mover["indicators"]] == ["spring_festival_stay"]
        assert mover["masked_name"] == "李*" and mover["masked_identity"].count("*") == 11
    assert sum(result["distribution"]["before"]) == sum(result["distribution"]["after"]) == 4
    assert result["mean_after"] - result["mean_before"] == 1.5  # 2 × 3 points over 4 people

    again = await platform.client.post(url, headers=admin, json={})
    assert again.status_code == 200 and again.json()["id"] == report["id"]  # reused
    revised = await put(platform, admin, edited.json(),
                        with_indicator(edited.json()["content"], "spring_festival_stay", spring_festival(6)))
    assert revised.status_code == 200
    second = await finished(platform, admin, "xiangshan", await platform.client.post(url, headers=admin, json={}))
    assert second["id"] != report["id"] and second["result"]["movers"][0]["change"] == 1
    assert await ImpactReport.count().run() == 2
    assert await AuditEntry.count().where(AuditEntry.action == "impact.requested").run() == 2


async def test_a_provincial_draft_changes_scores_seen_in_every_city(platform):
    """Issue 7: a provincial draft (the common residence indicator at 0.5 a month instead of
    Zhejiang's 0.25) touches everyone in Zhejiang: applicants in Hangzhou, Ningbo and Xiangshan
    gain; the provincial admin sees the aggregates and masked rows; a county admin may not
    preview the province's draft, nor a reviewer."""
    admin = await platform.account("zj_admin", "province_admin", "zhejiang")
    county = await platform.account("xs_admin", "county_admin", "xiangshan")
    reviewer = await platform.account("zj_rev", "department_reviewer", "zhejiang", "education")
    for sequence, tenant in enumerate(("hangzhou", "ningbo", "xiangshan"), start=51):
        office = await platform.account(f"mo_{tenant}", "migrant_office_district", tenant)
        person, _ = await applicant(platform, office, tenant, sequence, with_account=False)
        await record(platform, tenant, person, {"residence": [{"start": "2024-01-01", "end": None, "tenant": tenant}]})

    def twice_as_fast(indicator):
        indicator["rule"]["points_per_unit"] = 0.5

    draft = await start_draft(platform, admin, tenant="zhejiang")
    edited = await put(platform, admin, draft, with_indicator(draft["content"], "residence", twice_as_fast),
                       tenant="zhejiang")
    assert edited.status_code == 200, edited.text
    url = drafts("zhejiang", draft["id"], "impact")
    assert (await platform.client.post(url, headers=county, json={})).status_code == 403
    assert (await platform.client.post(url, headers=reviewer, json={})).status_code == 403
    report = await finished(platform, admin, "zhejiang", await platform.client.post(url, headers=admin, json={}))
    result = report["result"]
    assert set(result["tenants"]) == {"zhejiang", "hangzhou", "ningbo", "xiangshan"}
    assert {t: c["gain"] for t, c in result["by_tenant"].items()} == {"hangzhou": 1, "ningbo": 1, "xiangshan": 1}
    assert all(m["indicators"][0]["indicator"] == "residence" for m in result["movers"])
    assert all("*" in m["masked_identity"] for m in result["movers"])
    foreign = await platform.client.get(f"/api/v1/tenants/xiangshan/impact-reports/{report['id']}", headers=county)
    assert foreign.status_code == 404  # a report is read under the tenant whose draft it is


async def test_quota_entry_and_exit_on_an_engineered_round(platform, monkeypatch):
    """Issue 7: for an open round of the affected tenant, who would enter and who would drop out
    of the quota under the draft — Xiangshan's rent subsidy, quota 1: the applicant who stayed over
    the Spring Festival overtakes the one two points ahead when the stay is worth 8 points (the
    round ranks the same stored determinations, scored under the draft)."""
    pin(monkeypatch, "2026-03-02")
    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    ahead, ahead_login = await applicant(platform, office, "xiangshan", 61)
    behind, behind_login = await applicant(platform, office, "xiangshan", 62)
    for who, login, facts in ((ahead, ahead_login, {"education": "bachelor", "qualifications": ["skill_level_4"]}),
                              (behind, behind_login, {"education": "junior_college", "spring_festival_stay": True})):
        body = {"claims": claims(facts), "declarations": {"offences": []}}
        accepted = await platform.client.post(f"/api/v1/applicants/{who}/applications", json=body, headers=login)
        await decide_all(platform, "xiangshan", accepted.json())
        determined = await platform.client.post(f"/api/v1/applications/{accepted.json()['id']}/determine",
                                                headers=office)
        assert determined.status_code == 200, determined.text
    opened = await platform.client.post("/api/v1/tenants/xiangshan/rounds", headers=admin,
                                        json={"service": "rent_subsidy", "quota": 1, "snapshot": "2026-03-02"})
    assert opened.status_code == 201, opened.text
    ranking = (await platform.client.get(f"/api/v1/rounds/{opened.json()['id']}/ranking", headers=admin)).json()
    totals = [e["total"] for e in ranking["entries"]]
    assert totals[0] - totals[1] == 2, totals  # bachelor 10 + skill level 4 5, against college 8 + the stay 5

    draft = await start_draft(platform, admin)
    await put(platform, admin, draft, with_indicator(draft["content"], "spring_festival_stay", spring_festival(8)))
    report = await finished(platform, admin, "xiangshan", await platform.client.post(
        drafts("xiangshan", draft["id"], "impact"), headers=admin, json={"as_of": "2026-03-02"}))
    [change] = report["result"]["rounds"]
    first, second = (e["masked_identity"] for e in ranking["entries"])
    assert first != second and change["round"] == opened.json()["id"] and change["quota"] == 1
    assert change["enter"] == [second] and change["drop"] == [first]  # the one in the quota drops out


async def test_the_console_page_shows_the_preview_with_its_chart(platform):
    """Issue 7: the console page — started from the draft page, polled, then the counts, the
    distribution before and after as a chart, the movers (masked) and the rounds."""
    import httpx

    from tierpoints.app import create_app

    office = await platform.account("mo_xs", "migrant_office_district", "xiangshan")
    admin = await platform.account("xs_admin", "county_admin", "xiangshan")
    person, _ = await applicant(platform, office, "xiangshan", 71, with_account=False)
    await record(platform, "xiangshan", person, {"spring_festival_stay": True})
    draft = await start_draft(platform, admin)
    await put(platform, admin, draft, with_indicator(draft["content"], "spring_festival_stay", spring_festival(8)))
    site = "http://testserver"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(platform.runtime)), base_url=site,
                                 headers={"Origin": site}) as browser:
        login = await browser.post("/login", data={"username": "xs_admin", "password": "correct horse battery staple"})
        assert login.status_code == 303, login.text
        page = await browser.get(f"/admin/xiangshan/drafts/{draft['id']}")
        assert 'id="impact"' in page.text
        started = await browser.post(f"/admin/xiangshan/drafts/{draft['id']}/impact", data={"as_of": "2026-11-02"})
        assert started.status_code == 303
        for _ in range(200):
            report = await browser.get(started.headers["location"])
            if 'id="impact-running"' not in report.text:
                break
            await asyncio.sleep(0.02)
        assert report.status_code == 200 and 'id="impact-summary"' in report.text
        text = report.text
        assert "<svg" in text, text[-3000:]
        assert "spring_festival_stay" in text and "5 → 8" in text, text[-3000:]
        assert "李明" not in report.text  # masked
        foreign = await browser.post(f"/admin/ningbo/drafts/{draft['id']}/impact", data={})
        assert foreign.status_code == 403


def test_the_cli_previews_a_draft_with_a_progress_bar(tmp_path, monkeypatch):
    """Issue 7: `tierpoints impact --tenant T --draft N` runs the preview in the foreground, as an
    account whose roles are checked, and prints the report."""
    from click.testing import CliRunner

    from tierpoints.cli import main
    from tierpoints.features.publishing import service as publishing

    monkeypatch.setenv("TIERPOINTS_DATA", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()
    for command in (["db", "migrate"], ["packs", "sync"]):
        assert runner.invoke(main, command, catch_exceptions=False).exit_code == 0
    added = runner.invoke(main, ["accounts", "add", "--tenant", "xiangshan", "--role", "county_admin",
                                 "--password-stdin", "xs_admin"], input="a long enough password\n")
    assert added.exit_code == 0, added.output
    draft = asyncio.run(publishing.create_draft("xs_admin", "xiangshan", {}))  # the CLI left its SQLite active
    result = runner.invoke(main, ["impact", "--tenant", "xiangshan", "--draft", str(draft["id"]),
                                  "--as-of", "2026-11-02", "--as", "xs_admin"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "scoring under the published policy and the draft" in result.output
    assert f"impact report 1: xiangshan draft {draft['id']} (revision 1) in force from 2026-11-02" in result.output
    assert "0 applicants: 0 gain, 0 lose, 0 unchanged" in result.output
    refused = runner.invoke(main, ["impact", "--tenant", "ningbo", "--draft", str(draft["id"]), "--as", "xs_admin"])
    assert refused.exit_code == 1 and "xs_admin" in refused.output
