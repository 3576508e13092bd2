"""Search latency: Marsad's full request beside stock Whoosh, at 31k and 310k docs.

A fixed list of realistic queries (single words, phrases, filters, common and
rare terms) runs against the full ``../shared/corpus`` index and against a 10x
replicated one. For each query we time:

* **marsad**: ``search.run`` = query parsing + matching + four facet groups
  (counted with every filter but their own) + 10 hits with highlighted
  snippets + syndicated-copy collapsing + "did you mean";
* **whoosh**: stock Whoosh on the same searcher: ``searcher.search(q,
  groupedby=[outlet, provinces, actors, date-year], limit=10)`` with the query
  parsed by Whoosh's ``MultifieldParser`` over title/body, plus Whoosh's own
  highlighter on the 10 hits (``hit.highlights("body")``).

It prints p50/p95/mean per side and the ratio. Targets (issue 5): p95 < 50 ms
at 31k docs, < 250 ms at 310k.

The index is built once with ``index.build.build_index`` when that exists
(else a small builder below) into ``$MARSAD_BENCH_DIR`` (default
``/tmp/marsad-bench``) and reused; the 10x index is made by copying the
segment files under new segment ids (same documents, ten segments).

    python3 bench/bench_search.py [--rounds 3] [--only full|x10] [--rebuild]
"""
from __future__ import annotations

import argparse
import copy
import os
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from whoosh import index as windex  # noqa: E402
from whoosh import sorting  # noqa: E402
from whoosh.qparser import MultifieldParser  # noqa: E402

from marsad.search import SearchRequest, run  # noqa: E402
from marsad.search.service import open_searcher  # noqa: E402

CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
BENCH_DIR = Path(os.environ.get("MARSAD_BENCH_DIR", "/tmp/marsad-bench"))

# (query, filters) — a mix a newsroom user would type
QUERIES: list[tuple[str, dict]] = [
    ("سوريا", {}),
    ("السعودية", {}),
    ("داعش", {}),
    ("اليمن", {}),
    ("الحوثيين", {}),
    ("القواعد الأمريكية", {}),
    ("مجلس الأمن", {}),
    ('"مجلس الأمن"', {}),
    ('"خادم الحرمين الشريفين"', {}),
    ("وزير الخارجية السعودي", {}),
    ("عاصفة الحزم", {}),
    ("الاتفاق النووي إيران", {}),
    ("اللاجئين السوريين أوروبا", {}),
    ("أسعار النفط", {}),
    ("كأس العالم", {}),
    ("الهلال النصر", {}),
    ("الحج", {}),
    ("تفجير مسجد", {}),
    ("بشار الأسد", {}),
    ("بوتين", {}),
    ("ماكنزي~", {}),
    ("سوري*", {}),
    ("داعش -العراق", {}),
    ("حلب أو إدلب", {}),
    ("محافظة:حلب قصف", {}),
    ("جهة:داعش", {}),
    ("تاريخ:آب-2015 الحوثيين", {}),
    ("=الأمريكية", {}),
    ("كورونا", {}),  # rare/absent in 2015
    ("الاقتصاد", {"outlet": ("aawsat",)}),
    ("الرياض", {"date": ("2015",)}),
    ("الإرهاب", {"outlet": ("sabq", "okaz")}),
    ("", {}),  # browse everything, newest first
    ("الطائرات الروسية", {}),
    ("مسئول", {}),
]


def _stock_query_text(q: str) -> str:
    return q.replace("أو", "OR").replace("-العراق", "NOT العراق")


# ---------------------------------------------------------------- building


def _fallback_records(paths):
    """Records with facets: ``index.extract`` when present, else metadata only."""
    from marsad.index.sources import read_corpus
    try:
        from marsad.index.extract import extract  # type: ignore
    except Exception:  # not written yet
        extract = None
    for r in read_corpus(paths):
        if extract is not None:
            try:
                r = extract(r) or r
                yield r
                continue
            except Exception:
                pass
        r.outlet = r.meta.get("source") or None
        d = r.meta.get("date")
        if d:
            try:
                r.date = datetime.strptime(d[:10], "%Y-%m-%d").date()
                r.date_precision, r.date_source = "day", "metadata"
            except ValueError:
                pass
        yield r


def _fallback_build(paths, index_dir: Path) -> None:
    import json

    from marsad.index.schema import build_schema
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(index_dir), build_schema())
    w = ix.writer(procs=2, limitmb=256, multisegment=True)
    first: dict[str, str] = {}
    for i, r in enumerate(_fallback_records(paths)):
        h = r.content_hash
        dup = first.setdefault(h, r.id)
        w.add_document(
            id=r.id, url=r.url, source_path=r.source_path, content_hash=h,
            duplicate_of="" if dup == r.id else dup, ingested=datetime.now().isoformat(),
            title=r.title, body=r.body, title_exact=r.title, body_exact=r.body, outlet=r.outlet or None,
            date=datetime(r.date.year, r.date.month, r.date.day) if r.date else None,
            date_precision=r.date_precision or "", date_source=r.date_source or "",
            provinces=",".join(r.provinces) or None, actors=",".join(r.actors) or None,
            evidence=json.dumps([e.to_dict() for e in r.evidence], ensure_ascii=False))
        if i % 5000 == 0:
            print(f"  … {i} records", file=sys.stderr, flush=True)
    w.commit()


def full_index(rebuild: bool = False):
    d = BENCH_DIR / "full"
    if rebuild and d.exists():
        shutil.rmtree(d)
    try:
        from marsad.index.build import build_index, open_index  # type: ignore
    except Exception:
        build_index = open_index = None
    if open_index is not None:
        try:
            return open_index(d)
        except Exception:
            pass
    if windex.exists_in(str(d)):
        return windex.open_dir(str(d))
    t = time.perf_counter()
    print(f"building the full index into {d} (once) …", file=sys.stderr)
    paths = [CORPUS / "seeds", CORPUS / "saudinewsnet"]
    if build_index is not None:
        build_index(paths, d)
        ix = open_index(d)
    else:
        _fallback_build(paths, d)
        ix = windex.open_dir(str(d))
    print(f"built in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return ix


def replicated_index(src, times: int = 10):
    """The same segments ``times`` times under new ids (no re-analysis)."""
    d = BENCH_DIR / f"x{times}"
    if windex.exists_in(str(d)):
        return windex.open_dir(str(d))
    from whoosh.index import TOC
    src_dir = Path(src.storage.folder)
    toc = TOC.read(src.storage, src.indexname)
    d.mkdir(parents=True, exist_ok=True)
    segs = []
    for k in range(times):
        for seg in toc.segments:
            new = copy.copy(seg)
            new.segid = f"{seg.segid[:-3]}r{k:02d}"
            if getattr(seg, "compound", False):
                # a compound segment names its parts with the old id inside: unpack them renamed
                cs = seg.open_compound_file(src.storage)
                for name in cs.list():
                    with cs.open_file(name) as fh:
                        (d / name.replace(seg.segid, new.segid)).write_bytes(fh.read())
                new.compound = False
            else:
                for f in src_dir.iterdir():
                    if seg.segid in f.name:
                        shutil.copyfile(f, d / f.name.replace(seg.segid, new.segid))
            segs.append(new)
    from whoosh.filedb.filestore import FileStorage
    st = FileStorage(str(d))
    newtoc = TOC(toc.schema, segs, toc.generation)
    newtoc.write(st, src.indexname)
    return windex.open_dir(str(d))


# ---------------------------------------------------------------- timing


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def bench(ix, label: str, rounds: int, stock_every: int = 1) -> dict:
    """Time both sides; stock Whoosh on every ``stock_every``-th query only
    (at 310k docs one stock grouped search takes many seconds)."""
    s = open_searcher(ix)
    n = s.doc_count()
    t = time.perf_counter()
    run(s, SearchRequest(q="سوريا"))  # builds the per-reader facet arrays (once per index generation)
    warm = time.perf_counter() - t
    parser = MultifieldParser(["title", "body"], ix.schema)
    from whoosh.support.relativedelta import relativedelta
    year = sorting.DateRangeFacet("date", datetime(2010, 1, 1), datetime(2026, 1, 1),
                                  gap=relativedelta(years=1))
    groups = {"outlet": sorting.FieldFacet("outlet", allow_overlap=False),
              "province": sorting.FieldFacet("provinces", allow_overlap=True),
              "actor": sorting.FieldFacet("actors", allow_overlap=True), "date": year}
    ours: list[float] = []
    stock: list[float] = []
    totals = []
    for rnd in range(rounds):
        for qi, (q, filters) in enumerate(QUERIES):
            req = SearchRequest(q=q, filters=filters, sort="relevance" if q else "newest")
            t = time.perf_counter()
            r = run(s, req)
            ours.append((time.perf_counter() - t) * 1000)
            totals.append(r.total_docs)
            if qi % stock_every or (stock_every > 1 and rnd):
                continue
            wq = parser.parse(_stock_query_text(q)) if q else __import__("whoosh.query", fromlist=["Every"]).Every()
            t = time.perf_counter()
            res = s.search(wq, limit=10, groupedby=groups)
            for name in groups:
                res.groups(name)
            for hit in res:
                hit.highlights("body")
            stock.append((time.perf_counter() - t) * 1000)
    s.close()
    out = {"label": label, "docs": n, "queries": len(QUERIES), "rounds": rounds, "warmup_s": warm,
           "marsad_p50": pct(ours, 50), "marsad_p95": pct(ours, 95), "marsad_mean": statistics.mean(ours),
           "whoosh_p50": pct(stock, 50), "whoosh_p95": pct(stock, 95), "whoosh_mean": statistics.mean(stock)}
    print(f"\n== {label}: {n} docs, {len(QUERIES)} queries x {rounds} rounds "
          f"(facet arrays built in {warm * 1000:.0f} ms, once per index generation)")
    print(f"  marsad full request : p50 {out['marsad_p50']:7.1f} ms   p95 {out['marsad_p95']:7.1f} ms   "
          f"mean {out['marsad_mean']:7.1f} ms")
    if stock_every > 1:
        print(f"  (stock whoosh timed on every {stock_every}th query, one round: {len(stock)} searches)")
    print(f"  stock whoosh        : p50 {out['whoosh_p50']:7.1f} ms   p95 {out['whoosh_p95']:7.1f} ms   "
          f"mean {out['whoosh_mean']:7.1f} ms")
    print(f"  ratio whoosh/marsad : p50 {out['whoosh_p50'] / out['marsad_p50']:.1f}x   "
          f"p95 {out['whoosh_p95'] / out['marsad_p95']:.1f}x")
    return out


def per_query(ix, rounds: int = 3) -> None:
    s = open_searcher(ix)
    print("\n  per query (marsad, best of rounds):")
    for q, filters in QUERIES:
        req = SearchRequest(q=q, filters=filters, sort="relevance" if q else "newest")
        ts = []
        for _ in range(rounds):
            t = time.perf_counter()
            r = run(s, req)
            ts.append((time.perf_counter() - t) * 1000)
        print(f"    {min(ts):7.1f} ms  {r.total_docs:6d} docs  {q or '(all)'} {filters or ''}")
    s.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=("full", "x10"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--per-query", action="store_true")
    a = ap.parse_args()
    ix = full_index(a.rebuild)
    if a.only != "x10":
        bench(ix, "full corpus", a.rounds)
        if a.per_query:
            per_query(ix)
        print("  target: p95 < 50 ms")
    if a.only != "full":
        x10 = replicated_index(ix)
        bench(x10, "10x replicated", max(1, a.rounds - 1), stock_every=5)
        if a.per_query:
            per_query(x10, 1)
        print("  target: p95 < 250 ms")


if __name__ == "__main__":
    main()
