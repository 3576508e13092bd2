"""Soak test on loopback: concurrent clients for a minute or more while a rebuild swaps the index.

Starts ``marsad serve`` (waitress, a child process) on 127.0.0.1, then client
threads (keep-alive HTTP, closed loop) send a fixed mix of ``/api/search``
queries and facet selections, the HTML page, document pages (ids escaped as
the page links them) and ``/healthz``. Midway, ``marsad index build`` (a real
child process) rebuilds the index and swaps it in under the running server.
Every answer must be a 200 with a well-formed body; anything else is an error.
Prints requests, requests/s, p50/p95/p99 and errors, overall and for the
requests that ran while the rebuild was running, and whether the server
answered from the new index afterwards. Exit status 1 if there was any error.

    python3 bench/bench_soak.py [--index DIR] [--seconds 60] [--clients 4] [--threads 4] [--procs 1] [--quick]

Without ``--index`` it builds the full corpus (seeds + all of SaudiNewsNet)
into a temporary directory, or reuses ``/tmp/ixfull`` if it is a valid full
index (it is then COPIED to a temporary directory first: the soak rebuilds
the index it serves, and never touches someone else's).
The figures are loopback figures on this machine with the rebuild competing
for the same cores: they say "keeps answering, how fast, under a rebuild",
not peak throughput (see bench/bench_web.py for that).

The library call the CI test uses: ``soak(index_dir, rebuild_paths, seconds=...)``.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from bench_web import MIX, free_port, pct  # noqa: E402 - the same user mix as the web benchmark
from common import stop_process  # noqa: E402

CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))

# the facet selections of the web benchmark, plus a few more that pages click
EXTRA: list[list[tuple[str, str]]] = [
    [("q", "سوريا"), ("facet_all", "outlet")],
    [("q", "الأسد"), ("sort", "newest"), ("page", "2")],
    [("province", "حلب"), ("province", "إدلب"), ("date", "2015")],
    [("q", "مجلس الأمن"), ("outlet", "سبق"), ("actor", "الأمم المتحدة")],
    [("q", "(داعش")],  # an unparseable query: a fallback, still a 200
    [("q", "غارات روسية~")],
]


@dataclass
class SoakResult:
    seconds: float = 0.0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    during_rebuild: list[float] = field(default_factory=list)
    errors_during_rebuild: int = 0
    rebuilds: list[dict[str, Any]] = field(default_factory=list)
    documents_before: int | None = None
    documents_after: int | None = None
    reopens_before: int | None = None
    reopens_after: int | None = None
    server_log: str = ""
    swap_seen_after: float | None = None  # seconds from the last rebuild's end to the server answering from it

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def figures(self) -> dict[str, Any]:
        ms = lambda xs, p: round(pct(xs, p) * 1000, 1)  # noqa: E731
        return {"seconds": round(self.seconds, 1), "requests": self.requests, "requests_per_s": round(self.rps, 1),
                "p50_ms": ms(self.latencies, 50), "p95_ms": ms(self.latencies, 95), "p99_ms": ms(self.latencies, 99),
                "errors": len(self.errors), "requests_during_rebuild": len(self.during_rebuild),
                "p95_during_rebuild_ms": ms(self.during_rebuild, 95), "errors_during_rebuild": self.errors_during_rebuild,
                "rebuilds": self.rebuilds, "documents_before": self.documents_before,
                "documents_after": self.documents_after, "reopens_before": self.reopens_before,
                "reopens_after": self.reopens_after, "swap_seen_after_s": self.swap_seen_after}

    def report(self) -> str:
        f = self.figures()
        lines = [
            f"soak: {f['requests']} requests in {f['seconds']} s = {f['requests_per_s']} req/s; "
            f"p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms; errors {f['errors']}",
            f"  while rebuilding: {f['requests_during_rebuild']} requests, p95 {f['p95_during_rebuild_ms']} ms, "
            f"errors {f['errors_during_rebuild']}",
        ]
        for r in self.rebuilds:
            lines.append(f"  rebuild: {r['command']} -> exit {r['exit']} in {r['seconds']} s "
                         f"(started at {r['started_at']} s)")
        lines.append(f"  index: {self.documents_before} documents before, {self.documents_after} after; "
                     f"server reopened the index {self.reopens_before} -> {self.reopens_after} times; "
                     f"answering from the new one {self.swap_seen_after} s after the rebuild ended")
        for e in sorted(set(self.errors))[:10]:
            lines.append(f"  error: {e}")
        return "\n".join(lines)


def start_server(index_dir: Path, port: int, threads: int, log_path: Path) -> subprocess.Popen:
    """``web.serve.serve`` (waitress) in a child process; its log goes to a file (a pipe nobody
    reads would fill up and stall the server)."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from marsad.web.serve import serve; "
            f"serve(index={str(index_dir)!r}, host='127.0.0.1', port={port}, threads={threads})")
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if _get(port, "/healthz", timeout=5)[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server did not start: {log_path.read_text(errors='replace')[-2000:]}")


def _get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def request_mix(port: int) -> list[str]:
    """The fixed list of paths the clients cycle through (documents taken from a first search)."""
    params = MIX + EXTRA
    paths = []
    for p in params:
        paths.append("/api/search?" + urlencode(p))
        paths.append("/?" + urlencode(p))
    status, body = _get(port, "/api/search?" + urlencode({"q": "سوريا", "page_size": "5"}))
    ids = [h["id"] for h in json.loads(body)["hits"]] if status == 200 else []
    for i in ids[:3]:  # escaped as the page links them (web.urls.doc_url): '#', '!' and '/' in SaudiNewsNet ids
        paths.append("/doc/" + quote(i, safe=""))
        paths.append("/api/doc/" + quote(i, safe=""))
    paths.append("/healthz")
    return paths


def _check(path: str, status: int, body: bytes) -> str | None:
    """None if the answer is right, else what is wrong."""
    if status != 200:
        return f"{status} {path}"
    if path.startswith(("/api/", "/healthz")):
        try:
            j = json.loads(body)
        except ValueError:
            return f"bad JSON {path}"
        if path.startswith("/api/search") and not ("total" in j and "hits" in j and "facets" in j):
            return f"incomplete result {path}"
    elif b"</html>" not in body:
        return f"truncated page {path}"
    return None


def soak(index_dir: Path, rebuild_paths: list[Path] | None, *, seconds: float = 60.0, clients: int = 4,
         threads: int = 4, procs: int = 1, rebuild_at: float = 0.4, extra_rebuilds: list[list[str]] | None = None,
         tail: float = 5.0, log=print) -> SoakResult:
    """Run the soak: a real waitress server on ``index_dir``, ``clients`` threads for ``seconds``
    (longer if a rebuild is still running: the load goes on until ``tail`` s after it ends).

    At ``rebuild_at`` × ``seconds``, ``marsad index build REBUILD_PATHS --index INDEX_DIR`` runs;
    ``extra_rebuilds`` (CLI argument lists, e.g. ``["index", "update", ...]``) run one after another
    after it.
    """
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="marsad-soak-server-", suffix=".log")[1])
    server = start_server(index_dir, port, threads, log_path)
    res = SoakResult()
    try:
        paths = request_mix(port)
        h = json.loads(_get(port, "/healthz")[1])
        res.documents_before, res.reopens_before = h.get("documents"), h.get("reopens")
        # warm-up: every server thread opens its searcher (not counted)
        for p in paths[: threads * 2]:
            _get(port, p)
        log(f"soak: {clients} clients, {threads} server threads, {len(paths)} request kinds, "
            f"{seconds:.0f} s, rebuild at {rebuild_at * seconds:.0f} s")
        lock = threading.Lock()
        state = {"rebuilding": False, "stop": False}
        t_start = time.monotonic()

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            i = k * 7
            lat: list[float] = []
            during: list[float] = []
            errs: list[tuple[str, bool]] = []
            while not state["stop"]:
                path = paths[i % len(paths)]
                i += 1
                rebuilding = state["rebuilding"]
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path)
                    r = conn.getresponse()
                    body = r.read()
                    err = _check(path, r.status, body)
                except (OSError, http.client.HTTPException) as exc:
                    err = f"{type(exc).__name__}: {exc} {path}"
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                dt = time.perf_counter() - t0
                if err:
                    errs.append((err, rebuilding or state["rebuilding"]))
                else:
                    lat.append(dt)
                    if rebuilding:
                        during.append(dt)
            conn.close()
            with lock:
                res.latencies.extend(lat)
                res.during_rebuild.extend(during)
                res.errors.extend(e for e, _ in errs)
                res.errors_during_rebuild += sum(1 for _, d in errs if d)

        workers = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
        for w in workers:
            w.start()

        commands: list[list[str]] = []
        if rebuild_paths:
            commands.append(["index", "build", *map(str, rebuild_paths), "--index", str(index_dir), "-q",
                             "--procs", str(procs)])
        commands += extra_rebuilds or []
        time.sleep(max(0.0, rebuild_at * seconds))
        for cmd in commands:
            t0 = time.monotonic()
            state["rebuilding"] = True
            p = subprocess.run([sys.executable, "-m", "marsad.web.cli", *cmd], cwd=ROOT, capture_output=True, text=True)
            state["rebuilding"] = False
            res.rebuilds.append({"command": "marsad " + " ".join(cmd[:2]), "exit": p.returncode,
                                 "seconds": round(time.monotonic() - t0, 1),
                                 "started_at": round(t0 - t_start, 1),
                                 "output": (p.stdout + p.stderr).strip()[-500:]})
            log(f"  {res.rebuilds[-1]['command']}: exit {p.returncode} in {res.rebuilds[-1]['seconds']} s "
                f"({p.stdout.strip()[-200:]})")
        # the server swaps a new generation in once it is opened and warmed (in the background):
        # the load goes on until /healthz says it did (or 180 s), then for the tail
        if commands and any(r["exit"] == 0 for r in res.rebuilds):
            t_done = time.monotonic()
            while time.monotonic() - t_done < 180:
                try:
                    if json.loads(_get(port, "/healthz")[1]).get("reopens", 0) > (res.reopens_before or 0):
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.5)
            res.swap_seen_after = round(time.monotonic() - t_done, 1)
        end = max(t_start + seconds, time.monotonic() + tail)
        while time.monotonic() < end:
            time.sleep(0.1)
        state["stop"] = True
        for w in workers:
            w.join(120)
        res.seconds = time.monotonic() - t_start
        res.requests = len(res.latencies) + len(res.errors)
        h = json.loads(_get(port, "/healthz")[1])
        res.documents_after, res.reopens_after = h.get("documents"), h.get("reopens")
    finally:
        stop_process(server)
        res.server_log = log_path.read_text(errors="replace")[-3000:]
        log_path.unlink(missing_ok=True)
    return res


def _valid_full(d: Path) -> bool:
    try:
        from marsad.index.build import open_index
        return open_index(d).doc_count() > 30_000
    except Exception:  # noqa: BLE001 - missing or not a Marsad index
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None,
                    help="an index to COPY and serve (default: /tmp/ixfull if valid, else a fresh full build)")
    ap.add_argument("--seconds", type=float, default=60.0, help="soak duration (at least 60 for the figures)")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4, help="waitress worker threads")
    ap.add_argument("--procs", type=int, default=1, help="worker processes of the midway rebuild")
    ap.add_argument("--quick", action="store_true", help="seeds + 2 SaudiNewsNet zips, 30 s")
    a = ap.parse_args()
    corpus = [CORPUS / "seeds", CORPUS / "saudinewsnet"]
    if a.quick:
        corpus = [CORPUS / "seeds", *sorted((CORPUS / "saudinewsnet").glob("*.zip"))[:2]]
        a.seconds = min(a.seconds, 30.0)
    work = Path(tempfile.mkdtemp(prefix="marsad-soak-"))
    try:
        ix = work / "index"
        source = a.index or (Path("/tmp/ixfull") if not a.quick and _valid_full(Path("/tmp/ixfull")) else None)
        if source is not None:
            print(f"copying {source} -> {ix} (the soak rebuilds what it serves)")
            shutil.copytree(source, ix, symlinks=True, ignore=shutil.ignore_patterns(".lock", "tmp-*"))
        else:
            print(f"building {' + '.join(p.name for p in corpus)} into {ix} …", flush=True)
            t0 = time.perf_counter()
            from marsad.index.build import build_index
            rep = build_index(corpus, ix, procs=2, progress=False)
            print(f"built {rep.documents} documents in {time.perf_counter() - t0:.0f} s")
        res = soak(ix, corpus, seconds=a.seconds, clients=a.clients, threads=a.threads, procs=a.procs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(res.report())
    failed = bool(res.errors) or any(r["exit"] != 0 for r in res.rebuilds) or (res.reopens_after or 0) <= (
        res.reopens_before or 0)
    if failed:
        print("SOAK FAILED: errors, a failed rebuild, or the server never picked up the new index")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
