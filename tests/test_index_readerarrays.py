"""The facet and grouping arrays a build writes beside its segments (index.readerarrays):
the same as computing them from the segments, mapped at open, rewritten by an
update, ignored when they do not describe the reader."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from marsad.index import readerarrays
from marsad.index.build import IndexDamaged, build_index, open_index, update_index
from marsad.index.store import live_dir
from marsad.search import facets
from marsad.search.request import SearchRequest
from marsad.search.service import run


def _same(a: readerarrays.ReaderArrays, b: readerarrays.ReaderArrays) -> None:
    assert a.n == b.n
    for name in ("live", "ordinal", "year", "month", "day_known", "group"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.story is None) == (b.story is None)
    if a.story is not None:
        assert np.array_equal(a.story, b.story)
    assert a.terms.keys() == b.terms.keys()
    for f in a.terms:
        (va, da, pa), (vb, db, pb) = a.terms[f], b.terms[f]
        assert va == vb and np.array_equal(da, db) and np.array_equal(pa, pb), f


def test_the_build_writes_the_arrays_a_search_would_compute_and_open_maps_them(sample_index):
    gen = live_dir(sample_index)
    assert (gen / readerarrays.ARRAYS_DIR / "arrays.json").exists()
    with open_index(sample_index).reader() as r:
        written = readerarrays.load(gen, r)
        assert written is not None
        _same(written, readerarrays.compute(r, gen))
        assert isinstance(written.live, np.memmap) and not written.live.flags.writeable
        assert written.story is not None and (written.story != np.arange(written.n)).any()
        assert any(len(v) > 3 for v, _d, _p in written.terms.values())
        # a search's per-reader data is the mapped arrays, not a new computation
        facets._CACHE.clear()
        data = facets.reader_data(r)
        assert isinstance(data.group, np.memmap)
    # and the search over them counts as before
    res = run(open_index(sample_index), SearchRequest(q="حلب"))
    assert res.total > 0 and sum(b.count for b in res.facets["province"].buckets) >= res.total


def _sample_records(sample_corpus: Path) -> list[dict]:
    return json.loads((sample_corpus / "snn" / "sample.json").read_text(encoding="utf-8"))


def test_an_update_writes_its_own_generations_arrays(tmp_path, sample_corpus):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus, corpus, symlinks=True)
    build_index([corpus], tmp_path / "ix", procs=1, progress=False)
    first = live_dir(tmp_path / "ix")
    before = (first / readerarrays.ARRAYS_DIR / "live.npy").read_bytes()
    records = _sample_records(sample_corpus)
    records[0] = {**records[0], "content": records[0]["content"] + " وفي حلب تجددت الاشتباكات"}
    records.append({**records[1], "url": records[1]["url"] + "?copy", "content": records[1]["content"] + " حماة"})
    (corpus / "snn" / "sample.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    rep = update_index([corpus], tmp_path / "ix", procs=1, progress=False)
    assert rep.updated == 1 and rep.added == 1
    second = live_dir(tmp_path / "ix")
    assert second != first
    with open_index(tmp_path / "ix").reader() as r:
        assert r.has_deletions()
        got = readerarrays.load(second, r)
        assert got is not None and not got.live.all()
        _same(got, readerarrays.compute(r, second))
    # the previous generation's files are its own (kept for rollback)
    if first.exists():
        assert (first / readerarrays.ARRAYS_DIR / "live.npy").read_bytes() == before


def test_arrays_that_do_not_describe_the_reader_are_not_used(sample_index, seeds_index):
    with open_index(sample_index).reader() as r:
        # another generation's arrays: other segments
        assert readerarrays.load(live_dir(seeds_index), r) is None
        assert readerarrays.load(None, r) is None
        facets._CACHE.clear()
        assert isinstance(facets.reader_data(r).group, np.memmap)  # (its own are used)


@pytest.mark.parametrize("name, damage", [("group.npy", "truncate"), ("arrays.json", "remove"),
                                          ("live.npy", "remove")])
def test_a_damaged_arrays_file_is_reported_like_a_damaged_segment(tmp_path, seeds_index, name, damage):
    copy = tmp_path / "ix"
    shutil.copytree(seeds_index, copy, symlinks=True)
    gen = live_dir(copy)
    f = gen / readerarrays.ARRAYS_DIR / name
    if damage == "truncate":
        f.write_bytes(f.read_bytes()[:-4])
    else:
        f.unlink()
    with pytest.raises(IndexDamaged, match=f"arrays/{name}.*marsad index build"):
        open_index(copy)
    # below the check, the loader refuses the arrays and they can be computed again
    with windex.open_dir(str(gen)).reader() as r:
        assert readerarrays.load(gen, r) is None
        assert readerarrays.compute(r, gen).n == r.doc_count_all() == 5


def test_arrays_of_another_facet_list_are_computed_again(sample_index, monkeypatch):
    """A code version with another term facet over a field the schema already has
    (no schema bump) must not read arrays written for the old list."""
    from marsad.index import facets as registry
    from marsad.index.facets import FacetSpec
    extra = FacetSpec("source", "date_source", "مصدر التاريخ", "date source", "term", False, ("date_source",), None)
    gen = live_dir(sample_index)
    with open_index(sample_index).reader() as r:
        assert readerarrays.load(gen, r) is not None
        monkeypatch.setattr(registry, "FACETS", (*registry.FACETS, extra))
        monkeypatch.setattr(readerarrays, "FACETS", registry.FACETS)
        assert readerarrays.load(gen, r) is None
        assert "metadata" in readerarrays.compute(r, gen).terms["date_source"][0]


def test_index_stats_counts_the_arrays_in_the_size(sample_index):
    from marsad.index.build import index_stats
    from marsad.index.codec import size_by_part
    parts = size_by_part(live_dir(sample_index))
    assert parts["arrays"] > 0
    assert index_stats(sample_index)["size_bytes"] >= parts["total"]
