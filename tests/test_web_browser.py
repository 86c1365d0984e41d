"""The pages in a real browser (issue 6): headless Chromium (Debian's `chromium`, driven by
Playwright's Python package through `executable_path`, no downloaded browser) against the whole
app served by uvicorn in a thread over a fresh SQLite database (tests/web_seed.py's Xiangshan).

The scenarios the issue names — simulate at Xiangshan; a county admin publishes a new indicator
version; a reviewer reviews items; a published ranking is read — and the applicant portal. Each
page is saved as a screenshot into docs/screenshots/ (the README shows them)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tierpoints.store import db as store_db
from tierpoints.store import piccolo_conf
from web_seed import PASSWORD, TODAY, Server, Today, free_port

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
EXAMPLE = json.loads((ROOT / "examples/applicant-xiangshan.json").read_text())
CHROMIUM = os.environ.get("TIERPOINTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing(what: str) -> None:
    message = f"{what}: the browser tests need it (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    previous = piccolo_conf.DB
    today = Today(TODAY)
    running = Server(tmp_path_factory.mktemp("web"), free_port(), today).start()
    yield running
    running.stop()
    today.restore()
    store_db.activate(previous)  # the other tests' database, as it was


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _missing(f"chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=server.url)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))  # a script error fails the test
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" and "status of 4" not in m.text
              else None)
    yield opened
    context.close()
    assert not problems, problems


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def fill_facts(page, facts: dict) -> None:
    """Type facts into the simulator's form as a person would: rows added with the button."""
    for name, value in facts.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                if index > 0:
                    page.click(f"button.add-row[data-fact={name}]")
                for key, item in row.items():
                    field = f"[name='{name}.{index}.{key}']"
                    if isinstance(item, bool):
                        page.set_checked(field, item)
                    elif item is None:
                        continue
                    elif page.locator(field).evaluate("e => e.tagName") == "SELECT":
                        page.select_option(field, str(item))
                    else:
                        page.fill(field, str(item))
        elif isinstance(value, list):
            for item in value:
                page.check(f"input[name={name}][value={item}]")
        elif isinstance(value, bool):
            page.set_checked(f"input[name={name}]", value)
        elif page.locator(f"[name={name}]").evaluate("e => e.tagName") == "SELECT":
            page.select_option(f"[name={name}]", value)
        else:
            page.fill(f"input[name={name}]", str(value))


def test_home_in_chinese_and_english(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "居住证积分，一站查询"
    shot(page, "home", full_page=False)
    page.click("header .langs a[lang=en]")
    assert page.locator("h1").inner_text() == "Residence-permit points, in one place"
    page.goto("/simulate")  # the choice is remembered
    assert page.locator("h1").inner_text() == "Points simulator"
    page.click("header .langs a[lang=zh]")


def test_simulate_at_xiangshan(page, server):
    """The README's worked example typed into the form: 114.5 at Xiangshan as of 2026-11-28
    (Xiangshan notice: provincial and municipal commonality + county personality), and what
    moving would keep: Hangzhou recognises the provincial 72.5 only (128.5 with its own)."""
    page.goto("/simulate")
    page.select_option("select[name=province]", "zhejiang")
    page.select_option("select[name=city]", "hangzhou")
    assert page.locator("select[name=county] option[value=xiangshan]").is_disabled()  # not under Hangzhou
    page.select_option("select[name=city]", "ningbo")
    page.select_option("select[name=county]", "xiangshan")
    page.click("#jurisdiction button[type=submit]")
    assert "象山县" in page.locator(".chain").inner_text()
    shot(page, "simulator-form", full_page=False)

    page.fill("input[name=as_of]", "2026-11-28")
    fill_facts(page, EXAMPLE)
    page.click("#facts-form button[type=submit]")
    assert page.locator(".total").first.get_attribute("data-total") == "114.5"
    tiers = page.locator("h3.tier-head").all_inner_texts()
    assert [t.split()[0] for t in tiers] == ["浙江省", "宁波市", "象山县"]
    assert "72.5 / 100" in tiers[0] and "28 / 150" in tiers[1] and "14 / 50" in tiers[2]
    spring = page.locator("tr[data-indicator=spring_festival_stay]").inner_text()
    assert "5" in spring and "yes" in spring  # its points and the reason
    hangzhou = page.locator("tr[data-at=hangzhou]").inner_text()
    assert "128.5" in hangzhou and "浙江省 72.5" in hangzhou
    page.locator("#result").screenshot(path=str(SHOTS / "simulator-result.png"))

    page.fill("input[name=blood_donations]", "-1")
    page.fill("input[name='residence.0.tenant']", "")
    page.click("#facts-form button[type=submit]")
    assert page.locator("#err-blood_donations").inner_text() == "Expected `int` >= 0"
    assert page.locator("#err-residence-0-tenant").inner_text() == "此项必填"
    assert page.locator("input[name=blood_donations]").get_attribute("aria-invalid") == "true"
    page.locator("#fact-residence").scroll_into_view_if_needed()
    shot(page, "simulator-errors", full_page=False)


def test_a_county_admin_publishes_a_new_indicator_version(page, server):
    """A tier edits only its own indicators (roles.yaml); the draft is checked by the packs' own
    checks, compared with the published version, and published from today: Xiangshan's Spring
    Festival stay (Xiangshan notice: 5 points) becomes 6 from 2026-11-30."""
    page.goto("/login?lang=en")
    shot(page, "login", full_page=False)
    page.goto("/login?lang=zh")
    log_in(page, "xs_admin")
    assert page.url.endswith("/admin")
    shot(page, "admin", full_page=False)
    page.click("a[href='/admin/xiangshan']")
    assert "上级指标: 浙江省" in page.content()
    shot(page, "admin-tenant")
    page.click("text=新建草稿")
    assert re.search(r"/admin/xiangshan/drafts/\d+$", page.url)

    text = page.input_value("textarea[name=content]")
    at = text.index("id: spring_festival_stay")
    block = text[at:].replace("max_points: 5", "max_points: 6", 1).replace(
        "fact: spring_festival_stay\n    points: 5", "fact: spring_festival_stay\n    points: 6", 1)
    page.fill("textarea[name=content]", (text[:at] + block).replace("category: additional", "category: bonus", 1))
    page.click("#editor button[type=submit]")
    problem = page.locator(".problem-list li").first.inner_text()
    assert "第" in problem and "/category" in problem  # at its line and pointer
    assert page.locator("#publish button[type=submit]").is_disabled()
    page.locator("#problems").scroll_into_view_if_needed()
    shot(page, "draft-problems", full_page=False)

    page.fill("textarea[name=content]", text[:at] + block)
    page.click("#editor button[type=submit]")
    assert page.locator("#valid").is_visible()
    changes = page.locator("#changes").inner_text()
    assert "春节留象过年" in changes and "max_points: 5 → 6" in changes and "rule.points: 5 → 6" in changes
    shot(page, "draft")

    assert page.input_value("input[name=effective_from]") == TODAY.isoformat()
    page.click("#publish button[type=submit]")
    assert page.locator("p.notice.ok").is_visible() and "已发布" in page.locator("p.notice.ok").inner_text()
    assert "2026-11-30" in page.locator("table.versions").inner_text()

    page.goto("/simulate?at=xiangshan")  # in force today: the simulator counts 6
    page.check("input[name=spring_festival_stay]")
    page.click("#facts-form button[type=submit]")
    assert page.locator("tr[data-indicator=spring_festival_stay] td.num").inner_text().strip() == "6"


def test_reviewers_decide_items_in_their_queue(page, server):
    """Hangzhou rules §14 (Xiangshan notice: within 10 working days): each department reviews
    its own items, with the deadline and the working days left; a rejection gives its reason."""
    log_in(page, "rev_xs_education")
    assert page.url.endswith("/review")
    item = page.locator("article.item").first
    assert "最高学历" in item.inner_text() and "剩 10 个工作日" in item.inner_text()
    shot(page, "review")
    item_id = item.get_attribute("id")
    item.locator("input[name=note]").fill("diploma checked online")
    item.locator("button.primary").click()
    assert "已办理" in page.locator("p.notice.ok").inner_text()
    assert page.locator(f"#{item_id}").count() == 0

    page.click("header form[action='/logout'] button")
    log_in(page, "rev_xs_civil_affairs")
    donation = page.locator("article.item").first
    donation.locator("button.danger").click()  # no reason: refused beside the form
    assert "/reason: must not be empty" in page.locator(".decide .field-error").inner_text()
    page.locator("article.item").first.locator("input[name=reason]").fill("receipt does not name the applicant")
    page.locator("article.item").first.locator("button.danger").click()
    assert "已办理" in page.locator("p.notice.ok").inner_text()


def test_read_a_published_ranking(page, server):
    """§19: rankings are public during publicity, names and identity numbers masked; one's own
    entry is found by acceptance number; the chart shows where the quota line falls."""
    page.goto("/publicity")
    shot(page, "publicity", full_page=False)
    page.click(f"a[href='/publicity/rounds/{server.seeded.round_id}']")
    assert page.locator("svg.chart line.quota").count() == 1
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == 12
    body = page.locator("main").inner_text()
    assert not any(name in body for name in server.seeded.names)
    assert all(re.fullmatch(r"\w\*+", n) for n in page.locator("table.ranking tbody td:nth-child(2)").all_inner_texts())
    shot(page, "ranking")
    page.fill("input[name=q]", server.seeded.determined[3])
    page.click("form.search button")
    assert rows.count() == 1 and "找到 1 条" in page.locator("main").inner_text()


def test_the_applicant_portal_and_the_acceptance_notice(page, server):
    """Items with their deadlines in working days, the determined points by tier, how to object
    and until when (§17); the acceptance notice prints (§13)."""
    log_in(page, "applicant_xs_1")
    assert page.url.endswith("/portal")
    own = page.locator(f"article:has-text('{server.seeded.own_acceptance}')")
    assert "2026-12-11（含）前" in own.inner_text() and "浙江省" in own.inner_text()
    shot(page, "portal")
    page.locator(f"#application-{server.seeded.pending_application} a.button").click()
    assert "居住证积分申请受理回执" in page.locator("h1").inner_text()
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()  # the print layout leaves the site's frame out
    shot(page, "notice", full_page=False)
