"""``marsad index build|update|stats``: thin wrappers over :mod:`index.build`."""
from __future__ import annotations

import json
import sys

import click

__all__ = ["index_group"]

from marsad.index.store import index_option_help

_INDEX_HELP = index_option_help()


def _fail(msg: str, code: int = 1) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def _print_report(report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        for s in report.skipped_items[:20]:
            click.echo(f"skipped: {s}", err=True)
        if report.skipped > 20:
            click.echo(f"… and {report.skipped - min(20, len(report.skipped_items))} more skipped", err=True)
        click.echo(report.summary())


@click.group("index")
def index_group() -> None:
    """Build, update and inspect the search index."""


@index_group.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--index", "index_dir", metavar="DIR", help=_INDEX_HELP)
@click.option("--procs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@click.option("--strict", is_flag=True, help="Fail (exit 1, live index untouched) if any input is skipped.")
@click.option("--allow-shrink", is_flag=True,
              help="Replace the live index even if PATHS yield no records or under half its documents.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def build_cmd(paths, index_dir, procs, strict, allow_shrink, quiet, as_json) -> None:
    """Rebuild the index from PATHS (files or directories) and swap it in atomically.

    Searches keep working on the old index during the build; an interrupted or
    failed build leaves it untouched. A build that finds no records, or would
    leave under half of the live index's documents, is refused (exit 1, index
    untouched) unless --allow-shrink.
    """
    from marsad.index.build import BuildError, IndexLocked, build_index
    try:
        report = build_index(paths, index_dir, procs=procs, strict=strict, allow_shrink=allow_shrink,
                             progress=False if quiet else None)
    except IndexLocked as exc:
        _fail(str(exc), 75)
    except BuildError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc}; the previous index (if any) is unchanged. Free space or fix permissions, "
              f"then run `marsad index build` again")
    _print_report(report, as_json)


@index_group.command("update")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--index", "index_dir", metavar="DIR", help=_INDEX_HELP)
@click.option("--prune", is_flag=True, help="Delete documents whose source is no longer in PATHS.")
@click.option("--procs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@click.option("--strict", is_flag=True, help="Fail (exit 1, live index untouched) if any input is skipped.")
@click.option("--allow-shrink", is_flag=True,
              help="With --prune: prune even if PATHS yield no records or under half the documents would remain.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def update_cmd(paths, index_dir, prune, procs, strict, allow_shrink, quiet, as_json) -> None:
    """Add new and changed records from PATHS; unchanged ones are skipped.

    --prune that finds no records, or would leave under half of the documents,
    is refused (exit 1, index untouched) unless --allow-shrink.
    """
    from marsad.index.build import BuildError, IndexLocked, IndexMissing, update_index
    try:
        report = update_index(paths, index_dir, prune=prune, procs=procs, strict=strict,
                              allow_shrink=allow_shrink, progress=False if quiet else None)
    except IndexLocked as exc:
        _fail(str(exc), 75)
    except (BuildError, IndexMissing) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc}; the index is unchanged. Free space or fix permissions, then run `marsad index update` again")
    _print_report(report, as_json)


@index_group.command("stats")
@click.option("--index", "index_dir", metavar="DIR", help=_INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--top", type=click.IntRange(1, 1000), default=10, help="Values shown per facet.")
def stats_cmd(index_dir, as_json, top) -> None:
    """Documents, date range, top values per facet, unknowns, size on disk, versions."""
    from marsad.index.build import IndexMissing, index_stats
    try:
        st = index_stats(index_dir, top=top)
    except IndexMissing as exc:  # (and IndexDamaged, IndexVersionMismatch)
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=1))
        return
    click.echo(f"index: {st['index_dir']} (generation {st['generation']}, {st['segments']} segments)")
    click.echo(f"documents: {st['documents']} ({st['duplicates']} marked as duplicates)")
    dr = st["date_range"]
    click.echo(f"dates: {dr['from'] or '?'} .. {dr['to'] or '?'}")
    for facet, rows in st["facets"].items():
        vals = ", ".join(f"{r['value']} {r['count']}" for r in rows)
        click.echo(f"{facet}: {st['distinct'][facet]} values, {st['unknown'][facet]} unknown; top: {vals}")
    click.echo(f"size: {st['size_bytes'] / 1e6:.1f} MB")
    click.echo("versions: " + ", ".join(f"{k} {v}" for k, v in st["versions"].items()))
