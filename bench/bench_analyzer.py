"""Analyzer throughput on the real corpus, beside Whoosh's StandardAnalyzer.

Prints tokens/s for Marsad's stem and exact analyzers (cold cache on the first
pass, warm on the second) and for StandardAnalyzer over the same texts in the
same process, with the ratios. Target (issue 2): >= 300,000 tokens/s with the
stemmer on.

Usage: python bench/bench_analyzer.py [--limit N]
"""
from __future__ import annotations

import argparse
import time

from common import snn_texts  # noqa: F401  (also puts the repo on sys.path)
from whoosh.analysis import StandardAnalyzer

from marsad.analyzers import exact_analyzer, normalize, stem, stem_analyzer


def run(analyzer, texts: list[str]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    for text in texts:
        for _ in analyzer(text, positions=True, chars=True):
            n += 1
    return n, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="articles to read (default: all 31,030)")
    args = ap.parse_args()
    texts = list(snn_texts(args.limit))
    chars = sum(map(len, texts))
    print(f"corpus: {len(texts)} SaudiNewsNet articles, {chars / 1e6:.1f} M characters")
    rows = []
    stem.cache_clear()
    normalize.cache_clear()
    for label, analyzer in (("marsad stem (cold cache)", stem_analyzer()),
                            ("marsad stem (warm cache)", stem_analyzer()),
                            ("marsad exact", exact_analyzer()),
                            ("whoosh StandardAnalyzer", StandardAnalyzer())):
        n, secs = run(analyzer, texts)
        rows.append((label, n, secs))
    base = rows[-1][1] / rows[-1][2]
    print(f"{'analyzer':28} {'tokens':>11} {'seconds':>8} {'tokens/s':>11} {'vs standard':>11}")
    for label, n, secs in rows:
        print(f"{label:28} {n:11,d} {secs:8.2f} {n / secs:11,.0f} {n / secs / base:10.2f}x")
    print(f"stem cache: {stem.cache_info().currsize:,} distinct words")
    print("target: >= 300,000 tokens/s with the stemmer on")


if __name__ == "__main__":
    main()
