"""What a search returns: ``SearchResult`` and its parts (plain dataclasses).

``SearchResult.to_dict()`` is THE shape: ``marsad search --json``,
``GET /api/search`` and the HTML page all render this one object. Keys other
tools rely on: ``total``, ``hits`` (each ``id, title, outlet, date,
provinces, actors, snippet``) and ``facets`` (``{facet: [{value, count,
selected}]}`` with facet names ``outlet``, ``province``, ``actor``, ``date``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["Hit", "FacetBucket", "FacetResult", "SearchResult", "NOTICES", "notice"]

# What a result tells the user about its search, in Arabic (the product is Arabic
# first); ``SearchResult.notice_codes`` holds the codes, for programs and tests.
NOTICES = {
    "fallback": "تعذّر تحليل الاستعلام ({reason})؛ جرى البحث عن الكلمات كما هي",
    "stop_word": "«{word}» كلمة شائعة جدًا فلم يُبحث عنها",
    "stop_phrase": "العبارة «{phrase}» كلها كلمات شائعة جدًا فلم يُبحث عنها",
    "expansion_capped": "«{word}» تطابق {count} كلمة في الفهرس؛ بُحث عن أكثر {cap} منها شيوعًا",
    "no_expansion": "لا توجد في الفهرس كلمة تطابق «{word}»",
    "prefix_too_short": "«{word}*» بادئة من حرف واحد تطابق معظم كلمات الفهرس فلم يُبحث عنها؛ اكتب حرفين أو أكثر",
    "prefix_too_broad": "«{word}*» تطابق أكثر من {count} كلمة في الفهرس؛ بُحث عن أكثر {cap} مما فُحص منها شيوعًا، "
                        "فاكتب بادئة أطول لنتائج أدق",
    "fuzzy_clamped": "«{word}~{dist}»: أقصى بُعد في البحث التقريبي {max} أحرف، فبُحث عن «{word}~{max}»",
    "fuzzy_too_short": "«{word}~» أقصر من {min} أحرف فلا معنى للبحث التقريبي عنها؛ بُحث عنها كما كُتبت",
    "query_expansions_capped": "في الاستعلام {words} كلمات بنجمة أو مدّة (* أو ~)؛ بُحث لكل منها عن {cap} صيغة على "
                               "الأكثر (الحد {total} صيغة للاستعلام كله)",
    "unknown_value": "لا توجد في الفهرس قيمة «{value}» في {label}",
    "partial": "تجاوز البحث المهلة المسموحة، فالنتائج جزئية: بحسب ما فُحص من الكلمات حتى الآن",
    "past_last_page": "الصفحة {page} بعد آخر صفحة من النتائج",
    "relaxed": "لم تجمع المقالات كل الكلمات إلا في نتائج قليلة، فتُعرض المقالات التي تطابق {k} من {m} كلمات على الأقل، "
               "الأكثر تطابقًا أولًا",
}


def notice(code: str, **values: object) -> tuple[str, str]:
    """``(code, Arabic text)`` of one notice.

    >>> notice("past_last_page", page=7)[1]
    'الصفحة 7 بعد آخر صفحة من النتائج'
    """
    return code, NOTICES[code].format(**values)


@dataclass
class Hit:
    id: str
    title: str
    outlet: str | None
    date: str | None  # ISO at its precision: YYYY-MM-DD | YYYY-MM | YYYY
    date_precision: str | None
    provinces: list[str]
    actors: list[str]
    score: float | None
    snippet: str  # HTML: original text escaped, matched words in <mark>…</mark>
    url: str | None = None
    copies: list[dict[str, Any]] = field(default_factory=list)  # copies: [{id, outlet, url, rewritten}]
    copies_total: int = 0  # all of them (a search hit lists the first MAX_COPIES_LISTED)
    copies_outlets: int = 0  # outlets that published the story (this one and its copies); 0 without copies
    rewrites: int = 0  # rewritten copies of its story listed as results of their own (stories=false)
    title_html: str = ""  # HTML: the title escaped, matched words in <mark>…</mark>

    def to_dict(self) -> dict[str, Any]:
        """``dataclasses.asdict(self)``, without its recursion (see :meth:`SearchResult.to_dict`)."""
        return {f.name: _fresh(getattr(self, f.name)) for f in _HIT_FIELDS}


@dataclass
class FacetBucket:
    value: str  # canonical value; "" is the unknown bucket; dates: "2015" or "2015-07"
    count: int
    selected: bool = False
    label: str | None = None  # display label when it differs from value (e.g. "غير معروف")


@dataclass
class FacetResult:
    name: str  # "outlet" | "province" | "actor" | "date"
    label: str  # Arabic label for display
    buckets: list[FacetBucket]
    other: int = 0  # how many further values exist beyond the top N returned
    unknown: int = 0  # matches with no value for this facet


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, FacetResult]
    took_ms: float
    parsed_query: str = ""  # what the query became (for --explain)
    notices: list[str] = field(default_factory=list)  # Arabic, for the user (see NOTICES)
    fallback: bool = False  # True when the query was not parsed and was searched as plain words
    suggestion: str | None = None  # "did you mean"
    partial: bool = False  # time limit hit: results are partial
    sort: str = "relevance"
    total_docs: int = 0  # matching documents before syndicated copies are collapsed (total counts groups)
    # field filters typed at the top of the query (محافظة:حلب), applied as facet selections:
    # {facet: [values as the index spells them]}, and the query text without them
    query_filters: dict[str, list[str]] = field(default_factory=dict)
    query_rest: str = ""
    notice_codes: list[str] = field(default_factory=list)  # one per notice: "fallback", "partial", ...
    # which documents the words selected: {"mode": "all"} (every word), or a long query loosened to
    # {"mode": "some", "required": k, "of": m} (at least k of its m words; more matched words rank first)
    match: dict[str, Any] = field(default_factory=lambda: {"mode": "all"})

    def to_dict(self) -> dict[str, Any]:
        # what dataclasses.asdict gives (a fresh container at every level), without its
        # recursion over every value: it was a fifth of the search page's time
        d = {f.name: _fresh(getattr(self, f.name)) for f in fields(self) if f.name not in ("hits", "facets")}
        d["hits"] = [h.to_dict() for h in self.hits]
        d["facets"] = {name: [{f.name: getattr(b, f.name) for f in _BUCKET_FIELDS} for b in fr.buckets]
                       for name, fr in self.facets.items()}
        d["facet_info"] = {name: {"label": f.label, "other": f.other, "unknown": f.unknown}
                           for name, f in self.facets.items()}
        return d


_HIT_FIELDS = fields(Hit)
_BUCKET_FIELDS = fields(FacetBucket)


def _fresh(v: Any) -> Any:
    """A copy of lists and dicts (of plain values, or of dicts and lists of them), as asdict makes."""
    if isinstance(v, list):
        return [_fresh(x) for x in v] if v and isinstance(v[0], (list, dict)) else list(v)
    if isinstance(v, dict):
        return {k: _fresh(x) for k, x in v.items()}
    return v
