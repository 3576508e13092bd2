"""Throughput of ``index.extract.extract`` on SaudiNewsNet (31k articles), one core.

Prints records/s and MB/s, and, as the in-process baseline, the cost of only
tokenizing the same texts with the analyzer's tokenizer (``WORD_RE.findall``),
so the ratio says how much the extraction adds over the cheapest possible pass.
Also prints how often each facet is filled and the most frequent values, for a
quick sanity look at false hits.

    python3 bench/bench_extract.py [--limit N] [--top 15]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))

from marsad.analyzers.tokenizers import WORD_RE  # noqa: E402
from marsad.index.extract import extract  # noqa: E402
from marsad.index.records import Record  # noqa: E402


def load(limit: int | None) -> list[Record]:
    out = []
    for f in sorted(glob.glob(str(CORPUS / "saudinewsnet" / "*.zip"))):
        with zipfile.ZipFile(f) as z:
            for name in z.namelist():
                for i, r in enumerate(json.loads(z.read(name))):
                    meta = {"source": r.get("source") or "", "date": r.get("date_extracted") or "",
                            "date_field": "date_extracted"}
                    out.append(Record(id=r["url"], title=r.get("title") or "", body=r.get("content") or "",
                                      url=r["url"], source_path=f"saudinewsnet/{Path(f).name}!{name}#{i}",
                                      meta=meta))
                    if limit and len(out) >= limit:
                        return out
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    recs = load(args.limit)
    mb = sum(len(r.title) + len(r.body) for r in recs) / 1e6
    t0 = time.perf_counter()
    for r in recs:
        WORD_RE.findall(r.title)
        WORD_RE.findall(r.body)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    extract(recs[0])  # dictionaries are built on first use
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for r in recs:
        extract(r)
    dt = time.perf_counter() - t0
    print(f"records: {len(recs)}  text: {mb:.1f} M chars")
    print(f"dictionary build (first call): {build:.2f} s")
    print(f"extract: {dt:.2f} s  = {len(recs) / dt:,.0f} records/s, {mb / dt:.2f} M chars/s")
    print(f"baseline tokenize only: {base:.2f} s   ratio extract/tokenize: {dt / base:.1f}x")
    for facet, get in (("outlet", lambda r: [r.outlet] if r.outlet else []),
                       ("date", lambda r: [r.date_source] if r.date else []),
                       ("province", lambda r: r.provinces), ("actor", lambda r: r.actors)):
        c = Counter(v for r in recs for v in get(r))
        filled = sum(1 for r in recs if get(r))
        print(f"\n{facet}: filled in {filled} records ({filled / len(recs):.1%}); top: "
              + ", ".join(f"{k} {v}" for k, v in c.most_common(args.top)))
    rules = Counter((e.facet, e.rule.split(":")[0]) for r in recs for e in r.evidence)
    print("\nevidence rules: " + ", ".join(f"{f}/{k} {v}" for (f, k), v in sorted(rules.items())))


if __name__ == "__main__":
    main()
