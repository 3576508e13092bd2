"""``marsad extract``: show the facets the index would store, with their evidence."""
from __future__ import annotations

import json
import sys

import click

from marsad.index.extract import extract
from marsad.index.records import Record

__all__ = ["extract_cmd", "record_to_dict"]


def record_to_dict(r: Record) -> dict:
    """The JSON shape of one extracted record (other tools rely on these keys)."""
    return {
        "id": r.id,
        "title": r.title,
        "outlet": r.outlet,
        "date": r.iso_date(),
        "date_precision": r.date_precision,
        "date_source": r.date_source,
        "provinces": list(r.provinces),
        "actors": list(r.actors),
        "evidence": [e.to_dict() for e in r.evidence],
        "source_path": r.source_path,
        "url": r.url,
    }


def _parse_field_map(pairs: tuple[str, ...]) -> dict[str, list[str]] | None:
    if not pairs:
        return None
    out: dict[str, list[str]] = {}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not k.strip() or not v.strip():
            raise click.BadParameter(f"expected FIELD=NAME, got {p!r}", param_hint="--field-map")
        out.setdefault(k.strip(), []).extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _ev_text(e) -> str:
    where = e.source if e.start is None else f"{e.source}[{e.start}:{e.end}]"
    return f"«{e.match}» {where} ({e.rule})"


@click.command("extract")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record and line.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file or record was skipped.")
@click.option("--field-map", "field_map", multiple=True, metavar="FIELD=NAME",
              help="Read FIELD (id, title, body, url, source, date, author) from the record key NAME "
                   "(repeatable; NAME may be a dotted path or a comma list).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def extract_cmd(as_json: bool, strict: bool, field_map: tuple[str, ...], paths: tuple[str, ...]) -> None:
    """Read a corpus as the indexer does and print each record's facets with their evidence.

    PATHS are files or directories (.txt, .json, .jsonl, .csv, .zip). Skipped
    files and records are reported on stderr, with a summary at the end.
    """
    from marsad.index.sources import read_corpus  # imported here: the CLI spine must load without it

    fmap = _parse_field_map(field_map)

    def on_event(s, is_warning: bool) -> None:
        click.echo(f"{'warning' if is_warning else 'skipped'}: {s}", err=True)

    reader = read_corpus(list(paths), field_map=fmap)
    reader.report.on_event = on_event
    for rec in reader:
        r = extract(rec)
        if as_json:
            click.echo(json.dumps(record_to_dict(r), ensure_ascii=False))
            continue
        click.echo(f"== {r.id}")
        click.echo(f"   title:     {r.title[:120]}")
        by_facet: dict[tuple[str, str], list] = {}
        for e in r.evidence:
            by_facet.setdefault((e.facet, e.value), []).append(e)

        def show(label: str, facet: str, values: list[str], extra: str = "") -> None:
            if not values:
                click.echo(f"   {label:<10} -")
            for v in values:
                evs = by_facet.get((facet, v), [])  # noqa: B023 - show() runs within this iteration
                more = f" +{len(evs) - 2} more" if len(evs) > 2 else ""
                click.echo(f"   {label:<10} {v}{extra}  <- " + "; ".join(_ev_text(e) for e in evs[:2]) + more)
                label = ""

        show("outlet:", "outlet", [r.outlet] if r.outlet else [])
        show("date:", "date", [r.iso_date()] if r.date else [],
             f" ({r.date_precision}, {r.date_source})" if r.date else "")
        show("provinces:", "province", r.provinces)
        show("actors:", "actor", r.actors)
    rep = reader.report
    click.echo(rep.summary(), err=True)
    if strict and rep.skipped:
        sys.exit(1)
