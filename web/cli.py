"""The ``marsad`` command: one click group, each command a thin wrapper.

Each layer owns its commands (``analyzers.cli``, ``index.cli``,
``search.cli``, ``web.cli``); this top layer only assembles them, so the
core packages never import Flask.
"""
from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

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


class _Marsad(click.Group):
    """The ``marsad`` group: no command ends in a traceback.

    Each command says what went wrong itself (``error: …; run …``); this is the
    net under them for what none foresaw: one ``error:`` line naming the
    exception, exit 1. ``MARSAD_DEBUG=1`` lets the traceback through.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                SystemExit, KeyboardInterrupt, BrokenPipeError):  # (click quiets a closed pipe: `| head`)
            raise
        except Exception as exc:  # noqa: BLE001 - the last net: a line, never a traceback
            if os.environ.get("MARSAD_DEBUG"):
                raise
            from marsad.index.store import IndexMissing, build_hint
            if isinstance(exc, IndexMissing):
                click.echo(f"error: {exc}", err=True)
            else:
                detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
                click.echo(f"error: unexpected failure ({detail}); if the index is damaged, rebuild it: "
                           f"{build_hint()}; else run again with MARSAD_DEBUG=1 and report the traceback",
                           err=True)
            ctx.exit(1)


def _unbreakable_output() -> None:
    """Text that the terminal's encoding cannot hold (a file name's undecodable
    bytes, a stray surrogate) is printed escaped, never an UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to protect
                pass


@click.group(cls=_Marsad, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name="marsad")
def main() -> None:
    """Marsad (مرصد): search Arabic news about the war in Syria.

    Typical use: marsad index build ../shared/corpus && marsad serve
    """
    _unbreakable_output()


# Each layer's command, imported at the top like any other module: a broken
# import fails `marsad` loudly instead of silently dropping a command.
main.add_command(analyze_cmd)
main.add_command(extract_cmd)
main.add_command(index_group)
main.add_command(search_cmd)
main.add_command(serve_cmd)

if __name__ == "__main__":  # pragma: no cover
    main()
