"""The web pages without a browser (issue 6), on SQLite and PostgreSQL through Litestar's app and
httpx: what each page shows, in Chinese and in English, who may see it (401 for the public where
a login is needed, 403 for a role that may not), personal data masked on public pages, form posts
refused from other sites, and the forms' round trips through the services.

The data is tests/web_seed.py's Xiangshan: applicants accepted on 9 October 2026, determined on
20 November, a rent-subsidy round published on 30 November (the pinned today)."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tierpoints.app import create_app
from tierpoints.features.applications import service as applications
from tierpoints.features.auth import Actor
from tierpoints.features.rounds import service as rounds
from tierpoints.features.rounds.schemas import NewRound
from tierpoints.runtime import Runtime
from tierpoints.store.tables import Application, ApplicationItem, IndicatorSetVersion
from web_seed import PASSWORD, TODAY, Seeded, Today, seed

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "examples/applicant-xiangshan.json").read_text())
HERE = "http://testserver"


@dataclass
class Site:
    runtime: Runtime
    seeded: Seeded
    app: Any

    def client(self, origin: str | None = HERE, **headers: str) -> httpx.AsyncClient:
        """A browser of its own (its own cookies); form posts carry `origin` unless None."""
        if origin is not None:
            headers.setdefault("Origin", origin)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=HERE, headers=headers)

    @asynccontextmanager
    async def logged_in(self, username: str) -> AsyncIterator[httpx.AsyncClient]:
        async with self.client() as client:
            response = await client.post("/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 303, response.text
            yield client


@pytest.fixture
async def site(platform):
    today = Today(TODAY)
    try:
        seeded = await seed(platform.runtime, today, people=4)
        yield Site(platform.runtime, seeded, create_app(platform.runtime))
    finally:
        today.restore()


@pytest.fixture
async def bare(platform):
    """The pages over the packs alone (no accounts, no applications): enough for public pages."""
    return Site(platform.runtime, Seeded(), create_app(platform.runtime))


def form_of(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as the simulator's form posts them (rows as fact.i.field, checkboxes 'on')."""
    fields: list[tuple[str, str]] = []
    for name, value in facts.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for key, item in row.items():
                    if item is True:
                        fields.append((f"{name}.{index}.{key}", "on"))
                    elif item not in (False, None):
                        fields.append((f"{name}.{index}.{key}", str(item)))
        elif isinstance(value, list):
            fields += [(name, v) for v in value]
        elif value is True:
            fields.append((name, "on"))
        else:
            fields.append((name, str(value)))
    posted: dict[str, Any] = {}
    for key, value in fields:
        posted.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 and key not in facts else values for key, values in posted.items()}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- language ---------------------------------------------------------------------------------

async def test_pages_speak_chinese_by_default_and_english_on_the_switch(bare):
    async with bare.client() as browser:
        home = await browser.get("/")
        assert home.status_code == 200 and '<html lang="zh-CN">' in home.text
        assert "积分模拟" in home.text and "Simulator" not in home.text
        english = await browser.get("/simulate", params={"lang": "en"})
        assert '<html lang="en">' in english.text and "Points simulator" in english.text
        assert "lang=en" in english.headers["set-cookie"]  # remembered
        again = await browser.get("/publicity")  # no query: the cookie speaks
        assert "Published rankings" in again.text and "积分排名公示" not in again.text
        back = await browser.get("/", params={"lang": "zh"})
        assert "居住证积分，一站查询" in back.text
        switch = re.search(r'href="([^"]+)" lang="en"', (await browser.get("/simulate?at=xiangshan")).text)
        assert switch and "at=xiangshan" in switch.group(1) and "lang=en" in switch.group(1)  # query kept


# --- the simulator ----------------------------------------------------------------------------

async def test_the_simulator_form_asks_for_the_facts_the_chain_reads(bare):
    """Xiangshan notice (2022-06-17), county personality indicators: staying over Spring Festival
    is read in Xiangshan; Hangzhou reads no such fact but vetoes false material (Hangzhou rules §11)."""
    async with bare.client() as browser:
        xiangshan = (await browser.get("/simulate", params={"province": "zhejiang", "city": "ningbo",
                                                            "county": "xiangshan"})).text
        assert 'name="spring_festival_stay"' in xiangshan and 'name="application_fraud"' not in xiangshan
        assert 'name="residence.0.start"' in xiangshan and 'id="row-residence"' in xiangshan  # rows + template
        assert 'value="bachelor"' in xiangshan and "本科" in xiangshan  # enum values in words
        hangzhou = (await browser.get("/simulate", params={"at": "hangzhou"})).text
        assert 'name="spring_festival_stay"' not in hangzhou and 'name="application_fraud"' in hangzhou
        assert (await browser.get("/simulate", params={"at": "atlantis"})).status_code == 404


async def test_the_simulator_scores_like_the_engine_and_says_what_travels(bare):
    """The README's worked example: 114.5 at Xiangshan (province 72.5 + Ningbo 28 + Xiangshan 14,
    Xiangshan notice: provincial and municipal commonality + county personality); moving to
    Hangzhou keeps the provincial 72.5 and leaves Ningbo's and Xiangshan's behind (128.5 there)."""
    async with bare.client() as browser:
        response = await browser.post("/simulate?at=xiangshan",
                                      data={**form_of(EXAMPLE), "as_of": "2026-11-28"})
    assert response.status_code == 200, text_of(response.text)[:500]
    html = response.text
    assert 'data-total="114.5"' in html
    assert "age 30: 40 and under" in html  # the reason of each indicator
    hangzhou = re.search(r'<tr data-at="hangzhou">(.*?)</tr>', html, re.DOTALL).group(1)
    assert "128.5" in hangzhou and "浙江省 72.5" in text_of(hangzhou)
    assert 'class="lost">宁波市 28' in hangzhou and 'class="lost">象山县 14' in hangzhou
    assert 'class="added">杭州市 56' in hangzhou
    expected = bare.runtime.engine.score(EXAMPLE, at="xiangshan", as_of=TODAY.replace(day=28))
    assert float(expected.total) == 114.5


async def test_simulator_errors_stand_beside_their_field(bare):
    async with bare.client() as browser:
        response = await browser.post("/simulate?at=xiangshan", data={
            "birth_date": "1996-02-30", "blood_donations": "two",
            "residence.0.start": "2023-06-01",  # the place is missing
            "housing.0.kind": "rented", "housing.0.tenant": "xiangshan", "housing.0.start": "2024-05-01",
            "housing.0.end": "2024-01-01",  # ends before it starts
        })
    assert response.status_code == 422
    html = response.text
    for pointer in ("/birth_date", "/blood_donations", "/residence/0/tenant", "/housing/0/end"):
        marker = "err" + pointer.replace("/", "-")
        assert f'id="{marker}"' in html, pointer
        assert f'aria-describedby="{marker}"' in html, pointer  # the field points at its message
    assert "此项必填" in html and "请填写整数" in html and "ends 2024-01-01 before it starts 2024-05-01" in html
    assert 'value="2023-06-01"' in html  # what was typed stays
    assert 'class="result"' not in html


# --- publicity ---------------------------------------------------------------------------------

async def test_publicity_shows_masked_rankings_and_finds_ones_own_entry(site):
    """Hangzhou rules §19: the ranking is made public — with names and identity numbers masked."""
    async with site.client() as browser:
        listing = await browser.get("/publicity")
        assert listing.status_code == 200 and f'/publicity/rounds/{site.seeded.round_id}"' in listing.text
        page = await browser.get(f"/publicity/rounds/{site.seeded.round_id}")
        found = await browser.get(f"/publicity/rounds/{site.seeded.round_id}",
                                  params={"q": site.seeded.own_acceptance.lower()})
    assert page.status_code == 200
    for text in (page.text, found.text, listing.text):
        assert not any(name in text for name in site.seeded.names)  # never a whole name
        assert not re.search(r"\b330225\d{11}[\dX]\b", text)  # never a whole identity number
    rows = re.findall(r'<tr class="(?:inside|outside)">(.*?)</tr>', page.text, re.DOTALL)
    assert len(rows) == 4
    assert all(re.search(r"<td>\w\*+</td>", row) for row in rows)  # 李* style
    assert all("***********" in row for row in rows)
    assert "<svg" in page.text and 'class="quota"' in page.text and "名额线" in page.text
    assert len(re.findall(r'<tr class="(?:inside|outside)">', found.text)) == 1
    assert "找到 1 条" in found.text


async def test_publicity_pages_and_paginate(site, monkeypatch):
    from tierpoints.web.pages import publicity

    monkeypatch.setattr(publicity, "PAGE_SIZE", 3)
    async with site.client() as browser:
        first = (await browser.get(f"/publicity/rounds/{site.seeded.round_id}")).text
        second = (await browser.get(f"/publicity/rounds/{site.seeded.round_id}", params={"page": 2})).text
    assert len(re.findall(r'<tr class="(?:inside|outside)">', first)) == 3 and 'rel="next"' in first
    assert len(re.findall(r'<tr class="(?:inside|outside)">', second)) == 1 and 'rel="prev"' in second


async def test_an_unpublished_round_is_not_public(site):
    """§19: only a published ranking is public; before that the county's rounds:read."""
    opened = await rounds.open_round(site.runtime, Actor("xs_admin"), "xiangshan", NewRound(
        service="school_place", quota=3, snapshot=TODAY))
    async with site.client() as browser:
        assert (await browser.get(f"/publicity/rounds/{opened.id}")).status_code == 401
        assert f"/publicity/rounds/{opened.id}\"" not in (await browser.get("/publicity")).text
    async with site.logged_in("applicant_xs_2") as applicant:
        assert (await applicant.get(f"/publicity/rounds/{opened.id}")).status_code == 403
    async with site.logged_in("xs_admin") as admin:
        assert (await admin.get(f"/publicity/rounds/{opened.id}")).status_code == 200


# --- who may see what ---------------------------------------------------------------------------

async def test_the_public_is_asked_to_log_in(site):
    async with site.client() as browser:
        for path in ("/portal", "/admin", "/review", "/admin/xiangshan", "/admin/xiangshan/drafts/1",
                     "/portal/applications/1/notice"):
            response = await browser.get(path)
            assert response.status_code == 401, path
            assert 'action="/login"' in response.text and f'name="next" value="{path}"' in response.text


async def test_pages_a_role_may_not_see_are_403(site):
    """roles.yaml: a county admin edits and reads only its county's indicators; an applicant
    reads only their own records; a department reviewer only its department's items there."""
    async with site.logged_in("applicant_xs_2") as applicant:
        for path in ("/admin", "/review", "/admin/xiangshan"):
            assert (await applicant.get(path)).status_code == 403, path
        own = (await applicant.get("/portal")).text
        assert site.seeded.determined[1] in own and site.seeded.own_acceptance not in own
        other = await Application.select(Application.id).where(
            Application.acceptance_number == site.seeded.own_acceptance).first().run()
        assert (await applicant.get(f"/portal/applications/{other['id']}/notice")).status_code == 403
    async with site.logged_in("xs_admin") as county:
        assert (await county.get("/admin/xiangshan")).status_code == 200
        for path in ("/admin/ningbo", "/admin/zhejiang", "/portal", "/review"):
            assert (await county.get(path)).status_code == 403, path
        assert (await county.post("/admin/ningbo/drafts")).status_code == 403
    async with site.logged_in("zj_admin") as province:  # reads drafts below, edits only its own
        below = await province.get("/admin/xiangshan")
        assert below.status_code == 200 and "新建草稿" not in below.text
        assert (await province.post("/admin/xiangshan/drafts")).status_code == 403
        assert "新建草稿" in (await province.get("/admin/zhejiang")).text
    reviewer = site.seeded.reviewers["education"]
    async with site.logged_in(reviewer) as education:
        assert (await education.get("/portal")).status_code == 403
        assert (await education.get("/admin/xiangshan")).status_code == 403
        item = await ApplicationItem.select(ApplicationItem.id).where(
            (ApplicationItem.application == site.seeded.pending_application)
            & (ApplicationItem.department == "public_security")).first().run()
        refused = await education.post(f"/review/items/{item['id']}/approve")
        assert refused.status_code == 403  # Hangzhou rules §14: each department reviews its own items


# --- sessions and form posts --------------------------------------------------------------------

async def test_login_keeps_the_token_in_a_strict_httponly_cookie(site):
    async with site.client() as browser:
        wrong = await browser.post("/login", data={"username": "xs_admin", "password": "not it at all"})
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        assert "tierpoints_session" not in wrong.headers.get("set-cookie", "")
        response = await browser.post("/login", data={"username": "xs_admin", "password": PASSWORD})
        assert response.status_code == 303 and response.headers["location"] == "/admin"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("tierpoints_session=") and "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower() and "Path=/" in cookie
        assert "xs_admin" in (await browser.get("/admin")).text
        assert (await browser.get("/api/v1/me")).status_code == 401  # the API never reads the cookie
        out = await browser.post("/logout")
        assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
        assert (await browser.get("/admin")).status_code == 401
    async with site.client() as browser:  # `next` brings the login back, only ever to this site
        back = await browser.post("/login", data={"username": "applicant_xs_1", "password": PASSWORD,
                                                  "next": "/publicity"})
        assert back.headers["location"] == "/publicity"
        browser.cookies.clear()
        away = await browser.post("/login", data={"username": "applicant_xs_1", "password": PASSWORD,
                                                  "next": "//evil.example/phish"})
        assert away.headers["location"] == "/portal"
    async with site.client() as browser:  # a forged or stale cookie is the public, and cleared
        browser.cookies.set("tierpoints_session", "not-a-token")
        stale = await browser.get("/portal")
        assert stale.status_code == 401 and "Max-Age=0" in stale.headers["set-cookie"]


async def test_form_posts_from_another_site_are_refused(site):
    item = await ApplicationItem.select(ApplicationItem.id).where(
        (ApplicationItem.application == site.seeded.pending_application)
        & (ApplicationItem.department == "education")).first().run()
    reviewer = site.seeded.reviewers["education"]
    async with site.logged_in(reviewer) as browser:
        for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                        {"Origin": HERE, "Sec-Fetch-Site": "cross-site"}):
            refused = await browser.post(f"/review/items/{item['id']}/approve", headers=headers)
            assert refused.status_code == 403, headers
        del browser.headers["Origin"]
        assert (await browser.post(f"/review/items/{item['id']}/approve")).status_code == 403  # says nothing
        assert (await browser.post(f"/review/items/{item['id']}/approve",
                                   headers={"Referer": "https://evil.example/x"})).status_code == 403
        still = await ApplicationItem.select(ApplicationItem.status).where(ApplicationItem.id == item["id"]).run()
        assert still[0]["status"] == "pending"  # nothing happened
        done = await browser.post(f"/review/items/{item['id']}/approve", headers={"Referer": f"{HERE}/review"})
        assert done.status_code == 303  # a page of this site (Referer when no Origin is sent)
    async with site.client(origin=None) as browser:
        assert (await browser.post("/login", data={"username": "xs_admin", "password": PASSWORD})).status_code == 403


# --- the applicant portal -----------------------------------------------------------------------

async def test_portal_shows_items_deadlines_points_and_how_to_object(site):
    """Xiangshan notice: departments review within 10 working days; Hangzhou rules §16: the result
    from 20 working days after acceptance; §17 objection to the district migrant office (our
    illustrative 15-working-day window)."""
    async with site.logged_in("applicant_xs_1") as browser:
        html = (await browser.get("/portal")).text
    pending = re.search(rf'id="application-{site.seeded.pending_application}"(.*?)</article>', html, re.DOTALL).group(1)
    assert "2026-12-14" in pending and "剩 10 个工作日" in pending  # 30 Nov + 10 working days
    assert "认定结果自 2026-12-28 起可查询" in pending  # + 20 working days (§16)
    determined = html[html.index(site.seeded.own_acceptance):]
    assert "2026-11-20 认定积分" in determined
    for tier in ("浙江省", "宁波市", "象山县"):
        assert tier in determined
    assert "2026-12-11（含）前向所在区（县、市）流动人口服务管理办公室申请复核" in determined
    assert "剩 9 个工作日" in determined
    assert 'action="/portal/applications/' in determined


async def test_objecting_from_the_portal(site):
    own = await Application.select(Application.id).where(
        Application.acceptance_number == site.seeded.own_acceptance).first().run()
    async with site.logged_in("applicant_xs_1") as browser:
        empty = await browser.post(f"/portal/applications/{own['id']}/objections", data={"grounds": "  "})
        assert empty.status_code == 422 and "/grounds: must not be empty" in empty.text
        filed = await browser.post(f"/portal/applications/{own['id']}/objections",
                                   data={"grounds": "my residence since 2012 was counted short"})
        assert filed.status_code == 303
        html = (await browser.get(filed.headers["location"])).text
    assert "申请已提交" in html and "复核中" in html
    view = await applications.read(site.runtime, Actor("applicant_xs_1"), own["id"])
    assert view.status == "objected" and view.objections[0].grounds.startswith("my residence")


async def test_the_acceptance_notice_prints(site):
    """Hangzhou rules §13: an acceptance notice is issued on the spot — the applicant and the
    window that accepted it may print it."""
    async with site.logged_in("applicant_xs_1") as browser:
        notice = await browser.get(f"/portal/applications/{site.seeded.pending_application}/notice")
    assert notice.status_code == 200
    assert "居住证积分申请受理回执" in notice.text and "XIANGSHAN-20261130-" in notice.text
    assert 'class="primary print-button"' in notice.text and 'body class="printable"' in notice.text


# --- the admin console and the review queue -----------------------------------------------------

async def test_a_county_admin_edits_checks_and_publishes_a_draft(site):
    """roles.yaml: a tier edits and publishes only its own indicators; a published version is
    immutable and takes effect from a date not in the past."""
    async with site.logged_in("xs_admin") as browser:
        console = (await browser.get("/admin/xiangshan")).text
        assert "上级指标" in console and "年龄" in console and "就业" in console  # inherited, read-only
        started = await browser.post("/admin/xiangshan/drafts")
        assert started.status_code == 303
        url = started.headers["location"]
        draft = (await browser.get(url)).text
        revision = re.search(r'name="revision" value="(\d+)"', draft).group(1)
        text = html_lib.unescape(re.search(r'<textarea name="content"[^>]*>(.*?)</textarea>', draft,
                                           re.DOTALL).group(1))
        assert "检查通过" in draft and "与已发布版本相同" in draft

        broken = await browser.post(url, data={"content": "tenant: [xiangshan", "revision": revision})
        assert broken.status_code == 422 and "不是有效的 YAML" in broken.text

        wrong = text.replace("category: additional", "category: bonus", 1)
        saved = await browser.post(url, data={"content": wrong, "revision": revision})
        assert saved.status_code == 303
        checked = (await browser.get(url)).text
        problem = re.search(r'<a href="#line-(\d+)">第 \1 行</a> <code>(/indicators/\d+/category)</code>', checked)
        assert problem, text_of(checked)[:800]  # the problem, at its line and pointer
        assert 'class="has-problem"' in checked and "disabled" in checked  # marked inline; no publishing

        stale = await browser.post(url, data={"content": text, "revision": revision})
        assert stale.status_code == 409 and "changed since revision" in stale.text  # nothing lost

        fixed = text.replace("points: 5\n", "points: 6\n", 1)
        revision = re.search(r'name="revision" value="(\d+)"', checked).group(1)
        assert (await browser.post(url, data={"content": fixed, "revision": revision})).status_code == 303
        diffed = (await browser.get(url)).text
        assert re.search(r"<del>5</del> → <ins>6</ins>", diffed) and "修改" in diffed

        revision = re.search(r'name="revision" value="(\d+)"', diffed).group(1)
        past = await browser.post(url + "/publish", data={"effective_from": "2026-11-01", "revision": revision})
        assert past.status_code == 422 and "is in the past" in past.text
        published = await browser.post(url + "/publish", data={"effective_from": TODAY.isoformat(),
                                                               "revision": revision})
        assert published.status_code == 303 and "published=" in published.headers["location"]
        after = (await browser.get(published.headers["location"])).text
        assert "已发布" in after and "已重新计算" in after
    rows = await IndicatorSetVersion.select(IndicatorSetVersion.status).where(
        (IndicatorSetVersion.tenant == "xiangshan") & (IndicatorSetVersion.effective_from == TODAY)).run()
    assert [r["status"] for r in rows] == ["published"]
    assert site.runtime.catalog.set_in_force("xiangshan", TODAY).effective_from == TODAY  # in force now


async def test_a_reviewer_decides_items_from_the_queue(site):
    """Hangzhou rules §14 (Xiangshan: 10 working days): the department's pending items with their
    deadlines; a rejection needs its reason."""
    reviewer = site.seeded.reviewers["education"]
    async with site.logged_in(reviewer) as browser:
        queue = (await browser.get("/review")).text
        item = re.search(r'id="item-(\d+)"', queue).group(1)
        assert "最高学历" in queue and "2026-12-14" in queue and "剩 10 个工作日" in queue
        no_reason = await browser.post(f"/review/items/{item}/reject", data={"reason": ""})
        assert no_reason.status_code == 422 and "/reason: must not be empty" in no_reason.text
        rejected = await browser.post(f"/review/items/{item}/reject", data={"reason": "diploma not verifiable"})
        assert rejected.status_code == 303
        after = (await browser.get(rejected.headers["location"])).text
        assert f"事项 #{item} 已办理" in after and f'id="item-{item}"' not in after
        again = await browser.post(f"/review/items/{item}/approve")
        assert again.status_code == 409  # a decision is final
    row = await ApplicationItem.select().where(ApplicationItem.id == int(item)).first().run()
    assert (row["status"], row["reason"], row["decided_by"]) == ("rejected", "diploma not verifiable", reviewer)
