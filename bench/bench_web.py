"""Web throughput and latency under concurrent load on loopback (a benchmark, not a test).

Starts ``marsad serve`` (waitress, in a child process) on 127.0.0.1 against
the full-corpus index, then a bounded Python load generator (threads with
keep-alive HTTP connections, fixed duration and request cap) sends a mix of
queries and facet selections to ``/api/search`` and to the HTML page. Prints
requests, requests/s, p50/p95/p99 latency and errors for each, beside two
baselines measured in the same run: ``/healthz`` (the HTTP + Flask floor)
and ``search.run`` called directly in this process (the search itself).

    python3 bench/bench_web.py [--index DIR] [--clients 8] [--seconds 15] [--threads 2] [--quick]
    python3 bench/bench_web.py --inprocess-only [--rounds 5] [--compare REV]

First, in-process (Flask test client, warm, one thread): the search page, the
search page with facets ticked, the document page and ``/api/search``, each
p50/p95/mean and bytes per page (what Jinja rendering and the view models
cost, without HTTP). ``--compare REV`` runs the same in-process measurement on
the code of git revision REV (a ``git worktree`` in a temp dir, imported in a
child process instead of this checkout) and prints both side by side with
ratios.

Without ``--index`` it uses the full-corpus index of ``bench/bench_search.py``
(``$MARSAD_BENCH_DIR/full``, default ``/tmp/marsad-bench``) when ``marsad``
can open it, else builds one once with ``index.build.build_index`` into
``$MARSAD_BENCH_DIR/web-full`` and reuses it.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import stop_process  # noqa: E402

# A user's day: words, phrases, operators, field filters, ticked facets, paging, sorting.
MIX: list[list[tuple[str, str]]] = [
    [("q", "سوريا")],
    [("q", "داعش")],
    [("q", "بشار الأسد")],
    [("q", '"مجلس الأمن"')],
    [("q", "حلب أو إدلب")],
    [("q", "سوريا"), ("province", "حلب")],
    [("q", "سوريا"), ("province", "حلب"), ("province", "دمشق")],
    [("q", "داعش"), ("outlet", "الشرق الأوسط"), ("outlet", "سبق")],
    [("q", "اللاجئين السوريين"), ("date", "2015-09")],
    [("q", "روسيا"), ("sort", "newest")],
    [("q", "سوريا"), ("page", "3")],
    [("q", "سوري*")],
    [("q", "الحوثيين"), ("actor", "الحوثيون")],
    [("q", "تاريخ:آب-2015 غارات")],
    [("date", "2015")],
    [("q", "النظام السوري"), ("sort", "oldest"), ("page", "2")],
]


# Facets ticked: the page a researcher narrows (outlets, provinces, a year, an actor).
TICKED: list[list[tuple[str, str]]] = [
    [("q", "سوريا"), ("province", "حلب")],
    [("q", "سوريا"), ("province", "حلب"), ("province", "دمشق"), ("date", "2015")],
    [("q", "داعش"), ("outlet", "الشرق الأوسط"), ("outlet", "سبق")],
    [("q", "اللاجئين السوريين"), ("date", "2015-09")],
    [("q", "الحوثيين"), ("actor", "الحوثيون"), ("outlet", "سبق")],
    [("province", "إدلب"), ("date", "2015")],
]


def use_code_root(code_root: Path) -> None:
    """Import ``marsad`` from ``code_root`` (another checkout) instead of the installed one.

    The editable install's finders are dropped and a temp dir with
    ``marsad/<layer>`` symlinks into ``code_root`` goes first on sys.path.
    """
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")
                        and "__editable__" not in type(f).__module__]
    sys.path[:] = [p for p in sys.path if "__editable__" not in p]
    shim = Path(tempfile.mkdtemp(prefix="marsad-shim-"))
    (shim / "marsad").mkdir()
    for layer in ("analyzers", "index", "search", "web"):
        (shim / "marsad" / layer).symlink_to(code_root / layer)
    sys.path.insert(0, str(shim))


def inprocess(index_dir: Path, rounds: int, docs: int = 8) -> dict[str, dict]:
    """Each page kind through the Flask test client, warm: latency and bytes."""
    from marsad.web import create_app
    app = create_app({"INDEX": str(index_dir)})
    client = app.test_client()
    first = client.get("/api/search?" + urlencode([("q", "سوريا"), ("page_size", "20")])).get_json()
    doc_ids = [h["id"] for h in first["hits"]][:docs]
    kinds = {
        "search page": ["/?" + urlencode(p) for p in MIX],
        "search page, facets ticked": ["/?" + urlencode(p) for p in TICKED],
        "document page": ["/doc/" + quote(d, safe="") + "?q=" + quote("سوريا") for d in doc_ids],
        "API search": ["/api/search?" + urlencode(p) for p in MIX],
    }
    out: dict[str, dict] = {}
    for label, paths in kinds.items():
        for path in paths:  # warm: searchers, caches, compiled templates
            client.get(path)
        lat: list[float] = []
        sizes: list[int] = []
        for _ in range(rounds):
            for path in paths:
                t0 = time.perf_counter()
                r = client.get(path)
                body = r.get_data()
                lat.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}")
                sizes.append(len(body))
        out[label] = {"ok": len(lat), "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000,
                      "mean": statistics.fmean(lat) * 1000, "bytes": statistics.fmean(sizes)}
    return out


def inprocess_on_rev(rev: str, index_dir: Path, rounds: int, docs: int = 8) -> dict[str, dict]:
    """:func:`inprocess` on the code of git revision ``rev`` (a temp worktree, a child process)."""
    tmp = Path(tempfile.mkdtemp(prefix="marsad-compare-"))
    wt = tmp / "wt"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(wt), rev], check=True)
    try:
        code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import bench_web as b; "
                f"from pathlib import Path; b.use_code_root(Path({str(wt)!r})); "
                f"print(json.dumps(b.inprocess(Path({str(index_dir)!r}), {rounds}, {docs})))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp))
        if done.returncode != 0:
            raise SystemExit(f"--compare {rev} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(wt)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def best_of(runs: list[dict[str, dict]]) -> dict[str, dict] | None:
    """Per page kind, the repetition with the lowest p50 (the least disturbed by other load)."""
    if not runs:
        return None
    return {label: min((r[label] for r in runs), key=lambda x: x["p50"]) for label in runs[0]}


def print_inprocess(now: dict[str, dict], before: dict[str, dict] | None, rev: str | None) -> None:
    print("in-process (Flask test client, warm, 1 thread):")
    for label, r in now.items():
        print(f"  {label:<28} {r['ok']:>5} req  p50 {r['p50']:>7.1f} ms  p95 {r['p95']:>7.1f} ms  "
              f"mean {r['mean']:>7.1f} ms  {r['bytes'] / 1024:>6.1f} KB/page")
        if before and label in before:
            b = before[label]
            print(f"  {'  at ' + str(rev):<28} {b['ok']:>5} req  p50 {b['p50']:>7.1f} ms  p95 {b['p95']:>7.1f} ms  "
                  f"mean {b['mean']:>7.1f} ms  {b['bytes'] / 1024:>6.1f} KB/page   "
                  f"ratio now/then: p50 {r['p50'] / b['p50']:.2f}, bytes {r['bytes'] / b['bytes']:.2f}")
    # what the HTML adds to the same search (view models + rendering), beside the same for REV
    for label in ("search page", "search page, facets ticked"):
        extra = now[label]["p50"] - now["API search"]["p50"]
        then = f"; at {rev}: {before[label]['p50'] - before['API search']['p50']:.1f} ms" if before else ""
        print(f"  HTML over API, {label}: p50 {extra:.1f} ms{then}")


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_WRK_LUA = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%f %%f %%f %%f %%d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk(port: int, paths: list[str], clients: int, seconds: float, accept_encoding: str = "") -> dict[str, Any]:
    """The same closed-loop load from ``wrk`` (C, 2 threads, ``clients`` connections), cycling ``paths``
    (``accept_encoding``: the header a browser sends, so that pages are compressed as for it)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(_WRK_LUA % ", ".join(json.dumps(p) for p in paths))
        script = f.name
    try:
        header = ["-H", f"Accept-Encoding: {accept_encoding}"] if accept_encoding else []
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{max(1, int(seconds))}s", *header, "-s", script,
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    n, dur, p50, p95, p99, errors = next(line.split()[1:] for line in out.splitlines() if line.startswith("WRK "))
    return {"requests": int(n), "rps": int(n) / float(dur), "p50": float(p50), "p95": float(p95),
            "p99": float(p99), "errors": int(errors)}


def _get_json(port: int, path: str) -> Any:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    return json.loads(c.getresponse().read())


def start_server(index_dir: Path, port: int, threads: int, workers: int = 1) -> subprocess.Popen:
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from marsad.web.serve import serve; "
            f"serve(index={str(index_dir)!r}, host='127.0.0.1', port={port}, threads={threads}, "
            f"workers={workers})")
    # the server's log goes to a file: a pipe nobody drains fills after ~64 KB of log lines
    # (waitress warns of every queued request) and then blocks the server in its logger
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    log.seek(0)
    raise SystemExit(f"server did not start: {log.read().decode(errors='replace')[-2000:]}")


def load(port: int, paths: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    """Closed-loop load: ``clients`` threads, each one request at a time, until time or count runs out."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sent = [0]
    stop_at = time.monotonic() + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = k
        mine: list[float] = []
        while time.monotonic() < stop_at:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            path = paths[i % len(paths)]
            i += clients
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
                status = str(r.status)
            except (OSError, http.client.HTTPException) as exc:
                ok, status = False, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            dt = time.perf_counter() - t0
            if ok:
                mine.append(dt)
            else:
                with lock:
                    errors.append(f"{status} {path}")
        conn.close()
        with lock:
            lat.extend(mine)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"ok": len(lat), "errors": errors, "wall": wall, "rps": len(lat) / wall if wall else 0.0,
            "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000, "p99": pct(lat, 99) * 1000,
            "mean": (statistics.fmean(lat) * 1000) if lat else float("nan")}


def direct_baseline(index_dir: Path, rounds: int) -> dict:
    """search.run in this process on the same mix: the cost of the search itself."""
    from werkzeug.datastructures import MultiDict

    from marsad.search import SearchRequest, open_searcher, run
    from marsad.web.indexholder import IndexHolder
    ix = open_searcher(IndexHolder(str(index_dir)).get())  # one searcher, as a server thread keeps
    run(ix, SearchRequest(q="سوريا"))  # facet arrays, once per index generation
    lat = []
    for _ in range(rounds):
        for params in MIX:
            req = SearchRequest.from_args(MultiDict(params))
            t0 = time.perf_counter()
            run(ix, req)
            lat.append(time.perf_counter() - t0)
    return {"ok": len(lat), "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000,
            "p99": pct(lat, 99) * 1000, "rps": len(lat) / sum(lat)}


def line(label: str, r: dict) -> str:
    errs = len(r.get("errors", []))
    return (f"{label:<26} {r['ok']:>7} req  {r['rps']:>8.1f} req/s  p50 {r['p50']:>7.1f} ms  "
            f"p95 {r['p95']:>7.1f} ms  p99 {r['p99']:>7.1f} ms  errors {errs}")


def full_index_dir() -> Path:
    """An index root of the full corpus that ``open_index`` accepts (built once)."""
    from marsad.index.build import build_index, open_index
    bench_dir = Path(os.environ.get("MARSAD_BENCH_DIR", "/tmp/marsad-bench"))
    corpus = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))
    for d in (bench_dir / "full", bench_dir / "web-full"):
        try:
            if open_index(d).doc_count() > 30_000:
                return d
        except Exception:  # noqa: BLE001 - not there, or not a Marsad index: try the next
            pass
    d = bench_dir / "web-full"
    print(f"building the full index into {d} (once) …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    build_index([corpus / "seeds", corpus / "saudinewsnet"], d, progress=False)
    print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None, help="index directory (default: the bench full index)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (the issue's target: 8)")
    ap.add_argument("--seconds", type=float, default=15.0, help="duration of each phase")
    ap.add_argument("--max-requests", type=int, default=50_000, help="cap per phase")
    ap.add_argument("--threads", type=int, default=2, help="threads per server process (marsad serve's default)")
    ap.add_argument("--workers", type=int, default=2, help="server processes (marsad serve --workers)")
    ap.add_argument("--quick", action="store_true", help="5 s phases")
    ap.add_argument("--rounds", type=int, default=5, help="in-process rounds over each page kind")
    ap.add_argument("--inprocess-only", action="store_true", help="skip the HTTP load phases")
    ap.add_argument("--compare", metavar="REV", help="also measure git revision REV in-process")
    ap.add_argument("--repeat", type=int, default=1,
                    help="alternate REV and this code N times; report each kind's best p50 run")
    ap.add_argument("--docs", type=int, default=8, help="documents in the document-page mix")
    a = ap.parse_args()
    if a.quick:
        a.seconds = min(a.seconds, 5.0)

    index_dir = a.index or full_index_dir()
    print(f"index: {index_dir}")
    befores, nows = [], []
    for _ in range(max(1, a.repeat)):
        if a.compare:
            befores.append(inprocess_on_rev(a.compare, index_dir, a.rounds, a.docs))
        nows.append(inprocess(index_dir, a.rounds, a.docs))
    print_inprocess(best_of(nows), best_of(befores), a.compare)
    if a.inprocess_only:
        return 0
    base = direct_baseline(index_dir, rounds=2 if a.quick else 5)

    port = free_port()
    proc = start_server(index_dir, port, a.threads, a.workers)
    try:
        docs = http.client.HTTPConnection("127.0.0.1", port)
        docs.request("GET", "/healthz")
        print(f"server: waitress, {a.workers} processes x {a.threads} threads, "
              f"{docs.getresponse().read().decode().strip()}")
        api_paths = ["/api/search?" + urlencode(p) for p in MIX]
        page_paths = ["/?" + urlencode(p) for p in MIX]
        # warm up: every server thread opens its searcher and the per-reader caches get built
        load(port, api_paths + page_paths, clients=a.threads, seconds=120, max_requests=a.threads * 4)
        print(f"load: {a.clients} clients, {a.seconds:.0f} s per phase, {len(MIX)} request kinds, loopback")
        results = {
            "healthz (HTTP floor)": load(port, ["/healthz"], a.clients, a.seconds / 3, a.max_requests),
            "/api/search": load(port, api_paths, a.clients, a.seconds, a.max_requests),
            "HTML page /": load(port, page_paths, a.clients, a.seconds, a.max_requests),
        }
        if shutil.which("wrk"):
            doc_ids = [h["id"] for h in _get_json(port, "/api/search?" + urlencode([("q", "سوريا"),
                                                                                   ("page_size", "8")]))["hits"]]
            doc_paths = ["/doc/" + quote(d, safe="") + "?q=" + quote("سوريا") for d in doc_ids]
            wrk_results = {
                "wrk: healthz (HTTP floor)": wrk(port, ["/healthz"], a.clients, a.seconds / 3),
                "wrk: search + document pages": wrk(port, page_paths + doc_paths, a.clients, a.seconds),
                # what a browser asks for: the same pages brotli-compressed (~1 ms of CPU a page)
                "wrk: the same, br/gzip accepted": wrk(port, page_paths + doc_paths, a.clients, a.seconds,
                                                       accept_encoding="br, gzip"),
                "wrk: search pages, facets ticked": wrk(port, ["/?" + urlencode(p) for p in TICKED], a.clients,
                                                        a.seconds),
                # the second page target on its own: highlights and more-like-this
                "wrk: document pages": wrk(port, doc_paths, a.clients, a.seconds),
            }
        else:
            wrk_results = {}
            print("(wrk not installed: `apt-get install wrk` adds the same load from a C client, which takes "
                  "less of the machine than this Python one)")
    finally:
        stop_process(proc)
    print(line("search.run direct (1 thr)", base))
    for label, r in results.items():
        print(line(label, r))
        for e in sorted(set(r["errors"]))[:5]:
            print(f"    error: {e}")
    for label, r in wrk_results.items():
        print(f"{label:34s} {r['requests']:6d} req {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  "
              f"p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']}")
    api, page = results["/api/search"], results["HTML page /"]
    print(f"ratios: /api/search p95 / direct search.run p95 = {api['p95'] / base['p95']:.2f}; "
          f"HTML p95 / API p95 = {page['p95'] / api['p95']:.2f}; "
          f"API req/s / healthz req/s = {api['rps'] / results['healthz (HTTP floor)']['rps']:.3f}")
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
