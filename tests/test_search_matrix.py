"""Actor x province over a result set (issue 15): every cell is the count of
the search with both values ticked; the API and the heat-map page."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from marsad.search import SearchRequest, matrix, run


@pytest.mark.parametrize("q,collapse", [("سوريا", True), ("داعش", False), ("", True)])
def test_each_cell_is_the_search_with_both_values_ticked(searcher, q, collapse):
    m = matrix(searcher, SearchRequest(q=q, collapse=collapse))
    base = run(searcher, SearchRequest(q=q, collapse=collapse))
    assert m.total == base.total and m.rows and m.cols
    for i, a in enumerate(m.rows[:4]):
        assert m.row_totals[i] == run(searcher, SearchRequest(q=q, collapse=collapse, filters={"actor": (a,)})).total
        for j, p in enumerate(m.cols[:5]):
            want = run(searcher, SearchRequest(q=q, collapse=collapse, filters={"actor": (a,), "province": (p,)}))
            assert m.counts[i][j] == want.total, (a, p)
    assert m.row_totals == sorted(m.row_totals, reverse=True)
    assert m.col_totals == sorted(m.col_totals, reverse=True)


def test_filters_and_limits(searcher):
    m = matrix(searcher, SearchRequest(q="سوريا", filters={"province": ("حلب",)}), rows=3)
    assert m.cols[0] == "حلب" and len(m.rows) == 3
    assert m.col_totals[0] == m.total  # every result is in Aleppo
    assert all(row[0] == tot for row, tot in zip(m.counts, m.row_totals))
    wide = matrix(searcher, SearchRequest(q="سوريا"))
    assert m.other_rows >= 0 and wide.other_rows == max(0, len(wide.rows) + wide.other_rows - 15)
    none = matrix(searcher, SearchRequest(q="كلمةلاتوجدابدا"))
    assert none.total == 0 and none.rows == [] and none.counts == []


def test_api_and_page(client):
    j = client.get("/api/matrix?q=سوريا&outlet=الشرق الأوسط").get_json()
    assert j["total"] == client.get("/api/search?q=سوريا&outlet=الشرق الأوسط").get_json()["total"]
    assert len(j["counts"]) == len(j["rows"]) and all(len(r) == len(j["cols"]) for r in j["counts"])
    assert client.get("/api/matrix?q=سوريا&foo=1").status_code == 400
    html = client.get("/matrix?q=سوريا&outlet=الشرق الأوسط&page=3").get_data(as_text=True)
    assert '<table class="heat">' in html
    cells = [h.split('"')[0].replace("&amp;", "&") for h in html.split('<a href="')[1:] if "actor=" in h]
    assert len(cells) == sum(1 for r in j["counts"] for c in r if c)
    for h in cells[:10]:
        qs = parse_qs(urlsplit(h).query)
        assert qs["q"] == ["سوريا"] and qs["outlet"] == ["الشرق الأوسط"] and "page" not in qs
        assert qs["actor"][0] in j["rows"] and qs["province"][0] in j["cols"]
    page = client.get("/?q=سوريا").get_data(as_text=True)
    assert '/matrix?q=سوريا' in page
