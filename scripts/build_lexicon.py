"""Regenerate ``analyzers/data/lexicon.tsv``: normalized word -> corpus count.

The stemmer uses these counts as its guard for single-letter proclitics
(و ل ب ك ف): ``لسوريا`` loses its ``ل`` because ``سوريا`` is far more common
than ``لسوريا``; ``كتاب`` keeps its ``ك`` because ``تاب`` is rare. The file is
derived statistics (no text), shipped with the package so the analyzer is
deterministic; rebuilding it changes the analyzer version (reindex).

Usage: python scripts/build_lexicon.py [CORPUS_DIR] [--min-count N]
"""
from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections import Counter
from pathlib import Path

from marsad.analyzers.normalize import normalize  # noqa: E402
from marsad.analyzers.tokenizers import iter_words  # noqa: E402


def texts(corpus: Path):
    for p in sorted(corpus.rglob("*")):
        if p.suffix == ".txt":
            yield p.read_text(encoding="utf-8")
        elif p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    for rec in json.loads(z.read(name)):
                        yield f"{rec.get('title') or ''}\n{rec.get('content') or ''}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--min-count", type=int, default=3)
    args = ap.parse_args()
    counts: Counter[str] = Counter()
    for text in texts(Path(args.corpus)):
        counts.update(w for m in iter_words(text) if len(w := normalize(m.group())) > 1)
    out = Path(__file__).resolve().parents[1] / "analyzers" / "data" / "lexicon.tsv"
    with out.open("w", encoding="utf-8") as f:
        f.write("# normalized word\tcount in SaudiNewsNet 2015 + seeds (scripts/build_lexicon.py)\n")
        for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if c >= args.min_count and not w.isascii():
                f.write(f"{w}\t{c}\n")
    print(f"{out}: {sum(1 for c in counts.values() if c >= args.min_count)} words", file=sys.stderr)


if __name__ == "__main__":
    main()
