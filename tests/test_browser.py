"""The page in a real browser: Debian's Chromium driven by Playwright.

The app runs on 127.0.0.1 (a free port) in a thread against the test index.
A user types an Arabic query, ticks two outlets and a province, pages, opens a
document; after each step the page must show what ``/api/search`` says for
the same URL. A screenshot of the results page is saved for a person to look
at (``$MARSAD_ARTIFACTS``, default ``<tmp>/marsad-artifacts``).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is absent: run `bash scripts/install-browser.sh` (Debian's chromium)"),
]

ARTIFACTS = Path(os.environ.get("MARSAD_ARTIFACTS", Path(tempfile.gettempdir()) / "marsad-artifacts"))


@pytest.fixture(scope="module")
def base_url(request, make_app):
    from werkzeug.serving import make_server

    from web_support import web_index_dir
    app = make_app(web_index_dir(request), TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test extras)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore
    yield pg
    context.close()


def api_for(base_url: str, page_url: str) -> dict:
    """What /api/search says for the parameters of the page's URL."""
    query = urlsplit(page_url).query
    with urllib.request.urlopen(f"{base_url}/api/search?{query}", timeout=10) as r:
        return json.load(r)


def shown(page) -> tuple[int, list[str]]:
    total = int(page.locator("strong.total").get_attribute("data-total"))
    ids = page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.id)")
    return total, ids


def assert_matches_api(base_url: str, page) -> dict:
    data = api_for(base_url, page.url)
    assert shown(page) == (data["total"], [h["id"] for h in data["hits"]])
    return data


def test_search_tick_facets_page_and_open_a_document(base_url, page):
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#q", "سوريا")
    with page.expect_navigation():
        page.press("#q", "Enter")
    data = assert_matches_api(base_url, page)
    assert data["total"] > 20
    assert page.input_value("#q") == "سوريا"  # the box keeps the query

    # tick two outlets: each tick submits the facet form (JS), the counts follow the API
    outlets = [b["value"] for b in data["facets"]["outlet"] if b["value"]][:2]
    totals = [data["total"]]
    for o in outlets:
        with page.expect_navigation():
            page.check(f'#facet-outlet input[type=checkbox][value="{o}"]')
        data = assert_matches_api(base_url, page)
        totals.append(data["total"])
        assert page.is_checked(f'#facet-outlet input[type=checkbox][value="{o}"]')
    assert totals[1] < totals[2] < totals[0]  # OR within outlets: the second tick adds documents

    # and a province, on the map this time (an SVG link)
    province = next(b["value"] for b in data["facets"]["province"] if b["value"] and b["count"])
    with page.expect_navigation():
        page.locator(f'svg.province-map a[aria-label^="{province}:"]').first.click()
    data = assert_matches_api(base_url, page)
    assert data["total"] <= totals[-1]
    chips = page.locator(".chips a.removable").evaluate_all("els => els.map(e => e.dataset.value)")
    assert set(chips) == {*outlets, province}

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-facets.png"), full_page=True)

    # page 2 of a broader search
    page.goto(base_url + "/?q=سوريا")
    first = shown(page)[1]
    with page.expect_navigation():
        page.click("nav.pagination a[rel=next]")
    data = assert_matches_api(base_url, page)
    assert data["page"] == 2 and set(shown(page)[1]).isdisjoint(first)
    page.screenshot(path=str(ARTIFACTS / "results-page2.png"), full_page=True)

    # a document
    hit = data["hits"][0]
    with page.expect_navigation():
        page.click("li.hit h3 a >> nth=0")
    assert page.locator("article.document").get_attribute("data-id") == hit["id"]
    assert page.locator("h1.doc-title").inner_text().strip() == hit["title"].strip()
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)
    assert not page.console_errors, page.console_errors  # includes CSP violations


def test_works_without_javascript(base_url, browser):
    context = browser.new_context(java_script_enabled=False, locale="ar")
    try:
        pg = context.new_page()
        pg.goto(base_url + "/?q=داعش")
        before = shown(pg)[0]
        outlet = pg.locator("#facet-outlet input[type=checkbox]").first.get_attribute("value")
        pg.check(f'#facet-outlet input[type=checkbox][value="{outlet}"]')
        with pg.expect_navigation():
            pg.click("form.facet-form button.apply")  # the <noscript> button
        assert shown(pg) == (lambda d: (d["total"], [h["id"] for h in d["hits"]]))(api_for(base_url, pg.url))
        assert shown(pg)[0] < before
        with pg.expect_navigation():
            pg.click(".chips a.clear-all")
        assert shown(pg)[0] == before
    finally:
        context.close()


def test_facet_filter_box_hides_values(base_url, page):
    page.goto(base_url + "/?q=سوريا&facet_all=outlet")
    items = page.locator("#values-outlet li")
    n = items.count()
    assert n > 6
    first = page.locator("#values-outlet li input[type=checkbox]").first.get_attribute("value")
    page.fill("#facet-outlet input.facet-filter", first)
    visible = page.locator("#values-outlet li:visible")
    assert 1 <= visible.count() < n
    assert first in visible.first.inner_text()


def test_download_the_whole_result_set_keeps_the_query(base_url, page):
    """Issue 15: the CSV link under the results downloads every result of the
    search as it stands (query and ticked province), in the RTL page."""
    page.goto(base_url + "/?q=" + urllib.parse.quote("سوريا") + "&province=" + urllib.parse.quote("حلب"))
    data = assert_matches_api(base_url, page)
    link = page.locator("a[href^='/api/export'][href*='format=csv']")
    assert link.count() == 1
    with page.expect_download() as dl:
        link.click()
    path = dl.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("\ufeffrank,id,title")
    rows = list(csv.reader(io.StringIO(text[1:])))[1:]
    assert len(rows) == data["total"]
    assert [r[1] for r in rows[: len(data["hits"])]] == [h["id"] for h in data["hits"]]


def test_attention_over_time_compares_queries_and_points_lead_to_their_search(base_url, page):
    """Issue 15: from a search to its trend, a second query added in the form,
    a point of the chart opened: that query in that month, the filter kept."""
    page.goto(base_url + "/?q=" + urllib.parse.quote("داعش") + "&province=" + urllib.parse.quote("حلب"))
    feed = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    atom = page.request.get(base_url + feed)
    assert atom.ok and atom.headers["content-type"].startswith("application/atom+xml")
    assert "<entry>" in atom.text()
    page.locator("a[href^='/trends']").click()
    page.wait_for_url("**/trends?**")
    assert page.locator("html").get_attribute("dir") == "rtl"
    inputs = page.locator(".trends-form input[name=q]")
    assert inputs.nth(0).input_value() == "داعش"
    inputs.nth(1).fill("النصرة")
    page.locator(".trends-form button[type=submit]").click()
    page.wait_for_url(lambda u: "النصرة" in urllib.parse.unquote(u))
    assert page.locator(".legend li").count() == 2
    assert page.locator("svg.trend-chart polyline.line, svg.trend-chart circle.dot").count() >= 2
    # the earliest period is drawn at the right (RTL reading order)
    xs = page.locator("svg.trend-chart a circle.point.s0").evaluate_all(
        "els => els.map(e => parseFloat(e.getAttribute('cx')))")
    assert len(xs) >= 2 and xs == sorted(xs, reverse=True)
    rows = page.locator("table.trend-table tbody tr").count()
    assert rows >= 1
    page.locator("table.trend-table tbody tr").first.locator("td a").first.click()
    page.wait_for_url("**date=**")
    qs = urllib.parse.parse_qs(urlsplit(page.url).query)
    assert qs["q"] == ["داعش"] and qs["province"] == ["حلب"] and len(qs["date"][0]) == 7
    data = assert_matches_api(base_url, page)
    assert data["total"] >= 1


def test_actor_by_province_cells_open_their_search(base_url, page):
    """Issue 15: from a search to its actor x province heat map; a cell opens
    the search with both values ticked, and its count is that search's total."""
    page.goto(base_url + "/?q=" + urllib.parse.quote("سوريا") + "&outlet=" + urllib.parse.quote("الشرق الأوسط"))
    page.locator("a[href^='/matrix']").click()
    page.wait_for_url("**/matrix?**")
    table = page.locator("table.heat")
    assert table.is_visible() and page.locator("html").get_attribute("dir") == "rtl"
    # RTL: the row headers (actors) sit at the right of the table
    head = table.locator("tbody th[scope=row]").first.bounding_box()
    cell = table.locator("tbody td").first.bounding_box()
    assert head["x"] > cell["x"]
    link = table.locator("tbody td a").first
    count = int(link.inner_text())
    link.click()
    page.wait_for_url("**actor=**")
    qs = urllib.parse.parse_qs(urlsplit(page.url).query)
    assert qs["q"] == ["سوريا"] and qs["outlet"] == ["الشرق الأوسط"] and qs["province"] and qs["actor"]
    data = assert_matches_api(base_url, page)
    assert data["total"] == count


def test_entity_page_from_a_facet_value_and_back_to_a_search(base_url, page):
    """Issue 15: an actor's link beside a result's tag opens its page (names,
    timeline, co-occurring values, latest articles); a co-occurring province
    opens the search with both values ticked."""
    page.goto(base_url + "/?q=" + urllib.parse.quote("سوريا"))
    link = page.locator("li.hit a.entity-link[href^='/entity/actor/']").first
    name = urllib.parse.unquote(urlsplit(base_url + link.get_attribute("href")).path).rsplit("/", 1)[1]
    link.click()
    page.wait_for_url("**/entity/actor/**")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert name in page.locator("h1").inner_text()
    assert page.locator("svg.trend-chart").count() == 1
    data = json.loads(page.request.get(base_url + "/api/entity/actor/" + urllib.parse.quote(name, safe="")).text())
    assert page.locator("ol.latest li").count() == len(data["latest"]) > 0
    chip = page.locator("section[aria-labelledby=h-province] a.chip").first
    province = chip.inner_text().strip()
    chip.click()
    page.wait_for_url("**province=**")
    qs = urllib.parse.parse_qs(urlsplit(page.url).query)
    assert qs["actor"] == [data["value"]] and qs["province"] == [province]
    assert_matches_api(base_url, page)


def test_story_collapsing_toggles_and_keeps_the_query(base_url, page):
    """Issue 15: the page's link collapses rewritten copies of a story (and back);
    the results are the API's for the same URL each time."""
    page.goto(base_url + "/?q=" + urllib.parse.quote("سوريا") + "&province=" + urllib.parse.quote("حلب"))
    before = assert_matches_api(base_url, page)
    page.locator("a.stories-toggle").click()
    page.wait_for_url("**stories=true**")
    qs = urllib.parse.parse_qs(urlsplit(page.url).query)
    assert qs["q"] == ["سوريا"] and qs["province"] == ["حلب"]
    after = assert_matches_api(base_url, page)
    assert after["total"] <= before["total"]
    page.locator("a.stories-toggle").click()
    page.wait_for_url(lambda u: "stories" not in u)
    assert assert_matches_api(base_url, page)["total"] == before["total"]
