"""``marsad serve --workers N`` (issue 16): N waitress processes on one socket answer
concurrent requests, and stopping the server stops them all."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from corpus_support import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from bench_soak import _get  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid``, from /proc (no ps needed)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/stat").exists(),
                    reason="preforked workers need fork(); the test reads /proc")
def test_two_worker_processes_serve_and_stop_together(seeds_index: Path):
    port = _free_port()
    exe = Path(sys.executable).parent / "marsad"
    proc = subprocess.Popen([str(exe), "serve", "--index", str(seeds_index), "--port", str(port),
                             "--workers", "2", "--threads", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                status, body = _get(port, "/healthz")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail(f"server did not start: {proc.stderr.read() if proc.poll() is not None else ''}")
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["status"] == "ok"
        workers = _children(proc.pid)
        assert len(workers) == 2
        paths = ["/?q=" + quote(w) for w in ("سوريا", "حلب", "داعش", "الأسد")] + \
                ["/api/search?q=" + quote("سوريا")] * 4
        with ThreadPoolExecutor(8) as ex:
            got = list(ex.map(lambda p: _get(port, p), paths * 5))
        assert all(s == 200 for s, _ in got)
        assert any("سوريا".encode() in b for _, b in got)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    time.sleep(0.5)
    for pid in workers:  # every worker is gone with the server
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def _sockets(pid: int) -> int:
    """Open sockets of process ``pid`` (its listening socket and its connections), from /proc."""
    n = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            n += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return n


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/stat").exists(),
                    reason="preforked workers need fork(); the test reads /proc")
def test_keep_alive_clients_are_spread_evenly_over_the_workers(seeds_index: Path):
    """Eight keep-alive clients on two workers: four each (least connections), not the
    kernel's first-come split (5/3 or 6/2 in practice, the busier worker setting the p95)."""
    import http.client
    port = _free_port()
    exe = Path(sys.executable).parent / "marsad"
    proc = subprocess.Popen([str(exe), "serve", "--index", str(seeds_index), "--port", str(port),
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conns: list[http.client.HTTPConnection] = []
    try:
        deadline = time.time() + 60
        while True:
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("server did not start")
                time.sleep(0.2)
        time.sleep(0.5)  # the probe's connection closed on both sides
        workers = _children(proc.pid)
        before = {pid: _sockets(pid) for pid in workers}
        for _ in range(8):  # one at a time, each kept open after its answer (HTTP/1.1 keep-alive)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/?q=" + quote("سوريا"))
            r = c.getresponse()
            assert r.status == 200 and "سوريا".encode() in r.read()
            conns.append(c)
        held = sorted(_sockets(pid) - before[pid] for pid in workers)
        assert held == [4, 4]
    finally:
        for c in conns:
            c.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_page_is_computed_under_the_lock_and_a_stream_iterates_outside_it():
    """``OnePageAtATime``: the next page waits for this one, but not for a download's body."""
    from marsad.web.serve import OnePageAtATime
    seen: dict[str, bool] = {}

    def app(environ, start_response):
        seen["computing"] = mw.lock.locked()
        start_response("200 OK", [("Content-Type", "text/csv")])

        def rows():
            seen["streaming"] = mw.lock.locked()
            yield "صف".encode()
        return rows()

    mw = OnePageAtATime(app)
    assert list(mw({}, lambda *a: None)) == ["صف".encode()]
    assert seen == {"computing": True, "streaming": False}


def test_the_page_lock_is_handed_over_in_the_order_it_was_asked_for():
    """A thread that releases the lock and asks again queues behind the threads already waiting
    (with an unfair lock one request could wait through many others)."""
    import threading

    from marsad.web.serve import FairLock
    lock, order = FairLock(), []
    lock.acquire()

    def worker(name: str) -> None:
        with lock:
            order.append(name)

    threads = []
    for name in ("first", "second", "third"):
        t = threading.Thread(target=worker, args=(name,))
        t.start()
        threads.append(t)
        deadline = time.time() + 10
        while len(lock._waiters) < len(threads) and time.time() < deadline:  # queued before the next one
            time.sleep(0.001)
    lock.release()
    lock.acquire()  # the releasing thread asks again: it comes after the three
    order.append("again")
    lock.release()
    for t in threads:
        t.join(10)
    assert order == ["first", "second", "third", "again"]


class _FakeServer:
    """The two waitress attributes LeastConnections wraps, and an accept that records a connection."""

    def __init__(self, open_connections: int) -> None:
        self.active_channels = dict.fromkeys(range(open_connections))
        self.taken = 0

    def readable(self) -> bool:
        return True

    def handle_accept(self) -> None:
        self.active_channels[len(self.active_channels)] = None
        self.taken += 1


def test_a_busier_worker_leaves_each_new_connection_to_an_idle_one_and_takes_it_if_that_one_is_stuck():
    from marsad.web.serve import LeastConnections
    board = LeastConnections(2)
    busy = _FakeServer(3)
    board.attach(busy, 0)
    # the idle worker takes every connection within a millisecond, one arriving every 4 ms:
    # the busier one steps aside for each (its 50 ms is per connection, not per burst)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.3:
        board.publish(1, 0)
        busy.handle_accept()  # woken for the new connection too
        time.sleep(0.001)
        board.accepts[1] += 1  # ... which the idle worker took
        time.sleep(0.003)
    assert busy.taken == 0
    # the other worker is alive but stuck: the connection is taken after at most MAX_YIELD
    board.publish(1, 0)
    t0 = time.monotonic()
    while not busy.taken and time.monotonic() - t0 < 2:
        busy.handle_accept()
    assert busy.taken == 1 and time.monotonic() - t0 < 1.5  # (STALE, 3 s, would be the bound otherwise)
    # a worker silent for longer than STALE is not waited for at all
    board.beats[1] -= LeastConnections.STALE + 1
    busy.handle_accept()  # one call: stepping aside would return without accepting
    assert busy.taken == 2
