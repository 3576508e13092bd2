"""Attention over time: how much the outlets wrote about a query, per day, week
or month, as counts and as shares of what they published (issue 15).

A sibling of :func:`search.run` on the same path: each query is selected by
:func:`search.service.select` (the words, the loosening of long queries, the
facet and date filters), and the *volume* of a period is what the same filters
select without any words. Every article counts, syndicated copies included:
each copy is one outlet's publication.

Two shares, because outlets differ in size by two orders of magnitude:

- ``share``: matching articles / all articles of the period;
- ``outlet_share``: the mean, over the outlets that published in the period,
  of each outlet's own share; a big outlet does not drown a small one (Media
  Cloud's normalisation, per outlet).

>>> from marsad.index.build import open_index
>>> a = attention(open_index(), SearchRequest(), ["داعش", "النصرة"])  # doctest: +SKIP
>>> a.periods[:2], a.series[0].counts[:2]  # doctest: +SKIP
(['2015-01', '2015-02'], [212, 198])
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date as Date
from typing import Any

import numpy as np

from marsad.search.facets import ReaderData
from marsad.search.request import SearchRequest, SearchRequestError, bilingual

__all__ = ["INTERVALS", "MAX_SERIES", "MAX_PERIODS", "Attention", "Series", "attention", "period_keys"]

INTERVALS = ("month", "week", "day")
MAX_SERIES = 4  # queries compared on one chart
MAX_PERIODS = 1000  # more days than this: ask for weeks or months


@dataclass
class Series:
    query: str
    counts: list[int]  # matching articles per period
    share: list[float | None]  # counts / volume (None: the period has no article at all)
    outlet_share: list[float | None]  # mean over the period's outlets of their own share
    total: int  # matching articles, dated or not
    undated: int  # matching articles whose date is not known to this interval (not in any period)
    notices: list[str] = field(default_factory=list)


@dataclass
class Attention:
    interval: str  # "month" | "week" | "day"
    periods: list[str]  # ISO: "2015-07" (month), "2015-07-06" (a day; a week: its Monday)
    volume: list[int]  # all articles of the period under the filters (the shares' denominator)
    outlets: list[int]  # outlets that published in the period under the filters
    series: list[Series]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> tuple[list[str], list[dict[str, Any]]]:
        """(columns, one row per period): the chart's data as a table (CSV).

        Columns: period, volume, outlets, then for each query its count, share
        and outlet_share (``<query> · count`` ...; "*" for the empty query).
        """
        columns = ["period", "volume", "outlets"]
        names = [f"{s.query or '*'} · {m}" for s in self.series for m in ("count", "share", "outlet_share")]
        rows = []
        for i, p in enumerate(self.periods):
            row: dict[str, Any] = {"period": p, "volume": self.volume[i], "outlets": self.outlets[i]}
            for s in self.series:
                for m, vals in (("count", s.counts), ("share", s.share), ("outlet_share", s.outlet_share)):
                    row[f"{s.query or '*'} · {m}"] = vals[i]
            rows.append(row)
        return columns + list(dict.fromkeys(names)), rows


def period_keys(data: ReaderData, interval: str) -> tuple[np.ndarray, np.ndarray]:
    """Per document: its period as an integer (months since year 0, or a day's
    ordinal: for a week, its Monday's), and whether it has one at this precision."""
    d = data.dates
    if interval == "month":
        return d.year.astype(np.int64) * 12 + d.month.astype(np.int64) - 1, d.month > 0
    ordinal = d.ordinal.astype(np.int64)
    if interval == "week":  # date.fromordinal(1) is a Monday
        ordinal = ordinal - (ordinal - 1) % 7
    return ordinal, d.day_known


def _label(key: int, interval: str) -> str:
    if interval == "month":
        return f"{key // 12:04d}-{key % 12 + 1:02d}"
    return Date.fromordinal(key).isoformat()


def _outlet_of(data: ReaderData) -> tuple[np.ndarray, int]:
    """Per document: its outlet id + 1 (0: unknown), and the number of ids."""
    td = data.terms["outlet"]
    single, offsets, values = td.by_doc(data.n)
    if single is None:  # a document with two outlets (not written by the build): its first
        single = np.full(data.n, -1, dtype=np.int32)
        has = offsets[1:] > offsets[:-1]
        single[has] = values[offsets[:-1][has]]
    return single.astype(np.int64) + 1, len(td.values) + 1


def attention(index: Any, request: SearchRequest, queries: Sequence[str], interval: str = "month",
              selections: Sequence[Mapping[str, tuple[str, ...]]] | None = None) -> Attention:
    """Matches per period of each query (at most :data:`MAX_SERIES`) under
    ``request``'s filters and dates; ``request.q`` is not used. ``selections``
    (one per query): facet values that series alone selects besides the
    filters (an entity's timeline: every article, and those naming it)."""
    from marsad.search.service import _searcher, select

    if interval not in INTERVALS:
        raise SearchRequestError(bilingual("الفترة: شهر أو أسبوع أو يوم",
                                           f"interval must be one of {', '.join(INTERVALS)}, got {interval!r}"))
    queries = list(queries) or [""]
    if len(queries) > MAX_SERIES:
        raise SearchRequestError(bilingual(f"تُقارن {MAX_SERIES} استعلامات على الأكثر",
                                           f"at most {MAX_SERIES} queries are compared, got {len(queries)}"))
    with _searcher(index) as s:
        plain = replace(request, q="", sort="newest", highlight=False, suggest=False)
        base = select(s, plain)
        data = base.data
        keys, dated = period_keys(data, interval)
        extra = list(selections or [])
        extra += [{}] * (len(queries) - len(extra))
        sels = [base if not q.strip() and not more else
                select(s, replace(plain, q=q, filters={**plain.filters, **more})) for q, more in zip(queries, extra)]
    matched = [sel.docs[dated[sel.docs]] for sel in sels]
    found = np.concatenate([keys[m] for m in matched]) if matched else np.zeros(0, np.int64)
    if not len(found):
        periods_lo, n = 0, 0
    else:
        step = 7 if interval == "week" else 1
        periods_lo = int(found.min())
        n = (int(found.max()) - periods_lo) // step + 1
        if n > MAX_PERIODS:
            raise SearchRequestError(bilingual(
                f"المدة طويلة جدًا ({n} {'يومًا' if interval == 'day' else 'أسبوعًا'}): اختر فترة أطول "
                "أو ضيّق التواريخ (من/إلى)",
                f"{n} {interval}s is too many periods (at most {MAX_PERIODS}): choose a longer interval "
                "or narrow the dates (from/to)"))
    step = 7 if interval == "week" else 1
    outlet, n_out = _outlet_of(data)

    def cells(docs: np.ndarray) -> np.ndarray:
        """(period, outlet) counts of ``docs`` (dated ones) inside the range."""
        p = (keys[docs] - periods_lo) // step
        inside = (p >= 0) & (p < n) & dated[docs]
        flat = p[inside] * n_out + outlet[docs[inside]]
        return np.bincount(flat, minlength=n * n_out).reshape(n, n_out) if n else np.zeros((0, n_out), np.int64)

    vol = cells(base.docs)
    volume = vol.sum(axis=1)
    active = vol > 0
    n_active = active.sum(axis=1)
    series = []
    for q, sel, m in zip(queries, sels, matched):
        got = cells(sel.docs)
        counts = got.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(volume > 0, counts / np.maximum(volume, 1), np.nan)
            per_outlet = np.where(active, got / np.maximum(vol, 1), 0.0).sum(axis=1)
            balanced = np.where(n_active > 0, per_outlet / np.maximum(n_active, 1), np.nan)
        series.append(Series(
            query=q, counts=counts.tolist(), share=_floats(share), outlet_share=_floats(balanced),
            total=len(sel.docs), undated=len(sel.docs) - len(m), notices=[text for _code, text in sel.notices]))
    periods = [_label(periods_lo + i * step, interval) for i in range(n)]
    return Attention(interval, periods, volume.tolist(), n_active.tolist(), series)


def _floats(a: np.ndarray) -> list[float | None]:
    return [None if np.isnan(x) else round(float(x), 6) for x in a]
