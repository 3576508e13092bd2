"""``marsad search``: one call to :func:`search.run`, printed as text or JSON."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from marsad.analyzers.cli import clean_argument
from marsad.index.facets import FACETS as FACET_SPECS
from marsad.index.store import index_option_help
from marsad.search.highlight import plain_text
from marsad.search.request import SORTS, SearchRequest, SearchRequestError

__all__ = ["search_cmd", "open_index_option"]


def open_index_option(option: str | None) -> Any:
    """Open the index the way every command does (``index.build.open_index``: it raises
    ``IndexMissing`` and its kinds with a message that says what to run)."""
    from marsad.index.build import open_index, resolve_index_dir
    return open_index(resolve_index_dir(option))


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(1)


def _facet_options(cmd: Callable[..., None]) -> Callable[..., None]:
    """One repeatable option per facet of the registry (index/facets.py): --outlet, --province, ..."""
    for spec in reversed(FACET_SPECS):
        article = "an" if spec.label_en[0] in "aeiou" else "a"
        what = "a year or month" if spec.kind == "date" else f"{article} {spec.label_en}"
        cmd = click.option(f"--{spec.name}", spec.name, multiple=True,
                           metavar="YYYY[-MM]" if spec.kind == "date" else "V",
                           help=f"Select {what} (repeat: OR).")(cmd)
    return cmd


def _export(ix: Any, req: SearchRequest, fmt: str, all_rows: bool) -> None:
    """Rows to stdout as they are read (``search.export``)."""
    from itertools import islice

    from marsad.search.export import rows, to_csv, to_jsonl
    items = rows(ix, req)
    if not all_rows:
        items = islice(items, (req.page - 1) * req.page_size, req.page * req.page_size)
    out = sys.stdout
    try:
        for chunk in (to_csv if fmt == "csv" else to_jsonl)(items):
            out.write(chunk)
        out.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()


@click.command("search")
@click.option("--index", "index_dir", metavar="DIR", help=index_option_help())
@_facet_options
@click.option("--from", "date_from", metavar="DATE", help="Only documents dated on or after DATE (YYYY[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATE", help="Only documents dated on or before DATE.")
@click.option("--since", metavar="DATE", help="What is new since DATE, for scripts and cron: documents dated on "
              "or after it, newest first (= --from DATE --sort newest).")
@click.option("--sort", type=click.Choice(SORTS), default=None, help="[default: relevance; newest with --since]")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=10, show_default=True)
@click.option("--exact", is_flag=True, help="Match every word's exact form, not its stem.")
@click.option("--json", "as_json", is_flag=True, help="Print the SearchResult as JSON (= --format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "jsonl"]), default="text",
              show_default=True, help="csv / jsonl: one row per article (id, title, outlet, date, provinces, "
              "actors, evidence, url, snippet ...), the page's rows, or every result with --all.")
@click.option("--all", "all_rows", is_flag=True, help="With --format csv|jsonl: every result, not one page.")
@click.option("--explain", is_flag=True, help="Print the parsed query.")
@click.argument("query", nargs=-1)
def search_cmd(index_dir: str | None, date_from: str | None, date_to: str | None, since: str | None,
               sort: str | None, page: int,
               page_size: int, exact: bool, as_json: bool, fmt: str, all_rows: bool, explain: bool,
               query: tuple[str, ...], **facet_values: tuple[str, ...]) -> None:
    """Search the index for QUERY (all words must match; "phrases", OR/أو, -word,
    word*, word~, =word, outlet:/مصدر:, province:/محافظة:, actor:/جهة:, date:/تاريخ:)."""
    from marsad.index.build import IndexMissing, reading, resolve_index_dir
    from marsad.search import run
    q, bad = clean_argument(" ".join(query))
    if bad and not q.replace("\ufffd", "").strip():
        _fail(f"the query is not valid UTF-8 text ({bad} undecodable byte(s)), so nothing was searched; "
              "type it again, or convert its file to UTF-8 first (e.g. `iconv -f cp1256 -t utf-8`)")
    if bad:
        click.echo(f"note: the query held {bad} byte(s) that are not valid UTF-8 (check the terminal's or "
                   "the file's encoding); they were replaced by U+FFFD and match nothing", err=True)
    if since and date_from:
        raise click.UsageError("--since DATE is --from DATE with the newest first: give one of them")
    if since:
        date_from, sort = since, sort or "newest"
    args: dict[str, Any] = {"q": q,
                            **{name: [clean_argument(x)[0] for x in v] for name, v in facet_values.items()},
                            "from": date_from, "to": date_to,
                            "sort": sort or "relevance", "page": str(page), "page_size": str(page_size)}
    if exact:
        args["exact"] = "1"
    try:
        req = SearchRequest.from_args(args)
    except SearchRequestError as e:
        raise click.UsageError(str(e)) from None
    if all_rows and fmt not in ("csv", "jsonl"):
        raise click.UsageError("--all goes with --format csv or --format jsonl")
    try:
        root = resolve_index_dir(index_dir)
        ix = open_index_option(index_dir)
        if fmt in ("csv", "jsonl"):
            with reading(root, keep=(SearchRequestError,)):
                _export(ix, req, fmt, all_rows)
            return
        with reading(root, keep=(SearchRequestError,)):
            result = run(ix, req)
    except SearchRequestError as e:
        raise click.UsageError(str(e)) from None
    except IndexMissing as e:  # (and IndexDamaged, IndexVersionMismatch): one line, what to run
        _fail(str(e))
    if as_json or fmt == "json":
        d = result.to_dict()
        if not explain:
            d.pop("parsed_query", None)
        click.echo(json.dumps(d, ensure_ascii=False, indent=1))
        return
    if explain:
        click.echo(f"parsed: {result.parsed_query}")
    for n in result.notices:
        click.echo(f"note: {n}", err=True)
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    first = (result.page - 1) * result.page_size
    click.echo(f"{result.total} results ({result.total_docs} documents) in {result.took_ms:.0f} ms"
               + (" — partial" if result.partial else ""))
    for i, h in enumerate(result.hits, first + 1):
        meta = " · ".join(x for x in (h.outlet, h.date, "، ".join(h.provinces), "، ".join(h.actors)) if x)
        click.echo(f"\n{i}. {h.title}  [{h.id}]")
        if meta:
            click.echo(f"   {meta}")
        if h.copies:
            more = f" (+{h.copies_total - len(h.copies)} more)" if h.copies_total > len(h.copies) else ""
            click.echo("   also in: " + ", ".join(str(c.get("outlet") or c.get("id")) for c in h.copies) + more)
        click.echo(f"   {plain_text(h.snippet)}")
    click.echo("")
    for name, f in result.facets.items():
        vals = ", ".join(f"{'*' if b.selected else ''}{b.label or b.value} {b.count}" for b in f.buckets)
        more = f" (+{f.other} more)" if f.other else ""
        click.echo(f"{f.label} ({name}): {vals}{more}")


if __name__ == "__main__":  # pragma: no cover
    search_cmd(sys.argv[1:])
