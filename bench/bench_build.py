"""Full index build: Marsad vs stock Whoosh on the same documents, same core count.

Prints, for each: seconds, documents/s, peak memory (RSS of the process tree,
workers included, sampled every 0.1 s), index size, and the ratio.

    python3 bench/bench_build.py                 # ../shared/corpus (31,035 records)
    python3 bench/bench_build.py --replicate 10  # each record 10 times, ids suffixed (310k)
    python3 bench/bench_build.py --skip-stock    # Marsad only
    python3 bench/bench_build.py --quick         # seeds + three zips
    python3 bench/bench_build.py --skip-stock --lucene   # + Lucene 8.8 (1 thread, bodies stored and not)

With ``--lucene`` the corpus is written as JSON lines by
``../shared/lucene-baseline/corpus_jsonl.py`` (``--replicate`` passed on) and
indexed by the Lucene baseline twice in the same run: with ``STORE_BODY=1``
(what an index that shows documents needs: the fair size comparison) and
without. Marsad's index is printed by part (:func:`index_size_by_part`) beside
Lucene's and the raw corpus (the JSON lines file).

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


LUCENE_DIR = ROOT.parent / "shared" / "lucene-baseline"


def index_size_by_part(index_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Bytes of a Marsad index by part: postings (doc ids + frequencies),
    positions, terms, stored, columns, other, total. ``index_dir`` is an
    index root (its live generation is measured) or a generation folder."""
    from marsad.index.codec import size_by_part
    from marsad.index.store import live_dir
    d = Path(index_dir)
    live = live_dir(d) if (d / "CURRENT").exists() else None
    return size_by_part(live or d)


# Lucene 8.8 file extensions -> the parts index_size_by_part names for Marsad
_LUCENE_PARTS = {"doc": "postings", "pos": "positions", "pay": "positions", "tim": "terms", "tip": "terms",
                 "tmd": "terms", "fdt": "stored", "fdx": "stored", "fdm": "stored", "nvd": "columns",
                 "nvm": "columns", "dvd": "columns", "dvm": "columns"}


def _vint(b: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        if x < 0x80:
            return v, i
        shift += 7


def _cfe_entries(cfe: Path) -> dict[str, int]:
    """File name -> length inside a Lucene compound file, from its entry table
    (``.cfe``: CodecUtil index header, VInt count, then name, offset, length)."""
    b = cfe.read_bytes()
    i = 4  # the header's magic
    n, i = _vint(b, i)
    i += n + 4 + 16  # codec name, version, segment id
    i += 1 + b[i]  # suffix
    count, i = _vint(b, i)
    out = {}
    for _ in range(count):
        n, i = _vint(b, i)
        name = b[i:i + n].decode()
        i += n + 8  # the offset
        out[name] = int.from_bytes(b[i:i + 8], "big")
        i += 8
    return out


def lucene_size_by_part(index_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Bytes of a Lucene index by the parts of :func:`index_size_by_part`
    (postings, positions, terms, stored, columns = norms and doc values,
    other), compound files opened through their entry tables."""
    parts = dict.fromkeys(("postings", "positions", "terms", "stored", "columns", "other"), 0)
    for f in Path(index_dir).iterdir():
        if f.suffix == ".cfs":
            continue  # counted through its .cfe
        entries = _cfe_entries(f) if f.suffix == ".cfe" else {f.name: f.stat().st_size}
        for name, size in entries.items():
            parts[_LUCENE_PARTS.get(name.rsplit(".", 1)[-1], "other")] += size
    parts["total"] = sum(parts.values())
    return parts


def print_size_by_part(parts: dict[str, int], against: int | None = None, label: str = "lucene") -> None:
    """One line per part, MB; ``against``: a reference size (ratio printed)."""
    print("marsad index by part (MB): " + ", ".join(f"{k} {v / 1e6:.1f}" for k, v in parts.items()))
    if against:
        print(f"ratio marsad/{label}: size {parts['total'] / against:.2f} (target <= 2.0)")


def _lucene(paths: list[str], base: Path, replicate: int) -> list[dict]:
    """Lucene baseline builds (1 thread): bodies stored and not; plus the raw JSONL size."""
    import json
    jsonl = base / "corpus.jsonl"
    cmd = [sys.executable, str(LUCENE_DIR / "corpus_jsonl.py"), str(jsonl)]
    if replicate > 1:
        cmd += ["--replicate", str(replicate)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    rows = []
    for store_body in ("1", "0"):
        out = base / f"lucene-body{store_body}"
        shutil.rmtree(out, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if k != "STORE_BODY"}
        if store_body == "1":  # the baseline stores bodies when the variable is set at all
            env["STORE_BODY"] = "1"
        t = time.perf_counter()
        p = subprocess.run([str(LUCENE_DIR / "lucene"), "index", str(jsonl), str(out)], env=env, check=True,
                           stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t
        res = json.loads(p.stdout.strip().splitlines()[-1])
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        rows.append({"kind": f"lucene{'+body' if store_body == '1' else ''}", "docs": int(res.get("docs", 0)),
                     "seconds": float(res.get("seconds", wall)), "size": size, "raw": jsonl.stat().st_size})
    return rows


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
    ap.add_argument("--lucene", action="store_true", help="also build the Lucene baseline (bodies stored and not)")
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
    lucene: list[dict] = []
    parts: dict[str, int] = {}
    try:
        for kind in (["marsad"] if a.skip_stock else ["marsad", "stock"]):
            out = base / kind
            shutil.rmtree(out, ignore_errors=True)
            print(f"building {kind} …", flush=True)
            rows.append(_run_child(kind, paths, str(out), a.procs, a.replicate))
            if kind == "marsad":
                parts = index_size_by_part(out)
        if a.lucene:
            print("building lucene (1 thread, STORE_BODY=1 and 0) …", flush=True)
            lucene = _lucene(paths, base, a.replicate)
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
    for r in lucene:
        print(f"{r['kind']:12} {r['docs']:8d} docs {r['seconds']:8.1f} s {r['size'] / 1e6:8.1f} MB")
    if parts:
        body = next((r for r in lucene if r["kind"] == "lucene+body"), None)
        print_size_by_part(parts, body["size"] if body else None, "lucene+body")
        if body:
            print(f"raw corpus (JSON lines): {body['raw'] / 1e6:.1f} MB; "
                  f"ratio marsad/lucene build time: {rows[0]['seconds'] / body['seconds']:.2f} "
                  f"(marsad {a.procs} procs, lucene 1 thread)")
    print("targets: full build < 60 s, <= stock time, peak < 1.5 GB (x10: < 2 GB, ~10x time)")


if __name__ == "__main__":
    main()
