"""``marsad analyze``: the analyzer from the command line."""
from __future__ import annotations

import json

import click

from marsad.analyzers.analyzer import LEVELS, analyze


@click.command("analyze")
@click.option("--level", type=click.Choice(LEVELS), default="stem", show_default=True,
              help="stem: search terms (default); exact: normalized, not stemmed.")
@click.option("--json", "as_json", is_flag=True, help='Print a JSON list of {"text", "start", "end"}.')
@click.argument("text", nargs=-1, required=True)
def analyze_cmd(level: str, as_json: bool, text: tuple[str, ...]) -> None:
    """Print the tokens the index would store for TEXT.

    Offsets (start, end) index the original TEXT, diacritics included.
    """
    value = " ".join(text)
    tokens = analyze(value, level)
    if as_json:
        click.echo(json.dumps(tokens, ensure_ascii=False))
        return
    for t in tokens:
        click.echo(f"{t['text']}\t{t['start']}:{t['end']}\t{value[t['start']:t['end']]}")
