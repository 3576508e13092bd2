"""``marsad serve``: run the web front end.

Waitress (a production WSGI server) by default; ``--debug`` uses Flask's
development server with the reloader and the debugger (never expose that).
The server reopens the index by itself after ``marsad index build``/``update``
swaps it, so it never needs a restart for new data.
"""
from __future__ import annotations

import sys

import click

from marsad.index.store import index_option_help

__all__ = ["serve_cmd", "serve", "index_problem"]


def serve(index: str | None = None, host: str = "127.0.0.1", port: int = 5000, debug: bool = False,
          threads: int = 4) -> None:
    """Serve the app until interrupted (the one library call behind ``marsad serve``)."""
    from marsad.web import create_app

    config = {"INDEX": index} if index else {}
    app = create_app(config or None)
    holder = app.extensions["marsad_index"]
    try:
        holder.get()
        docs = holder.get().doc_count()
        click.echo(f"marsad: serving {docs} documents", err=True)
    except Exception as exc:  # noqa: BLE001 - serve anyway: /healthz and pages say 503 until built
        click.echo(f"marsad: warning: {exc}", err=True)
    click.echo(f"marsad: http://{host}:{port}/", err=True)
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=True)
    else:
        import waitress
        waitress.serve(app, host=host, port=port, threads=threads, ident="marsad")


@click.command("serve")
@click.option("--index", "index", metavar="DIR", default=None, help=index_option_help())
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="port")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="worker threads (waitress)")
@click.option("--debug", is_flag=True, help="Flask's development server with reloader (not for production)")
@click.option("--wait-for-index", is_flag=True,
              help="Start even without a usable index: pages and /healthz answer 503 until one is built.")
def serve_cmd(index: str | None, host: str, port: int, threads: int, debug: bool, wait_for_index: bool) -> None:
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
    serve(index=index, host=host, port=port, debug=debug, threads=threads)


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
