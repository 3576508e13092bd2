"""``marsad analyze``: the analyzer from the command line."""
from __future__ import annotations

import json
import re

import click

from marsad.analyzers.analyzer import LEVELS, analyze

__all__ = ["analyze_cmd", "clean_argument"]

# Python decodes argv (and file names) with surrogateescape: each byte that is
# not valid UTF-8 arrives as a lone surrogate, which no UTF-8 output can print.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_argument(text: str) -> tuple[str, int]:
    r"""``text`` with undecodable bytes (lone surrogates) replaced by U+FFFD, and how many.

    >>> clean_argument("حلب\udcff")
    ('حلب\ufffd', 1)
    """
    return _SURROGATE.subn("\ufffd", text)


@click.command("analyze")
@click.option("--level", type=click.Choice(LEVELS), default="stem", show_default=True,
              help="stem: search terms (default); exact: normalized, not stemmed.")
@click.option("--json", "as_json", is_flag=True, help='Print a JSON list of {"text", "start", "end"}.')
@click.argument("text", nargs=-1, required=True)
def analyze_cmd(level: str, as_json: bool, text: tuple[str, ...]) -> None:
    """Print the tokens the index would store for TEXT.

    Offsets (start, end) index the original TEXT, diacritics included.
    """
    value, bad = clean_argument(" ".join(text))
    if bad:
        click.echo(f"note: TEXT held {bad} byte(s) that are not valid UTF-8; they were replaced by U+FFFD",
                   err=True)
    tokens = analyze(value, level)
    if as_json:
        click.echo(json.dumps(tokens, ensure_ascii=False))
        return
    for t in tokens:
        click.echo(f"{t['text']}\t{t['start']}:{t['end']}\t{value[t['start']:t['end']]}")
