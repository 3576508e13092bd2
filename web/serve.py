"""``marsad serve``: run the web front end.

Waitress (a production WSGI server) by default; ``--debug`` uses Flask's
development server with the reloader and the debugger (never expose that).
The server reopens the index by itself after ``marsad index build``/``update``
swaps it, so it never needs a restart for new data.

``--workers N`` (default: the machine's cores, at most 4) runs N waitress
processes on one listening socket: the kernel hands each connection to one of
them. Python runs one thread at a time per process, so one process uses one
core however many threads it has; the index is memory-mapped, so the
processes share its pages.
"""
from __future__ import annotations

import os
import signal
import socket
import sys

import click

from marsad.index.store import index_option_help

__all__ = ["serve_cmd", "serve", "index_problem"]


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def serve(index: str | None = None, host: str = "127.0.0.1", port: int = 5000, debug: bool = False,
          threads: int = 4, workers: int = 1) -> None:
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
    children: list[int] = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own app, threads and index holder
            die_with_parent(parent)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _serve_one(index, host, port, False, threads, sock=sock, quiet=i > 0)
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


def _serve_one(index: str | None, host: str, port: int, debug: bool, threads: int,
               sock: socket.socket | None = None, quiet: bool = False) -> None:
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
    elif sock is not None:
        import waitress
        waitress.serve(app, sockets=[sock], threads=threads, ident="marsad")
    else:
        import waitress
        waitress.serve(app, host=host, port=port, threads=threads, ident="marsad")


@click.command("serve")
@click.option("--index", "index", metavar="DIR", default=None, help=index_option_help())
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="port")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="worker threads (waitress)")
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
