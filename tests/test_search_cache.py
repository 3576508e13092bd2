"""Per-reader caches: reused by every searcher of one index generation, never across generations."""
from __future__ import annotations

import shutil

import pytest

from marsad.search import SearchRequest, open_searcher, run, warm
from marsad.search.facets import reader_data

from search_support import CORPUS, facets_for, write_index


def _seed_records():
    from marsad.index.sources import read_corpus
    return [facets_for(r) for r in read_corpus([CORPUS / "seeds"])]


@pytest.fixture()
def compound_index(tmp_path):
    """A plain Whoosh index (compound segment, read through an OverlayStorage)."""
    return write_index(_seed_records(), tmp_path)


def test_a_new_searcher_reuses_the_arrays_of_a_compound_segment(compound_index):
    s1, s2 = open_searcher(compound_index), open_searcher(compound_index)
    try:
        leaves = [leaf for leaf, _ in s1.reader().leaf_readers()]
        # the case that used to miss: each reader has its own overlay storage object
        assert any(type(leaf.storage()).__name__ == "OverlayStorage" for leaf in leaves)
        assert reader_data(s1.reader()) is reader_data(s2.reader())
    finally:
        s1.close()
        s2.close()


def test_an_in_place_delete_gets_new_arrays_without_the_deleted_doc(compound_index):
    s1 = open_searcher(compound_index)
    before = reader_data(s1.reader())
    victim = s1.stored_fields(0)
    outlets_before = run(s1, SearchRequest()).facets["outlet"]
    s1.close()
    w = compound_index.writer()
    w.delete_by_term("id", victim["id"])
    w.commit(merge=False)  # same folder, same segment id: only the deletions changed
    s2 = open_searcher(compound_index)
    try:
        after = reader_data(s2.reader())
        assert after is not before
        assert not after.live[0] and after.live.sum() == before.live.sum() - 1
        r = run(s2, SearchRequest())
        assert r.total_docs == 4 and victim["id"] not in {h.id for h in r.hits}
        if victim.get("outlet"):
            count = {b.value: b.count for b in r.facets["outlet"].buckets}
            was = {b.value: b.count for b in outlets_before.buckets}
            assert count.get(victim["outlet"], 0) == was[victim["outlet"]] - 1
    finally:
        s2.close()


def test_a_new_generation_never_reuses_the_old_arrays(tmp_path, corpus_dir):
    from marsad.index.build import build_index, open_index, update_index
    src = tmp_path / "src"
    shutil.copytree(corpus_dir / "seeds", src)
    root = tmp_path / "ix"
    build_index([src], root, procs=1, progress=False)
    with open_searcher(open_index(root)) as s:
        old = reader_data(s.reader())
        assert old.live.sum() == 5
    gone = sorted(src.glob("*.txt"))[0]
    gone.unlink()
    update_index([src], root, prune=True, procs=1, progress=False)  # hard-links the segment, deletes one doc
    ix = open_index(root)
    s1, s2 = open_searcher(ix), open_searcher(ix)
    try:
        new = reader_data(s1.reader())
        assert new is not old and new is reader_data(s2.reader())
        assert new.live.sum() == 4
        r = run(s1, SearchRequest(page_size=10))
        assert r.total_docs == 4 and gone.name not in {h.id for h in r.hits}
        assert sum(b.count for b in r.facets["date"].buckets) == 4  # deleted docs are not counted
    finally:
        s1.close()
        s2.close()


def test_warm_builds_the_caches_a_first_request_would(compound_index, monkeypatch):
    import marsad.search.facets as facets
    warm(compound_index)
    builds: list[int] = []
    real = facets._build_reader_data
    monkeypatch.setattr(facets, "_build_reader_data", lambda reader: builds.append(1) or real(reader))
    s = open_searcher(compound_index)
    try:
        data = reader_data(s.reader())
        eng = data._engine  # built by warm(), not by this searcher
        assert eng._lengths and {"title", "body"} <= set(eng._lengths)
        result = run(s, SearchRequest(q="سوريا"))
        assert result.total > 0 and reader_data(s.reader()) is data and data._engine is eng
        assert builds == []  # neither the searcher nor the request built reader arrays: warm() did
    finally:
        s.close()
