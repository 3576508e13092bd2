"""Full index build: Marsad vs stock Whoosh on the same documents, same core count.

Prints, for each: seconds, documents/s, peak memory (RSS of the process tree,
workers included, sampled every 0.1 s), index size, and the ratio.

    python3 bench/bench_build.py                 # ../shared/corpus (31,035 records)
    python3 bench/bench_build.py --replicate 10  # each record 10 times, ids suffixed (310k)
    python3 bench/bench_build.py --skip-stock    # Marsad only
    python3 bench/bench_build.py --quick         # seeds + three zips

Targets (issue 4): under 60 s on 2 cores, no slower than stock, peak memory
under 1.5 GB; 10x: under 2 GB, time close to 10x. Each build runs in its own
child process so one's memory does not inflate the other's figure.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def _run_child(kind: str, paths: list[str], out: str, procs: int, replicate: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--out", out, "--procs", str(procs),
           "--replicate", str(replicate), *paths]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(p.pid))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    stdout, _ = p.communicate()
    stop.set()
    th.join()
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{kind} build failed (exit {p.returncode})")
    res = dict(line.split("=", 1) for line in stdout.split() if "=" in line)
    docs = int(res["docs"])
    secs = float(res["seconds"])
    size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    return {"kind": kind, "docs": docs, "seconds": secs, "wall": wall, "peak": peak, "size": size,
            "cpu": float(res.get("cpu", 0))}


def _replicated(records, replicate: int):
    """Each record, then ``replicate - 1`` copies with ids and sources suffixed ``~k``."""
    for r in records:
        yield r
        for k in range(1, replicate):
            c = type(r)(**{**r.__dict__})
            c.id = f"{r.id}~{k}"
            c.source_path = f"{r.source_path}~{k}"
            yield c


def _records(paths: list[str], replicate: int):
    from marsad.index.sources import read_corpus
    return _replicated(read_corpus(paths), replicate)


def _child_marsad(paths: list[str], out: str, procs: int, replicate: int) -> tuple[int, float]:
    import marsad.index.build as build
    if replicate > 1:
        orig = build._reader

        class _Rep:
            def __init__(self, inner):
                self.inner = inner
                self.report = inner.report
                self.it = self._gen()

            def _gen(self):
                return _replicated(self.inner, replicate)

            def __iter__(self):
                return self.it

        build._reader = lambda p, fm: _Rep(orig(p, fm))  # type: ignore[assignment]
    t = time.perf_counter()
    rep = build.build_index(paths, out, procs=procs, progress=False)
    print("marsad-cpu-by-phase", " ".join(f"{k}:{v}" for k, v in rep.cpu.items()), file=sys.stderr)
    return rep.documents, time.perf_counter() - t


def _child_stock(paths: list[str], out: str, procs: int, replicate: int) -> tuple[int, float]:
    from whoosh import index as windex
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    t = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=StandardAnalyzer(), stored=True),
                    body=TEXT(analyzer=StandardAnalyzer(), stored=True))
    ix = windex.create_in(out, schema)
    # Whoosh's multiprocessing writer; multisegment=True was the faster setting
    # here (126 s vs 266 s merged, vs 322 s with one process).
    w = ix.writer(procs=procs, multisegment=True, limitmb=256) if procs > 1 else ix.writer(limitmb=256)
    n = 0
    for r in _records(paths, replicate):
        w.add_document(id=r.id, title=r.title, body=r.body)
        n += 1
    w.commit()
    return n, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--replicate", type=int, default=1)
    ap.add_argument("--skip-stock", action="store_true")
    ap.add_argument("--quick", action="store_true", help="seeds + three SaudiNewsNet zips (~5k records)")
    ap.add_argument("--keep", metavar="DIR", help="build into DIR and keep it (default: a temp dir, removed)")
    ap.add_argument("--child", choices=["marsad", "stock"], help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    paths = a.paths or [str(CORPUS / "seeds"), str(CORPUS / "saudinewsnet")]
    if a.quick and not a.paths:
        paths = [str(CORPUS / "seeds")] + [str(p) for p in sorted((CORPUS / "saudinewsnet").glob("*.zip"))[:3]]

    if a.child:
        fn = _child_marsad if a.child == "marsad" else _child_stock
        n, secs = fn(paths, a.out, a.procs, a.replicate)
        import resource
        cpu = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for f in ("ru_utime", "ru_stime"))
        print(f"docs={n} seconds={secs:.2f} cpu={cpu:.1f}")
        return

    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="marsad-bench-build-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"corpus: {', '.join(paths)}; replicate x{a.replicate}; procs {a.procs}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    rows = []
    try:
        for kind in (["marsad"] if a.skip_stock else ["marsad", "stock"]):
            out = base / kind
            shutil.rmtree(out, ignore_errors=True)
            print(f"building {kind} …", flush=True)
            rows.append(_run_child(kind, paths, str(out), a.procs, a.replicate))
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{'':8} {'docs':>8} {'seconds':>8} {'docs/s':>8} {'cpu s':>7} {'peak MB':>8} {'size MB':>8}")
    for r in rows:
        print(f"{r['kind']:8} {r['docs']:8d} {r['seconds']:8.1f} {r['docs'] / r['seconds']:8.0f} {r['cpu']:7.1f} "
              f"{r['peak'] / 1e6:8.0f} {r['size'] / 1e6:8.0f}")
    if len(rows) == 2:
        m, s = rows
        print(f"ratio marsad/stock: time {m['seconds'] / s['seconds']:.2f}, cpu {m['cpu'] / s['cpu']:.2f}, "
              f"peak memory {m['peak'] / s['peak']:.2f}, size {m['size'] / s['size']:.2f}")
    print("targets: full build < 60 s, <= stock time, peak < 1.5 GB (x10: < 2 GB, ~10x time)")


if __name__ == "__main__":
    main()
