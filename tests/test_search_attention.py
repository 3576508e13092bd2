"""Attention over time (issue 15): counts per period agree with the search,
shares with the volume, the outlet-balanced share with a computation done
here by hand from the stored documents; the API (JSON, CSV) and the page."""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date as Date
from urllib.parse import parse_qs, urlsplit

import pytest

from marsad.search import SearchRequest, SearchRequestError, attention, run

QUERIES = ["داعش", "النصرة"]


def _all(searcher, **kw) -> list:
    out, page = [], 1
    while True:
        r = run(searcher, SearchRequest(page=page, page_size=100, highlight=False, suggest=False,
                                        collapse=False, sort="newest", **kw))
        out += r.hits
        if page * 100 >= r.total:
            return out
        page += 1


def _month(h) -> str | None:
    return h.date[:7] if h.date and h.date_precision in ("day", "month") else None


def test_monthly_counts_are_the_searchs_matches_by_month(searcher):
    a = attention(searcher, SearchRequest(), QUERIES, "month")
    assert [s.query for s in a.series] == QUERIES
    for s, q in zip(a.series, QUERIES):
        hits = _all(searcher, q=q)
        assert s.total == len(hits)
        by_month = Counter(m for m in map(_month, hits) if m)
        assert {p: c for p, c in zip(a.periods, s.counts) if c} == dict(by_month)
        assert s.undated == len(hits) - sum(by_month.values())
    # periods run without a gap from the first matching month to the last
    months = [(int(p[:4]), int(p[5:])) for p in a.periods]
    assert all((y2 * 12 + m2) - (y1 * 12 + m1) == 1 for (y1, m1), (y2, m2) in zip(months, months[1:]))


def test_shares_divide_by_the_volume_and_the_outlet_share_weighs_outlets_alike(searcher):
    a = attention(searcher, SearchRequest(), ["سوريا"], "month")
    every = _all(searcher)  # the volume: every article
    vol: dict[str, Counter] = defaultdict(Counter)
    for h in every:
        if _month(h):
            vol[_month(h)][h.outlet or ""] += 1
    assert a.volume == [sum(vol[p].values()) for p in a.periods]
    assert a.outlets == [len(vol[p]) for p in a.periods]
    got: dict[str, Counter] = defaultdict(Counter)
    for h in _all(searcher, q="سوريا"):
        if _month(h):
            got[_month(h)][h.outlet or ""] += 1
    s = a.series[0]
    for i, p in enumerate(a.periods):
        if not a.volume[i]:
            assert s.share[i] is None and s.outlet_share[i] is None
            continue
        assert s.share[i] == pytest.approx(s.counts[i] / a.volume[i], abs=1e-6)
        by_outlet = [got[p][o] / n for o, n in vol[p].items()]
        assert s.outlet_share[i] == pytest.approx(sum(by_outlet) / len(by_outlet), abs=1e-6)


def test_filters_narrow_the_volume_and_weeks_and_days_are_dated_to_the_day(searcher):
    a = attention(searcher, SearchRequest(filters={"province": ("حلب",)}), ["داعش"], "week")
    hits = _all(searcher, q="داعش", filters={"province": ("حلب",)})
    days = [Date.fromisoformat(h.date) for h in hits if h.date and h.date_precision == "day"]
    weeks = Counter((d.toordinal() - d.weekday()) for d in days)
    assert {Date.fromisoformat(p).toordinal(): c for p, c in zip(a.periods, a.series[0].counts) if c} == dict(weeks)
    assert all(Date.fromisoformat(p).weekday() == 0 for p in a.periods)  # weeks start on Monday
    plain = attention(searcher, SearchRequest(), ["داعش"], "week")
    assert sum(a.volume) < sum(plain.volume)
    d = attention(searcher, SearchRequest(date_from=Date(2015, 7, 1), date_to=Date(2015, 7, 31)), ["داعش"], "day")
    assert d.periods[0] >= "2015-07-01" and d.periods[-1] <= "2015-07-31"
    assert sum(d.series[0].counts) == sum(1 for h in _all(searcher, q="داعش", date_from=Date(2015, 7, 1),
                                                                date_to=Date(2015, 7, 31))
                                          if h.date_precision == "day")


def test_bad_requests_say_what_to_do(searcher):
    with pytest.raises(SearchRequestError, match="interval"):
        attention(searcher, SearchRequest(), ["داعش"], "year")
    with pytest.raises(SearchRequestError, match="at most 4"):
        attention(searcher, SearchRequest(), ["a", "b", "c", "d", "e"], "month")
    nothing = attention(searcher, SearchRequest(), ["كلمةلاتوجدابدا"], "month")
    assert nothing.periods == [] and nothing.series[0].total == 0


def test_api_json_csv_and_the_page(client):
    j = client.get("/api/trends?q=داعش&q=النصرة&province=حلب")
    assert j.status_code == 200
    att = j.get_json()
    assert [s["query"] for s in att["series"]] == QUERIES and att["periods"]
    c = client.get("/api/trends?q=داعش&q=النصرة&province=حلب&format=csv")
    assert c.status_code == 200 and c.mimetype == "text/csv"
    body = c.get_data(as_text=True)
    assert body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body[1:])))
    assert table[0][:3] == ["period", "volume", "outlets"] and len(table) - 1 == len(att["periods"])
    assert [int(r[3]) for r in table[1:]] == att["series"][0]["counts"]
    # a query that looks like a formula does not run in a spreadsheet
    f = client.get("/api/trends?q==HYPERLINK(1)&format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(1) · count" in f.splitlines()[0]
    assert client.get("/api/trends?q=داعش&interval=year").status_code == 400
    assert client.get("/api/trends?q=a&q=b&q=c&q=d&q=e").status_code == 400
    assert client.get("/api/trends?q=داعش&foo=1").status_code == 400

    page = client.get("/trends?q=داعش&q=النصرة&province=حلب&measure=outlet_share")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="chart trend-chart"' in html and "متوسط نسبة كل مصدر" in html
    # every point links to its query's search in that month, with the page's filters
    hrefs = [h.split('"')[0].replace("&amp;", "&") for h in html.split('<a href="')[1:]]
    points = [parse_qs(urlsplit(h).query) for h in hrefs if "date=" in h]
    assert points and all(p["province"] == ["حلب"] and p["q"][0] in QUERIES for p in points)
    assert {p["date"][0] for p in points} <= set(att["periods"])
    bad = client.get("/trends?q=داعش&interval=year")
    assert bad.status_code == 400 and "interval" in bad.get_data(as_text=True)


def test_the_search_page_links_its_trend(client):
    html = client.get("/?q=داعش&province=حلب&page=2").get_data(as_text=True)
    (href,) = [h.split('"')[0].replace("&amp;", "&") for h in html.split('href="')[1:] if h.startswith("/trends")]
    qs = parse_qs(urlsplit(href).query)
    assert qs["q"] == ["داعش"] and qs["province"] == ["حلب"] and "page" not in qs
