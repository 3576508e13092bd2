"""The ``marsad`` command: one click group, each command a thin wrapper.

Each layer owns its commands (``analyzers.cli``, ``index.cli``,
``search.cli``, ``web.cli``); this top layer only assembles them, so the
core packages never import Flask.
"""
from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

import click


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


# (module, attribute) of each command; a module that is not there yet is skipped
# so a partial checkout still has a working CLI.
_COMMANDS = [
    ("marsad.analyzers.cli", "analyze_cmd"),
    ("marsad.index.extract.cli", "extract_cmd"),
    ("marsad.index.cli", "index_group"),
    ("marsad.search.cli", "search_cmd"),
    ("marsad.web.serve", "serve_cmd"),
]
for _mod, _attr in _COMMANDS:
    try:
        main.add_command(getattr(importlib.import_module(_mod), _attr))
    except (ImportError, AttributeError):
        pass

if __name__ == "__main__":  # pragma: no cover
    main()
