"""Server-side SVG for the date facet (bar chart), the province facet (map) and
attention over time (line chart).

Both are plain inline SVG whose bars / tiles are ``<a href>`` links built by
``web.urls``, so they filter without JavaScript. Every text is escaped with
markupsafe; colours come from CSS classes (the CSP forbids inline styles).

>>> svg = date_chart([{"value": "2015", "count": 3, "selected": False}], lambda v: "/?date=" + v)
>>> 'href="/?date=2015"' in svg and "<svg" in svg
True
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

from marsad.analyzers import normalize
from marsad.index.extract.data import governorates

__all__ = ["date_chart", "province_map", "attention_chart", "shade", "GOVERNORATES", "MONTHS_AR", "date_label",
           "governorate_key", "measure_text"]

# Month names as read across the Arab world: Gulf/Egyptian name and Levantine name.
MONTHS_AR = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
             "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]

# Syria's 14 governorates as a schematic tile map: (name, column, row, width, height)
# on a 5 x 5 grid, from the one governorate table (index/data/governorates.tsv)
GOVERNORATES: list[tuple[str, int, int, int, int]] = [
    (name, col, row, w, h) for name, _en, col, row, w, h in sorted(governorates(), key=lambda g: (g[3], g[2]))]


def governorate_key(name: str) -> str:
    """Spelling-insensitive key: normalized words without the article.

    >>> governorate_key("حماة") == governorate_key("حماه")
    True
    >>> governorate_key("محافظة إدلب") == governorate_key("ادلب")
    True
    """
    words = [normalize(w) for w in name.split()]
    words = [w for w in words if w not in ("محافظه", "مدينه")]
    return " ".join(w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words)


_GOV_KEYS = {governorate_key(n): n for n, *_ in GOVERNORATES}


def date_label(value: str, precision: str | None = None) -> str:
    """'2015-07' -> 'يوليو 2015'; '2015-07-03' -> '3 يوليو 2015'; '' -> 'غير معروف'."""
    if not value:
        return "غير معروف"
    parts = value.split("-")
    try:
        if len(parts) >= 2:
            month = MONTHS_AR[int(parts[1]) - 1]
            if len(parts) >= 3 and precision not in ("month", "year"):
                return f"{int(parts[2])} {month} {parts[0]}"
            return f"{month} {parts[0]}"
    except (ValueError, IndexError):
        return value
    return parts[0]


def _b(bucket: Any, key: str, default: Any = None) -> Any:
    return bucket.get(key, default) if isinstance(bucket, dict) else getattr(bucket, key, default)


def shade(count: int, top: int) -> int:
    """Shade 0..5 (sqrt scale so small counts stay visible): map tiles, heat-map cells.

    >>> shade(0, 10), shade(1, 100), shade(100, 100)
    (0, 1, 5)
    """
    if count <= 0 or top <= 0:
        return 0
    return max(1, min(5, math.ceil(5 * math.sqrt(count / top))))


def date_chart(buckets: Sequence[Any], href: Callable[[str], str], *, width: int = 300,
               height: int = 140) -> Markup:
    """A bar chart of documents per year or per month, right to left (earliest at the right).

    ``buckets`` are FacetBucket dicts/objects; the unknown bucket ("") is left
    out (the template lists it as a link under the chart).
    """
    bars = sorted((b for b in buckets if _b(b, "value")), key=lambda b: _b(b, "value"))
    if not bars:
        return Markup("")
    top = max(int(_b(b, "count", 0)) for b in bars) or 1
    n = len(bars)
    pad_top, pad_bottom, gap = 16, 24, 4
    slot = width / n
    bar_w = max(4.0, slot - gap)
    chart_h = height - pad_top - pad_bottom
    monthly = any("-" in _b(b, "value") for b in bars)
    # role=group, not img: the bars are links, which an img would hide from assistive technology
    out = [f'<svg class="chart date-chart" viewBox="0 0 {width} {height}" role="group" '
           f'aria-label="{escape("عدد المقالات حسب " + ("الشهر" if monthly else "السنة"))}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for i, b in enumerate(bars):
        value, count, selected = _b(b, "value"), int(_b(b, "count", 0)), bool(_b(b, "selected"))
        h = 0 if count == 0 else max(2.0, chart_h * count / top)
        x = width - (i + 1) * slot + gap / 2  # right to left
        y = pad_top + chart_h - h
        label = date_label(value)
        short = MONTHS_AR[int(value[5:7]) - 1] if monthly and len(value) >= 7 else value
        cls = "bar selected" if selected else "bar"
        # the accessible name begins with the visible text (short label, count): WCAG 2.5.3
        tip = f"{short}: {count} مقالة" + (f"، {label}" if short != label else "") + (" (محدد)" if selected else "")
        out.append(
            f'<a href="{escape(href(value))}" class="{cls}" aria-label="{escape(tip)}">'
            f'<title>{escape(tip)}</title>'
            f'<rect class="hit" x="{x - gap / 2:.1f}" y="0" width="{slot:.1f}" height="{height}"/>'
            f'<rect class="fill" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"/>'
            f'<text class="label" x="{x + bar_w / 2:.1f}" y="{height - 8}">{escape(short)}</text>'
            f'<text class="count" x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}">{count}</text>'
            '</a>')
    out.append("</svg>")
    return Markup("".join(out))


def province_map(buckets: Sequence[Any], href: Callable[[str], str]) -> tuple[Markup, list[Any]]:
    """Syria's 14 governorates shaded by count; returns (svg, buckets not on the map).

    Tiles whose governorate has no bucket are drawn with count 0 and still
    link (selecting them shows the empty result, as a checkbox would).
    """
    by_name: dict[str, Any] = {}
    rest: list[Any] = []
    for b in buckets:
        gov = _GOV_KEYS.get(governorate_key(_b(b, "value") or ""))
        if gov and gov not in by_name:
            by_name[gov] = b
        else:
            rest.append(b)
    top = max((int(_b(b, "count", 0)) for b in by_name.values()), default=0)
    # one viewBox unit is about one CSS pixel in the ~300 px sidebar, so the 13 px labels stay >= 12 px
    cw, ch, gap = 60, 46, 3
    w, h = 5 * cw, 5 * ch
    out = [f'<svg class="chart province-map" viewBox="0 0 {w} {h}" role="group" '
           f'aria-label="{escape("خريطة المحافظات السورية حسب عدد النتائج")}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for name, col, row, cols, rows in GOVERNORATES:
        b = by_name.get(name)
        value = _b(b, "value") if b is not None else name
        count = int(_b(b, "count", 0)) if b is not None else 0
        selected = bool(_b(b, "selected")) if b is not None else False
        x, y = col * cw + gap / 2, row * ch + gap / 2
        tw, th = cols * cw - gap, rows * ch - gap
        cls = f"gov q{shade(count, top)}" + (" selected" if selected else "")
        # the name starts with the tile's visible text (name, count): WCAG 2.5.3 label in name
        tip = f"{name}: {count} مقالة" + (" (محددة)" if selected else "")
        out.append(
            f'<a href="{escape(href(value))}" class="{cls}" aria-label="{escape(tip)}">'
            f'<title>{escape(tip)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{tw:.1f}" height="{th:.1f}" rx="4"/>'
            f'<text class="name" x="{x + tw / 2:.1f}" y="{y + th / 2 - 3:.1f}">{escape(name)}</text>'
            f'<text class="count" x="{x + tw / 2:.1f}" y="{y + th / 2 + 13:.1f}">{count}</text>'
            '</a>')
    out.append("</svg>")
    return Markup("".join(out)), rest


MEASURES = {"count": "عدد المقالات", "share": "النسبة من كل المقالات",
            "outlet_share": "متوسط نسبة كل مصدر"}
POINT_LINKS_MAX = 160  # periods up to which each point is a link (more: the line alone)


def measure_text(value: float | int | None, measure: str) -> str:
    """A plotted value as read: a count, or a share as a percentage.

    >>> measure_text(12, "count"), measure_text(0.0123, "share"), measure_text(None, "share")
    ('12', '1.23%', '—')
    """
    if value is None:
        return "—"
    if measure == "count":
        return str(int(value))
    return f"{value * 100:.2f}%"


def _nice(top: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``top``: round gridlines."""
    if top <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(top))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= top)


def attention_chart(att: dict[str, Any], measure: str, href: Callable[[int, int], str] | None = None, *,
                    width: int = 720, height: int = 280) -> Markup:
    """Lines of ``att`` (``Attention.to_dict()``), one per query, right to left
    (earliest at the right). ``measure``: count, share or outlet_share.
    ``href(series, period)``: the search behind a point (points are links
    while there are at most :data:`POINT_LINKS_MAX` periods).
    """
    periods, series = att["periods"], att["series"]
    n = len(periods)
    if not n or not series:
        return Markup("")
    key = "counts" if measure == "count" else measure
    values = [[None if v is None else float(v) for v in s[key]] for s in series]
    top = _nice(max((v for vs in values for v in vs if v is not None), default=0.0))
    pad_r, pad_l, pad_t, pad_b = 56, 12, 14, 34
    plot_w, plot_h = width - pad_r - pad_l, height - pad_t - pad_b
    slot = plot_w / n

    def x(i: int) -> float:  # right to left: the first period at the right
        return width - pad_r - (i + 0.5) * slot

    def y(v: float) -> float:
        return pad_t + plot_h * (1 - v / top)

    label = "الاهتمام عبر الزمن: " + MEASURES.get(measure, measure)
    out = [f'<svg class="chart trend-chart" viewBox="0 0 {width} {height}" role="group" '
           f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">']
    for frac in (0, 0.5, 1):  # gridlines and their values, at the right (the reading start)
        gy = y(top * frac)
        out.append(f'<line class="grid" x1="{pad_l}" x2="{width - pad_r}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
                   f'<text class="axis" x="{width - pad_r + 6}" y="{gy + 4:.1f}" text-anchor="start">'
                   f'{escape(measure_text(top * frac, measure) if measure != "count" else _count_tick(top * frac))}'
                   '</text>')
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        out.append(f'<text class="axis" x="{x(i):.1f}" y="{height - 10}">{escape(date_label(periods[i]))}</text>')
    for si, vs in enumerate(values):
        cls = f"s{si % 4}"
        run: list[str] = []
        for i, v in enumerate(vs + [None]):
            if v is not None:
                run.append(f"{x(i):.1f},{y(v):.1f}")
            elif run:  # a period with no article at all: the line breaks
                if len(run) > 1:
                    out.append(f'<polyline class="line {cls}" points="{" ".join(run)}"/>')
                else:
                    cx, cy = run[0].split(",")
                    out.append(f'<circle class="dot {cls}" cx="{cx}" cy="{cy}" r="2.5"/>')
                run = []
        if n <= POINT_LINKS_MAX and href is not None:
            q = series[si]["query"] or "كل المقالات"
            for i, v in enumerate(vs):
                if not v:  # nothing to open at a zero (or a period without any article)
                    continue
                tip = f"{q}، {date_label(periods[i])}: {measure_text(v, measure)}"
                out.append(f'<a href="{escape(href(si, i))}" aria-label="{escape(tip)}"><title>{escape(tip)}</title>'
                           f'<circle class="point {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="4"/></a>')
    out.append("</svg>")
    return Markup("".join(out))


def _count_tick(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:.1f}"
