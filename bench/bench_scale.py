"""Scale benchmark: Marsad beside the Lucene baseline on 1x, 10x (100x on request) replicas.

For each replica factor K the corpus is written once as JSON lines by
``../shared/lucene-baseline/corpus_jsonl.py --replicate K`` (ids suffixed
``#1..#K``), then, in the same run and on the same file:

* **Marsad**: ``marsad index build`` in a child process (wall time, documents/s,
  peak RSS of the largest single process, index size); then a fresh process
  opens the index (open time), runs every query once (cold: first sight of each
  query in a fresh process), then ``--passes`` more times (warm), each through
  ``search.run`` with its defaults (4 facet groups + 10 highlighted hits);
* **Lucene 8.8** (``../shared/lucene-baseline/lucene index|query``: ArabicAnalyzer,
  BM25, one thread, one facet count, 100 ids fetched) on the same file.

It prints one table with the ratios. Replicas repeat documents exactly, so
the vocabulary does NOT grow with K: the figures flatter every engine alike
(posting lists grow K-fold, the term dictionary does not).

    python3 bench/bench_scale.py [--replicas 1,10] [--passes 5] [--work /tmp/marsad-scale]
                                 [--reuse-index K=DIR ...] [--no-lucene | --reuse-lucene]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_build import index_size_by_part, lucene_size_by_part  # noqa: E402
from common import CORPUS  # noqa: E402

LUCENE = ROOT.parent / "shared" / "lucene-baseline"
VENV = Path(sys.executable).parent

# plain words, phrases, operators, prefixes, fuzzy, field filters, dates
QUERIES = [
    "سوريا", "السعودية", "داعش", "اليمن", "الحوثيين", "القواعد الأمريكية", "مجلس الأمن", '"مجلس الأمن"',
    '"خادم الحرمين الشريفين"', "وزير الخارجية السعودي", "عاصفة الحزم", "الاتفاق النووي إيران",
    "اللاجئين السوريين أوروبا", "أسعار النفط", "كأس العالم", "الهلال النصر", "الحج", "تفجير مسجد",
    "بشار الأسد", "بوتين", "ماكنزي~", "سوري*", "داعش -العراق", "حلب أو إدلب", "محافظة:حلب قصف",
    "تاريخ:آب-2015 الحوثيين", "=الأمريكية", "الطائرات الروسية", "مسئول",
]


def _lucene_text(q: str) -> str:
    """The same query for Lucene's classic parser (its syntax; filters dropped)."""
    words = [w for w in q.replace("أو", "OR").split() if ":" not in w]
    return " ".join("NOT " + w[1:] if w.startswith("-") else w.lstrip("=") for w in words) or q


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def replica(work: Path, k: int) -> Path:
    out = work / f"corpus-x{k}.jsonl"
    if not out.exists():
        subprocess.run([sys.executable, str(LUCENE / "corpus_jsonl.py"), str(out), "--replicate", str(k)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def build_marsad(jsonl: Path, index: Path) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    before = child_peak_mb()
    t = time.perf_counter()
    out = subprocess.run([str(VENV / "marsad"), "index", "build", str(jsonl), "--index", str(index), "--json"],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    secs = time.perf_counter() - t
    peak = child_peak_mb()
    report = json.loads(out.stdout)
    return {"build_s": secs, "peak_rss_mb": peak if peak > before else None, "index_bytes": du(index),
            "near_s": report["cpu"].get("near"), "near_docs": report.get("near_duplicates"),
            "duplicates": report.get("duplicates")}


_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from whoosh import index as windex
from marsad.index.build import open_index
from marsad.search import SearchRequest, run
from marsad.search.service import open_searcher
# a Marsad index folder (generations), or a plain Whoosh one (bench_search.py's segment-copied replicas)
ix = windex.open_dir(sys.argv[1]) if windex.exists_in(sys.argv[1]) else open_index(sys.argv[1])
s = open_searcher(ix)
opened = time.perf_counter() - t0
queries = json.loads(sys.argv[2]); passes = int(sys.argv[3])
cold, warm = [], []
t = time.perf_counter(); first = run(s, SearchRequest(q=queries[0])); to_first = time.perf_counter() - t0
cold.append(time.perf_counter() - t)
for q in queries[1:]:
    t = time.perf_counter(); run(s, SearchRequest(q=q)); cold.append(time.perf_counter() - t)
for _ in range(passes):
    for q in queries:
        t = time.perf_counter(); run(s, SearchRequest(q=q)); warm.append(time.perf_counter() - t)
print(json.dumps({"docs": ix.doc_count(), "open_s": opened, "open_to_first_answer_s": to_first,
                  "cold_ms": [x * 1000 for x in cold], "warm_ms": [x * 1000 for x in warm]}))
"""


def probe_marsad(index: Path, passes: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, str(index), json.dumps(QUERIES, ensure_ascii=False),
                          str(passes)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def lucene(jsonl: Path, work: Path, k: int, passes: int, reuse: bool = False) -> dict:
    idx = work / f"lucene-x{k}"
    if reuse and idx.is_dir():  # queries only, on the index an earlier run built (no build figures)
        built = {"index_bytes": du(idx)}
    else:
        shutil.rmtree(idx, ignore_errors=True)
        # bodies stored, as Marsad stores them (a fair size comparison)
        li = subprocess.run([str(LUCENE / "lucene"), "index", str(jsonl), str(idx)], check=True, capture_output=True,
                            text=True, env={**os.environ, "STORE_BODY": "1"})
        built = json.loads(li.stdout.strip().splitlines()[-1])
    tsv = work / "queries.tsv"
    tsv.write_text("".join(f"q{i}\t{_lucene_text(q)}\n" for i, q in enumerate(QUERIES)), encoding="utf-8")
    # cold: one pass, no warm-up, in a fresh JVM; warm: the default passes after a warm-up
    c = subprocess.run([str(LUCENE / "lucene"), "query", str(idx), str(tsv), str(work / "lucene.run"),
                        "--passes", "1", "--warmup", "0"], check=True, capture_output=True, text=True)
    w = subprocess.run([str(LUCENE / "lucene"), "query", str(idx), str(tsv), str(work / "lucene.run"),
                        "--passes", str(passes), "--warmup", "1"], check=True, capture_output=True, text=True)
    cold, warm = (json.loads(x.stdout.strip().splitlines()[-1]) for x in (c, w))
    return {"build": built, "cold": cold, "warm": warm, "parts": lucene_size_by_part(idx)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", default="1,10", help="comma-separated factors (100 on request)")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("MARSAD_SCALE_DIR", "/tmp/marsad-scale")))
    ap.add_argument("--reuse-index", action="append", default=[], metavar="K=DIR",
                    help="use an already built Marsad index for factor K (no build figures)")
    ap.add_argument("--no-lucene", action="store_true")
    ap.add_argument("--reuse-lucene", action="store_true",
                    help="query the Lucene index an earlier run left in --work (no Lucene build figures)")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    reuse = dict(x.split("=", 1) for x in a.reuse_index)
    print(f"corpus {CORPUS}; replicas repeat documents: the vocabulary does not grow with K")
    rows = []
    for k in [int(x) for x in a.replicas.split(",")]:
        jsonl = replica(a.work, k)
        if str(k) in reuse:
            index, b = Path(reuse[str(k)]), {"build_s": None, "peak_rss_mb": None, "index_bytes": du(Path(reuse[str(k)]))}
        else:
            index = a.work / f"marsad-x{k}"
            b = build_marsad(jsonl, index)
        p = probe_marsad(index, a.passes)
        lu = None if a.no_lucene else lucene(jsonl, a.work, k, a.passes, a.reuse_lucene)
        rows.append((k, b, p, lu))
        docs = p["docs"]
        print(f"\n== x{k}: {docs} documents")

        def line(name: str, ours: float | None, theirs: float | None, unit: str) -> None:
            r = f"{ours / theirs:6.2f}x" if ours and theirs else "   —   "
            o = f"{ours:10.1f}" if ours is not None else "         —"
            t = f"{theirs:10.1f}" if theirs is not None else "         —"
            print(f"  {name:34s} marsad {o} {unit:4s} lucene {t} {unit:4s} ratio {r}")

        lb = lu["build"] if lu else {}
        line("build", b["build_s"], lb.get("seconds"), "s")
        line("documents/s", docs / b["build_s"] if b["build_s"] else None, lb.get("docs_per_s"), "")
        line("peak RSS (largest process)", b["peak_rss_mb"], None, "MB")
        if b.get("near_s") is not None:  # (no build figures for a reused index)
            print(f"  {'near-duplicate clustering':34s} {b['near_s']} s CPU (main process, after the workers): "
                  f"{b['near_docs']} documents joined a story's cluster as rewritten copies ({b['duplicates']} "
                  f"exact copies are grouped by their content hash)")
        line("index size (Lucene: bodies stored)", b["index_bytes"] / 2**20, lb.get("index_bytes", 0) / 2**20 or None,
             "MB")
        parts = index_size_by_part(index)
        print("  " + f"{'marsad index by part':34s} " + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in parts.items())
              + f" MB; raw corpus {jsonl.stat().st_size / 2**20:.1f} MB of JSON lines")
        if lu:
            print("  " + f"{'lucene index by part':34s} "
                  + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in lu["parts"].items()) + " MB")
        line("open", p["open_s"] * 1000, None, "ms")
        line("open to first answer", p["open_to_first_answer_s"] * 1000, None, "ms")
        line("cold p50 (fresh process)", statistics.median(p["cold_ms"]), lu["cold"].get("p50_ms") if lu else None, "ms")
        line("cold p95", pct(p["cold_ms"], 95), lu["cold"].get("p95_ms") if lu else None, "ms")
        line("warm p50", statistics.median(p["warm_ms"]), lu["warm"].get("p50_ms") if lu else None, "ms")
        line("warm p95", pct(p["warm_ms"], 95), lu["warm"].get("p95_ms") if lu else None, "ms")
    (a.work / "bench_scale.json").write_text(json.dumps(rows, default=str, indent=1))
    print(f"\nMarsad: search.run defaults (4 facet groups + 10 highlighted hits); Lucene: 1 facet, 100 ids "
          f"fetched, 1 thread. Raw figures: {a.work / 'bench_scale.json'}")


if __name__ == "__main__":
    main()
