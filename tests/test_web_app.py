"""The web front end through Flask's test client, on a real index (seeds + SaudiNewsNet sample).

The page and the JSON API must show the same search; every link the page
shows must do what it says; bad input gets a 400/404 with a message.
"""
from __future__ import annotations

import re

import pytest

from marsad.web import create_app

from web_support import Page, api_url, params


def get_page(client, url: str) -> tuple[Page, dict]:
    """(the parsed HTML page, the /api/search JSON) for one URL."""
    r = client.get(url)
    assert r.status_code == 200, r.data[:500]
    j = client.get(api_url(url))
    assert j.status_code == 200
    return Page(r.get_data(as_text=True)), j.get_json()


SEARCHES = [
    "/?q=سوريا",
    "/?q=داعش&sort=newest",
    "/?q=سوريا&outlet=الشرق الأوسط&outlet=الوئام&province=حلب",
    "/?q=التحالف&date=2015-07",
    "/?q=سوريا&page=2",
    "/?actor=داعش",
]


@pytest.mark.parametrize("url", SEARCHES)
def test_html_and_json_show_the_same_hits_and_counts(client, url):
    page, data = get_page(client, url)
    assert page.total == data["total"]
    assert page.hits == [h["id"] for h in data["hits"]]
    assert data["hits"], "the test searches are chosen to have hits"
    for name in ("outlet", "province", "actor"):
        want = {b["value"]: (b["count"], b["selected"]) for b in data["facets"][name]}
        assert page.facets[name] == want, name
    # the date facet is drawn: one bar per non-empty bucket, its count in its label
    bars = {lbl for _, lbl in page.bars}
    for b in data["facets"]["date"]:
        if b["value"]:
            assert any(lbl.split(":")[1].strip().startswith(str(b["count"])) for lbl in bars if
                       ("2015" in lbl or b["value"][:4] in lbl)), b


def test_multi_select_counts_change_as_the_api_says(client):
    base, base_j = get_page(client, "/?q=سوريا")
    outlets = [v for v, (c, _) in base.facets["outlet"].items() if v and c][:2]
    assert len(outlets) == 2
    url = "/?q=سوريا&" + "&".join(f"outlet={o}" for o in outlets)
    page, data = get_page(client, url)
    assert page.total == sum(base.facets["outlet"][o][0] for o in outlets)  # OR within the facet
    # tag/exclude: the outlet counts do not shrink when outlets are selected
    assert {v: c for v, (c, _) in page.facets["outlet"].items()} == \
        {v: c for v, (c, _) in base.facets["outlet"].items()}
    assert all(page.facets["outlet"][o][1] for o in outlets)
    assert page.total < base.total


def test_every_facet_toggle_link_selects_then_deselects(client):
    start = "/?q=سوريا&outlet=الشرق الأوسط"
    page, _ = get_page(client, start)
    assert len(page.toggles) > 15
    checked = 0
    for facet, value, href in page.toggles:
        was = (facet, value) in params(start)
        after, data = get_page(client, href)
        selected = {b["value"] for b in data["facets"][facet] if b["selected"]}
        assert (value in selected) != was, (facet, value, href)
        # the same value's link on the new page toggles it back
        back = [h for f, v, h in after.toggles if (f, v) == (facet, value)]
        assert back, (facet, value)
        again, data2 = get_page(client, back[0])
        selected2 = {b["value"] for b in data2["facets"][facet] if b["selected"]}
        assert (value in selected2) == was, (facet, value)
        checked += 1
    assert checked == len(page.toggles)


def test_chips_remove_and_clear_all(client):
    url = "/?q=سوريا&outlet=الشرق الأوسط&province=حلب&actor=داعش"
    page, data = get_page(client, url)
    assert {(f, v) for f, v, _ in page.chips} == {("outlet", "الشرق الأوسط"), ("province", "حلب"),
                                                 ("actor", "داعش")}
    for f, v, href in page.chips:
        assert (f, v) not in params(href) and ("q", "سوريا") in params(href)
    cleared, cdata = get_page(client, page.links["clear-all"])
    assert params(page.links["clear-all"]) == [("q", "سوريا")]
    assert cleared.chips == [] and cdata["total"] > data["total"]


def test_date_bars_drill_down_from_year_to_month(client):
    page, data = get_page(client, "/?q=سوريا")
    year_bars = [(h, label) for h, label in page.bars if "date=2015" in h.replace("%2D", "-")]
    assert year_bars, page.bars
    year_page, ydata = get_page(client, year_bars[0][0])
    months = [b for b in ydata["facets"]["date"] if b["value"].startswith("2015-")]
    assert months, "selecting a year shows its months"
    assert ydata["total"] == next(b["count"] for b in data["facets"]["date"] if b["value"] == "2015")
    month = max(months, key=lambda b: b["count"])
    href = next(h for h, _label in year_page.bars if f"date={month['value']}" in h)
    mpage, mdata = get_page(client, href)
    assert mdata["total"] == month["count"]
    assert ("date", month["value"]) in params(href) and ("date", "2015") not in params(href)


def test_pages_and_sort_links(client):
    page, data = get_page(client, "/?q=سوريا")
    assert data["total"] > 10 and "next" in page.links and "prev" not in page.links
    p2, d2 = get_page(client, page.links["next"])
    assert d2["page"] == 2 and set(p2.hits).isdisjoint(page.hits)
    assert "prev" in p2.links
    newest, dn = get_page(client, page.links["sort-newest"])
    dates = [h["date"] for h in dn["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True)
    assert ("page", "2") not in params(page.links["sort-newest"])


def test_hit_links_open_the_document_page(client):
    page, data = get_page(client, "/?q=سوريا")
    for href, hit in zip(page.hit_links, data["hits"]):
        r = client.get(href)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert 'dir="rtl" lang="ar"' in html
        doc = client.get("/api/doc/" + href.split("/doc/", 1)[1].split("?")[0]).get_json()
        assert doc["id"] == hit["id"]


@pytest.mark.parametrize("url,word", [
    ("/?page=0", "page"), ("/?q=x&page_size=1000", "page_size"), ("/?sort=best", "sort"),
    ("/?date=July", "date"), ("/?from=2015-13", "2015-13"), ("/?page=abc", "page"),
    ("/?q=x&page=5000&page_size=100", "deep"), ("/?outlet=a&facet_all=colour", "facet"),
])
def test_bad_parameters_give_400_with_a_message(client, url, word):
    r = client.get(url)
    assert r.status_code == 400
    assert word in r.get_data(as_text=True)
    j = client.get(api_url(url))
    assert j.status_code == 400 and word in j.get_json()["error"]


def test_unknown_documents_and_facets_are_404(client):
    for url in ("/doc/no-such-id", "/doc/../../etc/passwd"):
        assert client.get(url).status_code == 404
    r = client.get("/api/doc/no-such-id")
    assert r.status_code == 404 and "no-such-id" in r.get_json()["error"]
    assert client.get("/api/doc/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/api/facets/colour").status_code == 404
    assert client.get("/nowhere").status_code == 404
    assert client.get("/api/nowhere").get_json() == {"error": "no such page"}


XSS = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>&amp;&lt;'


def test_the_query_and_facet_values_are_escaped(client):
    from urllib.parse import urlencode
    url = "/?" + urlencode([("q", XSS), ("outlet", XSS), ("province", '"><svg onload=alert(3)>')])
    r = client.get(url)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" in html  # an entity typed by the user is shown as typed, not decoded
    # every script is an external file from this app
    assert all(s and s.startswith("/static/") for s in Page(html).scripts)
    j = client.get(api_url(url)).get_json()
    assert j["query"] == XSS  # the API returns data, not HTML


def test_security_headers_on_every_kind_of_response(client):
    for url in ("/", "/?q=سوريا", "/api/search?q=x", "/static/marsad.css", "/nowhere", "/api/doc/x",
                "/?page=0", "/healthz"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] and h["X-Frame-Options"] == "DENY"


def test_no_inline_script_no_external_assets_and_no_style_attributes(client):
    for url in ("/", "/?q=سوريا&date=2015", "/doc/001_" ):
        html = client.get(url).get_data(as_text=True)
        page = Page(html)
        assert None not in page.scripts
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
        assert " style=" not in html and " onclick=" not in html and " onchange=" not in html


def test_works_without_javascript(client):
    """The facet checkboxes sit in a GET form whose submit carries the search along."""
    html = client.get("/?q=سوريا&sort=newest").get_data(as_text=True)
    form = re.search(r'<form class="facet-form" method="get" action="/"[^>]*>(.*?)</form>', html, re.S)
    assert form
    body = form.group(1)
    assert '<input type="hidden" name="q" value="سوريا">' in body
    assert '<input type="hidden" name="sort" value="newest">' in body
    assert re.search(r'<input type="checkbox" name="outlet" value="[^"]+"', body)
    assert "<noscript><button" in body


def test_empty_state_fallback_and_suggestion(client):
    home = client.get("/").get_data(as_text=True)
    assert 'id="syntax"' in home and "كيف تبحث" in home and "مقالة في الفهرس" in home
    none = client.get("/?q=قطزززخ").get_data(as_text=True)
    assert "لا نتائج" in none and 'id="syntax"' in none
    bad = client.get("/?q=(داعش").get_data(as_text=True)
    assert "لم نتمكن من فهم صيغة الاستعلام" in bad
    sugg = client.get("/api/search?q=الحوتيين").get_json()["suggestion"]
    if sugg:  # the search layer proposes one for this misspelling
        html = client.get("/?q=الحوتيين").get_data(as_text=True)
        assert "هل تقصد" in html and sugg in html


def test_facet_value_search_api_and_page(client):
    j = client.get("/api/facets/province?q=ادلب").get_json()
    assert [b["value"] for b in j["buckets"] if b["value"]] == ["إدلب"]
    html = client.get("/facet/actor?q=سوريا&fq=داعش").get_data(as_text=True)
    page = Page(html)
    assert ("actor", "داعش") in [(f, v) for f, v, _ in page.toggles]
    href = next(h for f, v, h in page.toggles if v == "داعش")
    assert ("q", "سوريا") in params(href) and ("actor", "داعش") in params(href)


def test_healthz_and_openapi(client):
    h = client.get("/healthz").get_json()
    assert h["status"] == "ok" and h["documents"] > 100
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/search" in spec["paths"]
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "outlet", "province", "actor", "date", "sort", "page"} <= names


def test_read_only(client):
    for method in ("post", "put", "delete", "patch"):
        r = getattr(client, method)("/api/search?q=x")
        assert r.status_code == 405


def test_crash_shows_no_trace_and_no_path(app, monkeypatch):
    from marsad import search

    def boom(*a, **k):
        raise RuntimeError("/work/secret/path/index broke")
    monkeypatch.setattr(search, "run", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        c = app.test_client()
        for url in ("/?q=x", "/api/search?q=x"):
            r = c.get(url)
            body = r.get_data(as_text=True)
            assert r.status_code == 500
            assert "Traceback" not in body and "/work" not in body and "secret" not in body
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None


def test_no_index_is_503_with_the_build_message(tmp_path, make_app):
    app = make_app(tmp_path / "missing")
    c = app.test_client()
    r = c.get("/api/search?q=x")
    assert r.status_code == 503 and "marsad index build" in r.get_json()["error"]
    assert str(tmp_path) not in r.get_json()["error"]
    r = c.get("/?q=x")
    assert r.status_code == 503 and "marsad index build" in r.get_data(as_text=True)
    assert c.get("/healthz").status_code == 503


def test_config_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MARSAD_INDEX", str(tmp_path))
    monkeypatch.setenv("MARSAD_FACET_VISIBLE", "12")
    app = create_app()
    assert app.config["INDEX"] == str(tmp_path) and app.config["FACET_VISIBLE"] == 12
