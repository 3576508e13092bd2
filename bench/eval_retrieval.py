"""Retrieval quality: Marsad vs Lucene's ArabicAnalyzer + BM25, graded judgments.

    python3 bench/eval_retrieval.py                 # the evaluation (tables)
    python3 bench/eval_retrieval.py --per-query     # ... with a line per query
    python3 bench/eval_retrieval.py --ablations     # ... and Marsad with one ranking lever changed at a time
    python3 bench/eval_retrieval.py pool q01 [q02]  # print a query's unjudged pool, blind, for judging
    python3 bench/eval_retrieval.py judge q01 "2 0 1 …"   # record grades for the pool just printed

Data: ``tests/data/retrieval/queries.tsv`` (33 queries, 22 "tune", 11
"heldout") and ``qrels.tsv`` (query id, document id, grade 0/1/2); how they were
made is in ``tests/data/retrieval/README.md``.

Systems, all on the full ``../shared/corpus`` in the same run:

* **marsad**: ``search.run`` on the Marsad index (``--index``, default
  ``/tmp/ixfull``; built with ``python3 -m web.cli index build ../shared/corpus
  --index /tmp/ixfull`` if missing), default request (all words must match,
  syndicated copies collapsed);
* **lucene-or** / **lucene-and**: ``bench/lucene_baseline.py`` (Lucene's
  ArabicAnalyzer chain + BM25 k1=1.2 b=0.75 on ``title + "\\n" + body``), OR
  (Lucene QueryParser's default operator) and AND. Its index is cached under
  ``/tmp/marsad-lucene-baseline`` and rebuilt when the corpus or the baseline changes.

Metrics at cutoff 10: nDCG@10 (gain 2^g - 1, ideal = the query's judged grades
sorted), P@10 (grade >= 1), P2@10 (grade 2), MAP@100 (grade >= 1; denominator =
all judged relevant documents of the query) and R-precision.

Duplicates: articles with identical text (syndicated copies) are one unit.
Grades are recorded per document but judged once per identical-text group.
Every ranked list is scored with later copies of an already-listed text
removed (Marsad collapses them itself; the baseline does not) and the ideal
counts each text once, so no system gains or loses from copies. ``--raw``
scores the lists as returned, ideal over all documents, as a check.

Unjudged documents count as grade 0; the share of unjudged documents in each
system's top 10 is printed (if it is high, judge more with ``pool``).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import random
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from lucene_baseline import Baseline, build_or_open  # noqa: E402

CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
DATA = ROOT / "tests" / "data" / "retrieval"
QUERIES = DATA / "queries.tsv"
QRELS = DATA / "qrels.tsv"
DOCSTORE = Path("/tmp/marsad-eval-docs.pkl")
POOLFILE = Path("/tmp/marsad-eval-pool.json")
K = 10
POOL_DEPTH = 20


# ---------------------------------------------------------------- data
def load_queries() -> list[tuple[str, str, str, str]]:
    out = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        qid, split, q, need = line.split("\t")
        out.append((qid, split, q, need))
    return out


def load_qrels() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if not QRELS.exists():
        return out
    for line in QRELS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        qid, doc, g = line.split("\t")
        out.setdefault(qid, {})[doc] = int(g)
    return out


def docstore() -> dict[str, tuple[str, str, str]]:
    """id -> (title, body, content hash) for every record of the corpus (cached in /tmp)."""
    from marsad.index.records import content_hash
    from marsad.index.sources import read_corpus

    stamp = f"{CORPUS}:{sum(p.stat().st_mtime_ns for p in CORPUS.rglob('*') if p.is_file())}"
    if DOCSTORE.exists():
        with DOCSTORE.open("rb") as f:
            got = pickle.load(f)
        if got.get("stamp") == stamp:
            return got["docs"]
    docs = {}
    for r in read_corpus(CORPUS):
        docs.setdefault(r.id, (r.title or "", r.body or "", content_hash(r.title or "", r.body or "")))
    with DOCSTORE.open("wb") as f:
        pickle.dump({"stamp": stamp, "docs": docs}, f)
    return docs


# ---------------------------------------------------------------- systems
class Systems:
    def __init__(self, index_dir: str) -> None:
        from marsad.index.build import open_index
        from marsad.search.service import open_searcher

        self.marsad = open_searcher(open_index(index_dir))
        self.base = Baseline(build_or_open(CORPUS))

    def run(self, name: str, q: str, k: int) -> list[str]:
        if name == "marsad":
            from marsad.search import SearchRequest, run

            r = run(self.marsad, SearchRequest(q=q, page_size=min(k, 100), suggest=False, highlight=False,
                                               time_limit=30.0))
            return [h.id for h in r.hits]
        return self.base.search(q, k, "AND" if name == "lucene-and" else "OR")

    def close(self) -> None:
        self.marsad.close()
        self.base.close()


SYSTEMS = ("marsad", "lucene-or", "lucene-and")


# ---------------------------------------------------------------- metrics
def dedup(ranked: list[str], docs: dict[str, tuple[str, str, str]]) -> list[str]:
    seen, out = set(), []
    for d in ranked:
        h = docs[d][2] if d in docs else d
        if h not in seen:
            seen.add(h)
            out.append(d)
    return out


def ideal_grades(qrel: dict[str, int], docs: dict[str, tuple[str, str, str]], raw: bool) -> list[int]:
    if raw:
        return sorted(qrel.values(), reverse=True)
    best: dict[str, int] = {}
    for d, g in qrel.items():
        h = docs[d][2] if d in docs else d
        best[h] = max(best.get(h, 0), g)
    return sorted(best.values(), reverse=True)


def metrics(ranked: list[str], qrel: dict[str, int], ideal: list[int]) -> dict[str, float]:
    gains = [qrel.get(d, 0) for d in ranked]
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:K]))
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal[:K]))
    nrel = sum(1 for g in ideal if g >= 1)
    hits, ap = 0, 0.0
    for i, g in enumerate(gains[:100]):
        if g >= 1:
            hits += 1
            ap += hits / (i + 1)
    top = gains[:K]
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "P@10": sum(1 for g in top if g >= 1) / K,
        "P2@10": sum(1 for g in top if g >= 2) / K,
        "MAP": ap / nrel if nrel else 0.0,
        "R-prec": (sum(1 for g in gains[:nrel] if g >= 1) / nrel) if nrel else 0.0,
        "unjudged@10": sum(1 for d in ranked[:K] if d not in qrel) / max(1, min(K, len(ranked))),
    }


METRICS = ("nDCG@10", "P@10", "P2@10", "MAP", "R-prec")


def evaluate(args: argparse.Namespace) -> None:
    queries = load_queries()
    qrels = load_qrels()
    docs = docstore()
    t = time.perf_counter()
    sy = Systems(args.index)
    print(f"retrieval evaluation: {len(queries)} queries ({sum(1 for q in queries if q[1] == 'tune')} tune, "
          f"{sum(1 for q in queries if q[1] == 'heldout')} held out), {sum(len(v) for v in qrels.values())} "
          f"judgments, {len(docs)} corpus records; {'raw lists' if args.raw else 'copies of one text counted once'}")
    per: dict[str, dict[str, dict[str, float]]] = {s: {} for s in SYSTEMS}
    for qid, _split, q, _ in queries:
        qrel = qrels.get(qid, {})
        if not qrel:
            print(f"  {qid}: no judgments, skipped")
            continue
        ideal = ideal_grades(qrel, docs, args.raw)
        for s in SYSTEMS:
            ranked = sy.run(s, q, 100 if args.raw else 130)
            if not args.raw:
                ranked = dedup(ranked, docs)
            per[s][qid] = metrics(ranked[:100], qrel, ideal)
    sy.close()
    split_of = {qid: split for qid, split, _, _ in queries}
    if args.per_query:
        print("\nper query nDCG@10 (P@10)      marsad        lucene-or     lucene-and   unjudged@10 m/or/and")
        for qid, split, q, _ in queries:
            if qid not in per["marsad"]:
                continue
            cells = "  ".join(f"{per[s][qid]['nDCG@10']:.3f} ({per[s][qid]['P@10']:.1f})" for s in SYSTEMS)
            unj = "/".join(f"{per[s][qid]['unjudged@10']:.1f}" for s in SYSTEMS)
            print(f"  {qid} {split:7s} {q[:22]:22s} {cells}   {unj}")
    for label, want in (("all", None), ("tune", "tune"), ("held-out", "heldout")):
        ids = [qid for qid in per["marsad"] if want is None or split_of[qid] == want]
        if not ids:
            continue
        print(f"\n{label} queries ({len(ids)}): mean over queries")
        print(f"  {'system':12s} " + " ".join(f"{m:>8s}" for m in METRICS) + "  unjudged@10")
        means = {s: {m: statistics.fmean(per[s][i][m] for i in ids) for m in (*METRICS, "unjudged@10")}
                 for s in SYSTEMS}
        for s in SYSTEMS:
            print(f"  {s:12s} " + " ".join(f"{means[s][m]:8.3f}" for m in METRICS)
                  + f"  {means[s]['unjudged@10']:8.3f}")
        for b in ("lucene-or", "lucene-and"):
            ratio = " ".join(f"{(means['marsad'][m] / means[b][m]) if means[b][m] else float('inf'):8.2f}"
                             for m in METRICS)
            wins = sum(1 for i in ids if per["marsad"][i]["nDCG@10"] > per[b][i]["nDCG@10"] + 1e-9)
            losses = sum(1 for i in ids if per["marsad"][i]["nDCG@10"] < per[b][i]["nDCG@10"] - 1e-9)
            print(f"  {'ratio /' + b[7:]:12s} {ratio}  (nDCG@10 per query: marsad better {wins}, worse {losses})")
    if args.ablations:
        ablations(args, queries, qrels, docs)
    print(f"\n({time.perf_counter() - t:.0f} s)")


# Marsad's ranking levers, one change at a time from the shipped settings:
# (label, {module attribute: value}). Read by the query compiler / engine /
# service at request time, so setting them between runs is enough.
ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("shipped", {}),
    ("title boost 1.0 (none)", {"marsad.search.query.TITLE_BOOST": 1.0}),
    ("title boost 1.5", {"marsad.search.query.TITLE_BOOST": 1.5}),
    ("title boost 3.0", {"marsad.search.query.TITLE_BOOST": 3.0}),
    ("no exact-form twin", {"marsad.search.query.EXACT_BOOST": 0.0}),
    ("exact-form twin 1.0", {"marsad.search.query.EXACT_BOOST": 1.0}),
    ("no proximity bonus", {"marsad.search.service.PROXIMITY_BOOST": 0.0}),
    ("proximity bonus x2", {"marsad.search.service.PROXIMITY_BOOST": 2.0}),
    ("k1 0.9", {"marsad.search.engine.K1": 0.9}),
    ("k1 2.0", {"marsad.search.engine.K1": 2.0}),
    ("body b 0.5", {"marsad.search.engine.FIELD_B": {"body": 0.5, "body_exact": 0.5}}),
    ("textbook BM25F (one saturation)", {"marsad.search.engine.BM25F_COMBINE": True}),
]


def _set(path: str, value: Any) -> Any:
    import importlib

    mod, name = path.rsplit(".", 1)
    m = importlib.import_module(mod)
    old = getattr(m, name)
    if isinstance(old, dict):
        saved = dict(old)
        old.update(value)
        return saved
    setattr(m, name, value)
    return old


def ablations(args: argparse.Namespace, queries: list, qrels: dict, docs: dict) -> None:
    """Marsad's nDCG@10 / P@10 / MAP with one ranking lever changed at a time."""
    sy = Systems(args.index)
    print("\nablations (marsad only; tune | held-out):")
    print(f"  {'variant':34s} {'nDCG@10':>8s} {'P@10':>6s} {'MAP':>6s} | {'nDCG@10':>8s} {'P@10':>6s} {'MAP':>6s}")
    for label, changes in ABLATIONS:
        saved = {k: _set(k, v) for k, v in changes.items()}
        try:
            per: dict[str, list[dict[str, float]]] = {"tune": [], "heldout": []}
            for qid, split, q, _ in queries:
                if qid not in qrels:
                    continue
                ranked = dedup(sy.run("marsad", q, 100), docs)
                per[split].append(metrics(ranked, qrels[qid], ideal_grades(qrels[qid], docs, False)))
        finally:
            for k, v in saved.items():
                _set(k, v)
        cells = []
        for split in ("tune", "heldout"):
            rows = per[split]
            cells.append(" ".join(f"{statistics.fmean(r[m] for r in rows):{w}.3f}"
                                  for m, w in (("nDCG@10", 8), ("P@10", 6), ("MAP", 6))))
        print(f"  {label:34s} {cells[0]} | {cells[1]}")
    sy.close()


# ---------------------------------------------------------------- judging
_KW_STRIP = re.compile(r"[\u064b-\u0652\u0640]")


def _norm(s: str) -> str:
    s = _KW_STRIP.sub("", unicodedata.normalize("NFKC", s))
    return s.translate(str.maketrans("أإآىة", "ااايه"))


def _cores(q: str) -> list[str]:
    """Crude, system-neutral cores of the query words for the judge's context windows."""
    out = []
    for w in _norm(q).split():
        for p in ("وال", "بال", "لل", "ال", "و", "ب", "ل"):
            if w.startswith(p) and len(w) - len(p) >= 3:
                w = w[len(p):]
                break
        for s in ("يين", "ين", "ون", "ات", "يه", "ه", "ي"):
            if w.endswith(s) and len(w) - len(s) >= 3:
                w = w[: -len(s)]
                break
        if len(w) >= 2 and w not in ("في", "من", "علي"):
            out.append(w)
    return out


def pool(args: argparse.Namespace) -> None:
    """Print the unjudged pool of each query, shuffled, without saying who retrieved what."""
    queries = {qid: (split, q, need) for qid, split, q, need in load_queries()}
    qrels = load_qrels()
    docs = docstore()
    sy = Systems(args.index)
    state = json.loads(POOLFILE.read_text()) if POOLFILE.exists() else {}
    for qid in args.qids:
        split, q, need = queries[qid]
        judged = qrels.get(qid, {})
        judged_h = {docs[d][2]: g for d, g in judged.items() if d in docs}
        ids: set[str] = set()
        for s in SYSTEMS:
            ids.update(sy.run(s, q, args.depth))
        todo, groups = [], {}
        for d in sorted(ids):
            if d in judged:
                continue
            h = docs[d][2]
            if h in judged_h:  # a copy of a judged text: same grade
                judged.setdefault(d, judged_h[h])
                _append_qrels([(qid, d, judged_h[h])])
                continue
            if h in groups:
                groups[h].append(d)
            else:
                groups[h] = [d]
                todo.append(d)
        random.Random(f"{qid}:{len(judged)}").shuffle(todo)
        state[qid] = [groups[docs[d][2]] for d in todo]
        print(f"=== {qid} «{q}» — {need}  [{len(todo)} to judge, {len(judged)} judged]")
        cores = _cores(q)
        for i, d in enumerate(todo, 1):
            title, body, _ = docs[d]
            body1 = " ".join(body.split())
            lead = body1[: args.lead]
            nb = _norm(body1)
            wins, cnt = [], 0
            for c in cores:
                hits = [m.start() for m in re.finditer(re.escape(c), nb)]
                cnt += len(hits)
                for pos in hits[:1]:
                    if pos > args.lead:
                        wins.append("…" + body1[max(0, pos - 80): pos + 80] + "…")
            print(f"[{i}] {title.strip()}\n    {lead}" + ("".join(f"\n    {w}" for w in wins[:2]))
                  + f"\n    (len {len(body1)}, query-word hits {cnt})")
    POOLFILE.write_text(json.dumps(state, ensure_ascii=False))
    sy.close()


def _append_qrels(rows: list[tuple[str, str, int]]) -> None:
    new = not QRELS.exists()
    with QRELS.open("a", encoding="utf-8") as f:
        if new:
            f.write("# query id <TAB> document id <TAB> grade (2 highly relevant, 1 partially, 0 not); "
                    "see README.md\n")
        for qid, d, g in rows:
            f.write(f"{qid}\t{d}\t{g}\n")


def judge(args: argparse.Namespace) -> None:
    state = json.loads(POOLFILE.read_text())
    groups = state[args.qid]
    grades = [int(x) for x in args.grades.split()]
    if len(grades) != len(groups):
        sys.exit(f"{args.qid}: {len(grades)} grades for {len(groups)} pooled documents")
    if any(g not in (0, 1, 2) for g in grades):
        sys.exit("grades are 0, 1 or 2")
    have = load_qrels().get(args.qid, {})
    rows = [(args.qid, d, g) for grp, g in zip(groups, grades) for d in grp if d not in have]
    _append_qrels(rows)
    state[args.qid] = []
    POOLFILE.write_text(json.dumps(state, ensure_ascii=False))
    print(f"{args.qid}: {len(rows)} judgments recorded")


def main() -> None:
    ap = argparse.ArgumentParser(description="Marsad vs Lucene ArabicAnalyzer+BM25 retrieval evaluation")
    ap.add_argument("--index", default=os.environ.get("MARSAD_EVAL_INDEX", "/tmp/ixfull"))
    sub = ap.add_subparsers(dest="cmd")
    p = sub.add_parser("pool")
    p.add_argument("qids", nargs="+")
    p.add_argument("--depth", type=int, default=POOL_DEPTH)
    p.add_argument("--lead", type=int, default=200)
    j = sub.add_parser("judge")
    j.add_argument("qid")
    j.add_argument("grades")
    ap.add_argument("--per-query", action="store_true")
    ap.add_argument("--raw", action="store_true", help="score the lists as returned (copies not merged)")
    ap.add_argument("--ablations", action="store_true", help="also Marsad with one ranking lever changed at a time")
    args = ap.parse_args()
    if args.cmd == "pool":
        pool(args)
    elif args.cmd == "judge":
        judge(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
