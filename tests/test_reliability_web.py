"""The web as a public surface: XSS everywhere, headers on every response, limits, read-only, no paths.

tests/test_web_app.py and tests/test_web_documents.py check the query and
stored fields for ``<script>`` by substring on a few pages. This file audits
the STRUCTURE of every page a hostile index and hostile URLs can produce: an
HTML parser collects every tag and attribute, and no page may carry an event
handler attribute, an inline or foreign script, a ``javascript:``/``data:``
link, or an unexpected active element (iframe, object, embed, base, meta
refresh). Reflected text (the query, the did-you-mean suggestion, notices,
error messages) and stored text (titles, bodies, snippets, outlets, facet
values, evidence, URLs in many spellings) are both covered.
"""
from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest

from marsad.index.records import Evidence, Record
from marsad.web import SECURITY_HEADERS

from web_support import stamp_marsad_meta

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
ATTR = "' onmouseover='alert(1)"
ENT = "&lt;script&gt;alert(1)&lt;/script&gt;"
MARK = "</mark><script>alert(1)</script><mark onclick=alert(1)>"
PAYLOAD = f"{SCRIPT}{IMG}{ATTR}{ENT}{MARK}"
JS_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "java\tscript:alert(1)",
           "java\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
           "vbscript:msgbox(1)", "//evil.example/x", "javascript://%0aalert(1)",
           'https://ok.example/a"><script>alert(1)</script>']
WORD = "الحوثيين"  # the did-you-mean word: common here, and misspelled in the query


class Audit(HTMLParser):
    """Every start tag with its attributes, for structural checks."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))

    handle_startendtag = handle_starttag


def _scheme(url: str) -> str:
    # what a browser does: strip C0 controls and spaces, drop tabs/newlines inside
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10"
                                                   "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return m.group(1).lower() if m else ""


def assert_safe_html(html: str, where: str) -> None:
    for tag, attrs in Audit(html).tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: event handler <{tag} {name}={value!r}>"
            if name in ("href", "src", "action", "formaction", "xlink:href", "poster", "srcset"):
                assert _scheme(value) in ("", "http", "https"), f"{where}: <{tag} {name}={value!r}>"
                if tag == "link" and attrs.get("rel") == "alternate":  # the page's own feed: not loaded
                    assert value.startswith("/api/feed"), f"{where}: alternate from elsewhere {value!r}"
                elif tag in ("script", "link", "img") and name in ("src", "href"):
                    assert value.startswith("/static/"), f"{where}: asset from elsewhere <{tag} {name}={value!r}>"
            if name == "style":
                raise AssertionError(f"{where}: style attribute on <{tag}>")
        assert tag not in ("iframe", "object", "embed", "base", "frame", "applet"), f"{where}: <{tag}>"
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), f"{where}: inline script"
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh", where
        if tag == "img":
            raise AssertionError(f"{where}: an <img> made it into the page: {attrs}")
    # the parser could be fooled by a broken tag; the raw text must not carry one either
    low = html.lower()
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", low), f"{where}: a script not from /static/"
    assert "<img" not in low and "<iframe" not in low, where


def _record(i: int, **kw) -> Record:
    base = dict(id=f"r{i}", title=f"خبر {i} عن سوريا", body=f"نص الخبر {i} عن {WORD} في سوريا. مدينة مدرسة مدير مدفع",
                outlet="سبق", date=date(2015, 7, 1 + i % 28), date_precision="day")
    base.update(kw)
    return Record(**base)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, make_app):
    """An index whose every displayed field is hostile, plus records with hostile URLs."""
    from search_support import write_index
    recs = [
        _record(0, id=f"evil-{PAYLOAD}", title=f"عنوان {PAYLOAD} سوريا", body=f"في سوريا {PAYLOAD} نهاية {WORD}",
                outlet=f"مصدر{PAYLOAD}", provinces=[f"حلب{IMG}"], actors=[f"داعش{SCRIPT}"],
                url="javascript:alert(1)",
                evidence=[Evidence("province", f"حلب{IMG}", "body", "سوريا", 3, 8, f"rule{SCRIPT}"),
                          Evidence(f"actor{IMG}", SCRIPT, "title", "عنوان", 0, 5, ATTR)]),
        # the same text under another id and outlet: a syndicated copy, shown beside the first
        _record(1, id=f"copy-{IMG}", title=f"عنوان {PAYLOAD} سوريا", body=f"في سوريا {PAYLOAD} نهاية {WORD}",
                outlet=f"نسخة{SCRIPT}", url="data:text/html,<script>alert(1)</script>"),
        _record(2, id="../../etc/passwd", title="ليس ملفا", body="نص مخزن في الفهرس وليس من القرص عن سوريا"),
        _record(3, id="/etc/passwd", title="مسار مطلق", body="نص مخزن آخر عن سوريا"),
    ]
    recs += [_record(10 + i, url=u) for i, u in enumerate(JS_URLS)]
    d = tmp_path_factory.mktemp("web-hostile")
    write_index(recs, d)
    stamp_marsad_meta(d)
    app = make_app(d, PROPAGATE_EXCEPTIONS=False)
    return app, recs, d


@pytest.fixture()
def client(hostile):
    return hostile[0].test_client()


def _ok_html(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert_safe_html(html, url)
    return html


def test_every_search_page_is_safe(client):
    q = quote(PAYLOAD)
    urls = {
        "/": None, "/?q=سوريا": "&lt;script&gt;", f"/?q={q}": "&lt;script&gt;",
        f"/?q=سوريا&outlet={quote('مصدر' + PAYLOAD)}": "&lt;script&gt;",
        f"/?q=سوريا&province={quote('حلب' + IMG)}&actor={quote('داعش' + SCRIPT)}": "&lt;img",
        f"/?q={quote('outlet:' + SCRIPT)}": "&lt;script&gt;",  # reflected in a notice
        f"/?q={quote('(' + SCRIPT)}": "&lt;script&gt;",  # the fallback notice
        f"/?q={quote('الحوتيين ' + SCRIPT)}": "&lt;script&gt;",  # the did-you-mean suggestion
        "/?q=سوريا&sort=newest&page=2&page_size=3": None,
        f"/?q={quote(ENT)}": "&amp;lt;script&amp;gt;",  # an entity typed is shown as typed, not decoded
        "/?date=2015": None, "/?date=2015-07": None,
    }
    for url, must in urls.items():
        html = _ok_html(client, url)
        if must:
            assert must in html, f"{url}: the payload should be shown, escaped"


def test_did_you_mean_suggestion_is_escaped(client):
    url = "/?q=" + quote(f"الحوتيين {SCRIPT}")
    j = client.get("/api/search" + url[1:]).get_json()
    if not j["suggestion"]:
        pytest.skip("no suggestion on this small index (search layer's choice)")
    assert SCRIPT in j["suggestion"] and WORD in j["suggestion"]
    html = _ok_html(client, url)
    assert "هل تقصد" in html and f"{WORD} &lt;script&gt;" in html


def test_snippets_and_titles_of_hostile_hits(client):
    j = client.get("/api/search?q=سوريا&page_size=50&collapse=0").get_json()
    evil = next(h for h in j["hits"] if h["id"].startswith("evil-"))
    # the search layer's own HTML (snippet, title_html) escapes all but <mark>
    for html_field in ("snippet", "title_html"):
        rest = re.sub(r"</?mark>", "", evil.get(html_field) or "")
        assert "<" not in rest, (html_field, evil[html_field])
    html = _ok_html(client, "/?q=" + quote("سوريا نهاية"))
    assert "&lt;/mark&gt;&lt;script&gt;" in html  # the stored fake </mark> stays text


def test_every_document_page_is_safe(hostile):
    app, recs, _ = hostile
    c = app.test_client()
    for r in recs:
        if r.id.startswith("/"):
            continue  # not routable (see test_ids_never_reach_the_filesystem)
        url = "/doc/" + quote(r.id, safe="")
        html = _ok_html(c, url)
        assert "href=\"javascript" not in html.lower()
        j = c.get("/api/doc/" + quote(r.id, safe=""))
        assert j.status_code == 200 and j.mimetype == "application/json" and j.get_json()["id"] == r.id
        links = [a for t, a in Audit(html).tags if t == "a" and "original" in a.get("class", "")]
        if urlsplit(r.url or "").scheme in ("http", "https") and r.url == r.url.strip():
            assert links and links[0]["href"] == r.url, r.url
        else:
            assert not links, f"{r.url!r} became a link"


def test_ids_never_reach_the_filesystem(client):
    """Ids are index terms: ../ and absolute paths find stored documents or nothing, never a file."""
    html = _ok_html(client, "/doc/" + quote("../../etc/passwd", safe=""))
    assert "نص مخزن في الفهرس" in html and "root:" not in html
    html = _ok_html(client, "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd")
    assert "نص مخزن في الفهرس" in html and "root:" not in html
    for url in ("/doc/..%2F..%2F..%2Fetc%2Fshadow", "/doc/%2e%2e/%2e%2e/%2e%2e/etc/hostname", "/doc/%00",
                "/doc/r10%00", "/doc/r10%00.txt", "/doc/%252e%252e%252fetc%252fpasswd", "/doc/~root",
                "/api/doc/..%2F..%2F..%2Fetc%2Fhostname", "/api/doc/%00", "/api/doc/C:%5Cwindows%5Cwin.ini",
                "/static/..%2fviews.py", "/static/%2e%2e/__init__.py", "/static/../../etc/passwd",
                "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static//etc/passwd", "/facet/..%2f..%2fetc%2fpasswd",
                "/api/facets/..%2fetc"):
        r = client.get(url)
        if r.status_code == 308:  # Werkzeug merges the double slash: follow it, still on this site
            assert r.headers["Location"].startswith(("/static/", "http://localhost/static/")), r.headers["Location"]
            r = client.get(r.headers["Location"])
        body = r.get_data(as_text=True)
        assert r.status_code in (404, 400), (url, r.status_code)
        assert "root:" not in body and "import" not in body and "localhost" not in body, url
        if r.mimetype == "text/html":
            assert_safe_html(body, url)
    # an id starting with "/" cannot be routed (the path converter): a 404, never the file
    r = client.get("/doc/" + quote("/etc/passwd", safe=""))
    assert r.status_code == 404 and "root:" not in r.get_data(as_text=True)
    assert client.get("/api/doc/" + quote("/etc/passwd", safe="")).status_code == 404


def test_document_links_reach_every_id(hostile):
    """The page's links reach documents whose ids hold ../, //, ?, # or spaces (URL-escaped whole)."""
    app, recs, _ = hostile
    from marsad.web.urls import doc_url
    c = app.test_client()
    with app.test_request_context("/"):
        for r in recs:
            if r.id.startswith("/"):
                continue
            url = doc_url(r.id)
            assert "/../" not in url and "//" not in url.split("/doc/", 1)[1], url
            got = c.get("/api" + url)
            assert got.status_code == 200 and got.get_json()["id"] == r.id, (r.id, url)


def test_error_pages_reflect_nothing_active(client):
    for url, status in ((f"/doc/{quote(PAYLOAD, safe='')}", 404), (f"/facet/{quote(IMG, safe='')}", 404),
                        (f"/?from={quote(SCRIPT)}", 400), (f"/?page={quote(IMG)}", 400),
                        (f"/?date={quote(SCRIPT)}", 400), (f"/?sort={quote(ATTR)}", 400),
                        (f"/{quote(SCRIPT)}", 404), (f"/facet/outlet?fq={quote(PAYLOAD[:90])}", 200),
                        (f"/?q={quote(' '.join(['سوريا'] * 40))}", 400)):
        _ok_html(client, url, status)
        j = client.get("/api/search" + url[1:] if url.startswith("/?") else "/api" + url)
        assert j.mimetype == "application/json", url  # JSON is data, never rendered as HTML


def _all_routes(client) -> list[tuple[str, str, int]]:
    """(method, url, expected status) for every kind of response the app gives."""
    return [
        ("GET", "/", 200), ("GET", "/search?q=سوريا", 200), ("GET", "/?q=سوريا", 200),
        ("GET", "/doc/r10", 200), ("GET", "/doc/none", 404), ("GET", "/facet/outlet", 200),
        ("GET", "/facet/colour", 404), ("GET", "/api/search?q=سوريا", 200), ("GET", "/api/doc/r10", 200),
        ("GET", "/api/doc/r10/similar", 200), ("GET", "/api/doc/none", 404), ("GET", "/api/facets/actor", 200),
        ("GET", "/api/facets/x", 404), ("GET", "/api/openapi.json", 200), ("GET", "/healthz", 200),
        ("GET", "/static/marsad.css", 200), ("GET", "/static/marsad.js", 200), ("GET", "/static/favicon.svg", 200),
        ("GET", "/static/nope.js", 404), ("GET", "/?page=0", 400), ("GET", "/api/search?page=0", 400),
        ("GET", "/?q=" + "x" * 9000, 414), ("GET", "/api/search?q=" + "x" * 9000, 414),
        ("HEAD", "/", 200), ("HEAD", "/api/search?q=x", 200), ("OPTIONS", "/", 200),
        ("POST", "/", 405), ("POST", "/api/search", 405), ("PUT", "/api/doc/r10", 405),
        ("DELETE", "/api/doc/r10", 405), ("PATCH", "/doc/r10", 405), ("POST", "/healthz", 405),
        ("DELETE", "/static/marsad.css", 405), ("POST", "/api/facets/outlet", 405),
    ]


def test_security_headers_on_every_response(client):
    for method, url, status in _all_routes(client):
        r = client.open(url, method=method)
        assert r.status_code == status, (method, url, r.status_code)
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (method, url, name, r.headers.get(name))
        csp = r.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "default-src 'none'" in csp
        if r.mimetype == "application/json":
            assert r.headers.get("Cache-Control") == "no-store"


def test_big_request_body_is_refused(client):
    r = client.post("/api/search", data=b"x" * (200 * 1024), content_type="application/octet-stream")
    assert r.status_code in (405, 413)
    assert r.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_no_method_changes_the_index(hostile):
    app, recs, d = hostile
    c = app.test_client()
    before = sorted(p.name + str(p.stat().st_mtime_ns) for p in d.iterdir())
    total = c.get("/api/search").get_json()["total"]
    for path in ("/", "/api/search", "/api/doc/r10", "/doc/r10", "/api/facets/outlet", "/facet/outlet", "/healthz",
                 "/api/doc/r10/similar", "/api/index", "/api/build", "/admin"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = c.open(path, method=method, data=json.dumps({"id": "r10", "title": "x"}),
                       content_type="application/json")
            assert r.status_code in (404, 405), (method, path, r.status_code)
    assert c.get("/api/search").get_json()["total"] == total
    assert sorted(p.name + str(p.stat().st_mtime_ns) for p in d.iterdir()) == before


def test_request_limits_through_the_web(client, monkeypatch):
    from marsad.search.request import MAX_FACET_LIMIT, MAX_QUERY_CHARS, MAX_QUERY_TERMS
    cases = {
        "/api/search?q=" + quote("س" * (MAX_QUERY_CHARS + 1)): "too long",
        "/api/search?q=" + quote(" ".join(f"كلمة{i}" for i in range(MAX_QUERY_TERMS + 1))): f"at most {MAX_QUERY_TERMS}",
        "/api/search?page_size=101": "page_size",
        "/api/search?page=101&page_size=100": "too deep",
        f"/api/search?facet_limit={MAX_FACET_LIMIT + 1}": "facet_limit",
        "/api/search?" + "&".join(f"outlet=o{i}" for i in range(51)): "too many",
        "/api/facets/outlet?q=" + "x" * 101: "too long",
    }
    for url, word in cases.items():
        r = client.get(url)
        assert r.status_code == 400 and word in r.get_json()["error"], (url, r.get_json())
    # prefix expansion is capped and the answer says so (on this tiny index: a cap of 2 via monkeypatch)
    import marsad.search.query as sq
    monkeypatch.setattr(sq, "MAX_PREFIX_EXPANSIONS", 2)
    j = client.get("/api/search?q=" + quote("مد*")).get_json()
    assert "expansion_capped" in j["notice_codes"], j["notices"]
    monkeypatch.undo()
    # a user cannot lift the per-request time limit from the URL: it is no parameter (a 400 says so)
    r = client.get("/api/search?q=سوريا&time_limit=3600")
    assert r.status_code == 400 and "time_limit" in r.get_json()["error"]
    assert client.get("/?q=سوريا&time_limit=3600").status_code == 200  # the page ignores it
    # past the time limit, the page and the API say the results are partial (not an error, not a hang)
    import marsad.web.views as views
    real = views._search_request
    monkeypatch.setattr(views, "_search_request", lambda *a, **k: real(*a, **k).replace(time_limit=1e-9))
    j = client.get("/api/search?q=سوريا OR خبر OR نص").get_json()
    assert j["partial"] is True and "partial" in j["notice_codes"] and any("جزئية" in n for n in j["notices"])
    assert "نتائج جزئية" in client.get("/?q=سوريا OR خبر OR نص").get_data(as_text=True)


@pytest.mark.parametrize("target", ["run", "get_document", "facet_values", "more_like_this"])
def test_internal_errors_show_no_trace_and_no_path(hostile, monkeypatch, target):
    from marsad import search
    app, _, d = hostile

    def boom(*a, **k):
        raise RuntimeError(f"disk read failed at {d}/seg_1.pst <script>alert(1)</script>")
    monkeypatch.setattr(search, target, boom)
    c = app.test_client()
    for url in ("/?q=سوريا", "/api/search?q=سوريا", "/doc/r10", "/api/doc/r10", "/api/doc/r10/similar",
                "/facet/outlet", "/api/facets/outlet?q=س"):
        r = c.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code in (200, 500), (url, r.status_code)
        assert "Traceback" not in body and 'File "' not in body and str(d) not in body and "seg_1" not in body
        assert "/tmp" not in body and "RuntimeError" not in body
        if r.status_code == 500:
            assert r.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
            if r.mimetype == "text/html":
                assert_safe_html(body, url)
            else:
                assert r.get_json()["error"]


def test_broken_index_is_503_without_a_path(tmp_path, make_app):
    (tmp_path / "ix").mkdir()
    (tmp_path / "ix" / "CURRENT").write_text("gen-missing\n")
    app = make_app(tmp_path / "ix")
    c = app.test_client()
    for url in ("/?q=x", "/api/search?q=x", "/doc/x", "/healthz"):
        r = c.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code == 503 and str(tmp_path) not in body and "Traceback" not in body, url
