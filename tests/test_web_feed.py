"""Atom feeds of any search (issue 15): valid RFC 4287 read by two parsers, the
search's newest matches by the article's date, facet values as categories; and
`marsad search --since` for scripts."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

import feedparser
from click.testing import CliRunner

from marsad.search.cli import search_cmd
from marsad.web.feeds import FEED_SIZE

A = "{http://www.w3.org/2005/Atom}"
SEARCH = "q=سوريا&province=حلب"


def _feed(client, qs: str):
    r = client.get(f"/api/feed?{qs}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/atom+xml"
    return r.get_data()


def _rfc3339(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_the_feed_is_valid_atom_with_what_rfc_4287_requires(client):
    root = ET.fromstring(_feed(client, SEARCH))
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    for child in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{A}{child}")) == 1, child
    _rfc3339(root.findtext(f"{A}updated"))
    links = {ln.get("rel"): ln.get("href") for ln in root.findall(f"{A}link")}
    assert links["self"] == root.findtext(f"{A}id") and urlsplit(links["self"]).path == "/api/feed"
    assert urlsplit(links["alternate"]).path == "/"
    entries = root.findall(f"{A}entry")
    assert entries
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for e in entries:
        assert e.findtext(f"{A}title") and urlsplit(e.findtext(f"{A}id")).scheme == "http"
        _rfc3339(e.findtext(f"{A}updated"))
        alt = [ln for ln in e.findall(f"{A}link") if ln.get("rel") == "alternate"]
        assert len(alt) == 1 and alt[0].get("href") == e.findtext(f"{A}id")
    # an independent reader agrees and finds nothing malformed
    parsed = feedparser.parse(_feed(client, SEARCH))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == len(entries)


def test_entries_are_the_searchs_newest_matches_with_facets_as_categories(client):
    api = client.get(f"/api/search?{SEARCH}&sort=newest&page_size={FEED_SIZE}").get_json()
    parsed = feedparser.parse(_feed(client, SEARCH + "&sort=relevance&page=3"))  # neither applies to a feed
    assert "سوريا" in parsed.feed.title and "حلب" in parsed.feed.title
    assert len(parsed.entries) == min(api["total"], FEED_SIZE)
    assert [unquote(urlsplit(e.id).path).removeprefix("/doc/") for e in parsed.entries] == \
        [h["id"] for h in api["hits"]]
    dated = [h["date"] for h in api["hits"] if h["date"]]
    assert dated and dated == sorted(dated, reverse=True)
    for e, h in zip(parsed.entries, api["hits"]):
        assert e.title == h["title"]
        assert e.author == (h["outlet"] or "مصدر غير معروف")
        if h["date"]:
            assert e.published.startswith(h["date"][:7])
        if h["url"]:
            assert h["url"] in [ln.href for ln in e.links if ln.rel == "related"]
        terms = {(t.term, urlsplit(t.scheme).path) for t in e.tags}
        assert ("حلب", "/facet/province") in terms
        assert {(p, "/facet/province") for p in h["provinces"]} | {(a, "/facet/actor") for a in h["actors"]} <= terms
        if h["outlet"]:
            assert (h["outlet"], "/facet/outlet") in terms


def test_page_size_sets_the_entries_and_bad_parameters_are_a_400(client):
    assert len(feedparser.parse(_feed(client, "q=سوريا&page_size=3")).entries) == 3
    r = client.get("/api/feed?q=سوريا&foo=1")
    assert r.status_code == 400 and r.get_json()["error"]
    r = client.get("/api/feed?q=سوريا&page_size=500")
    assert r.status_code == 400


def test_a_search_with_no_match_has_an_empty_valid_feed(client):
    parsed = feedparser.parse(_feed(client, "q=كلمةلاتوجدابدا"))
    assert not parsed.bozo and parsed.entries == [] and parsed.feed.updated


def test_the_page_announces_and_links_its_feed(client):
    html = client.get(f"/?{SEARCH}&sort=oldest&page=2").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert 'rel="alternate" type="application/atom+xml"' in head
    hrefs = [h.split('"')[0].replace("&amp;", "&") for h in html.split('href="')[1:] if h.startswith("/api/feed")]
    assert len(hrefs) == 2  # the <link> in the head and the visible link
    for h in hrefs:
        qs = parse_qs(urlsplit(h).query)
        assert qs["q"] == ["سوريا"] and qs["province"] == ["حلب"]
        assert "page" not in qs and "sort" not in qs


def test_cli_since_lists_what_is_new_newest_first(seeds_index):
    def invoke(*args):
        return CliRunner().invoke(search_cmd, ["--index", str(seeds_index), *args])
    every = json.loads(invoke("--json", "--page-size", "100", "--sort", "newest").output)
    dates = sorted(h["date"] for h in every["hits"] if h["date"])
    since = dates[len(dates) // 2]
    out = invoke("--json", "--since", since, "--page-size", "100")
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    want = [h["id"] for h in every["hits"] if h["date"] and h["date"] >= since]
    assert [h["id"] for h in got["hits"]] == want and got["sort"] == "newest"
    assert 0 < len(want) < len(every["hits"])
    both = invoke("--since", since, "--from", since)
    assert both.exit_code == 2 and "--since" in both.output
