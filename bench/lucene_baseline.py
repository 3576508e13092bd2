"""A faithful stand-in for Apache Lucene's ``ArabicAnalyzer`` + BM25, in Whoosh.

The baseline of ``bench/eval_retrieval.py``: what a team would get by putting
the corpus into a default Lucene/Elasticsearch/Solr setup with the stock Arabic
analyzer and BM25, one text field ``title + "\\n" + body``.

Analysis chain (Lucene's ``ArabicAnalyzer.createComponents``, same order):

1. ``StandardTokenizer`` (UAX#29 words) — approximated by a regex: runs of
   letters/digits, with combining marks (harakat) and tatweel kept inside the
   word, as UAX#29's Extend/Format rules do; "_" joins (ExtendNumLet);
2. ``LowerCaseFilter``;
3. ``DecimalDigitFilter``: every Unicode decimal digit -> ASCII;
4. ``StopFilter`` with Lucene's Arabic list, BEFORE normalization (the list is
   not normalized; ``tests/data/retrieval/lucene_arabic_stopwords.txt``);
5. ``ArabicNormalizationFilter``: آ أ إ -> ا, ى -> ي, ة -> ه, tatweel and the
   eight harakat (U+064B..U+0652) removed — nothing else (our own
   ``analyzers.normalize`` does more, so it is NOT used here);
6. ``ArabicStemFilter`` (light10): at most one prefix of ال وال بال كال فال لل و
   (و only if the word has 4+ letters, others if 2+ letters remain), then every
   suffix of ها ان ات ون ين يه ية ه ة ي in that order while 2+ letters remain.

Scoring: Lucene's ``BM25Similarity`` defaults, k1 = 1.2, b = 0.75,
``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``; the ``(k1 + 1)`` factor Lucene
dropped in 8.0 is kept (a constant factor: same ranking). Document lengths are
Whoosh's one-byte lossy encoding, as Lucene's are its own one-byte encoding.
Queries: the query text through the same analyzer, one term clause per token,
combined with OR (``QueryParser``'s default operator) or AND.

    >>> lucene_arabic_analyze("وبالمدارس السوريّة، والرقة ٢٠١٥ من الولايات")
    ['بالمدارس', 'سور', 'رق', '2015', 'ولا']
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from whoosh import fields as wf  # noqa: E402
from whoosh import index as windex  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh import scoring  # noqa: E402
from whoosh.analysis import Filter, RegexTokenizer  # noqa: E402

STOPWORDS_FILE = ROOT / "tests" / "data" / "retrieval" / "lucene_arabic_stopwords.txt"
INDEX_DIR = Path(os.environ.get("MARSAD_BASELINE_DIR", "/tmp/marsad-lucene-baseline"))
STOCK_INDEX_DIR = Path(os.environ.get("MARSAD_STOCK_WHOOSH_DIR", "/tmp/marsad-stock-whoosh"))

# combining marks + tatweel stay inside a word (UAX#29 Extend / ALetter)
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640\u200c\u200d"
TOKEN_RE = re.compile(rf"[^\W][\w{_MARKS}]*")

_NORM = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                       "\u0649": "\u064a", "\u0629": "\u0647",
                       "\u0640": None, "\u064b": None, "\u064c": None, "\u064d": None,
                       "\u064e": None, "\u064f": None, "\u0650": None, "\u0651": None,
                       "\u0652": None})
PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def load_stopwords(path: Path = STOPWORDS_FILE) -> frozenset[str]:
    """Lucene's Arabic stopwords (``#`` comments skipped, as WordlistLoader does)."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        w = line.strip()
        if w and not w.startswith("#"):
            out.add(w)
    return frozenset(out)


STOPWORDS = load_stopwords()


def lucene_normalize(w: str) -> str:
    """``ArabicNormalizer.normalize`` exactly (and nothing more)."""
    return w.translate(_NORM)


def lucene_stem(w: str) -> str:
    """``ArabicStemmer.stem`` (light10) exactly."""
    for p in PREFIXES:
        ok = len(w) >= 4 if len(p) == 1 else len(w) >= len(p) + 2
        if ok and w.startswith(p):
            w = w[len(p):]
            break
    for s in SUFFIXES:
        if len(w) >= len(s) + 2 and w.endswith(s):
            w = w[: -len(s)]
    return w


def _digits(w: str) -> str:
    if w.isascii():
        return w
    return "".join(str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else c for c in w)


def lucene_arabic_analyze(text: str) -> list[str]:
    """The terms Lucene's ArabicAnalyzer would index for ``text``."""
    out = []
    for m in TOKEN_RE.finditer(text):
        w = _digits(m.group().lower())
        if w in STOPWORDS:
            continue
        w = lucene_stem(lucene_normalize(w))
        if w:
            out.append(w)
    return out


class LuceneArabicFilter(Filter):
    """Lower-case, digits, stopwords, normalization, light10 — one Whoosh filter."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:  # pragma: no cover
        return hash(type(self))

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for t in tokens:
            w = _digits(t.text.lower())
            if w in STOPWORDS:
                continue
            w = lucene_stem(lucene_normalize(w))
            if w:
                t.text = w
                yield t


def lucene_arabic_analyzer() -> Any:
    return RegexTokenizer(TOKEN_RE) | LuceneArabicFilter()


class LuceneBM25(scoring.BM25F):
    """Whoosh's BM25 with Lucene's idf (Whoosh's default idf differs)."""

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        n = searcher.doc_count()
        df = searcher.doc_frequency(fieldname, text)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _fingerprint(corpus: Path) -> str:
    h = hashlib.sha1()
    h.update(STOPWORDS_FILE.read_bytes())
    h.update(Path(__file__).read_bytes())
    for p in sorted(corpus.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(corpus)}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def build_or_open(corpus: Path, index_dir: Path = INDEX_DIR, rebuild: bool = False, stock: bool = False) -> Any:
    """The baseline index of ``corpus`` (built once, reused while the corpus,
    the stopword file and this module are unchanged).

    ``stock=True``: stock Whoosh instead — its default ``StandardAnalyzer``
    (no Arabic normalization or stemming), positions kept for phrases; a
    third, differently built system for pooling judgments.
    """
    from whoosh.analysis import StandardAnalyzer

    from marsad.index.sources import read_corpus

    fp = _fingerprint(corpus) + (":stock" if stock else "")
    stamp = index_dir / "FINGERPRINT"
    if not rebuild and stamp.exists() and stamp.read_text() == fp and windex.exists_in(str(index_dir)):
        return windex.open_dir(str(index_dir))
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    text_field = (wf.TEXT(analyzer=StandardAnalyzer(), phrase=True) if stock
                  else wf.TEXT(analyzer=lucene_arabic_analyzer(), phrase=False))
    schema = wf.Schema(id=wf.ID(stored=True, unique=True), text=text_field)
    ix = windex.create_in(str(index_dir), schema)
    t = time.perf_counter()
    what = "stock Whoosh" if stock else "Lucene-ArabicAnalyzer baseline"
    print(f"building the {what} index in {index_dir} …", file=sys.stderr)
    w = ix.writer(procs=2, limitmb=256, multisegment=True)
    n = 0
    seen: set[str] = set()
    for rec in read_corpus(corpus):
        if not (rec.title or rec.body) or rec.id in seen:
            continue
        seen.add(rec.id)
        w.add_document(id=rec.id, text=f"{rec.title or ''}\n{rec.body or ''}")
        n += 1
    w.commit()
    stamp.write_text(fp)
    print(f"  {n} documents in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return windex.open_dir(str(index_dir))


class Baseline:
    """Search the baseline index: ``search(q, k, op)`` -> ranked ids."""

    def __init__(self, ix: Any) -> None:
        self.ix = ix
        self.searcher = ix.searcher(weighting=LuceneBM25(B=0.75, K1=1.2))

    def query(self, q: str, op: str = "OR") -> Any:
        terms = lucene_arabic_analyze(q)
        clauses = [wq.Term("text", t) for t in terms]
        if not clauses:
            return wq.NullQuery
        return (wq.And if op == "AND" else wq.Or)(clauses)

    def search(self, q: str, k: int = 20, op: str = "OR") -> list[str]:
        res = self.searcher.search(self.query(q, op), limit=k)
        return [hit["id"] for hit in res]

    def close(self) -> None:
        self.searcher.close()


class StockWhoosh:
    """Stock Whoosh: ``StandardAnalyzer`` index, default ``QueryParser``
    (all words required, quotes make a phrase), default BM25F."""

    def __init__(self, ix: Any) -> None:
        from whoosh.qparser import QueryParser

        self.ix = ix
        self.searcher = ix.searcher()
        self.parser = QueryParser("text", ix.schema)

    def search(self, q: str, k: int = 20) -> list[str]:
        return [hit["id"] for hit in self.searcher.search(self.parser.parse(q), limit=k)]

    def close(self) -> None:
        self.searcher.close()


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description="Search the Lucene-ArabicAnalyzer+BM25 baseline index")
    ap.add_argument("query")
    ap.add_argument("--op", default="OR", choices=["OR", "AND"])
    ap.add_argument("--rebuild", action="store_true")
    a = ap.parse_args()
    b = Baseline(build_or_open(ROOT.parent / "shared" / "corpus", rebuild=a.rebuild))
    print("terms:", lucene_arabic_analyze(a.query))
    for i, d in enumerate(b.search(a.query, 10, a.op), 1):
        print(i, d)


if __name__ == "__main__":
    # Whoosh pickles the analyzer into the index: it must be this module's
    # class under its importable name, not ``__main__``'s.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import lucene_baseline

    lucene_baseline.main()
