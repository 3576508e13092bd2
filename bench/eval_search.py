"""A small retrieval evaluation of Marsad's ranking (nDCG@10, P@10), with ablations.

Judgments: for each query, graded relevance from the TITLE of every document
in the full corpus index: 2 = the title matches the query's "main" pattern
(its topic named in the headline), 1 = the title matches a weaker "related"
pattern. The patterns were written after reading the headlines the queries
retrieve (spelling variants included) and spot-checked by reading articles;
they are judgments about topics, independent of the analyzers (plain regexes
on the original title), so a ranking change that helps or hurts shows here.
This is a development check, not the held-out evaluation.

Variants compared in the same run: Marsad as shipped, then without the title
boost, without the exact-level twin, without proximity re-scoring, and a
"plain BM25 on the body" baseline (no title field, no boosts) as a stand-in for
a single-field BM25 engine.

    python3 bench/eval_search.py
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search.query as sq  # noqa: E402
import search.service as ss  # noqa: E402
from search import SearchRequest, run  # noqa: E402
from search.service import open_searcher  # noqa: E402

A = "[أإاآ]"
# query -> (main title pattern, related title pattern or None)
JUDGED: list[tuple[str, str, str | None]] = [
    ("مجلس الأمن", r"مجلس\s+ال" + A + "من", r"ال" + A + "مم\s+المتحدة"),
    ("عاصفة الحزم", r"عاصفة\s+الحزم", r"التحالف|الحوثي|اليمن"),
    ("الاتفاق النووي", r"(ال)?اتفاق\s+(ال)?نووي|النووي", r"" + A + "يران"),
    ("اللاجئين السوريين", r"لاجئ|اللاجئ|نازح", r"سوري"),
    ("أسعار النفط", r"" + A + "سعار\s+(ال)?نفط|النفط|برنت|خام", r"" + A + "وبك|الطاقة"),
    ("تفجير مسجد", r"تفجير|انتحاري", r"مسجد|" + A + "رهاب"),
    ("بشار الأسد", r"(ال)?" + A + "سد|بشار", r"سوري|دمشق|النظام"),
    ("القواعد الأمريكية", r"قاعدة|قواعد", r"" + A + "مريك|" + A + "ميرك|واشنطن"),
    ("كورونا", r"كورونا", r"الصحة|فيروس|" + A + "صاب"),
    ("الحوثيين", r"حوثي", r"اليمن|صعدة|عدن|صنعاء"),
    ("داعش", r"داعش|تنظيم\s+الدولة", r"" + A + "رهاب|متطرف"),
    ("كأس العالم", r"ك" + A + "س\s+العالم|المونديال", r"تصفيات|المنتخب"),
    ("الطائرات الروسية", r"روس", r"طائر|غار|قصف"),
    ("الحج", r"الحج|الحجاج|حجاج", r"مكة|المشاعر|عرفات|منى"),
    ("البطالة", r"بطالة|العاطلين", r"توظيف|وظائف|سعودة"),
    ("حرائق", r"حريق|حرائق", r"الدفاع\s+المدني"),
    ("زلزال", r"زلزال|هزة\s+" + A + "رضية", r"ضحايا"),
]


def ndcg(gains: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(g: list[int]) -> float:
        return sum((2 ** x - 1) / math.log2(i + 2) for i, x in enumerate(g[:k]))
    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best else 0.0


def grade(title: str, main: str, related: str | None) -> int:
    if re.search(main, title):
        return 2
    if related and re.search(related, title):
        return 1
    return 0


def evaluate(s, label: str, judged_titles: dict[int, str]) -> float:
    scores, precs = [], []
    for q, main, related in JUDGED:
        r = run(s, SearchRequest(q=q, page_size=10, suggest=False))
        gains = [grade(h.title, main, related) for h in r.hits]
        # ideal: grades of all matched docs we can see (the top 200 of the query's match set)
        pool = run(s, SearchRequest(q=q, page_size=100, suggest=False, highlight=False)).hits
        pool += run(s, SearchRequest(q=q, page=2, page_size=100, suggest=False, highlight=False)).hits
        ideal = [grade(h.title, main, related) for h in pool]
        scores.append(ndcg(gains, ideal))
        precs.append(sum(1 for g in gains if g) / 10)
    m = sum(scores) / len(scores)
    print(f"  {label:32s} nDCG@10 {m:.3f}   P@10 {sum(precs) / len(precs):.3f}")
    return m


def main() -> None:
    from bench_search import full_index
    ix = full_index()
    s = open_searcher(ix)
    print(f"ranking evaluation: {len(JUDGED)} queries, {s.doc_count()} docs")
    base = (sq.TITLE_BOOST, sq.EXACT_BOOST, ss.PROXIMITY_BOOST)
    evaluate(s, "marsad (shipped)", {})
    sq.TITLE_BOOST = 1.0
    evaluate(s, "no title boost", {})
    sq.TITLE_BOOST = base[0]
    sq.EXACT_BOOST = 0.0
    evaluate(s, "no exact-level twin", {})
    sq.EXACT_BOOST = base[1]
    ss.PROXIMITY_BOOST = 0.0
    evaluate(s, "no proximity re-scoring", {})
    sq.TITLE_BOOST, sq.EXACT_BOOST = 0.0, 0.0
    evaluate(s, "plain BM25 body only", {})
    sq.TITLE_BOOST, sq.EXACT_BOOST, ss.PROXIMITY_BOOST = base
    for tb in (3.0, 4.0):
        sq.TITLE_BOOST = tb
        evaluate(s, f"title boost {tb}", {})
    sq.TITLE_BOOST = base[0]
    for eb in (0.25, 1.0):
        sq.EXACT_BOOST = eb
        evaluate(s, f"exact boost {eb}", {})
    sq.EXACT_BOOST = base[1]
    s.close()


if __name__ == "__main__":
    main()
