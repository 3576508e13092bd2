"""The index holder warms a new generation (search.warm) before requests use it, without blocking them."""
from __future__ import annotations

import shutil
import threading

import pytest

import marsad.search.facets as facets
from marsad import search


@pytest.fixture()
def built(tmp_path, corpus_dir):
    from marsad.index.build import build_index
    src = tmp_path / "src"
    shutil.copytree(corpus_dir / "seeds", src)
    root = tmp_path / "ix"
    build_index([src], root, procs=1, progress=False)
    return src, root


def _add_one(src, n: int) -> None:
    from marsad.index.build import update_index
    (src / f"extra-{n}.txt").write_text(f"عنوان إضافي {n}\nنص عن سوريا وحلب رقم {n}", encoding="utf-8")
    update_index([src], src.parent / "ix", procs=1, progress=False)


def _count_builds(monkeypatch) -> list[int]:
    builds: list[int] = []
    real = facets._build_reader_data

    def counting(reader):
        builds.append(reader.doc_count())
        return real(reader)
    monkeypatch.setattr(facets, "_build_reader_data", counting)
    return builds


def test_a_swapped_in_generation_is_warm_before_the_first_request(built, monkeypatch, make_app):
    src, root = built
    app = make_app(root)
    c = app.test_client()
    assert c.get("/api/search").get_json()["total"] == 5
    builds = _count_builds(monkeypatch)
    _add_one(src, 1)
    holder = app.extensions["marsad_index"]
    holder.get()  # notices the swap: opens and warms the new generation
    assert builds == [6]  # built by the warm-up, once
    assert c.get("/api/search?q=سوريا").status_code == 200
    assert c.get("/api/search").get_json()["total"] == 6
    assert builds == [6]  # the requests' own searchers reused the warm arrays


def test_requests_keep_the_old_index_while_a_large_warm_up_runs(built, monkeypatch, make_app):
    src, root = built
    app = make_app(root)
    c = app.test_client()
    assert c.get("/api/search").get_json()["total"] == 5
    holder = app.extensions["marsad_index"]
    holder.swap_wait = 0.0  # as if the new index took longer to warm than a request may wait
    started, release = threading.Event(), threading.Event()
    real_warm = search.warm

    def slow_warm(index):
        started.set()
        release.wait(10)
        return real_warm(index)
    monkeypatch.setattr(search, "warm", slow_warm)
    _add_one(src, 1)
    assert c.get("/api/search").get_json()["total"] == 5  # answered at once, from the old index
    assert started.wait(5)
    for _ in range(3):
        assert c.get("/api/search").get_json()["total"] == 5  # no request waits for the warm-up
    release.set()
    holder._pending.join(10)
    assert c.get("/api/search").get_json()["total"] == 6

