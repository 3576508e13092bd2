"""The "outlet" facet: who published the article, with evidence.

Metadata first: a ``source``/``outlet``/``publisher``... field (SaudiNewsNet's
ids such as ``aawsat`` or ``okaz``, or a name or domain) mapped through
``index/data/outlets.tsv`` to the outlet's Arabic name; then the domain of the
record's URL. A metadata value the table does not know is kept as written (it
is the corpus's own statement).

Else the text, where an outlet's name counts ONLY in a context that says "this
is us" (each a named rule, strongest first):

* ``opinion-disclaimer`` ``المقالات المنشورة في "نداء بوست" تعبّر عن آراء كتابها``,
  ``donation-blurb`` ``ادعم عنب بلدي``, ``copyright`` ``جميع الحقوق محفوظة لـ…``
  and ``title-suffix`` ``… | عنب بلدي`` (strength 3);
* ``source-line``: a line that is only ``المصدر: X`` / ``المصدر X``, and ``byline``:
  a short first line ending ``– X`` (``لجين الأحمدي – عين اليوم``) (strength 2);
* ``exclusive-sources``: ``مصادر خاصة [لـ]X``, ``خاص [لـ]X``: sources speaking to
  the outlet itself, as in ``مصادر خاصة الميادين نت`` (strength 1);
* ``photo-credit``: ``(X)`` closing a caption, unless X is a news agency: an
  agency credit says who took the photo, not who published the article (1).

Everything else is a QUOTED source, not the outlet: ``نقلت وكالة الأناضول``,
``لوكالة نورث برس``, ``قناة المملكة``, ``وبحسب الميادين``. The value with the
strongest rule wins (ties: more hits, then earlier); all its hits are evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from marsad.analyzers.normalize import normalize
from marsad.analyzers.tokenizers import WORD_RE
from marsad.index.extract.data import read_table, split_list
from marsad.index.extract.matcher import PhraseMatcher
from marsad.index.records import Evidence

__all__ = ["OutletInfo", "outlets", "outlet_for_id", "outlet_for_domain", "extract_outlet",
           "METADATA_OUTLET_KEYS"]

METADATA_OUTLET_KEYS = ("outlet", "source", "publisher", "site_name", "newspaper", "source_domain",
                        "domain", "site")


@dataclass(frozen=True)
class OutletInfo:
    name: str
    kind: str
    ids: tuple[str, ...]
    domains: tuple[str, ...]
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def outlets() -> tuple[OutletInfo, ...]:
    """The outlets table (``index/data/outlets.tsv``)."""
    out = []
    for name, kind, ids, domains, aliases in read_table("outlets.tsv", 5):
        out.append(OutletInfo(name, kind, tuple(i.lower() for i in split_list(ids)),
                              tuple(d.lower() for d in split_list(domains)), tuple(split_list(aliases))))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_id() -> dict[str, OutletInfo]:
    return {i: o for o in reversed(outlets()) for i in o.ids}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, OutletInfo]:
    return {" ".join(normalize(w) for w in a.split()): o for o in reversed(outlets())
            for a in (o.name, *o.aliases)}


@lru_cache(maxsize=1)
def _matcher() -> PhraseMatcher:
    return PhraseMatcher([(a, o) for o in outlets() for a in (o.name, *o.aliases)])


def outlet_for_id(value: str) -> OutletInfo | None:
    """Outlet by metadata identifier, domain/URL or name.

    >>> outlet_for_id("aljazirah").name
    'الجزيرة (السعودية)'
    """
    v = value.strip()
    if not v:
        return None
    o = _by_id().get(v.lower())
    if o:
        return o
    if "." in v and " " not in v:
        o = outlet_for_domain(v if "//" in v else "//" + v)
        if o:
            return o
    return _by_name().get(" ".join(normalize(w) for w in v.split()))


def outlet_for_domain(url: str) -> OutletInfo | None:
    """Outlet owning the URL's host (or a parent domain of it); path-scoped domains too.

    >>> outlet_for_domain("http://www.al-jazirah.com/2015/20150806/a.htm").name
    'الجزيرة (السعودية)'
    """
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    path = parts.path.lower()
    best = None
    for o in outlets():
        for d in o.domains:
            dhost, _, dpath = d.partition("/")
            if (host == dhost or host.endswith("." + dhost)) and (not dpath or path.startswith("/" + dpath)):
                score = len(d)
                if best is None or score > best[0]:
                    best = (score, o)
    return best[1] if best else None


# --- text rules -------------------------------------------------------------------------

_STRENGTH = {"opinion-disclaimer": 3, "donation-blurb": 3, "copyright": 3, "title-suffix": 3,
             "source-line": 2, "byline": 2, "exclusive-sources": 1, "photo-credit": 1}
_W = lambda s: tuple(normalize(w) for w in s.split())  # noqa: E731
_SOURCE_LINE_RE = re.compile(r"^\s*(?:المصدر|مصدر الخبر|المصدر الأصلي|Source)\s*[:：\-–—]?\s*[\"“«']?\s*$")
_TITLE_SEP_RE = re.compile(r"[|\-–—:]\s*[\"“«']?\s*$")
_BYLINE_SEP_RE = re.compile(r"[\-–—/]\s*$")


def _prev_words(text: str, start: int, n: int = 5) -> list[str]:
    words = [normalize(m.group()) for m in WORD_RE.finditer(text, max(0, start - 120), start)]
    return words[-n:]


def _next_words(text: str, end: int, n: int = 4) -> list[str]:
    return [normalize(m.group()) for m in list(WORD_RE.finditer(text, end, min(len(text), end + 120)))[:n]]


def _rule_for(field: str, text: str, start: int, end: int, word_start: int, clitic: str,
              info: OutletInfo) -> str | None:
    prev = _prev_words(text, word_start)
    nxt = _next_words(text, end)
    line_a = text.rfind("\n", 0, word_start) + 1
    line_b = text.find("\n", end)
    line_b = len(text) if line_b == -1 else line_b
    before_in_line = text[line_a:word_start]
    after_in_line = text[end:line_b]
    if prev[-1:] == [normalize("ادعم")] or prev[-2:] == list(_W("تبرع ل")):
        return "donation-blurb"
    if (prev[-3:] == list(_W("المقالات المنشورة في")) or prev[-2:] == list(_W("المنشورة في"))) and \
            nxt[:1] and nxt[0] in (normalize("تعبر"), normalize("تعبّر"), normalize("لا")):
        return "opinion-disclaimer"
    if ("محفوظه" in prev[-3:] and "حقوق" in prev[-5:]) or "©" in before_in_line[-20:]:
        return "copyright"
    if field == "title" and _TITLE_SEP_RE.search(text[:word_start]) and not after_in_line.strip(" .\"”»'"):
        return "title-suffix"
    if _SOURCE_LINE_RE.match(before_in_line) and not after_in_line.strip(" .\"”»'"):
        return "source-line"
    if field == "body" and text[:line_a].strip() == "" and _BYLINE_SEP_RE.search(before_in_line) and \
            not after_in_line.strip() and len(text[line_a:line_b].strip()) <= 80:
        return "byline"
    if prev[-2:] == list(_W("مصادر خاصه")) or prev[-1:] == [normalize("خاص")] or \
            prev[-2:] == [normalize("خاص"), "ل"]:
        return "exclusive-sources"
    if info.kind != "agency" and text[word_start - 1:word_start] == "(" and text[end:end + 1] == ")" and \
            not text[end + 1:line_b].strip(" .-–—"):
        return "photo-credit"
    return None


def _from_text(fields: dict[str, str]) -> tuple[str, list[Evidence]] | None:
    hits: dict[str, list[tuple[int, Evidence]]] = {}
    for field, text in fields.items():
        if not text:
            continue
        for m in _matcher().find(text):
            info: OutletInfo = m.payload
            rule = _rule_for(field, text, m.start, m.end, m.word_start, m.clitic, info)
            if rule:
                ev = Evidence("outlet", info.name, field, text[m.start:m.end], m.start, m.end, rule)
                hits.setdefault(info.name, []).append((_STRENGTH[rule], ev))
    if not hits:
        return None
    order = list(hits)  # first seen first

    def score(name: str):
        lst = hits[name]
        return (max(s for s, _ in lst), len(lst), -order.index(name))

    best = max(hits, key=score)
    return best, [e for _, e in hits[best]]


def extract_outlet(meta: dict[str, str], url: str | None, fields: dict[str, str]
                   ) -> tuple[str | None, list[Evidence]]:
    """(outlet or None, evidence) for one record.

    >>> extract_outlet({"source": "okaz"}, None, {})[0]
    'عكاظ'
    >>> extract_outlet({}, None, {"body": "نقلت وكالة الأناضول الخبر.\\n\\nادعم عنب بلدي"})[0]
    'عنب بلدي'
    """
    lower = {str(k).lower(): v for k, v in (meta or {}).items()}
    for key in METADATA_OUTLET_KEYS:
        v = lower.get(key)
        if v is None or not str(v).strip():
            continue
        v = str(v).strip()
        o = outlet_for_id(v)
        if o:
            return o.name, [Evidence("outlet", o.name, f"metadata:{key}", v, None, None, "metadata-id")]
        if len(v) <= 80:
            return v, [Evidence("outlet", v, f"metadata:{key}", v, None, None, "metadata-raw")]
    if url:
        o = outlet_for_domain(url)
        if o:
            host = urlsplit(url if "//" in url else "//" + url).hostname or url
            s = url.find(host)
            return o.name, [Evidence("outlet", o.name, "url", url[s:s + len(host)] if s >= 0 else url,
                                     s if s >= 0 else None, s + len(host) if s >= 0 else None, "url-domain")]
    r = _from_text(fields)
    if r:
        return r
    return None, []
