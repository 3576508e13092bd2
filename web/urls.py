"""The only place the web builds URLs: facet toggles, chips, pages, sort.

A search is its URL: ``/?q=...&outlet=...&outlet=...&province=...&date=2015-07
&sort=newest&page=2``. :class:`SearchState` holds the current parameters in a
canonical order; every link is that state with one change, so links are
shareable and everything works without JavaScript.

>>> s = SearchState.from_pairs([("q", "حلب"), ("outlet", "العربية"), ("page", "3")])
>>> s.toggled("outlet", "الجزيرة").query_string()
'q=%D8%AD%D9%84%D8%A8&outlet=%D8%A7%D9%84%D8%B9%D8%B1%D8%A8%D9%8A%D8%A9&outlet=%D8%A7%D9%84%D8%AC%D8%B2%D9%8A%D8%B1%D8%A9'
>>> s.toggled("outlet", "العربية").pairs
(('q', 'حلب'),)
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlencode, urljoin

from flask import current_app, request, url_for

from marsad.index.facets import FACET_NAMES

__all__ = ["FACETS", "SearchState", "search_url", "doc_url", "api_search_url", "export_url", "feed_url",
           "trends_url", "matrix_url", "entity_url", "facet_page_url", "absolute", "static_url", "static_fingerprint"]

FACETS = FACET_NAMES  # the registry's (index/facets.py)
# every parameter the page passes on, in canonical URL order ("page" is dropped on any change)
# (the last ones are SearchRequest options a shared URL may carry: all values of a facet, exact level)
PARAMS = ("q", *FACETS, "from", "to", "sort", "page_size", "page",
          "facet_all", "facet_limit", "exact", "collapse", "stories")
MULTI = frozenset(FACETS) | {"facet_all"}


def _date_parent(value: str) -> str | None:
    """'2015-07' -> '2015'; '2015-07-03' -> '2015-07'; '2015' -> None."""
    return value.rsplit("-", 1)[0] if "-" in value else None


class SearchState:
    """Immutable, canonical view of the search parameters of a URL."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[str, str], ...]):
        self.pairs = pairs

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> SearchState:
        seen: set[tuple[str, str]] = set()
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {k: [] for k in MULTI}
        for key, value in pairs:
            if key not in PARAMS or value is None:
                continue
            value = str(value)
            if key in MULTI:
                # "" is kept: it is the "unknown" bucket of a facet
                if (key, value) not in seen:
                    seen.add((key, value))
                    multi[key].append(value)
            elif value.strip() != "":
                single[key] = value  # last one wins, as in request.args.get
        ordered: list[tuple[str, str]] = []
        for key in PARAMS:
            if key in MULTI:
                ordered.extend((key, v) for v in multi[key])
            elif key in single:
                ordered.append((key, single[key]))
        return cls(tuple(ordered))

    @classmethod
    def from_args(cls, args: Any) -> SearchState:
        """From ``request.args`` (a MultiDict) or a plain mapping."""
        if hasattr(args, "items") and hasattr(args, "getlist"):
            return cls.from_pairs(args.items(multi=True))
        if isinstance(args, Mapping):
            pairs: list[tuple[str, str]] = []
            for k, v in args.items():
                pairs.extend((k, x) for x in (v if isinstance(v, (list, tuple)) else [v]))
            return cls.from_pairs(pairs)
        return cls.from_pairs(args)

    # --- reading ---
    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def selected(self, facet: str, value: str) -> bool:
        return (facet, value) in self.pairs

    def selections(self) -> list[tuple[str, str]]:
        """(facet, value) pairs currently selected, in URL order (for the chips)."""
        return [(k, v) for k, v in self.pairs if k in FACETS]

    @property
    def has_filters(self) -> bool:
        return any(k in FACETS or k in ("from", "to") for k, _ in self.pairs)

    @property
    def query(self) -> str:
        return self.get("q", "") or ""

    def query_string(self) -> str:
        return urlencode(self.pairs)

    def without(self, *keys: str) -> SearchState:
        """The same state less every value of ``keys`` (order kept).

        >>> SearchState.from_pairs([("q", "حلب"), ("sort", "newest"), ("page", "2")]).without("sort", "page").pairs
        (('q', 'حلب'),)
        """
        return SearchState(tuple(p for p in self.pairs if p[0] not in keys))

    # --- changing (each returns a new state; any change goes back to page 1) ---
    def _with(self, pairs: Iterable[tuple[str, str]], keep_page: bool = False) -> SearchState:
        return SearchState.from_pairs((k, v) for k, v in pairs if keep_page or k != "page")

    def toggled(self, facet: str, value: str) -> SearchState:
        """Select ``value`` in ``facet`` if it is not selected, else deselect it.

        Dates are a hierarchy (year > month > day): selecting a month replaces
        its year (an OR of both would not narrow anything) and deselecting the
        last month of a year goes back to that year, so the month bars stay.
        """
        pairs = list(self.pairs)
        if (facet, value) in pairs:
            pairs.remove((facet, value))
            if facet == "date":
                parent = _date_parent(value)
                siblings = [v for k, v in pairs if k == "date" and parent and _date_parent(v) == parent]
                if parent and not siblings:
                    pairs.append(("date", parent))
            return self._with(pairs)
        if facet == "date":
            ancestors = set()
            p = _date_parent(value)
            while p:
                ancestors.add(p)
                p = _date_parent(p)
            pairs = [(k, v) for k, v in pairs
                     if not (k == "date" and (v in ancestors or v.startswith(value + "-")))]
        pairs.append((facet, value))
        return self._with(pairs)

    def removed(self, facet: str, value: str) -> SearchState:
        """Deselect one value (a chip's ×); for dates, no parent comes back."""
        return self._with((k, v) for k, v in self.pairs if (k, v) != (facet, value))

    def cleared(self, facet: str | None = None) -> SearchState:
        """Drop every selection (or those of one facet); the query and sort stay."""
        drop = set(FACETS) | {"from", "to"} if facet is None else {facet}
        return self._with((k, v) for k, v in self.pairs if k not in drop)

    def with_sort(self, sort: str) -> SearchState:
        pairs = [(k, v) for k, v in self.pairs if k != "sort"]
        if sort != "relevance":
            pairs.append(("sort", sort))
        return self._with(pairs)

    def with_page(self, page: int) -> SearchState:
        pairs = [(k, v) for k, v in self.pairs if k != "page"]
        if page > 1:
            pairs.append(("page", str(page)))
        return self._with(pairs, keep_page=True)

    def showing_all(self, facet: str) -> SearchState:
        """Ask for every value of ``facet`` ("show more"), keeping the page."""
        if ("facet_all", facet) in self.pairs:
            return self
        return self._with(list(self.pairs) + [("facet_all", facet)], keep_page=True)

    def showing_top(self, facet: str) -> SearchState:
        """Back to the top values of ``facet`` ("show fewer")."""
        return self._with([p for p in self.pairs if p != ("facet_all", facet)], keep_page=True)

    def with_query(self, q: str) -> SearchState:
        return self._with([(k, v) for k, v in self.pairs if k != "q"] + [("q", q)])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchState) and other.pairs == self.pairs

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"SearchState({self.query_string()!r})"


_NON_ASCII_RUN = re.compile(r"(?:%[89A-F][0-9A-F])+")


def _iri(qs: str) -> str:
    """Non-ASCII letters as themselves, not %XX: a page's hrefs a third of the size.

    Only runs of percent-encoded UTF-8 bytes (>= 0x80) that decode to printable
    characters are decoded; ASCII delimiters (``&``, ``=``, ``+``, ``%``, ``#``) stay
    encoded, so the URL means the same and browsers send it percent-encoded.

    >>> _iri("q=%D8%AD%D9%84%D8%A8+x&o=a%26b%E2%80%8C")
    'q=حلب+x&o=a%26b%E2%80%8C'
    """
    def dec(m: re.Match[str]) -> str:
        text = unquote(m.group(), errors="strict")
        return text if text.isprintable() else m.group()
    try:
        return _NON_ASCII_RUN.sub(dec, qs)
    except UnicodeDecodeError:  # never for str values; keep the encoded form if it happens
        return qs


@lru_cache(maxsize=65_536)
def _iri_part(text: str) -> str:
    return _iri(quote_plus(text))


def _iri_query(state: SearchState) -> str:
    """``_iri(state.query_string())``, a component at a time: a page links the same
    values many times over (a hundred hrefs share the query and the facet values)."""
    return "&".join(f"{_iri_part(k)}={_iri_part(v)}" for k, v in state.pairs)


_BASES: dict[tuple[int, str, str, tuple[tuple[str, Any], ...]], str] = {}


def _base(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)``, remembered per mount point: a page builds
    seventy links to a handful of routes (Werkzeug's builder: ~15 us a link)."""
    key = (id(current_app.url_map), request.script_root, endpoint, tuple(sorted(values.items())))
    base = _BASES.get(key)
    if base is None:
        base = url_for(endpoint, **values)
        if len(_BASES) < 1024:
            _BASES[key] = base
    return base


def _url(endpoint: str, state: SearchState, **values: Any) -> str:
    base = _base(endpoint, **values)
    qs = _iri_query(state)
    return f"{base}?{qs}" if qs else base


def search_url(state: SearchState) -> str:
    """The HTML results page for ``state``."""
    return _url("pages.search", state)


def export_url(state: SearchState, fmt: str) -> str:
    """``/api/export``: every result of the page's search as ``fmt`` (csv or jsonl)."""
    return _url("api.export", SearchState(state.without("page").pairs + (("format", fmt),)))


def feed_url(state: SearchState) -> str:
    """``/api/feed``: the Atom feed of the page's search (its newest matches: no sort, no page)."""
    return _url("api.feed", state.without("page", "sort"))


def trends_url(state: SearchState, queries: Iterable[str] | None = None, api: bool = False,
               **options: str) -> str:
    """``/trends`` (``api``: ``/api/trends``): attention over time of ``queries``
    (default: the state's query) under the state's filters; ``options`` such as
    ``interval``, ``measure`` or ``format``."""
    qs = [q for q in (queries if queries is not None else [state.query]) if q]
    pairs = [("q", q) for q in qs] + list(state.without("q", "page", "sort", "page_size").pairs)
    pairs += [(k, v) for k, v in options.items() if v]
    base = _base("api.trends" if api else "pages.trends")
    return f"{base}?{_iri(urlencode(pairs))}" if pairs else base


def matrix_url(state: SearchState, api: bool = False) -> str:
    """``/matrix`` (``api``: ``/api/matrix``): actor x province over the state's result set."""
    return _url("api.matrix" if api else "pages.matrix_page", state.without("page", "sort"))


def entity_url(facet: str, value: str, api: bool = False) -> str:
    """``/entity/<facet>/<value>``: the page of an actor or a province (the value
    readable in the address: an IRI, like the query strings)."""
    base = _base("api.entity" if api else "pages.entity", facet=facet, value="_")[:-1]
    return base + _path_part(value)


@lru_cache(maxsize=16_384)
def _path_part(value: str) -> str:
    return _iri(quote(value, safe=""))


def absolute(url: str) -> str:
    """A URL this app built, with the request's scheme and host (feeds need absolute IRIs)."""
    return urljoin(request.host_url, url)


def api_search_url(state: SearchState) -> str:
    """``/api/search`` with the same parameters as the page."""
    return _url("api.search", state)


def doc_url(doc_id: str, state: SearchState | None = None) -> str:
    """A document's page; ``state`` (the search it came from) is kept for the way back."""
    # every character of the id escaped, "/" included: an id such as "../x" or "https://…" must
    # not turn into path segments that a browser normalizes away or Werkzeug merges
    base = _base("pages.document", doc_id="_")[:-1] + quote(doc_id, safe="")
    qs = _iri_query(state or SearchState(()))
    return f"{base}?{qs}" if qs else base


def facet_page_url(name: str, state: SearchState, q: str | None = None) -> str:
    """The no-JavaScript page listing all values of one facet (with a filter box)."""
    base = _base("pages.facet", name=name)
    pairs = list(state.pairs) + ([("fq", q)] if q else [])
    return f"{base}?{_iri(urlencode(pairs))}" if pairs else base


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # keyed on mtime and size too: a file edited while the server runs gets a new fingerprint
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=256)
def _static_path(folder: str, filename: str) -> str | None:
    # resolved once (a dozen syscalls: 0.2 ms of every page, three times); the file is stat'ed per call
    path = (Path(folder) / filename).resolve()
    return str(path) if path.is_relative_to(Path(folder).resolve()) else None


def static_fingerprint(filename: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file's content (None if there is no such file)."""
    folder = current_app.static_folder
    path = _static_path(folder, filename) if folder else None
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _digest(path, st.st_mtime_ns, st.st_size) if stat.S_ISREG(st.st_mode) else None


def static_url(filename: str) -> str:
    """A static file's URL with its content fingerprint (``/static/marsad.css?v=3f2a…``): the
    server lets browsers keep such a URL for a year, and a changed file gets a new URL."""
    v = static_fingerprint(filename)
    return url_for("static", filename=filename, v=v) if v else url_for("static", filename=filename)
