"""The sparse evaluator (sorted doc ids + aligned scores) against the dense one
it replaced (``dense_engine.py``): the same documents, the same scores (to
1e-5) and the same ranking, for queries of every form on real articles."""
from __future__ import annotations

import numpy as np
import pytest
from dense_engine import DenseEvaluator

from marsad.search.engine import Budget, engine_for
from marsad.search.facets import reader_data
from marsad.search.query import compile_query

QUERIES = [
    "سوريا", "السعودية", "داعش", "الحوثيين", "القواعد الأمريكية", "وزير الخارجية السعودي",
    "مجلس الأمن", '"مجلس الأمن"', '"خادم الحرمين الشريفين"', '"وقف إطلاق النار"',
    "داعش أو النصرة", "حلب OR إدلب", "داعش -العراق", "حلب NOT روسيا", "اليمن -صنعاء -عدن",
    "(السعودية أو الإمارات) اليمن", "سوري*", "مفاوض*", "سعود* وزار*", "ماكنزي~", "الرياض~",
    "=الأمريكية", "=الرقة سوريا", "محافظة:حلب قصف", "جهة:داعش", "مصدر:سبق الهلال",
    "(محافظة:حلب OR محافظة:إدلب) سوريا", "سوريا -محافظة:حلب", "تاريخ:2015 الحج",
    "تاريخ:آب-2015 الحوثيين", "date:2015-07..2015-08 النفط", "-السعودية", "السعودية أو -اليمن",
    "كورونا", "الاتفاق النووي إيران", "اللاجئين السوريين أوروبا",
]


def _far() -> Budget:
    return Budget(float("inf"))


@pytest.mark.parametrize("q", QUERIES)
def test_sparse_equals_dense(searcher, q):
    reader = searcher.reader()
    data = reader_data(reader)
    eng = engine_for(data)
    dense = DenseEvaluator(eng)
    cq = compile_query(q, reader, data)
    for query, scored in ((cq.scored, True), (cq.match, False)):
        mask, dscore = dense.evaluate(reader, query, scored, _far())
        docs, score = eng.evaluate(reader, query, scored, _far())
        want = np.flatnonzero(mask & data.live)
        assert np.array_equal(docs, want), q
        assert np.all(np.diff(docs) > 0)
        if not scored:
            continue
        ds = np.zeros(len(want), np.float32) if dscore is None else dscore[want]
        ss = np.zeros(len(docs), np.float32) if score is None else score
        assert ss.dtype == np.float32 and len(ss) == len(docs)
        np.testing.assert_allclose(ss, ds, rtol=0, atol=1e-5, err_msg=q)
        # the same ranking (ties by docnum)
        assert np.array_equal(docs[np.lexsort((docs, -ss))][:100], want[np.lexsort((want, -ds))][:100]), q
    assert len(QUERIES) and (len(docs) or q in ("كورونا",))


def test_within_restricts_every_form(searcher):
    """Evaluating inside a candidate set gives the full answer cut to that set."""
    reader = searcher.reader()
    data = reader_data(reader)
    eng = engine_for(data)
    cand = eng.live_docs()[::3]
    for q in QUERIES:
        cq = compile_query(q, reader, data)
        full, fs = eng.evaluate(reader, cq.scored, True, _far())
        part, ps = eng.evaluate(reader, cq.scored, True, _far(), within=cand)
        keep = np.isin(full, cand)
        assert np.array_equal(part, full[keep]), q
        if fs is not None and len(part):
            np.testing.assert_allclose(ps, fs[keep], rtol=0, atol=1e-5, err_msg=q)


def test_bitmap_paths_equal_the_sorts():
    """The union and the distinct values through a bitmap (large inputs) equal the
    sort-based ones (small inputs) on the same random document sets."""
    from marsad.search import engine as E

    rng = np.random.default_rng(7)
    n = 5_000
    for sizes in ((3_000, 2_500), (40, 4_000, 900), (1, 1), (0, 2_000)):
        parts = [np.sort(rng.choice(n, k, replace=False)).astype(np.int64) for k in sizes]
        sparse_docs, sparse_where = E._union_index(parts)
        dense_docs, dense_where = E._union_index(parts, universe=n)
        assert np.array_equal(sparse_docs, dense_docs)
        assert all(np.array_equal(a, b) for a, b in zip(sparse_where, dense_where))
        assert all(np.array_equal(dense_docs[w], p) for w, p in zip(dense_where, parts))
        keys = rng.integers(0, n, size=sum(sizes))
        assert np.array_equal(E.distinct(keys), E.distinct(keys, universe=n))
        assert E.count_distinct(keys, n) == len(np.unique(keys))


def test_positions_of_candidates_equal_the_whole_list_across_segments(sample_index):
    """Positions read leaf by leaf for a few candidates (the path of long posting
    lists) equal the whole cached list cut to those candidates, on a build of
    several segments (the candidates split between leaves by binary search)."""
    from marsad.index.build import open_index
    from marsad.search.service import open_searcher

    s = open_searcher(open_index(sample_index))
    try:
        reader = s.reader()
        assert len(reader.leaf_readers()) >= 2, "the sample build writes one segment per worker"
        eng = engine_for(reader_data(reader))
        rng = np.random.default_rng(3)
        for word in ("سوري", "داعش", "حلب", "قال"):
            for field in ("body", "body_exact", "title"):
                d, p = eng.positions(reader, field, word)
                if not len(d):
                    continue
                cand = np.unique(np.concatenate([rng.choice(d, min(len(d), 15)),
                                                 rng.integers(0, eng.n, 15)])).astype(np.int64)
                got = eng._positions_of(reader, field, word, cand)
                keep = np.isin(d, cand)
                assert np.array_equal(got[0], d[keep]) and np.array_equal(got[1], p[keep]), (word, field)
    finally:
        s.close()


def test_restrict_by_bitmap_equals_binary_search():
    from marsad.search import engine as E

    rng = np.random.default_rng(11)
    n = 4_000
    for a, b in ((3_000, 2_000), (100, 3_900), (1, 1), (4_000, 4_000)):
        docs = np.sort(rng.choice(n, a, replace=False)).astype(np.int64)
        within = np.sort(rng.choice(n, b, replace=False)).astype(np.int64)
        vals = rng.random(a).astype(np.float32)
        d1, v1 = E._restrict(docs, vals, within)
        d2, v2 = E._restrict(docs, vals, within, universe=n)
        assert np.array_equal(d1, d2) and np.array_equal(v1, v2)
        assert np.array_equal(d1, np.intersect1d(docs, within))
