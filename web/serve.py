"""``marsad serve``: run the web front end.

Waitress (a production WSGI server) by default; ``--debug`` uses Flask's
development server with the reloader and the debugger (never expose that).
The server reopens the index by itself after ``marsad index build``/``update``
swaps it, so it never needs a restart for new data.

``--workers N`` (default: the machine's cores, at most 4) runs N waitress
processes on one listening socket. Python runs one thread at a time per
process, so one process uses one core however many threads it has; the index
is memory-mapped, so the processes share its pages. A new connection goes to
a process with the fewest open connections (:class:`LeastConnections`): the
kernel alone hands it to whichever process wakes first, and with keep-alive
clients that split stays for the whole session (8 clients landed 5/3 or 6/2
on two processes, and the busier one set every latency).
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.sharedctypes import RawArray
from typing import Any

import click

from marsad.index.store import index_option_help

__all__ = ["serve_cmd", "serve", "index_problem"]


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def serve(index: str | None = None, host: str = "127.0.0.1", port: int = 5000, debug: bool = False,
          threads: int = 2, workers: int = 1) -> None:
    """Serve the app until interrupted (the one library call behind ``marsad serve``)."""
    if workers > 1 and not debug and hasattr(os, "fork"):
        _serve_forked(index, host, port, threads, workers)
        return
    _serve_one(index, host, port, debug, threads)


def _serve_forked(index: str | None, host: str, port: int, threads: int, workers: int) -> None:
    """``workers`` child processes, each a waitress server on the one socket bound here."""
    from marsad.index.build import die_with_parent

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    # every process wakes on a new connection and one accepts it: a blocking accept() would hang the others
    sock.setblocking(False)
    parent = os.getpid()
    board = LeastConnections(workers)
    children: list[int] = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own app, threads and index holder
            die_with_parent(parent)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _serve_one(index, host, port, False, threads, sock=sock, quiet=i > 0, board=(board, i))
            finally:
                os._exit(0)
        children.append(pid)
    click.echo(f"marsad: {workers} server processes, {threads} threads each", err=True)

    def stop(signum: int, _frame: object) -> None:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


class LeastConnections:
    """Open connections of each forked worker, in memory the workers share.

    Every worker keeps listening, so every one of them wakes for a new
    connection; one that holds more connections than another live worker
    steps aside for a moment (half a millisecond at a time, at most
    ``MAX_YIELD`` seconds, in case the other is stuck) and lets that one
    accept it: nginx's ``least_conn`` between processes. A worker that stopped
    listening instead would sleep through the moment its turn came (up to
    its event loop's one-second poll). Each worker writes its count and a
    heartbeat whenever its loop turns; a worker silent for longer than
    ``STALE`` seconds (dead or stuck) is not waited for.

    >>> board = LeastConnections(2)
    >>> board.publish(0, 3); board.publish(1, 1)
    >>> board.fewer_elsewhere(0, 3), board.fewer_elsewhere(1, 1)
    (True, False)
    """

    STALE = 3.0
    MAX_YIELD = 0.05

    def __init__(self, workers: int) -> None:
        # shared anonymous memory, created before fork: every child sees the same arrays
        self.counts = RawArray("i", workers)
        self.beats = RawArray("d", workers)
        self.accepts = RawArray("q", workers)  # connections each worker accepted so far

    def publish(self, me: int, open_connections: int) -> None:
        self.counts[me] = open_connections
        self.beats[me] = time.monotonic()

    def fewer_elsewhere(self, me: int, open_connections: int) -> bool:
        """Whether another live worker holds fewer connections than ``open_connections``."""
        now = time.monotonic()
        return any(j != me and self.counts[j] < open_connections and now - self.beats[j] <= self.STALE
                   for j in range(len(self.counts)))

    def attach(self, server: Any, me: int) -> None:
        """Make waitress ``server`` (one worker's) leave a new connection to a worker holding fewer."""
        readable, accept = server.readable, server.handle_accept
        # stepping aside for one waiting connection: since when, and the workers' accepts then
        # (when that total moves, someone took it: a next step-aside is for a new connection)
        episode = [0.0, -1]

        def counted_readable() -> bool:
            self.publish(me, len(server.active_channels))  # (connections close between turns)
            return bool(readable())

        def balanced_accept() -> None:
            if self.fewer_elsewhere(me, len(server.active_channels)):
                now, taken = time.monotonic(), sum(self.accepts)
                if taken != episode[1]:
                    episode[0], episode[1] = now, taken
                if now - episode[0] < self.MAX_YIELD:
                    time.sleep(0.0005)  # the other worker woke for it too: let it take it
                    return
            before = len(server.active_channels)
            accept()
            after = len(server.active_channels)
            if after > before:
                self.accepts[me] += 1
            self.publish(me, after)  # at once: the others decide on it

        server.readable = counted_readable
        server.handle_accept = balanced_accept


class OnePageAtATime:
    """WSGI middleware: this process computes one response at a time; a
    streamed body (an export, a static file) is iterated outside the lock.

    Python runs one thread at a time per process, so threads computing pages
    side by side only take turns at the interpreter lock, and the turns cost:
    with 8 clients on 2 processes, 2 threads each served ~10% fewer pages/s
    than 1 thread, 4 threads ~20% fewer, with a longer p95 (bench_web). The
    threads stay for what waits: a long download streams while the next page
    is computed.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lock = FairLock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self.lock:  # Flask builds a whole page inside this call; a stream's body comes later
            return self.app(environ, start_response)


class FairLock:
    """A lock taken in the order it was asked for.

    ``threading.Lock`` is not fair: the thread that releases it can take it
    again before a waiting thread wakes, so one request could wait through
    many others.

    >>> lock = FairLock()
    >>> with lock:
    ...     lock.locked()
    True
    >>> lock.locked()
    False
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder that hands the lock over to this thread

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # still held: ownership passes on
            else:
                self._held = False

    def locked(self) -> bool:
        return self._held

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _serve_one(index: str | None, host: str, port: int, debug: bool, threads: int,
               sock: socket.socket | None = None, quiet: bool = False,
               board: tuple[LeastConnections, int] | None = None) -> None:
    from marsad.web import create_app

    config = {"INDEX": index} if index else {}
    app = create_app(config or None)
    holder = app.extensions["marsad_index"]
    try:
        holder.get()
        docs = holder.get().doc_count()
        if not quiet:
            click.echo(f"marsad: serving {docs} documents", err=True)
    except Exception as exc:  # noqa: BLE001 - serve anyway: /healthz and pages say 503 until built
        click.echo(f"marsad: warning: {exc}", err=True)
    if not quiet:
        click.echo(f"marsad: http://{host}:{port}/", err=True)
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=True)
    else:
        import waitress.server
        logging.basicConfig()  # what waitress.serve does: the server's warnings reach stderr
        app.wsgi_app = OnePageAtATime(app.wsgi_app)  # type: ignore[method-assign]
        # with one page computed at a time, a queued request is the design, not an overload
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
        server = waitress.server.create_server(app, threads=threads, ident="marsad", **where)
        if board is not None:
            board[0].attach(server, board[1])
        server.run()  # (its address is printed above, once)


@click.command("serve")
@click.option("--index", "index", metavar="DIR", default=None, help=index_option_help())
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="port")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="threads per process (waitress); one page is computed at a time per process, "
                   "the others stream downloads meanwhile")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="server processes sharing the port (default: the cores, at most 4)")
@click.option("--debug", is_flag=True, help="Flask's development server with reloader (not for production)")
@click.option("--wait-for-index", is_flag=True,
              help="Start even without a usable index: pages and /healthz answer 503 until one is built.")
def serve_cmd(index: str | None, host: str, port: int, threads: int, workers: int | None, debug: bool,
              wait_for_index: bool) -> None:
    """Serve the search page and the JSON API (http://HOST:PORT/).

    Refuses to start (exit 1) when the index is missing, damaged or outdated,
    unless --wait-for-index.
    """
    if not wait_for_index:
        problem = index_problem(index)
        if problem:
            click.echo(f"error: {problem}; the server was not started "
                       "(or start it with --wait-for-index to answer 503 until then)", err=True)
            sys.exit(1)
    serve(index=index, host=host, port=port, debug=debug, threads=threads,
          workers=default_workers() if workers is None else workers)


def index_problem(index: str | None) -> str | None:
    """What keeps the index at ``index`` from being served (its message says what to run), or None."""
    from marsad.index.build import IndexMissing, open_index, reading, resolve_index_dir
    root = resolve_index_dir(index)
    try:
        ix = open_index(root)
        with reading(root), ix.reader() as r:  # opens every segment's files, as the first request would
            r.doc_count()
    except IndexMissing as exc:  # (and IndexDamaged, IndexVersionMismatch)
        return str(exc)
    return None
