"""The Marsad codec: a genuine Whoosh index, one copy of the postings, read as arrays.

Pins what ``index/codec.py`` relies on in Whoosh (the TOC pickles each
segment with its codec object; SegmentReader keeps the terms reader in
``_terms``; Whoosh's searcher evaluates Term/Or/And/Phrase/Prefix and date
sorting through the codec's matchers and cursor) and compares Whoosh's own
answers on a Marsad index with Whoosh's answers on a stock W3 index of the
same documents, on real corpus text.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS
from whoosh import index as windex
from whoosh import query as wq

from marsad.analyzers import stem_analyzer
from marsad.index.build import record_to_doc
from marsad.index.codec import MarsadCodec, SegmentArrays, segment_arrays
from marsad.index.extract import extract
from marsad.index.records import content_hash
from marsad.index.schema import build_schema
from marsad.index.segwriter import FastSegmentWriter
from marsad.index.sources import read_corpus


def _docs(sample_corpus, n=150):
    out = []
    for r in read_corpus([str(SEEDS), str(sample_corpus / "snn")]):
        out.append(record_to_doc(extract(r), content_hash(r.title, r.body), "", "2024-01-01T00:00:00"))
        if len(out) >= n:
            break
    return out


@pytest.fixture(scope="module")
def twin_indexes(tmp_path_factory, sample_corpus):
    """(stock W3 index via add_document, Marsad index via the build's writer), same documents."""
    docs = _docs(sample_corpus)
    docs += [dict(d, id=d["id"] + "#copy") for d in docs[2:5]]  # syndicated copies: same content hash
    a, b = tmp_path_factory.mktemp("w3"), tmp_path_factory.mktemp("marsad")
    ixa = windex.create_in(str(a), build_schema())
    w = ixa.writer()
    for d in docs:
        w.add_document(**d)
    w.commit()
    ixb = windex.create_in(str(b), build_schema())
    w = ixb.writer()
    fw = FastSegmentWriter(ixb)
    for d in docs:
        fw.add(d)
    seg = fw.finish()
    w._close_segment()
    w._commit_toc([seg])
    w._finish()
    return windex.open_dir(str(a)), windex.open_dir(str(b)), docs


def _words(docs, k=12):
    """Stem-level words of the corpus: frequent, mid and rare ones."""
    counts: dict[str, int] = {}
    for d in docs:
        for t in {t.text for t in stem_analyzer()(d["body"])}:
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return ranked[:k // 3] + ranked[len(ranked) // 3: len(ranked) // 3 + k // 3] + ranked[-(k // 3):]


def test_stock_whoosh_opens_it_and_the_segments_are_marsad(twin_indexes):
    _, ixb, docs = twin_indexes
    with ixb.searcher() as s:
        r = s.reader()
        leaves = [leaf for leaf, _ in r.leaf_readers()]
        assert all(isinstance(leaf.segment().codec(), MarsadCodec) for leaf in leaves)
        sa = segment_arrays(leaves[0])
        assert isinstance(sa, SegmentArrays)
        # the stem level's positions are derived from the exact level's: stored once
        assert sa._fields["body"].pos == "derived" and sa._fields["body_exact"].pos == "stored"
        assert sa._fields["title"].pos == "derived"
        assert s.doc_count() == len(docs)


def _ids(s, q, **kw):
    return [hit["id"] for hit in s.search(q, limit=None, **kw)]


def test_whoosh_answers_the_same_on_both_codecs(twin_indexes):
    ixa, ixb, docs = twin_indexes
    words = _words(docs)
    with ixa.searcher() as sa_, ixb.searcher() as sb:
        queries = [wq.Term("body", w) for w in words]
        queries += [wq.Or([wq.Term("body", words[0]), wq.Term("title", words[5])]),
                    wq.And([wq.Term("body", words[1]), wq.Term("body", words[4])]),
                    wq.Prefix("body", words[6][:2]), wq.Prefix("body_exact", "ال" + words[2][:1])]
        # phrases taken from real text, at both levels
        for d in docs[:8]:
            toks = [(t.text, t.pos) for t in stem_analyzer()(d["body"], positions=True)][:60]
            runs = [[a[0], b[0], c[0]] for a, b, c in zip(toks, toks[1:], toks[2:]) if c[1] - a[1] == 2]
            if runs:
                queries.append(wq.Phrase("body", runs[0][:2]))
                queries.append(wq.Phrase("body", runs[-1]))
        queries.append(wq.Phrase("body_exact", ["القوات", "الأمريكية".replace("أ", "ا")]))
        for q in queries:
            ra, rb = sa_.search(q, limit=None), sb.search(q, limit=None)
            got_a = sorted((h["id"], round(h.score, 4)) for h in ra)
            got_b = sorted((h["id"], round(h.score, 4)) for h in rb)
            assert got_a == got_b, q
        # Marsad's engine over the arrays finds what Whoosh's searcher finds
        from marsad.search.engine import engine_for
        from marsad.search.facets import reader_data
        eng = engine_for(reader_data(sb.reader()))
        for q in queries:
            if isinstance(q, wq.Prefix):
                continue
            docs_found, _ = eng.evaluate(sb.reader(), q, False, float("inf"))  # sorted docnums
            assert docs_found.tolist() == sorted(sb.docs_for_query(q)), q
        some = [q for q in queries if isinstance(q, wq.Phrase) and sb.search(q, limit=None)]
        assert len(some) >= 6  # the phrases do match something
        by_date = wq.Term("body", words[0])
        assert _ids(sa_, by_date, sortedby="date", reverse=True) == _ids(sb, by_date, sortedby="date", reverse=True)
        # fuzzy terms walk the term dictionary with a cursor
        fz = wq.FuzzyTerm("body", words[7], maxdist=1)
        assert sorted(_ids(sa_, fz)) == sorted(_ids(sb, fz))


def test_arrays_equal_whooshs_postings(twin_indexes):
    ixa, ixb, docs = twin_indexes
    ra = ixa.reader()
    leaf = ixb.reader()
    sa = segment_arrays(leaf)
    for f in ("body", "body_exact", "title", "provinces", "outlet", "content_hash"):
        terms = list(ra.lexicon(f))
        assert sa.term_list(f) == terms, f
        for t in terms[:: max(1, len(terms) // 60)]:
            m = ra.postings(f, t)
            want = list(m.items_as("weight"))
            d, w = sa.postings(f, t)
            assert d.dtype == np.int32 and list(zip(d.tolist(), w.tolist())) == want
            assert sa.doc_frequency(f, t) == len(want)
            if f in ("body", "body_exact", "title"):
                pos = [(doc, p) for doc, ps in ra.postings(f, t).items_as("positions") for p in ps]
                pd, pp = sa.positions(f, t)
                assert list(zip(pd.tolist(), pp.tolist())) == pos
                # candidates with and without the term, past its last document too
                sel = np.union1d(d[::2], np.arange(0, leaf.doc_count_all() + 3, 7)).astype(np.int64)
                pd, pp = sa.positions(f, t, sel)
                assert list(zip(pd.tolist(), pp.tolist())) == [x for x in pos if x[0] in set(sel.tolist())]
    assert sa.postings("body", "ليست-كلمة".encode()) [0].size == 0
    pre = "سوري".encode()
    assert sa.prefix_terms("body", pre) == [t for t in ra.lexicon("body") if t.startswith(pre)]


def test_stored_fields_lengths_and_columns_read_as_whoosh_writes_them(twin_indexes):
    from marsad.index.codec import leaf_lengths, numeric_column
    ixa, ixb, docs = twin_indexes
    ra, rb = ixa.reader(), ixb.reader()
    # stored fields in compressed blocks: the same documents, in any order of access
    assert list(ra.all_stored_fields()) == list(rb.all_stored_fields())
    n = rb.doc_count_all()
    for d in [n - 1, 0, n // 2, 3, n - 2]:
        assert rb.stored_fields(d) == ra.stored_fields(d)
    for f in ("title", "body", "body_exact"):
        assert leaf_lengths(rb, f).tolist() == [float(ra.doc_field_length(d, f, 0) or 0) for d in range(n)]
    assert numeric_column(rb, "date").tolist() == list(ra.column_reader("date", translate=False))


def test_copy_groups_from_the_hash_column_equal_those_from_the_postings(twin_indexes):
    from marsad.index.codec import hash_column
    from marsad.index.readerarrays import _groups
    ixa, ixb, docs = twin_indexes
    ra, rb = ixa.reader(), ixb.reader()
    assert hash_column(ra) is None and hash_column(rb) is not None  # W3: postings path; Marsad: the column
    ga, gb = _groups(ra, ra.doc_count_all()), _groups(rb, rb.doc_count_all())
    assert ga.tolist() == gb.tolist()
    assert (gb != np.arange(len(gb))).sum() >= 3


@pytest.mark.parametrize("old_zlib", [False, True])
def test_stored_blocks_round_trip_and_zlib_blocks_of_older_indexes_still_read(old_zlib, monkeypatch):
    # stored articles are zstd blocks now; an index written before (zlib blocks)
    # must still show its documents without a rebuild
    import zlib

    from whoosh.filedb.filestore import RamStorage

    from marsad.index import codec

    texts = [t.encode("utf-8") for t in _seed_texts()] * 7 + [b"", "حلب".encode()]
    if old_zlib:
        monkeypatch.setattr(codec.zstd, "compress", lambda data, level: zlib.compress(data, 6))
    st = RamStorage()
    f = st.create_file("col")
    w = codec.BlockColumn(blocksize=4096).writer(f)
    for i, t in enumerate(texts):
        if i != 3:  # a document without a value reads as b""
            w.add(i, t)
    w.finish(len(texts) + 2)
    length = f.tell()
    f.close()
    r = codec.BlockColumn().reader(st.open_file("col"), 0, length, len(texts) + 2)
    assert (st.open_file("col").read(4) == codec._ZSTD_MAGIC) != old_zlib  # the first block's first bytes
    want = [b"" if i == 3 else t for i, t in enumerate(texts)] + [b"", b""]
    assert [r[i] for i in range(len(want))] == want
    assert len(r._starts) > 2  # several blocks


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]


def test_private_whoosh_attributes_the_fast_paths_read(twin_indexes):
    """The private Whoosh attributes behind the column fast paths, pinned by what
    they must give: the same values as Whoosh's public API (a whoosh-reloaded
    release that renames one fails here, by name, not deep inside a search)."""
    from whoosh import columns
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    from marsad.index.codec import (
        HASH_COLUMN,
        HASH_COLUMN_NAME,
        doc_keys,
        hash_column,
        hash_value,
        leaf_lengths,
        numeric_column,
    )
    from marsad.search.engine import _raw_matcher, _read_postings

    ixa, ixb, docs = twin_indexes
    with ixb.searcher() as s:
        (leaf, _), = s.reader().leaf_readers()
        perdoc = leaf._perdoc
        assert callable(perdoc._cached_reader) and perdoc.has_column(HASH_COLUMN_NAME)
        col = perdoc._cached_reader(HASH_COLUMN_NAME, HASH_COLUMN)
        assert isinstance(col, columns.NumericColumn.Reader)
        assert {"_typecode", "_default", "_count", "_dbfile", "_basepos", "_fixedlen"} <= set(vars(col))
        lens = perdoc._cached_reader(_lenfield("body"), LENGTHS_COLUMN)
        assert isinstance(lens, columns.FixedBytesColumn.Reader) and lens._fixedlen == 1
        n = leaf.doc_count_all()
        stored = [s.stored_fields(i) for i in range(n)]
        assert hash_column(leaf).tolist() == [hash_value(f.get("content_hash")) for f in stored]
        assert doc_keys(s.reader(), n - 1) == (stored[-1]["id"], stored[-1].get("url") or "")
        np.testing.assert_allclose(leaf_lengths(leaf, "body"), [leaf.doc_field_length(i, "body", 0) for i in range(n)])
        assert numeric_column(leaf, "date") is not None and len(numeric_column(leaf, "date")) == n
    # a stock W3 segment: postings read block by block through its matcher's private fields
    with ixa.searcher() as s:
        (leaf, _), = s.reader().leaf_readers()
        text = next(t for t, ti in leaf.iter_field("body") if ti.doc_frequency() > 20)
        m = _raw_matcher(leaf, "body", text.decode() if isinstance(text, bytes) else text)
        assert {"_read_ids", "_read_weights", "_next_block"} <= set(dir(m)) and hasattr(m, "_ids")
        docs_, tf = _read_postings(leaf, "body", text.decode() if isinstance(text, bytes) else text)
        stepped = leaf.postings("body", text)
        assert docs_.tolist() == list(stepped.all_ids())
        assert hash_column(leaf) is None and doc_keys(s.reader(), 0) is None  # no Marsad columns: slow paths


@pytest.mark.parametrize("doc_id,url", [
    ("http://aawsat.com/home/article/410826/بريطانيا", "http://aawsat.com/home/article/410826/بريطانيا"),
    ("seeds/001.txt", None), ("seeds/001.txt", ""), ("a\x00b", "u\x00v"), ("x", "\x01"), ("\ud800id", "\udfff"),
    ("", "u"), ("id", "id2"),
])
def test_keys_column_values_round_trip_any_text(doc_id, url):
    """The keys column stores the id's length, not a separator: ids and URLs holding
    NULs, control characters or lone surrogates (JSON can carry them) read back exactly."""
    from marsad.index.codec import _keys_of, keys_value
    assert _keys_of(keys_value(doc_id, url)) == (doc_id, url or "")
