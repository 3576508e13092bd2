"""Retrieval quality: Marsad vs the real Lucene 8.8 (ArabicAnalyzer + BM25), graded judgments.

    python3 bench/eval_retrieval.py                  # tune queries: per query and mean, Marsad / Lucene / Whoosh
    python3 bench/eval_retrieval.py --final          # ... and the test half (once, at the end of a ranking change)
    python3 bench/eval_retrieval.py --ablations      # ... and Marsad with one ranking lever changed at a time
    python3 bench/eval_retrieval.py lucene-run       # (re)write the Lucene TREC run file with the real Lucene
    python3 bench/eval_retrieval.py batches [QID…]   # blind judging batches (pending/), depth-10 pools + calibration
    python3 bench/eval_retrieval.py ingest FILE…     # record an assessor's grades, print calibration agreement
    python3 bench/eval_retrieval.py pool q01 [q02]   # print a query's unjudged pool, blind, for judging by hand
    python3 bench/eval_retrieval.py judge q01 "2 0 1 …"   # record grades for the pool just printed

Data: ``tests/data/retrieval/queries.tsv`` (66 queries: 39 "tune", 27 "test")
and ``qrels.tsv`` (query id, document id, grade 0/1/2, or 0-3 from q34 on);
how they were made is in ``tests/data/retrieval/README.md``.

Systems, all on the full ``../shared/corpus``, scored in the same run:

* **marsad**: ``search.run`` on the Marsad index (``--index``, default
  ``/tmp/ixfull``; built with ``marsad index build ../shared/corpus --index
  /tmp/ixfull`` if missing), default request (syndicated copies collapsed);
* **lucene**: the real Apache Lucene 8.8 baseline (``../shared/lucene-baseline``:
  ArabicAnalyzer, BM25, classic QueryParser, OR), read from its TREC run file
  (``--lucene-run``, default ``tests/data/retrieval/runs/lucene-8.8.1.run``,
  written by ``lucene-run``);
* **whoosh**: stock Whoosh (``StandardAnalyzer``, default QueryParser, BM25F;
  ``bench/lucene_baseline.StockWhoosh``), the third pooled system.

Metrics: nDCG@10 (gain 2^g - 1, ideal = the query's judged grades sorted),
P@10 (grade >= 1), R@100 (judged relevant texts found in the top 100 / all
judged relevant texts of the query) and ``unj`` = the number of unjudged
documents in the top 10 (counted as grade 0: judge them before claiming a figure).

Duplicates: articles with identical text (syndicated copies) are one unit.
Every ranked list is scored with later copies of an already-listed text
removed and the ideal counts each text once. ``--raw`` scores the lists as
returned, ideal over all documents, as a check.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from lucene_baseline import STOCK_INDEX_DIR, StockWhoosh, build_or_open  # noqa: E402

CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
DATA = ROOT / "tests" / "data" / "retrieval"
QUERIES = DATA / "queries.tsv"
QRELS = DATA / "qrels.tsv"
LUCENE_RUN = DATA / "runs" / "lucene-8.8.1.run"
LUCENE_TOOL = ROOT.parent / "shared" / "lucene-baseline"
PENDING = DATA / "pending"
POOL_KEY = DATA / "pool-key.tsv"
DOCSTORE = Path("/tmp/marsad-eval-docs.pkl")
POOLFILE = Path("/tmp/marsad-eval-pool.json")
K = 10
POOL_DEPTH = 10
FINAL_SPLITS = ("test",)


# ---------------------------------------------------------------- data
def load_queries() -> list[tuple[str, str, str, str]]:
    """(id, split, query, need) of every query (an optional fifth column, the pattern, is skipped)."""
    out = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        qid, split, q, need = line.split("\t")[:4]
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


def load_trec_run(path: Path) -> dict[str, list[str]]:
    """A TREC run file (``qid Q0 docid rank score tag``) -> ranked ids per query.

    Ids may hold spaces only as the corpus's own percent-escapes, so the id is
    everything between the second field and the last three.
    """
    out: dict[str, list[tuple[int, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) < 6:
            continue
        qid, doc, rank = parts[0], " ".join(parts[2:-3]), int(parts[-3])
        out.setdefault(qid, []).append((rank, doc))
    return {q: [d for _, d in sorted(v)] for q, v in out.items()}


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
SYSTEMS = ("marsad", "lucene", "whoosh")


class Systems:
    """The three systems; Lucene is read from its run file (top 100 per query)."""

    def __init__(self, index_dir: str, lucene_run: Path, need_whoosh: bool = True) -> None:
        from marsad.index.build import open_index
        from marsad.search.service import open_searcher

        self.marsad = open_searcher(open_index(index_dir))
        if not lucene_run.exists():
            sys.exit(f"no Lucene run file {lucene_run}: write it with `python3 bench/eval_retrieval.py lucene-run`")
        # corpus_jsonl.py names a seed article by its file name, Marsad by seeds/<file>
        self.lucene = {q: [d if "/" in d else f"seeds/{d}" for d in v] for q, v in load_trec_run(lucene_run).items()}
        self.whoosh = StockWhoosh(build_or_open(CORPUS, STOCK_INDEX_DIR, stock=True)) if need_whoosh else None

    def run(self, name: str, qid: str, q: str, k: int) -> list[str]:
        if name == "marsad":
            from marsad.search import SearchRequest, run

            r = run(self.marsad, SearchRequest(q=q, page_size=min(k, 100), suggest=False, highlight=False,
                                               time_limit=30.0))
            return [h.id for h in r.hits]
        if name == "lucene":
            if qid not in self.lucene:
                print(f"  warning: {qid} not in the Lucene run file (rewrite it with lucene-run)", file=sys.stderr)
            return self.lucene.get(qid, [])[:k]
        assert self.whoosh is not None
        return self.whoosh.search(q, k)

    def close(self) -> None:
        self.marsad.close()
        if self.whoosh is not None:
            self.whoosh.close()


def lucene_run(args: argparse.Namespace) -> None:
    """Run the real Lucene baseline on every query and write its TREC run file."""
    tool = LUCENE_TOOL / "lucene"
    if not tool.exists():
        sys.exit(f"the Lucene baseline is not at {LUCENE_TOOL}")
    tmp = Path(args.work)
    tmp.mkdir(parents=True, exist_ok=True)
    jsonl, idx, qfile = tmp / "corpus.jsonl", tmp / "index", tmp / "queries.tsv"
    steps = []
    if not jsonl.exists():
        steps.append([sys.executable, str(LUCENE_TOOL / "corpus_jsonl.py"), str(jsonl), "--corpus", str(CORPUS)])
    if not idx.exists():
        steps.append([str(tool), "index", str(jsonl), str(idx)])
    qfile.write_text("".join(f"{qid}\t{q}\n" for qid, _, q, _ in load_queries()), encoding="utf-8")
    LUCENE_RUN.parent.mkdir(parents=True, exist_ok=True)
    steps.append([str(tool), "query", str(idx), str(qfile), str(LUCENE_RUN), "--passes", "1", "--warmup", "0",
                  "--k", "100"])
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd[:2])} failed:\n{r.stderr[-2000:]}")
    print(f"wrote {LUCENE_RUN}")


# ---------------------------------------------------------------- metrics
def _unit(d: str, docs: dict[str, tuple[str, str, str]]) -> str:
    return docs[d][2] if d in docs else d


def dedup(ranked: list[str], docs: dict[str, tuple[str, str, str]]) -> list[str]:
    seen, out = set(), []
    for d in ranked:
        h = _unit(d, docs)
        if h not in seen:
            seen.add(h)
            out.append(d)
    return out


def ideal_grades(qrel: dict[str, int], docs: dict[str, tuple[str, str, str]], raw: bool) -> list[int]:
    if raw:
        return sorted(qrel.values(), reverse=True)
    best: dict[str, int] = {}
    for d, g in qrel.items():
        h = _unit(d, docs)
        best[h] = max(best.get(h, 0), g)
    return sorted(best.values(), reverse=True)


def metrics(ranked: list[str], qrel: dict[str, int], ideal: list[int]) -> dict[str, float]:
    gains = [qrel.get(d, 0) for d in ranked]
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:K]))
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal[:K]))
    nrel = sum(1 for g in ideal if g >= 1)
    top = gains[:K]
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "P@10": sum(1 for g in top if g >= 1) / K,
        "R@100": (sum(1 for g in gains[:100] if g >= 1) / nrel) if nrel else 0.0,
        "unj": float(sum(1 for d in ranked[:K] if d not in qrel)),
    }


METRICS = ("nDCG@10", "P@10", "R@100")


def evaluate(args: argparse.Namespace) -> None:
    queries = load_queries()
    qrels = load_qrels()
    docs = docstore()
    t = time.perf_counter()
    splits = ("tune", *FINAL_SPLITS) if args.final else ("tune",)
    chosen = [x for x in queries if x[1] in splits]
    sy = Systems(args.index, Path(args.lucene_run))
    print(f"retrieval evaluation: {len(chosen)} of {len(queries)} queries ({', '.join(splits)}"
          f"{'' if args.final else '; the test half only with --final'}), "
          f"{sum(len(v) for v in qrels.values())} judgments, {len(docs)} corpus records; "
          f"{'raw lists' if args.raw else 'copies of one text counted once'}")
    per: dict[str, dict[str, dict[str, float]]] = {s: {} for s in SYSTEMS}
    for qid, _split, q, _ in chosen:
        qrel = qrels.get(qid, {})
        if not qrel:
            print(f"  {qid}: no judgments yet, skipped (judge its pool: `batches`)")
            continue
        ideal = ideal_grades(qrel, docs, args.raw)
        for s in SYSTEMS:
            ranked = sy.run(s, qid, q, 100 if args.raw else 130)
            if not args.raw:
                ranked = dedup(ranked, docs)
            per[s][qid] = metrics(ranked[:100], qrel, ideal)
    sy.close()
    split_of = {qid: split for qid, split, _, _ in queries}
    query_of = {qid: q for qid, _, q, _ in queries}
    print("\nper query: nDCG@10 P@10 R@100 unj (unjudged in the top 10)")
    print(f"  {'id':4s} {'split':5s} {'query':26s} " + "  ".join(f"{s:^25s}" for s in SYSTEMS))
    for label in splits:
        for qid in [i for i in per["marsad"] if split_of[i] == label]:
            cells = "  ".join(f"{per[s][qid]['nDCG@10']:.3f} {per[s][qid]['P@10']:.1f} {per[s][qid]['R@100']:.2f} "
                              f"{int(per[s][qid]['unj']):2d}   " for s in SYSTEMS)
            print(f"  {qid:4s} {label:5s} {query_of[qid][:26]:26s} {cells}")
    for label in splits:
        ids = [qid for qid in per["marsad"] if split_of[qid] == label]
        if not ids:
            continue
        print(f"\n{label} queries ({len(ids)}): mean over queries")
        print(f"  {'system':8s} " + " ".join(f"{m:>8s}" for m in METRICS) + "  unjudged@10 (total)")
        means = {s: {m: statistics.fmean(per[s][i][m] for i in ids) for m in METRICS} for s in SYSTEMS}
        for s in SYSTEMS:
            print(f"  {s:8s} " + " ".join(f"{means[s][m]:8.3f}" for m in METRICS)
                  + f"  {int(sum(per[s][i]['unj'] for i in ids)):8d}")
        for b in ("lucene", "whoosh"):
            ratio = " ".join(f"{(means['marsad'][m] / means[b][m]) if means[b][m] else float('inf'):8.2f}"
                             for m in METRICS)
            wins = sum(1 for i in ids if per["marsad"][i]["nDCG@10"] > per[b][i]["nDCG@10"] + 1e-9)
            losses = sum(1 for i in ids if per["marsad"][i]["nDCG@10"] < per[b][i]["nDCG@10"] - 1e-9)
            below = sum(1 for i in ids if per["marsad"][i]["nDCG@10"] < 0.8 * per[b][i]["nDCG@10"] - 1e-9)
            print(f"  {'/' + b:8s} {ratio}  (nDCG@10 per query: marsad better {wins}, worse {losses}, "
                  f"below 0.8x {below})")
    if args.ablations:
        ablations(args, chosen, qrels, docs)
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
    ("BM25F, title boost 3.0", {"marsad.search.engine.BM25F_COMBINE": True, "marsad.search.query.TITLE_BOOST": 3.0}),
    ("BM25F, no exact twin", {"marsad.search.engine.BM25F_COMBINE": True, "marsad.search.query.EXACT_BOOST": 0.0}),
    ("proximity bonus x4", {"marsad.search.service.PROXIMITY_BOOST": 4.0}),
    ("long queries never loosened", {"marsad.search.service.RELAX_BELOW": 0}),
    ("loosened below 100 results", {"marsad.search.service.RELAX_BELOW": 100}),
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
    """Marsad's nDCG@10 / P@10 / R@100 with one ranking lever changed at a time (the chosen splits only)."""
    sy = Systems(args.index, Path(args.lucene_run), need_whoosh=False)
    splits = sorted({split for _, split, _, _ in queries}, key=lambda x: x != "tune")
    print(f"\nablations (marsad only; {' | '.join(splits)}):")
    print(f"  {'variant':34s} " + " | ".join(f"{'nDCG@10':>8s} {'P@10':>6s} {'R@100':>6s}" for _ in splits))
    for label, changes in ABLATIONS:
        try:
            saved = {k: _set(k, v) for k, v in changes.items()}
        except (AttributeError, ImportError):
            print(f"  {label:34s} (lever not in this engine)")
            continue
        try:
            per: dict[str, list[dict[str, float]]] = {x: [] for x in splits}
            for qid, split, q, _ in queries:
                if qid not in qrels:
                    continue
                ranked = dedup(sy.run("marsad", qid, q, 100), docs)
                per[split].append(metrics(ranked, qrels[qid], ideal_grades(qrels[qid], docs, False)))
        finally:
            for k, v in saved.items():
                _set(k, v)
        cells = []
        for split in splits:
            rows = per[split] or [{"nDCG@10": 0.0, "P@10": 0.0, "R@100": 0.0}]
            cells.append(" ".join(f"{statistics.fmean(r[m] for r in rows):{w}.3f}"
                                  for m, w in (("nDCG@10", 8), ("P@10", 6), ("R@100", 6))))
        print(f"  {label:34s} {' | '.join(cells)}")
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


def _pool_units(sy: Systems, docs: dict, qid: str, q: str, depth: int,
                judged: dict[str, int]) -> tuple[list[list[str]], list[tuple[str, str, int]]]:
    """The unjudged pool of a query: the union of each system's top ``depth``,
    as groups of identical texts (one judgment each), in a fixed order; and
    the rows that copy an already judged text's grade onto its other copies."""
    judged_h = {docs[d][2]: g for d, g in judged.items() if d in docs}
    ids: set[str] = set()
    for s in SYSTEMS:
        ids.update(sy.run(s, qid, q, depth))
    groups: dict[str, list[str]] = {}
    copies = []
    for d in sorted(ids):
        if d in judged or d not in docs:
            continue
        h = docs[d][2]
        if h in judged_h:  # a copy of a judged text: same grade
            copies.append((qid, d, judged_h[h]))
            continue
        groups.setdefault(h, []).append(d)
    return list(groups.values()), copies


def pool(args: argparse.Namespace) -> None:
    """Print the unjudged pool of each query, shuffled, without saying who retrieved what."""
    queries = {qid: (split, q, need) for qid, split, q, need in load_queries()}
    qrels = load_qrels()
    docs = docstore()
    sy = Systems(args.index, Path(args.lucene_run))
    state = json.loads(POOLFILE.read_text()) if POOLFILE.exists() else {}
    for qid in args.qids:
        split, q, need = queries[qid]
        judged = qrels.get(qid, {})
        grps, copies = _pool_units(sy, docs, qid, q, args.depth, judged)
        _append_qrels(copies)
        random.Random(f"{qid}:{len(judged)}").shuffle(grps)
        state[qid] = grps
        todo = [g[0] for g in grps]
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
    if not rows:
        return
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
    top = 3 if int(args.qid[1:]) >= 34 else 2
    if any(g not in range(top + 1) for g in grades):
        sys.exit(f"grades of {args.qid} are 0 to {top}")
    have = load_qrels().get(args.qid, {})
    rows = [(args.qid, d, g) for grp, g in zip(groups, grades) for d in grp if d not in have]
    _append_qrels(rows)
    state[args.qid] = []
    POOLFILE.write_text(json.dumps(state, ensure_ascii=False))
    print(f"{args.qid}: {len(rows)} judgments recorded")


# ---------------------------------------------------------------- blind batches for assessors
BATCH_FIELDS = ("item", "query", "need", "title", "body", "grade")
BODY_CHARS = 6000
SCALE_0_3 = ("3 = the article is about the need (its headline subject); 2 = the need is a main thread of a wider "
             "article; 1 = a substantive paragraph or clear factual statement about it in an article about "
             "something else; 0 = not relevant, a passing mention, or a false match. Follow the need's own criteria.")


def batches(args: argparse.Namespace) -> None:
    """Write blind judging batches: every (need, document) pair of the depth-10 pools of
    the chosen queries (default: those with no judgments), shuffled across queries,
    with calibration items of known grade mixed in; no system name, no rank."""
    queries = {qid: (split, q, need) for qid, split, q, need in load_queries()}
    qrels = load_qrels()
    docs = docstore()
    qids = args.qids or [qid for qid in queries if qid not in qrels]
    sy = Systems(args.index, Path(args.lucene_run))
    items: list[dict[str, Any]] = []
    for qid in qids:
        _, q, _ = queries[qid]
        grps, copies = _pool_units(sy, docs, qid, q, args.depth, qrels.get(qid, {}))
        _append_qrels(copies)
        for g in grps:
            items.append({"qid": qid, "docs": g, "known": None})
    sy.close()
    # calibration: judged documents of q01-q33, stratified by grade, seeded
    rnd = random.Random(f"calibration:{args.seed}")
    old = [(qid, d, g) for qid, v in sorted(qrels.items()) if int(qid[1:]) < 34 for d, g in sorted(v.items())
           if d in docs]
    n_cal = max(1, round(len(items) * args.calibration))
    by_grade = {g: [x for x in old if x[2] == g] for g in (0, 1, 2)}
    cal: list[tuple[str, str, int]] = []
    seen_h: set[str] = set()
    while len(cal) < n_cal and any(by_grade.values()):
        for g in (0, 1, 2):
            if by_grade[g] and len(cal) < n_cal:
                x = by_grade[g].pop(rnd.randrange(len(by_grade[g])))
                if (x[0], docs[x[1]][2]) not in seen_h:
                    seen_h.add((x[0], docs[x[1]][2]))
                    cal.append(x)
    for qid, d, g in cal:
        items.append({"qid": qid, "docs": [d], "known": g})
    random.Random(f"batches:{args.seed}").shuffle(items)
    PENDING.mkdir(parents=True, exist_ok=True)
    # a later round (documents a changed ranking brings into a top 10) never overwrites an earlier one
    rnd_no = 1
    while _key_path(rnd_no).exists():
        rnd_no += 1
    tag = "" if rnd_no == 1 else f"r{rnd_no}-"
    n_batches = max(1, math.ceil(len(items) / args.size))
    key_rows = []
    for b in range(n_batches):
        chunk = items[b * args.size:(b + 1) * args.size]
        path = PENDING / f"{tag}batch-{b + 1:02d}.tsv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            w.writerow(BATCH_FIELDS)
            for i, it in enumerate(chunk, 1):
                item = f"{tag}b{b + 1:02d}-{i:03d}"
                _, q, need = queries[it["qid"]]
                title, body, _ = docs[it["docs"][0]]
                body1 = " ".join(body.split())
                if len(body1) > BODY_CHARS:
                    body1 = body1[:BODY_CHARS] + " […]"
                w.writerow([item, q, need, " ".join(title.split()), body1, ""])
                key_rows.append((item, "calibration" if it["known"] is not None else "pool", it["qid"],
                                 "|".join(it["docs"]), "" if it["known"] is None else str(it["known"])))
    with _key_path(rnd_no).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(("item", "kind", "qid", "docs", "known_grade"))
        w.writerows(key_rows)
    n_pool = sum(1 for it in items if it["known"] is None)
    print(f"{len(qids)} queries: {n_pool} pooled texts to judge + {len(cal)} calibration items, "
          f"{n_batches} batches in {PENDING} (key: {_key_path(rnd_no)})")


def _key_path(round_no: int) -> Path:
    return POOL_KEY if round_no == 1 else POOL_KEY.with_name(f"pool-key-r{round_no}.tsv")


def ingest(args: argparse.Namespace) -> None:
    """Record an assessor's filled batches into qrels.tsv; print agreement on the calibration items."""
    key = {}
    for kp in sorted(DATA.glob("pool-key*.tsv")):
        with kp.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                key[row["item"]] = row
    have = load_qrels()
    rows, cal = [], []
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                g = (row.get("grade") or "").strip()
                if not g:
                    continue
                k = key.get(row["item"])
                if k is None:
                    sys.exit(f"{path}: unknown item {row['item']}")
                if g not in ("0", "1", "2", "3"):
                    sys.exit(f"{path}: item {row['item']}: grade {g!r} is not 0-3")
                if k["kind"] == "calibration":
                    cal.append((int(k["known_grade"]), int(g)))
                    continue
                for d in k["docs"].split("|"):
                    if d not in have.get(k["qid"], {}):
                        rows.append((k["qid"], d, int(g)))
                        have.setdefault(k["qid"], {})[d] = int(g)
    _append_qrels(rows)
    print(f"{len(rows)} judgments recorded")
    if cal:
        # q01-q33 are graded 0/1/2: an assessor's 2 or 3 both mean "about the need"
        mapped = [(k, min(g, 2)) for k, g in cal]
        exact = sum(1 for k, g in mapped if k == g) / len(mapped)
        binary = sum(1 for k, g in mapped if (k >= 1) == (g >= 1)) / len(mapped)
        print(f"calibration: {len(cal)} items, agreement {exact:.2f} on 0/1/2 (assessor 3 counted as 2), "
              f"{binary:.2f} on relevant / not relevant, kappa {_kappa(mapped):.2f}")


def _kappa(pairs: list[tuple[int, int]]) -> float:
    """Cohen's kappa of two graders over the same items."""
    n = len(pairs)
    labels = sorted({x for p in pairs for x in p})
    po = sum(1 for a, b in pairs if a == b) / n
    pe = sum((sum(1 for a, _ in pairs if a == c) / n) * (sum(1 for _, b in pairs if b == c) / n) for c in labels)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description="Marsad vs Lucene 8.8 ArabicAnalyzer+BM25 retrieval evaluation")
    ap.add_argument("--index", default=os.environ.get("MARSAD_EVAL_INDEX", "/tmp/ixfull"))
    ap.add_argument("--lucene-run", default=str(LUCENE_RUN), help="the real Lucene's TREC run file")
    sub = ap.add_subparsers(dest="cmd")
    p = sub.add_parser("pool")
    p.add_argument("qids", nargs="+")
    p.add_argument("--depth", type=int, default=POOL_DEPTH)
    p.add_argument("--lead", type=int, default=200)
    j = sub.add_parser("judge")
    j.add_argument("qid")
    j.add_argument("grades")
    bt = sub.add_parser("batches", help="blind judging batches for assessors")
    bt.add_argument("qids", nargs="*")
    bt.add_argument("--depth", type=int, default=POOL_DEPTH)
    bt.add_argument("--size", type=int, default=40, help="items per batch")
    bt.add_argument("--calibration", type=float, default=0.1, help="share of calibration items")
    bt.add_argument("--seed", default="issue-13")
    ing = sub.add_parser("ingest", help="record filled batches")
    ing.add_argument("files", nargs="+")
    lr = sub.add_parser("lucene-run", help="run the real Lucene baseline, write its TREC run file")
    lr.add_argument("--work", default="/tmp/marsad-lucene88")
    ap.add_argument("--final", action="store_true", help="also score the test half (once, at the end)")
    ap.add_argument("--raw", action="store_true", help="score the lists as returned (copies not merged)")
    ap.add_argument("--ablations", action="store_true", help="also Marsad with one ranking lever changed at a time")
    args = ap.parse_args()
    try:
        {"pool": pool, "judge": judge, "batches": batches, "ingest": ingest, "lucene-run": lucene_run}.get(
            args.cmd, evaluate)(args)
    except FileNotFoundError as e:
        sys.exit(f"eval_retrieval: {e}")


if __name__ == "__main__":
    main()
