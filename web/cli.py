"""The ``marsad`` command: one click group, each command a thin wrapper.

Each layer owns its commands (``analyzers.cli``, ``index.cli``,
``search.cli``, ``web.cli``); this top layer only assembles them, so the
core packages never import Flask.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import click

from marsad.analyzers.cli import analyze_cmd
from marsad.index.cli import index_group
from marsad.index.extract.cli import extract_cmd
from marsad.search.cli import search_cmd
from marsad.web.serve import serve_cmd


def _version() -> str:
    try:
        return version("marsad")
    except PackageNotFoundError:  # running from a checkout without install
        return "0+unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="marsad")
def main() -> None:
    """Marsad (مرصد): search Arabic news about the war in Syria.

    Typical use: marsad index build ../shared/corpus && marsad serve
    """


# Each layer's command, imported at the top like any other module: a broken
# import fails `marsad` loudly instead of silently dropping a command.
main.add_command(analyze_cmd)
main.add_command(extract_cmd)
main.add_command(index_group)
main.add_command(search_cmd)
main.add_command(serve_cmd)

if __name__ == "__main__":  # pragma: no cover
    main()
