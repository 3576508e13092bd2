"""The fast segment writer writes what Whoosh's own add_document writes."""
from __future__ import annotations

from whoosh import index as windex

from marsad.analyzers import exact_analyzer, stem_analyzer
from marsad.index.build import record_to_doc
from marsad.index.extract import extract
from marsad.index.records import content_hash
from marsad.index.schema import build_schema
from marsad.index.segwriter import FastSegmentWriter, PairAnalyzer, fast_path_ok, make_codec
from marsad.index.sources import read_corpus

from corpus_support import SEEDS


def _docs(sample_corpus, n=80):
    out = []
    for r in read_corpus([str(SEEDS), str(sample_corpus / "snn")]):
        out.append(record_to_doc(extract(r), content_hash(r.title, r.body), "", "2024-01-01T00:00:00"))
        if len(out) >= n:
            break
    return out


def test_fast_path_applies_to_our_analyzers():
    assert fast_path_ok()


def test_pair_analyzer_equals_the_analyzers(sample_corpus, seed_texts):
    pa = PairAnalyzer()
    texts = list(seed_texts.values()) + [d["body"] for d in _docs(sample_corpus, 60)]
    texts.append("لـداعش والـ2015 ﻻ يا ـــ الْعَرَبِيَّةُ في الـ")
    # tatweel words: the only ones whose stem is not stem(exact) (clitic-tatweel filter)
    texts.append("كـبير لِـسوريا وَلِـداعش بالـرقة فـي الـرقـة")
    # the stem level is derived from the exact one for every other word
    assert pa._unless_tatweel or pa._stem_of_exact
    for text in texts:
        stem, exact, ns, ne = pa.analyze(text)
        for got, n, an in ((stem, ns, stem_analyzer()), (exact, ne, exact_analyzer())):
            want: dict[bytes, list[int]] = {}
            for t in an(text, positions=True):
                want.setdefault(t.text.encode(), []).append(t.pos)
            assert got == want
            assert n == sum(len(v) for v in want.values())


def test_segment_equals_whoosh_add_document(tmp_path, sample_corpus):
    docs = _docs(sample_corpus)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
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

    ra, rb = windex.open_dir(str(a)).reader(), windex.open_dir(str(b)).reader()
    assert ra.doc_count() == rb.doc_count() == len(docs)
    assert list(ra.all_stored_fields()) == list(rb.all_stored_fields())
    for f in build_schema().names():
        if not build_schema()[f].indexed:
            continue
        la, lb = list(ra.lexicon(f)), list(rb.lexicon(f))
        assert la == lb, f
        for t in la:
            ma, mb = ra.postings(f, t), rb.postings(f, t)
            if ma.supports("positions"):
                assert list(ma.items_as("positions")) == list(mb.items_as("positions")), (f, t)
            else:
                assert list(ma.items_as("weight")) == list(mb.items_as("weight")), (f, t)
            assert ra.doc_frequency(f, t) == rb.doc_frequency(f, t)
            assert ra.frequency(f, t) == rb.frequency(f, t)
            ta, tb = ra.term_info(f, t), rb.term_info(f, t)
            # (the Marsad codec keeps no per-term length bounds: Whoosh uses them only to skip blocks)
            assert (ta.max_weight(), ta.doc_frequency(), ta.min_id(), ta.max_id()) == (
                tb.max_weight(), tb.doc_frequency(), tb.min_id(), tb.max_id())
        assert ra.field_length(f) == rb.field_length(f)
        for d in range(len(docs)):
            assert ra.doc_field_length(d, f) == rb.doc_field_length(d, f)
    assert list(ra.column_reader("date", translate=False)) == list(rb.column_reader("date", translate=False))


def test_stretched_stop_word_is_analysed_like_its_plain_form():
    """لِـمَـا / بـهـذا: a clitic before a stop word, stretched for layout, is the plain
    word (both levels agree), so the one-pass analysis stays per-word for them."""
    pa = PairAnalyzer()
    for stretched, plain in (("لِـمَـا", "لما"), ("بـهـذا", "بهذا"), ("فـهـو", "فهو")):
        for an in (stem_analyzer(), exact_analyzer()):
            assert [t.text for t in an(stretched)] == [t.text for t in an(plain)]
        pa.analyze(f"قال {stretched} جرى في حلب")
        assert not pa.last_slow


def test_one_odd_word_slows_only_its_own_text():
    """A word the two levels treat differently sends its text down the full
    chains; the next texts stay on the per-word path (before, one such word
    turned the fast path off for the rest of the worker's documents)."""
    from marsad.index import segwriter

    pa = PairAnalyzer()
    pa._cache["حلب"] = segwriter._NONLOCAL  # as if the levels disagreed on it
    text = "قصف في حلب وريفها"
    stem, exact, _, _ = pa.analyze(text)
    assert pa.last_slow and pa.fast
    want = {}
    for t in stem_analyzer()(text, positions=True):
        want.setdefault(t.text.encode(), []).append(t.pos)
    assert stem == want
    pa.analyze("القوات الروسية في سوريا")
    assert not pa.last_slow


def test_a_positional_field_empty_in_a_whole_segment_is_written(tmp_path):
    """A phrase field outside the analysed pairs whose every value yields no token
    still gets its (empty) field written, as Whoosh's own writer does."""
    from whoosh.fields import ID, TEXT, Schema

    ix = windex.create_in(str(tmp_path), Schema(id=ID(stored=True), note=TEXT(phrase=True)))
    ix.writer(codec=make_codec())  # the segment's codec, as a build sets it
    fw = FastSegmentWriter(ix)
    for i in range(3):
        fw.add({"id": str(i), "note": ""})
    seg = fw.finish()
    assert seg.doc_count_all() == 3
