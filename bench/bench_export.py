"""Export of a whole result set (issue 15): rows/s and memory of streaming every
article of a search as CSV and JSON Lines, beside the baseline a script would
otherwise use in the same process: paging through ``search.run`` 100 hits at a
time (the API's largest page) up to its result window.

    python3 bench/bench_export.py [--index DIR] [--q QUERY]

Without ``--index`` it uses ``/tmp/ixfull`` (built there from
``../shared/corpus`` when missing). The empty query exports the whole corpus
(31k rows).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="/tmp/ixfull")
    ap.add_argument("--q", default="", help="the search (default: every article)")
    a = ap.parse_args()
    from marsad.index.build import open_index
    from marsad.search import SearchRequest, run
    from marsad.search.export import rows, to_csv, to_jsonl
    from marsad.search.request import MAX_RESULT_WINDOW
    from marsad.search.service import open_searcher

    if not Path(a.index).exists():  # build it once, as the other benchmarks do
        from marsad.index.build import build_index
        build_index([ROOT.parent / "shared" / "corpus"], a.index, progress=False)
    s = open_searcher(open_index(a.index))
    req = SearchRequest(q=a.q)
    run(s, req)  # warm the reader's arrays: what a served index has
    print(f"index {a.index}; query {a.q!r}")
    for name, fmt in (("csv", to_csv), ("jsonl", to_jsonl)):
        before = _rss_mb()
        t = time.perf_counter()
        n_bytes = n_rows = 0
        for chunk in fmt(rows(s, req)):
            n_bytes += len(chunk.encode("utf-8"))
            n_rows += 1
        secs = time.perf_counter() - t
        n_rows -= name == "csv"  # the header
        print(f"  export {name:5s}  {n_rows:7d} rows  {secs:6.1f} s  {n_rows / secs:7.0f} rows/s  "
              f"{n_bytes / 2**20:6.1f} MB  peak RSS +{_rss_mb() - before:.0f} MB")
    t = time.perf_counter()
    got, page = 0, 1
    while True:
        r = run(s, SearchRequest(q=a.q, page=page, page_size=100))
        got += len(r.hits)
        if not r.hits or page * 100 >= min(r.total, MAX_RESULT_WINDOW):
            break
        page += 1
    secs = time.perf_counter() - t
    print(f"  baseline: search.run pages of 100  {got:7d} rows  {secs:6.1f} s  {got / secs:7.0f} rows/s "
          f"(stops at the result window, {MAX_RESULT_WINDOW} rows)")


if __name__ == "__main__":
    main()
