"""``SearchRequest``: one validated search, whatever asked for it.

The CLI and the web both turn their parameters into a request with
:meth:`SearchRequest.from_args`; a bad parameter raises
:class:`SearchRequestError` whose message says what is wrong and what is
allowed, in words a user can act on.

>>> r = SearchRequest.from_args({"q": "سوريا", "outlet": ["aawsat", "sabq"], "page": "2"})
>>> (r.q, r.filters["outlet"], r.page)
('سوريا', ('aawsat', 'sabq'), 2)
>>> SearchRequest.from_args({"page": "0"})
Traceback (most recent call last):
...
marsad.search.request.SearchRequestError: رقم الصفحة يبدأ من 1 (page must be 1 or more, got 0)
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from marsad.index.facets import FACET_NAMES
from marsad.index.facets import FACETS as FACET_SPECS

__all__ = [
    "SearchRequest", "SearchRequestError", "FACETS", "SORTS",
    "MAX_QUERY_CHARS", "MAX_QUERY_TERMS", "MAX_PAGE_SIZE", "MAX_RESULT_WINDOW",
    "MAX_PREFIX_EXPANSIONS", "MAX_FUZZY_EXPANSIONS", "DEFAULT_TIME_LIMIT", "parse_date_bound",
    "FACET_LABELS", "bilingual", "period_bound", "period_of",
]

FACETS = FACET_NAMES  # the registry's (index/facets.py)
FACET_LABELS = {f.name: f.label for f in FACET_SPECS}
SORTS = ("relevance", "newest", "oldest")

# Limits against expensive requests (issue 7). Each is checked with a message.
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32  # words, phrases and field filters together
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # page * page_size: no deeper paging than this
MAX_PREFIX_EXPANSIONS = 64  # word* expands to at most this many index terms
MAX_FUZZY_EXPANSIONS = 32  # word~ likewise
MAX_FILTER_VALUES = 50  # selected values per facet
MAX_FACET_LIMIT = 1000
DEFAULT_TIME_LIMIT = 2.0  # seconds for the scoring pass; partial results after that
MAX_TIME_LIMIT = 30.0


class SearchRequestError(ValueError):
    """A request parameter is invalid; the message is meant for the user
    (Arabic, then the English in parentheses: see :func:`bilingual`)."""


def bilingual(arabic: str, english: str) -> str:
    """A message shown to users: Arabic first (the product is Arabic first),
    the English after it in parentheses for CLI and API users.

    >>> bilingual("الصفحة غير موجودة", "no such page")
    'الصفحة غير موجودة (no such page)'
    """
    return f"{arabic} ({english})"


def _facet_names() -> str:
    return "، ".join(f"{k} ({v})" for k, v in FACET_LABELS.items())


def unknown_facet(name: str) -> SearchRequestError:
    return SearchRequestError(bilingual(f"لا يوجد تصنيف باسم «{name}»؛ التصنيفات: {_facet_names()}",
                                        f"unknown facet {name!r}: use one of {', '.join(FACETS)}"))


_DATE_RE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


def period_bound(year: int, month: int | None = None, day: int | None = None, end: bool = False) -> Date:
    """The first (or, with ``end``, the last) day of a year, a month or a day;
    ``ValueError`` when there is no such date.

    >>> period_bound(2016, 2, end=True), period_bound(2015, end=True)
    (datetime.date(2016, 2, 29), datetime.date(2015, 12, 31))
    """
    if day is not None:
        return Date(year, month or 1, day)
    if month is None:
        return Date(year, 12, 31) if end else Date(year, 1, 1)
    if end:
        return Date.fromordinal(Date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1)
    return Date(year, month, 1)


def period_of(start: Date, stop: Date) -> str | None:
    """``"YYYY"`` or ``"YYYY-MM"`` when ``start..stop`` is exactly that year or
    month (a date facet value), else ``None``.

    >>> period_of(Date(2015, 7, 1), Date(2015, 7, 31)), period_of(Date(2015, 7, 1), Date(2015, 7, 30))
    ('2015-07', None)
    """
    y = start.year
    if (start, stop) == (period_bound(y), period_bound(y, end=True)):
        return f"{y:04d}"
    m = start.month
    if (start, stop) == (period_bound(y, m), period_bound(y, m, end=True)):
        return f"{y:04d}-{m:02d}"
    return None


def parse_date_bound(text: str, end: bool = False) -> Date:
    """``2015``, ``2015-07`` or ``2015-07-21`` as the first (or, with ``end``,
    the last) day of that period.

    >>> parse_date_bound("2015-02", end=True)
    datetime.date(2015, 2, 28)
    """
    m = _DATE_RE.match(text or "")
    if not m:
        raise SearchRequestError(bilingual(f"التاريخ «{text}» ليس بصيغة سنة أو سنة-شهر أو سنة-شهر-يوم",
                                           f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD"))
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        return period_bound(y, int(mo) if mo else None, int(d) if d else None, end=end)
    except ValueError:
        raise SearchRequestError(bilingual(f"التاريخ «{text}» غير موجود في التقويم",
                                           f"date {text!r} does not exist")) from None


def _int(name: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise SearchRequestError(bilingual(f"قيمة {name} يجب أن تكون عددًا صحيحًا",
                                           f"{name} must be a whole number, got {value!r}")) from None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SearchRequest:
    """A validated search. Build with the constructor (keywords) or ``from_args``.

    ``filters`` holds the selected facet values: ``{"outlet": ("aawsat",),
    "date": ("2015", "2015-07")}``; ``""`` selects a facet's unknown bucket.
    Values within a facet combine with OR, facets with AND.
    """

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: Date | None = None
    date_to: Date | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    facet_limit: int = 10  # top N buckets per facet ...
    facet_all: tuple[str, ...] = ()  # ... except these facets: all their values
    exact: bool = False  # search every word at the exact level (as if written =word)
    collapse: bool = True  # show syndicated copies once
    highlight: bool = True
    suggest: bool = True
    time_limit: float = DEFAULT_TIME_LIMIT

    def __post_init__(self) -> None:
        if not isinstance(self.q, str):
            raise SearchRequestError(bilingual("الاستعلام يجب أن يكون نصًا", "q must be text"))
        if len(self.q) > MAX_QUERY_CHARS:
            raise SearchRequestError(bilingual(
                f"الاستعلام طويل جدًا: {len(self.q)} حرفًا، والحد {MAX_QUERY_CHARS}",
                f"query is too long: {len(self.q)} characters, at most {MAX_QUERY_CHARS} allowed"))
        if self.sort not in SORTS:
            raise SearchRequestError(bilingual(
                "الترتيب إما حسب الصلة (relevance) أو الأحدث (newest) أو الأقدم (oldest)",
                f"sort must be one of {', '.join(SORTS)}, got {self.sort!r}"))
        if self.page < 1:
            raise SearchRequestError(bilingual("رقم الصفحة يبدأ من 1", f"page must be 1 or more, got {self.page}"))
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise SearchRequestError(bilingual(
                f"عدد النتائج في الصفحة بين 1 و{MAX_PAGE_SIZE}",
                f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {self.page_size}"))
        if self.page * self.page_size > MAX_RESULT_WINDOW:
            raise SearchRequestError(bilingual(
                f"الصفحة {self.page} أبعد مما يُعرض: لا تُتصفح إلا أول {MAX_RESULT_WINDOW} نتيجة؛ "
                "ضيّق البحث بكلمات أو تصنيفات أكثر",
                f"page {self.page} is too deep: only the first {MAX_RESULT_WINDOW} results can be paged, "
                f"page × page_size ≤ {MAX_RESULT_WINDOW}; narrow the search with more words or filters"))
        if not 0 <= self.facet_limit <= MAX_FACET_LIMIT:
            raise SearchRequestError(bilingual(
                f"عدد قيم التصنيف المعروضة بين 0 و{MAX_FACET_LIMIT}",
                f"facet_limit must be between 0 and {MAX_FACET_LIMIT}, got {self.facet_limit}"))
        if not 0 < self.time_limit <= MAX_TIME_LIMIT:
            raise SearchRequestError(bilingual(
                f"مهلة البحث أكثر من 0 وحتى {MAX_TIME_LIMIT:g} ثانية",
                f"time_limit must be more than 0 and at most {MAX_TIME_LIMIT} seconds"))
        clean: dict[str, tuple[str, ...]] = {}
        for name, values in dict(self.filters).items():
            if name not in FACETS:
                raise unknown_facet(name)
            if isinstance(values, str):
                values = (values,)
            vals = tuple(dict.fromkeys(str(v).strip() for v in values))  # dedupe, keep order
            if len(vals) > MAX_FILTER_VALUES:
                raise SearchRequestError(bilingual(
                    f"قيم كثيرة محددة في {FACET_LABELS[name]}: الحد {MAX_FILTER_VALUES}",
                    f"too many {name} values selected: at most {MAX_FILTER_VALUES}"))
            if name == "date":
                for v in vals:
                    if v and not re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", v):  # month 13: a 500 in the chart
                        raise SearchRequestError(bilingual(
                            f"قيمة التاريخ «{v}» يجب أن تكون سنة أو سنة-شهر",
                            f"date facet value {v!r} must be YYYY or YYYY-MM"))
            if vals:
                clean[name] = vals
        object.__setattr__(self, "filters", clean)
        for name in self.facet_all:
            if name not in FACETS:
                raise unknown_facet(name)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SearchRequestError(bilingual(f"تاريخ البداية {self.date_from} بعد تاريخ النهاية {self.date_to}",
                                               f"from {self.date_from} is after to {self.date_to}"))

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.filters.get(facet, ())

    def replace(self, **changes: Any) -> SearchRequest:
        """A copy with some fields changed (validated again)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d.update(changes)
        return SearchRequest(**d)

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> SearchRequest:
        """Build from CLI/web parameters (strings, or lists for repeated ones).

        Accepts a plain dict (values str or list) or a Werkzeug ``MultiDict``.
        Names: ``q``, ``outlet``/``province``/``actor``/``date`` (repeatable),
        ``from``, ``to``, ``sort``, ``page``, ``page_size`` (or ``page-size``),
        ``facet_limit``, ``facet_all`` (repeatable), ``exact``, ``collapse``.
        """
        def get_list(name: str) -> list[str]:
            if hasattr(args, "getlist"):
                vals = args.getlist(name)
            else:
                v = args.get(name)
                vals = [] if v is None else list(v) if isinstance(v, (list, tuple)) else [v]
            return [str(x) for x in vals if x is not None]

        def get(name: str, *aliases: str) -> Any:
            for n in (name, *aliases):
                vals = get_list(n)
                if vals:
                    return vals[-1]
            return None

        filters = {f: tuple(get_list(f)) for f in FACETS if get_list(f)}
        kw: dict[str, Any] = {
            "q": get("q") or "",
            "filters": filters,
            "sort": (get("sort") or "relevance").strip().lower(),
            "page": _int("page", get("page"), 1),
            "page_size": _int("page_size", get("page_size", "page-size", "size"), 10),
            "facet_limit": _int("facet_limit", get("facet_limit", "facet-limit"), 10),
            "facet_all": tuple(get_list("facet_all") + get_list("facet-all")),
        }
        f, t = get("from"), get("to")
        kw["date_from"] = parse_date_bound(f) if f else None
        kw["date_to"] = parse_date_bound(t, end=True) if t else None
        if get("exact") is not None:
            kw["exact"] = _flag(get("exact"))
        if get("collapse") is not None:
            kw["collapse"] = _flag(get("collapse"))
        return cls(**kw)
