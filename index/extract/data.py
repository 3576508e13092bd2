"""Loading the extractors' data files (``index/data/*.tsv``, ``*.txt``).

The files are plain UTF-8 tables: ``#`` starts a comment line, blank lines are
skipped, columns are TAB-separated, lists inside a column are ``|``-separated.
``MARSAD_DATA_DIR`` may point to a directory whose files replace the shipped ones
(a user's extended gazetteer, say).
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

__all__ = ["data_path", "read_table", "split_list", "governorates"]

_PKG_DATA = Path(__file__).resolve().parents[1] / "data"


def data_path(name: str) -> Path:
    """The data file ``name``: from ``$MARSAD_DATA_DIR`` if it has one, else shipped."""
    override = os.environ.get("MARSAD_DATA_DIR")
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    return _PKG_DATA / name


@cache
def read_table(name: str, ncols: int) -> tuple[tuple[str, ...], ...]:
    """Rows of a TSV data file, each padded/truncated to ``ncols`` stripped cells.

    A malformed line raises ``ValueError`` naming the file and line: data files
    are part of the program, a typo must not silently drop a place.
    """
    rows = []
    path = data_path(name)
    for lineno, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not cells[0] or (ncols > 1 and len(cells) < 2):
            raise ValueError(f"{path}:{lineno}: expected {ncols} TAB-separated columns: {line!r}")
        cells = (cells + [""] * ncols)[:ncols]
        rows.append(tuple(cells))
    return tuple(rows)


def split_list(cell: str) -> list[str]:
    """``a|b|c`` -> ``['a', 'b', 'c']`` (empty and ``-`` cells give ``[]``)."""
    if cell in ("", "-"):
        return []
    return [x.strip() for x in cell.split("|") if x.strip()]


def governorates() -> tuple[tuple[str, str, int, int, int, int], ...]:
    """Syria's governorates from ``governorates.tsv``: ``(name, name_en, col, row, width, height)``.

    >>> governorates()[0][:2]
    ('دمشق', 'Damascus')
    >>> len(governorates())
    14
    """
    path = data_path("governorates.tsv")
    out = []
    for name, name_en, *tile in read_table("governorates.tsv", 6):
        try:
            col, row, w, h = (int(x) for x in tile)
        except ValueError:
            raise ValueError(f"{path}: {name}: map tile must be four integers, got {tile}") from None
        out.append((name, name_en, col, row, w, h))
    return tuple(out)
