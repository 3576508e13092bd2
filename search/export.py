"""Every result of a search, streamed: rows for CSV and JSON Lines (issue 15).

The same selection and order as :func:`search.run` (:func:`search.service.select`
and :func:`search.service.ranked`: the same filters, sort, copy collapsing and
loosening), but every match instead of one page, read one document at a time so
that 100k rows never sit in memory together.

CSV is UTF-8 with a byte order mark (spreadsheet programs then read Arabic
right), and a cell that a spreadsheet would take for a formula (it begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``, so
text from the corpus never runs as a formula.

>>> next(to_csv(iter([])))[:1] == "\\ufeff"
True
>>> _cell("=HYPERLINK(1)"), _cell("-5"), _cell("حلب")
("'=HYPERLINK(1)", "'-5", 'حلب')
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from marsad.search.highlight import plain_text
from marsad.search.request import SearchRequest
from marsad.search.service import _hit, _searcher, ranked, select

__all__ = ["COLUMNS", "rows", "to_csv", "to_jsonl", "FORMATS"]

#: one row per article, in this order (CSV header and JSON keys)
COLUMNS = ("rank", "id", "title", "outlet", "date", "date_precision", "date_source", "provinces", "actors",
           "evidence", "url", "snippet", "score", "copies")
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _evidence(raw: Any) -> list[str]:
    """``facet: value ← the words that produced it`` for each extracted value."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw or []
    except ValueError:
        return []
    out = []
    for e in items if isinstance(items, list) else []:
        if isinstance(e, dict) and e.get("value"):
            out.append(f"{e.get('facet', '')}: {e['value']} ← {e.get('match') or e.get('source') or ''}".strip())
    return list(dict.fromkeys(out))  # the same words found twice (offsets differ) read once


def rows(index: Any, request: SearchRequest) -> Iterator[dict[str, Any]]:
    """Every result of ``request`` as a dict of :data:`COLUMNS`, in the page's order."""
    with _searcher(index) as s:
        sel = select(s, request)
        for rank, (score, docnum) in enumerate(ranked(s, sel, request, None), 1):
            hit = _hit(s, sel.data, docnum, score, sel.cq, highlight=True, all_copies=True)
            f = s.stored_fields(docnum)  # what a hit leaves out (the block is cached by now)
            yield {
                "rank": rank, "id": hit.id, "title": hit.title, "outlet": hit.outlet or "",
                "date": hit.date or "", "date_precision": hit.date_precision or "",
                "date_source": f.get("date_source") or "", "provinces": hit.provinces, "actors": hit.actors,
                "evidence": _evidence(f.get("evidence")), "url": hit.url or "",
                "snippet": plain_text(hit.snippet), "score": hit.score,
                "copies": [c["id"] for c in hit.copies] if request.collapse else [],
            }


def _cell(v: Any) -> str:
    if isinstance(v, list):
        v = "؛ ".join(str(x) for x in v)
    text = "" if v is None else str(v)
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(items: Iterable[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> Iterator[str]:
    """CSV text in chunks: a BOM and the header first, then a row at a time
    (header and cells neutralised: a header may hold a user's query)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_cell(c) for c in columns])
    yield "\ufeff" + buf.getvalue()
    for item in items:
        buf.seek(0)
        buf.truncate()
        w.writerow([_cell(item[c]) for c in columns])
        yield buf.getvalue()


def to_jsonl(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line."""
    for item in items:
        yield json.dumps(item, ensure_ascii=False) + "\n"
