"""Actor x province: which actors the result set mentions with which provinces
(issue 15).

A sibling of :func:`search.run` on the same path (:func:`search.service.select`:
the words, the loosening of long queries, the facet and date filters). A cell
counts the matching articles that have both values; with copies collapsed (the
page's default) a syndicated story counts once, as in the result count. The
counting is a join of the two facets' posting pairs on the matching documents,
so it costs what those pairs cost, not the size of the collection.

>>> from marsad.index.build import open_index
>>> m = matrix(open_index(), SearchRequest(q="حلب"))  # doctest: +SKIP
>>> m.rows[0], m.cols[0], m.counts[0][0]  # doctest: +SKIP
('داعش', 'حلب', 412)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from marsad.search.facets import ReaderData
from marsad.search.request import SearchRequest

__all__ = ["Matrix", "matrix", "MAX_ROWS"]

MAX_ROWS = 15  # actors shown, the most frequent in the result set first (provinces: all that occur)


@dataclass
class Matrix:
    rows: list[str]  # actors, most articles first
    cols: list[str]  # provinces, most articles first
    counts: list[list[int]]  # counts[i][j]: articles with actor rows[i] and province cols[j]
    row_totals: list[int]  # articles with each actor (whatever their provinces)
    col_totals: list[int]  # articles with each province
    total: int  # articles in the result set
    other_rows: int  # actors left out (beyond MAX_ROWS)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pairs(data: ReaderData, facet: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``docs``, value id) of every posting of ``facet`` on ``docs`` (sorted)."""
    td = data.terms[facet]
    _single, offsets, values = td.by_doc(data.n)
    starts, ends = offsets[docs], offsets[docs + 1]
    counts = ends - starts
    total = int(counts.sum())
    where = np.repeat(np.arange(len(docs)), counts)
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return where, values[np.arange(total) + first]


def matrix(index: Any, request: SearchRequest, rows: int = MAX_ROWS) -> Matrix:
    """Actor x province counts over the result set of ``request`` (its words and filters)."""
    from marsad.search.service import _searcher, select

    with _searcher(index) as s:
        sel = select(s, replace(request, sort="newest", highlight=False, suggest=False))
    data, docs = sel.data, sel.docs
    if request.collapse and len(docs):  # one article per syndicated story, as the result count
        _, first = np.unique(data.group[docs], return_index=True)
        docs = np.sort(docs[first])
    a_at, a_val = _pairs(data, "actor", docs)
    p_at, p_val = _pairs(data, "province", docs)
    actors, provinces = data.terms["actor"].values, data.terms["province"].values
    a_tot = np.bincount(a_val, minlength=len(actors))
    p_tot = np.bincount(p_val, minlength=len(provinces))
    a_ids = [int(i) for i in np.argsort(-a_tot, kind="stable") if a_tot[i] > 0]
    p_ids = [int(i) for i in np.argsort(-p_tot, kind="stable") if p_tot[i] > 0]
    shown = a_ids[:rows]
    a_row = np.full(len(actors), -1, dtype=np.int64)
    a_row[shown] = np.arange(len(shown))
    p_col = np.full(len(provinces), -1, dtype=np.int64)
    p_col[p_ids] = np.arange(len(p_ids))
    keep = a_row[a_val] >= 0
    a_at, a_r = a_at[keep], a_row[a_val[keep]]
    # the join: each kept actor posting meets every province posting of its document
    p_first = np.searchsorted(p_at, np.arange(len(docs)), side="left")
    p_last = np.searchsorted(p_at, np.arange(len(docs)), side="right")
    per = (p_last - p_first)[a_at]
    total = int(per.sum())
    nc = max(len(p_ids), 1)
    if total:
        start = np.repeat(p_first[a_at] - np.concatenate(([0], np.cumsum(per)[:-1])), per)
        cols = p_col[p_val[np.arange(total) + start]]
        cells = np.bincount(np.repeat(a_r, per) * nc + cols, minlength=len(shown) * nc)
    else:
        cells = np.zeros(len(shown) * nc, dtype=np.int64)
    grid = cells.reshape(len(shown), nc)[:, :len(p_ids)]
    return Matrix(rows=[actors[i] for i in shown], cols=[provinces[i] for i in p_ids], counts=grid.tolist(),
                  row_totals=[int(a_tot[i]) for i in shown], col_totals=[int(p_tot[i]) for i in p_ids],
                  total=len(docs), other_rows=max(0, len(a_ids) - len(shown)))
