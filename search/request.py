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
    "SearchRequest", "SearchRequestError", "FACETS", "SORTS", "flag",
    "MAX_QUERY_CHARS", "MAX_QUERY_TERMS", "MAX_PAGE_SIZE", "MAX_RESULT_WINDOW",
    "MAX_PREFIX_EXPANSIONS", "MAX_FUZZY_EXPANSIONS", "MAX_QUERY_EXPANSIONS", "MAX_EXPANSION_SCAN",
    "MIN_PREFIX_CHARS", "MAX_FUZZY_DISTANCE", "MIN_FUZZY_CHARS", "DEFAULT_TIME_LIMIT", "parse_date_bound",
    "parse_date_range", "date_facet_value",
    "FACET_LABELS", "bilingual", "period_bound", "period_of", "Param", "PARAMETERS", "PARAMETER_NAMES",
    "unknown_parameters",
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
# All the word* and word~ of one query together: each gets an equal share (at
# most its own cap, at least MIN_EXPANSIONS_PER_WORD). Sixteen short prefixes
# cost 0.9-1.6 s before (2,048 index terms, half of them scanned in vain).
MAX_QUERY_EXPANSIONS = 256
MIN_EXPANSIONS_PER_WORD = 8
# Index terms read (per segment) to find a query's expansions, shared out like
# MAX_QUERY_EXPANSIONS: reading costs ~4 us a term, so this bounds it to ~0.15 s.
MAX_EXPANSION_SCAN = 40_000
MAX_FUZZY_DISTANCE = 2  # word~N: larger N are clamped to this, with a notice
MIN_FUZZY_CHARS = 3  # a shorter word~ is searched as the word itself, with a notice
MIN_PREFIX_CHARS = 2  # a one-letter prefix (و*) matches most of the vocabulary: refused with a notice
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
        if month == 12:  # not via January of the next year: 9999-12 ends in 9999
            return Date(year, 12, 31)
        return Date.fromordinal(Date(year, month + 1, 1).toordinal() - 1)
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


def _date_error(text: str, arabic: str, english: str) -> SearchRequestError:
    return SearchRequestError(bilingual(f"التاريخ «{text}» {arabic}", f"date {text!r} {english}"))


def parse_date_bound(text: str, end: bool = False) -> Date:
    """THE date reader of Marsad: ``from``/``to`` (page, API, CLI), the date
    facet's values and ``تاريخ:`` in a query all read dates with it.

    A year, a month or a day, as the first (or, with ``end``, the last) day of
    that period: ``2015``, ``2015-07``, ``2015/7/21``, Arabic-Indic digits,
    or a month name of any naming system with a year (``تموز 2015``,
    ``كانون الثاني-2016``, ``July 2015``; ``index/data/months.tsv``).

    >>> parse_date_bound("2015-02", end=True), parse_date_bound("تموز-٢٠١٥")
    (datetime.date(2015, 2, 28), datetime.date(2015, 7, 1))
    """
    from marsad.analyzers import normalize
    from marsad.index.extract import month_number
    text = str(text or "")
    words = [normalize(w).lower() for w in re.split(r"[\s\-/._]+", text.strip()) if w]
    if not words:
        raise _date_error(text, "فارغ", "is empty")
    nums = [w for w in words if w.isdigit()]
    names = [w for w in words if not w.isdigit()]
    month: int | None = None
    if names:
        month = month_number(names)  # index/data/months.tsv, as the date extractor reads it
        if month is None:
            raise _date_error(text, f"ليس بصيغة سنة أو سنة-شهر أو سنة-شهر-يوم (ولا «{' '.join(names)}» اسم شهر)",
                              f"is not YYYY, YYYY-MM or YYYY-MM-DD (nor is {' '.join(names)!r} a month name)")
    years = [w for w in nums if len(w) == 4]
    rest = [int(w) for w in nums if len(w) != 4]
    if len(years) != 1 or len(rest) > (1 if month else 2) or any(len(w) > 2 for w in nums if len(w) != 4):
        raise _date_error(text, "ليس بصيغة سنة أو سنة-شهر أو سنة-شهر-يوم",
                          "is not YYYY, YYYY-MM or YYYY-MM-DD")
    day = None
    if month is None and rest:
        month = rest.pop(0)
    if rest:
        day = rest.pop(0)
    try:
        return period_bound(int(years[0]), month, day, end=end)
    except ValueError:
        raise _date_error(text, "غير موجود في التقويم", "does not exist") from None


def parse_date_range(text: str) -> tuple[Date | None, Date | None]:
    """``2015``, ``2015-07..2015-08``, ``..2015``, ``تموز-2015`` -> inclusive
    ``(first day, last day)``, ``None`` for an open side (:func:`parse_date_bound`).

    >>> parse_date_range("2015-07..2015-08")
    (datetime.date(2015, 7, 1), datetime.date(2015, 8, 31))
    """
    text = str(text or "").strip()
    if ".." not in text:
        return parse_date_bound(text), parse_date_bound(text, end=True)
    a, _, b = text.partition("..")
    start = parse_date_bound(a) if a.strip() else None
    stop = parse_date_bound(b, end=True) if b.strip() else None
    if start is None and stop is None:
        raise SearchRequestError(bilingual("نطاق التاريخ يحتاج إلى طرف واحد على الأقل",
                                           "a date range needs at least one side"))
    if start and stop and start > stop:
        raise SearchRequestError(bilingual(f"نطاق التاريخ «{text}» ينتهي قبل أن يبدأ",
                                           f"date range {text!r} ends before it starts"))
    return start, stop


def date_facet_value(text: str) -> str:
    """A date facet selection as the facet spells it: ``"YYYY"`` or ``"YYYY-MM"``
    (``٢٠١٥`` -> ``2015``, ``2015-7`` and ``تموز 2015`` -> ``2015-07``); ``""``
    (the unknown bucket) stays ``""``.

    >>> date_facet_value("تموز 2015"), date_facet_value("٢٠١٥")
    ('2015-07', '2015')
    """
    if text == "":
        return ""
    try:
        start, stop = parse_date_range(text)
        value = period_of(start, stop) if start and stop else None
    except SearchRequestError:
        value = None
    if value is None:
        raise SearchRequestError(bilingual(
            f"قيمة التاريخ «{text}» يجب أن تكون سنة أو شهرًا من سنة (مثل 2015 أو 2015-07)",
            f"date facet value {text!r} must be YYYY or YYYY-MM (a year or a month)"))
    return value


def _int(name: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise SearchRequestError(bilingual(f"قيمة {name} يجب أن تكون عددًا صحيحًا",
                                           f"{name} must be a whole number, got {value!r}")) from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def flag(name: str, value: Any) -> bool | None:
    """A boolean parameter: ``true/false``, ``1/0``, ``yes/no``, ``on/off``; empty is unset (None);
    anything else (``maybe``) is refused rather than read as false.

    >>> flag("stories", "On"), flag("stories", "")
    (True, None)
    """
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise SearchRequestError(bilingual(f"قيمة {name} إما true أو false",
                                       f"{name} must be true or false, 1 or 0, yes or no, on or off; got {value!r}"))


@dataclass(frozen=True)
class Param:
    """One parameter :meth:`SearchRequest.from_args` accepts: its name, type and meaning.

    :data:`PARAMETERS` is the one list of them; the web's OpenAPI document is
    generated from it, and ``from_args`` refuses any other name.
    """

    name: str
    type: str  # "string" | "integer" | "boolean" (OpenAPI types)
    description: str
    repeat: bool = False  # may be given more than once (a list)
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    pattern: str | None = None


_DATE_PATTERN = r"^\s*\d{4}([-/.]\d{1,2}([-/.]\d{1,2})?)?\s*$"
PARAMETERS: tuple[Param, ...] = (
    Param("q", "string", "the query: words (all must match), \"phrases\", OR/أو, -word, word*, word~, =word, "
          "outlet:/مصدر:, province:/محافظة:, actor:/جهة:, date:/تاريخ: (2015, 2015-07..2015-08, تموز-2015)",
          default=""),
    *(Param(f, "string", f"a selected {f} value ({FACET_LABELS[f]}); repeat for several: OR within a facet, "
            "AND across facets; an empty value selects the documents with no known value", repeat=True,
            pattern=r"^(\d{4}(-\d{2})?)?$" if f == "date" else None)
      for f in FACETS),
    Param("from", "string", "the earliest date: YYYY, YYYY-MM or YYYY-MM-DD (the first day of that period)",
          pattern=_DATE_PATTERN),
    Param("to", "string", "the latest date: YYYY, YYYY-MM or YYYY-MM-DD (the last day of that period)",
          pattern=_DATE_PATTERN),
    Param("sort", "string", "the order of the hits", default="relevance", enum=SORTS),
    Param("page", "integer", "the page of hits, from 1", default=1, minimum=1),
    Param("page_size", "integer", "hits per page", default=10, minimum=1, maximum=MAX_PAGE_SIZE),
    Param("facet_limit", "integer", "how many buckets each facet returns: the values with most documents, the "
          "unknown bucket counted among them; selected values are always returned and take their places first; "
          "for the date facet the months of a selected year come on top", default=10, minimum=0,
          maximum=MAX_FACET_LIMIT),
    Param("facet_all", "string", "a facet that returns all its values, not the top facet_limit; repeatable",
          repeat=True, enum=FACETS),
    Param("exact", "boolean", "match every word's exact (unstemmed) form, as if written =word", default=False),
    Param("collapse", "boolean", "show syndicated copies of an article once (total counts the groups); false "
          "lists every copy", default=True),
    Param("stories", "boolean", "with collapse: also show rewritten copies of a story once (near-duplicate text "
          "that several outlets edited, clustered at build time)", default=False),
)
PARAMETER_NAMES = frozenset(p.name for p in PARAMETERS)


def unknown_parameters(names: Any, accepted_names: Any = None) -> SearchRequestError:
    """The error for parameters no one documented (``foo``): they are refused, not ignored.

    >>> str(unknown_parameters(["foo"], ["q"]))
    "معامل غير معروف: «foo»؛ المعاملات المقبولة: q (unknown parameter 'foo': accepted are q)"
    """
    bad = "، ".join(f"«{n}»" for n in names)
    names_ok = [p.name for p in PARAMETERS] if accepted_names is None else list(accepted_names)
    accepted = ", ".join(names_ok)
    names_en = ", ".join(repr(n) for n in names)
    if not names_ok:
        return SearchRequestError(bilingual(f"معامل غير معروف: {bad}؛ هذا الرابط لا يقبل معاملات",
                                            f"unknown parameter {names_en}: this URL takes no parameters"))
    return SearchRequestError(bilingual(f"معامل غير معروف: {bad}؛ المعاملات المقبولة: {accepted}",
                                        f"unknown parameter {names_en}: accepted are {accepted}"))


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
    stories: bool = False  # with collapse: rewritten copies of a story too (index.neardup)
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
                vals = tuple(dict.fromkeys(date_facet_value(v) for v in vals))
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
    def from_args(cls, args: Mapping[str, Any], ignore_unknown: bool = False) -> SearchRequest:
        """Build from CLI/web parameters (strings, or lists for repeated ones).

        Accepts a plain dict (values str or list) or a Werkzeug ``MultiDict``;
        the names are :data:`PARAMETERS`, one name each. Any other name is an
        error unless ``ignore_unknown`` (the HTML page: links from elsewhere may
        carry their own parameters); the values are checked the same either way.
        """
        def get_list(name: str) -> list[str]:
            if hasattr(args, "getlist"):
                vals = args.getlist(name)
            else:
                v = args.get(name)
                vals = [] if v is None else list(v) if isinstance(v, (list, tuple)) else [v]
            return [str(x) for x in vals if x is not None]

        def get(name: str) -> Any:
            vals = get_list(name)
            return vals[-1] if vals else None

        if not ignore_unknown:
            unknown = [k for k in dict.fromkeys(args.keys()) if k not in PARAMETER_NAMES]
            if unknown:
                raise unknown_parameters(unknown)
        filters = {f: tuple(get_list(f)) for f in FACETS if get_list(f)}
        kw: dict[str, Any] = {
            "q": get("q") or "",
            "filters": filters,
            "sort": (get("sort") or "relevance").strip().lower(),
            "page": _int("page", get("page"), 1),
            "page_size": _int("page_size", get("page_size"), 10),
            "facet_limit": _int("facet_limit", get("facet_limit"), 10),
            "facet_all": tuple(get_list("facet_all")),
        }
        f, t = get("from"), get("to")
        kw["date_from"] = parse_date_bound(f) if f else None
        kw["date_to"] = parse_date_bound(t, end=True) if t else None
        for name in ("exact", "collapse", "stories"):
            value = flag(name, get(name))
            if value is not None:
                kw[name] = value
        return cls(**kw)
