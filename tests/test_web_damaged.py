"""The web on a damaged index: /healthz says what a page would meet, pages say it in Arabic and English.

Also the small ones of issue 12: the 414 page does not echo the over-long query;
/api/doc has the ``outlet`` key that /api/search hits have.
"""
from __future__ import annotations

import shutil

import pytest

from marsad.index.build import build_index
from marsad.index.store import META_NAME, live_dir

from corpus_support import SEEDS


@pytest.fixture()
def ix(tmp_path):
    d = tmp_path / "ix"
    build_index([SEEDS], d, procs=1, progress=False)
    return d


def _truncate_biggest(ix) -> str:
    gen = live_dir(ix)
    f = max((p for p in gen.iterdir() if p.name != META_NAME), key=lambda p: p.stat().st_size)
    f.write_bytes(f.read_bytes()[:100])
    return f.name


@pytest.mark.parametrize("when", ["before_start", "while_serving"])
def test_healthz_and_page_on_a_truncated_index(ix, tmp_path, when, make_app):
    if when == "before_start":
        name = _truncate_biggest(ix)
        c = make_app(ix).test_client()
    else:
        c = make_app(ix).test_client()
        assert c.get("/healthz").status_code == 200 and c.get("/?q=سوريا").status_code == 200
        name = _truncate_biggest(ix)
    r = c.get("/healthz")
    assert r.status_code == 503, r.get_data(as_text=True)
    err = r.get_json()["error"]
    assert "damaged" in err and name in err and "marsad index build" in err and str(tmp_path) not in err
    if when == "before_start":  # (an index already open keeps its open files: the page still answers)
        r = c.get("/?q=سوريا")
        page = r.get_data(as_text=True)
        assert r.status_code == 503 and "Traceback" not in page and str(tmp_path) not in page
        arabic, english = page.index("فهرس البحث غير متاح أو تالف"), page.index("marsad index build")
        assert arabic < english  # Arabic first, English in parentheses
        assert c.get("/api/search?q=سوريا").status_code == 503
    # a rebuild heals both
    shutil.rmtree(ix)
    build_index([SEEDS], ix, procs=1, progress=False)
    assert c.get("/healthz").status_code == 200 and c.get("/?q=سوريا").status_code == 200


def test_healthz_on_a_missing_generation_names_the_fix(ix, make_app):
    c = make_app(ix).test_client()
    assert c.get("/healthz").status_code == 200
    (ix / "CURRENT").write_text("gen-gone\n", encoding="utf-8")
    r = c.get("/healthz")
    assert r.status_code == 503 and "CURRENT" in r.get_json()["error"]


def test_414_page_does_not_echo_the_query(ix, make_app):
    c = make_app(ix).test_client()
    marker = "مرصدمرصد" * 1200
    r = c.get("/?q=" + marker)
    body = r.get_data(as_text=True)
    assert r.status_code == 414 and "مرصدمرصد" not in body


def test_api_doc_has_the_outlet_key_of_search_hits(ix, make_app):
    c = make_app(ix).test_client()
    hits = c.get("/api/search?q=سوريا&page_size=10").get_json()["hits"]
    assert hits
    for h in hits:
        doc = c.get(f"/api/doc/{h['id']}").get_json()
        assert "outlet" in doc and doc["outlet"] == h["outlet"]
