"""Export of a whole result set (issue 15): the page's selection and order, every
match, as CSV (UTF-8 with BOM, formulas neutralised) or JSON Lines, from the
library, the CLI and the web."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from marsad.search import SearchRequest, run
from marsad.search.cli import search_cmd
from marsad.search.export import COLUMNS, _cell, rows, to_csv, to_jsonl

QUERIES = ["سوريا", "داعش أو النصرة", '"مجلس الأمن"', "حلب -روسيا", ""]


def _all_hits(searcher, **kw) -> list[str]:
    out, page = [], 1
    while True:
        r = run(searcher, SearchRequest(page=page, page_size=100, highlight=False, suggest=False, **kw))
        out += [h.id for h in r.hits]
        if page * 100 >= r.total:
            return out
        page += 1


@pytest.mark.parametrize("q", QUERIES)
def test_rows_are_every_result_in_the_pages_order(searcher, q):
    got = [r["id"] for r in rows(searcher, SearchRequest(q=q))]
    assert got == _all_hits(searcher, q=q)
    assert len(got) == run(searcher, SearchRequest(q=q)).total


def test_rows_follow_filters_sort_and_collapsing(searcher):
    req = dict(q="سوريا", filters={"province": ("حلب",)}, sort="newest")
    got = list(rows(searcher, SearchRequest(**req)))
    assert [r["id"] for r in got] == _all_hits(searcher, **req)
    assert got and all("حلب" in r["provinces"] for r in got)
    dates = [r["date"] for r in got if r["date"]]
    assert dates == sorted(dates, reverse=True)
    flat = list(rows(searcher, SearchRequest(q="سوريا", collapse=False)))
    collapsed = list(rows(searcher, SearchRequest(q="سوريا")))
    assert len(flat) == len(collapsed) + sum(len(r["copies"]) for r in collapsed)


def test_a_row_holds_what_a_researcher_cites(seeds_index):
    from marsad.index.build import open_index
    r = next(rows(open_index(seeds_index), SearchRequest(q="داعش")))
    assert set(r) == set(COLUMNS)
    assert r["title"] and r["id"].endswith(".txt")
    assert r["date"] and r["date_source"] in ("metadata", "text", "inferred")
    assert r["evidence"] and all("←" in e for e in r["evidence"])
    assert "<mark>" not in r["snippet"] and r["snippet"]


def test_csv_opens_in_a_spreadsheet_and_runs_no_formula(searcher):
    text = "".join(to_csv(rows(searcher, SearchRequest(q="سوريا"))))
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert tuple(table[0]) == COLUMNS and len(table) - 1 == run(searcher, SearchRequest(q="سوريا")).total
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table[1:] for cell in row)
    assert [_cell(x) for x in ("=1+1", "+9665", "-2", "@SUM(A1)", "\tx", "حلب", 5, None)] == [
        "'=1+1", "'+9665", "'-2", "'@SUM(A1)", "'\tx", "حلب", "5", ""]
    # a list cell joins its values with the Arabic semicolon
    assert _cell(["حلب", "إدلب"]) == "حلب؛ إدلب"


def test_jsonl_is_one_object_per_line(searcher):
    lines = "".join(to_jsonl(rows(searcher, SearchRequest(q="داعش")))).splitlines()
    objs = [json.loads(x) for x in lines]
    assert len(objs) == run(searcher, SearchRequest(q="داعش")).total
    assert all(tuple(o) == COLUMNS for o in objs) and [o["rank"] for o in objs] == list(range(1, len(objs) + 1))


def test_cli_exports_all_or_one_page(seeds_index):
    def invoke(*args):
        return CliRunner().invoke(search_cmd, ["--index", str(seeds_index), *args])
    total = json.loads(invoke("--json", "سوريا").output)["total"]
    out = invoke("--format", "jsonl", "--all", "سوريا")
    assert out.exit_code == 0 and len(out.output.splitlines()) == total
    page = invoke("--format", "jsonl", "--page-size", "2", "سوريا")
    assert len(page.output.splitlines()) == min(2, total)
    csv_out = invoke("--format", "csv", "--all", "سوريا").output
    assert csv_out.startswith("\ufeffrank,id,title")
    bad = invoke("--all", "سوريا")
    assert bad.exit_code == 2 and "--format csv" in bad.output


def test_web_export_streams_the_same_rows_as_the_api(client):
    total = client.get("/api/search?q=سوريا&province=حلب").get_json()["total"]
    r = client.get("/api/export?q=سوريا&province=حلب&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff") and len(list(csv.reader(io.StringIO(body[1:])))) - 1 == total
    j = client.get("/api/export?q=سوريا&province=حلب&format=jsonl").get_data(as_text=True)
    assert len(j.splitlines()) == total
    bad = client.get("/api/export?q=سوريا&format=xlsx")
    assert bad.status_code == 400 and "csv" in bad.get_json()["error"]
    assert client.get("/api/export?q=سوريا&foo=1").status_code == 400


def test_the_page_links_the_download_with_its_query(client):
    html = client.get("/?q=سوريا&province=حلب&page=2").get_data(as_text=True)
    hrefs = [h for h in html.split('href="')[1:] if h.startswith("/api/export")]
    assert len(hrefs) == 2
    for h in hrefs:
        qs = parse_qs(urlsplit(h.split('"')[0].replace("&amp;", "&")).query)
        assert qs["q"] == ["سوريا"] and qs["province"] == ["حلب"] and "page" not in qs
        assert qs["format"][0] in ("csv", "jsonl")
