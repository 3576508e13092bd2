"""Costly expansions: many short prefixes and fuzzy words in one query (issue 12).

Runs ``search.run`` (the full request: matching, four facet groups, ten
snippets) on queries made of many ``word*`` / ``word~`` terms against an
index built with ``marsad index build`` (``--index``, default
``$MARSAD_BENCH_DIR/full``, as bench_search.py builds it), and prints per
query the time (best and worst of the rounds), the number of expansions the
compiled query holds (``(field, term)`` leaves, duplicates included), how
many of them are distinct, and the notice codes. The baseline in the same run
is a two-word query without expansions.

    python3 bench/bench_expansions.py [--index DIR] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from whoosh import query as wq

from marsad.index.build import open_index
from marsad.search import SearchRequest, run
from marsad.search.facets import reader_data
from marsad.search.query import compile_query
from marsad.search.service import open_searcher

BENCH_DIR = Path(os.environ.get("MARSAD_BENCH_DIR", "/tmp/marsad-bench"))

ONE_LETTER = ["ال", "و", "ب", "ل", "ف", "ك", "س", "م", "ت", "ي", "ن", "أ", "ا", "ع", "ح", "ق"]
TWO_LETTER = ["ال", "وا", "با", "لل", "فا", "كا", "سو", "مع", "تم", "يت", "نا", "أن", "ام", "عل", "حل", "قا"]
QUERIES = [
    ("baseline: two words", "القوات الأمريكية"),
    ("16 prefixes, AND", " ".join(p + "*" for p in ONE_LETTER)),
    ("16 prefixes, OR", " OR ".join(p + "*" for p in ONE_LETTER)),
    ("16 two-letter prefixes, AND", " ".join(p + "*" for p in TWO_LETTER)),
    ("16 two-letter prefixes, OR", " OR ".join(p + "*" for p in TWO_LETTER)),
    ("4 prefixes x 4, OR", " OR ".join(["ال*", "سو*", "م*", "ت*"] * 4)),
    ("8 fuzzy words", "ال~ في~ من~ على~ سوريا~ داعش~ و~ ب~"),
]


def leaves(q: wq.Query) -> list[tuple[str, str]]:
    """The ``(field, term)`` leaves of a compiled query."""
    if isinstance(q, wq.Term):
        return [(q.fieldname, q.text)]
    out: list[tuple[str, str]] = []
    for c in q.children():
        out.extend(leaves(c))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default=str(BENCH_DIR / "full"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    ix = open_index(a.index)
    s = open_searcher(ix)
    reader = s.reader()
    data = reader_data(reader)
    run(s, SearchRequest(q="سوريا"))  # per-reader arrays, once
    print(f"{s.doc_count()} docs, {a.rounds} rounds, search.run with 4 facets and 10 snippets")
    print(f"{'query':32s} {'best ms':>9s} {'worst ms':>9s} {'leaves':>7s} {'distinct':>8s}  total  notices")
    base = None
    for label, q in QUERIES:
        ts = []
        for _ in range(a.rounds):
            t = time.perf_counter()
            r = run(s, SearchRequest(q=q))
            ts.append((time.perf_counter() - t) * 1000)
        cq = compile_query(q, reader, data)
        lv = leaves(cq.match)
        base = base or min(ts)
        codes = ",".join(f"{c}x{n}" if n > 1 else c for c, n in Counter(r.notice_codes).items())
        print(f"{label:32s} {min(ts):9.1f} {max(ts):9.1f} {len(lv):7d} {len(set(lv)):8d}  "
              f"{r.total:5d}  {codes or '-'}  ({min(ts) / base:.0f}x baseline)")
    s.close()


if __name__ == "__main__":
    sys.exit(main())
