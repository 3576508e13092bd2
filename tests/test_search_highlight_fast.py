"""Snippets without analysing whole bodies give exactly the snippets of the
word-by-word analysis they replaced (``snippet_reference.py``), on real hits."""
from __future__ import annotations

from snippet_reference import make_snippet_reference

from marsad.search import SearchRequest, run
from marsad.search.highlight import MAX_HIGHLIGHT_CHARS, make_snippet
from marsad.search.query import compile_query

QUERIES = ["سوريا", "السعودية", "داعش", "الحوثيين", "القواعد الأمريكية", '"مجلس الأمن"', "وزير الخارجية السعودي",
           "حلب أو إدلب", "سوري*", "ماكنزي~", "=الأمريكية", "الاتفاق النووي إيران", "اللاجئين السوريين أوروبا",
           "النفط", "الهلال النصر", "كورونا"]


def test_snippets_equal_the_word_by_word_ones_on_real_hits(searcher):
    reader = searcher.reader()
    compared = 0
    for q in QUERIES:
        cq = compile_query(q, reader)
        r = run(searcher, SearchRequest(q=q, page_size=40, highlight=False, suggest=False))
        for h in r.hits:
            body = searcher.stored_fields(searcher.document_number(id=h.id))["body"] or ""
            for frags in (1, 2, 3):
                assert make_snippet(body, cq.stem_terms, cq.exact_terms, frags) == \
                    make_snippet_reference(body, cq.stem_terms, cq.exact_terms, frags), (q, h.id)
            # the terms of another query (most sentences match nothing)
            assert make_snippet(body, {"حوث"}, {"الرياض"}) == make_snippet_reference(body, {"حوث"}, {"الرياض"})
            compared += 1
    assert compared > 300


def test_a_huge_body_is_highlighted_from_its_beginning_only(searcher):
    reader = searcher.reader()
    cq = compile_query("السعودية سوريا", reader)
    r = run(searcher, SearchRequest(q="السعودية سوريا", page_size=3, highlight=False, suggest=False))
    body = searcher.stored_fields(searcher.document_number(id=r.hits[0].id))["body"]
    for cut in (0, 1, 7):  # the limit falls inside a word, a sentence, anywhere
        huge = ("ألف باء. " * ((MAX_HIGHLIGHT_CHARS - cut) // 9)) + body + body
        assert len(huge) > MAX_HIGHLIGHT_CHARS
        assert make_snippet(huge, cq.stem_terms, cq.exact_terms) == \
            make_snippet_reference(huge, cq.stem_terms, cq.exact_terms)


def test_sentence_bounds_at_the_edges_equal_the_reference():
    """Sentences found from the matches (not from a scan of every sentence mark): marks glued
    to a word, runs of marks, blank sentences, a match first or last, no mark at all."""
    from marsad.search.highlight import word_terms
    stem = {word_terms("سوريا")[0], word_terms("حلب")[0]}
    texts = ["حلب.سوريا", "..سوريا..", "\n\n  سوريا \n", "سوريا", "قال؟! إن سوريا؛ وحلب. ثم انتهى",
             "نص بلا علامة فيه حلب وسوريا", "أولى.\n\n. ثانية فيها سوريا.ثالثة فيها حلب!؟ رابعة",
             "   .\n  نص لا يطابق شيئا. وآخر", "حلب" + "، كلمة" * 80 + ". سوريا في جملة قصيرة."]
    for text in texts:
        for frags in (1, 2, 3):
            assert make_snippet(text, stem, set(), frags) == make_snippet_reference(text, stem, set(), frags), text
