"""`marsad search`: --json shape, --explain, filters, clear errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marsad.search.cli import search_cmd


@pytest.fixture(scope="module")
def _run(seeds_index):
    def run(*args: str):
        return CliRunner().invoke(search_cmd, ["--index", str(seeds_index), *args])
    return run


def test_json_shape_and_filters(_run):
    res = _run("--json", "--page-size", "3", "سوريا")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["total"] == 5 and len(d["hits"]) == 3  # every seed speaks of Syria
    assert set(d["facets"]) == {"outlet", "province", "actor", "date"}
    # a selected value stays visible (count 0 here: no seed is about Idlib)
    d = json.loads(_run("--json", "--province", "ادلب", "سوريا").output)
    assert d["total"] == 0 and any(b["selected"] for b in d["facets"]["province"])
    for h in d["hits"]:
        assert {"id", "title", "outlet", "date", "provinces", "actors", "snippet"} <= set(h)


def test_explain_prints_parsed_query(_run):
    res = _run("--explain", 'داعش أو "جبهة النصرة"')
    assert res.exit_code == 0, res.output
    assert "parsed:" in res.output and "Phrase" in res.output


def test_bad_paging_is_a_usage_error(_run):
    res = _run("--page", "0", "سوريا")
    assert res.exit_code == 2 and "page must be 1 or more" in res.output
    res = _run("--sort", "random", "سوريا")
    assert res.exit_code == 2
