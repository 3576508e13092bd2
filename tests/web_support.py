"""Helpers for the web tests: the test index, and a parser for Marsad's pages.

The index is the search tests' own (``tests/search_support.py``: the seeds and
a SaudiNewsNet sample, real schema and analyzers, facets from a tiny fixed
gazetteer so expectations do not move with the extractors), built once per
process and shared with them. It is stamped with the Marsad metadata
(``marsad.json``) that ``index.build.open_index`` requires.
"""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest


def stamp_marsad_meta(index_dir: Path) -> Path:
    """Write ``marsad.json`` (this code's versions) so ``open_index`` accepts a test-written index."""
    try:
        from marsad.index.schema import versions
        from marsad.index.store import write_meta
    except ImportError:  # an index layer without metadata: nothing to stamp
        return index_dir
    write_meta(Path(index_dir), {**versions(), "built_by": "tests (search_support.write_index)"})
    return index_dir


def web_index_dir(request: pytest.FixtureRequest | None = None) -> Path:
    """Directory of the index the web tests run against."""
    from search_support import search_index
    return stamp_marsad_meta(Path(search_index()[0].storage.folder))


class Page(HTMLParser):
    """What a results page shows, read back from its HTML.

    ``total``; ``hits`` (ids in order); ``facets`` {name: {value: (count,
    selected)}} from the sidebar lists; ``toggles`` [(facet, value, href)] of
    every facet toggle: a toggle link's href, or for a facet checkbox the URL
    the browser requests when that box alone changes (the facet form's
    action with its fields, that box flipped); ``bars`` [(href, aria-label)] of chart links;
    ``chips`` [(facet, value, href)] of removable chips; ``links`` {rel or
    class: href}; ``scripts`` (src of every script; None for inline ones).
    """

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.total: int | None = None
        self.hits: list[str] = []
        self.facets: dict[str, dict[str, tuple[int, bool]]] = {}
        self.toggles: list[tuple[str, str, str]] = []
        self.bars: list[tuple[str, str]] = []
        self.chips: list[tuple[str, str, str]] = []
        self.links: dict[str, str] = {}
        self.page_links: dict[int, str] = {}
        self.scripts: list[str | None] = []
        self.stylesheets: list[str] = []
        self.hit_links: list[str] = []
        self._facet: str | None = None
        self._li: dict[str, Any] | None = None
        self._in_count = False
        self._in_hit_title = False
        self._form: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        cls = a.get("class", "").split()
        if tag == "strong" and "total" in cls:
            self.total = int(a["data-total"])
        elif tag == "li" and "hit" in cls:
            self.hits.append(a["data-id"])
        elif tag == "section" and "facet" in cls:
            self._facet = a.get("data-facet")
            self.facets.setdefault(self._facet or "", {})
        elif tag == "li" and self._facet:
            self._li = {"selected": "selected" in cls, "value": None, "count": None}
        elif tag == "form" and "facet-form" in cls:
            self._form = {"action": a.get("action", ""), "fields": []}
        elif tag == "input" and self._form is not None and a.get("type") in ("hidden", "checkbox"):
            checkbox = a.get("type") == "checkbox"
            self._form["fields"].append((a["name"], a.get("value", ""), checkbox, "checked" in a or not checkbox))
            if checkbox and self._li is not None:
                self._li["value"] = a.get("value", "")
        elif tag == "a" and "toggle" in cls:
            self.toggles.append((a["data-facet"], a["data-value"], a["href"]))
            if self._li is not None:
                self._li["value"] = a["data-value"]
        elif tag == "span" and "count" in cls and self._li is not None:
            self._in_count = True
        elif tag == "a" and "removable" in cls:
            self.chips.append((a["data-facet"], a["data-value"], a["href"]))
        elif tag == "a" and ("bar" in cls or "gov" in cls):
            self.bars.append((a["href"], a.get("aria-label", "")))
        elif tag == "a" and "clear-all" in cls:
            self.links["clear-all"] = a["href"]
        elif tag == "a" and a.get("rel") in ("next", "prev"):
            self.links[a["rel"]] = a["href"]
        elif tag == "a" and a.get("data-page"):
            self.page_links[int(a["data-page"])] = a["href"]
        elif tag == "a" and a.get("data-sort"):
            self.links["sort-" + a["data-sort"]] = a["href"]
        elif tag == "h3" and "hit-title" in cls:
            self._in_hit_title = True
        elif tag == "a" and self._in_hit_title:
            self.hit_links.append(a["href"])
            self._in_hit_title = False
        elif tag == "script":
            self.scripts.append(a.get("src") or None)
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])

    def handle_data(self, data: str) -> None:
        if self._in_count and self._li is not None:
            self._li["count"] = int(data.strip())
            self._in_count = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            fields = self._form["fields"]
            for i, (name, value, checkbox, _) in enumerate(fields):
                if checkbox:  # what the form sends with this box flipped
                    sent = [(n, v) for j, (n, v, _, on) in enumerate(fields) if (on != (j == i))]
                    self.toggles.append((name, value, self._form["action"] + "?" + urlencode(sent)))
            self._form = None
        if tag == "li" and self._li is not None and self._facet:
            if self._li["value"] is not None and self._li["count"] is not None:
                self.facets[self._facet][self._li["value"]] = (self._li["count"], self._li["selected"])
            self._li = None
        elif tag == "section":
            self._facet = None


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def api_url(page_url: str) -> str:
    """The /api/search URL with the same parameters as a page URL."""
    parts = urlsplit(page_url)
    return "/api/search" + (f"?{parts.query}" if parts.query else "")
