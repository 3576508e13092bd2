"""Stored data on the page: the document page with its evidence, and stored XSS.

A tiny index written with the real schema holds hostile text in every field a
page shows (title, body, outlet, provinces, actors, evidence, URL); nothing of
it may come out as markup. A seed article carries evidence whose offsets must
highlight exactly the words that produced each facet.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from marsad.index.records import Evidence, Record
from marsad.web.views import highlight_evidence, safe_snippet

from web_support import stamp_marsad_meta

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def doc_app(tmp_path_factory, seed_texts, make_app):
    from search_support import write_index
    name, text = sorted(seed_texts.items())[0]
    title, body = text.split("\n", 1)
    evidence = []
    for facet, word in (("province", "حلب"), ("province", "دمشق"), ("actor", "داعش"), ("actor", "التحالف")):
        for field, t in (("title", title), ("body", body)):
            i = t.find(word)
            if i >= 0:
                evidence.append(Evidence(facet, word, field, t[i:i + len(word)], i, i + len(word), "test"))
                break
    assert len(evidence) >= 2, "the first seed names at least two of these"
    seed = Record(id="seed-1", title=title, body=body, url="https://example.org/a?b=1&c=2",
                  outlet="عنب بلدي", date=date(2017, 5, 1), date_precision="month", date_source="text",
                  provinces=[e.value for e in evidence if e.facet == "province"],
                  actors=[e.value for e in evidence if e.facet == "actor"], evidence=evidence)
    evil = Record(id='evil"><script>1', title=f"عنوان {EVIL} سوريا", body=f"نص عن سوريا {EVIL} &amp; نهاية",
                  url="javascript:alert(1)", outlet=f"مصدر{EVIL}", date=date(2015, 7, 1), date_precision="day",
                  provinces=[f"حلب{EVIL}"], actors=[f"جهة{EVIL}"],
                  evidence=[Evidence("province", f"حلب{EVIL}", "body", "سوريا", 7, 12, EVIL)])
    d = tmp_path_factory.mktemp("web-docs")
    write_index([seed, evil], d)
    stamp_marsad_meta(d)
    return make_app(d), seed


def test_document_page_highlights_the_evidence(doc_app):
    app, seed = doc_app
    c = app.test_client()
    html = c.get("/doc/seed-1").get_data(as_text=True)
    marks = re.findall(r'<mark class="ev ev-(\w+)" id="ev-(\d+)" title="[^"]*">([^<]*)</mark>', html)
    assert len(marks) == len(seed.evidence)
    for facet, n, text in marks:
        e = seed.evidence[int(n)]
        assert (facet, text) == (e.facet, e.match)
        assert f'href="#ev-{n}"' in html  # the metadata list links to its mark
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "الشهر فقط" in html  # month precision said
    j = c.get("/api/doc/seed-1").get_json()
    assert j["title"] == seed.title and len(j["evidence"]) == len(seed.evidence)


@pytest.mark.parametrize("url", ["/", "/?q=سوريا", "/?q=سوريا&province=حلب" + EVIL, "/api/search?q=سوريا",
                                 "/facet/outlet?fq=مصدر", "/doc/evil%22%3E%3Cscript%3E1"])
def test_stored_text_is_escaped_everywhere(doc_app, url):
    app, _ = doc_app
    r = app.test_client().get(url)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    if url.startswith("/api/"):
        assert r.mimetype == "application/json"
        return
    assert "<script>" not in body and "<img src=x" not in body
    assert 'href="javascript:' not in body
    if "q=" in url or "doc/" in url:
        assert "&lt;script&gt;" in body


def test_highlight_evidence_escapes_and_ignores_bad_offsets():
    t, b = highlight_evidence("<b>حلب</b>", "x", [
        {"facet": "province", "value": "حلب", "source": "title", "start": 3, "end": 6, "n": 0},
        {"facet": "actor", "value": "y", "source": "body", "start": 5, "end": 99, "n": 1},
        {"facet": "actor", "value": "y", "source": "title", "start": 4, "end": 5, "n": 2},  # overlaps
        {"facet": "date", "value": "2015", "source": "metadata:date", "start": None, "end": None, "n": 3}])
    assert str(t) == '&lt;b&gt;<mark class="ev ev-province" id="ev-0" title="المحافظة: حلب">حلب</mark>&lt;/b&gt;'
    assert str(b) == "x"


def test_snippet_filter_lets_only_mark_through():
    assert str(safe_snippet("a <mark>b</mark> c")) == "a <mark>b</mark> c"
    assert str(safe_snippet("<mark onmouseover=x>b</mark>")) == "&lt;mark onmouseover=x&gt;b</mark>"
    assert str(safe_snippet("&lt;ok&gt; <mark>open")) == "&lt;ok&gt; <mark>open</mark>"
