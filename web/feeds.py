"""Atom feeds (RFC 4287) of a search: its newest matches by the article's date.

Any search has a feed: ``/api/feed`` takes the search page's parameters and
renders the one ``search.run`` result (sorted newest first) with feedgen, a
maintained feed library, instead of a string template. Each entry is an
article: its page here as the alternate link and the id, the original article
as a ``related`` link, the outlet as author, the snippet as an HTML summary,
and its facet values (outlet, provinces, actors) as categories whose scheme is
that facet's page, so a feed reader can filter on them.

URLs come in from the caller (``web/views.py`` builds them with ``web/urls.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree  # feedgen's own XML library

__all__ = ["FEED_SIZE", "MIMETYPE", "atom", "entry_time"]

FEED_SIZE = 50  # entries per feed unless the URL asks for another page_size (1..100)
MIMETYPE = "application/atom+xml"
_ATOM = "{http://www.w3.org/2005/Atom}"
# the facets that become an entry's categories: hit field -> facet name
_CATEGORIES = (("outlet", "outlet"), ("provinces", "province"), ("actors", "actor"))


def entry_time(date: str | None) -> datetime | None:
    """An ISO date at its precision as a UTC datetime (Atom dates need a time).

    >>> entry_time("2015-07").isoformat(), entry_time(None)
    ('2015-07-01T00:00:00+00:00', None)
    """
    if not date:
        return None
    parts = [int(p) for p in date.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)


def atom(result: dict[str, Any], *, title: str, feed_url: str, page_url: str,
         doc_url: Callable[[str], str], facet_url: Callable[[str], str],
         now: datetime | None = None) -> bytes:
    """The Atom document of ``result`` (``SearchResult.to_dict()``, sorted newest first).

    ``feed_url`` (the feed itself), ``page_url`` (the HTML search), ``doc_url(id)``
    and ``facet_url(name)`` are absolute URLs. An article without a date takes the
    feed's own update time: Atom requires one on every entry.
    """
    hits = result.get("hits") or []
    dated = [t for t in (entry_time(h.get("date")) for h in hits) if t is not None]
    updated = max(dated) if dated else (now or datetime.now(UTC)).replace(microsecond=0)
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    fg.subtitle(f"{result.get('total', 0)} مقالة تطابق هذا البحث؛ الأحدث أولًا")
    fg.link(href=feed_url, rel="self", type=MIMETYPE)
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.author({"name": "مرصد"})
    fg.generator("Marsad")
    fg.language("ar")
    fg.updated(updated)
    entry_links: list[list[dict[str, str]]] = []
    # feedgen writes entries in reverse order of adding unless told otherwise
    for h in hits:
        fe = fg.add_entry(order="append")
        link = doc_url(h["id"])
        fe.id(link)
        fe.title(h.get("title") or h["id"])
        links = [{"href": link, "rel": "alternate", "type": "text/html"}]
        if h.get("url"):
            links.append({"href": h["url"], "rel": "related", "type": "text/html"})
        for ln in links:
            fe.link(**ln)
        entry_links.append(links)
        when = entry_time(h.get("date"))
        fe.updated(when or updated)
        if when is not None:
            fe.published(when)
        fe.author({"name": h.get("outlet") or "مصدر غير معروف"})
        if h.get("snippet"):
            fe.summary(h["snippet"], type="html")  # the snippet is escaped text with <mark> around the matches
        for key, facet in _CATEGORIES:
            values = h.get(key)
            for v in [values] if isinstance(values, str) else values or []:
                fe.category(term=v, scheme=facet_url(facet), label=v)
    return _with_entry_link_attributes(fg.atom_str(pretty=False), entry_links)


def _with_entry_link_attributes(xml: bytes, entry_links: list[list[dict[str, str]]]) -> bytes:
    """feedgen 1.0.0 drops ``rel`` and ``type`` from an entry's links (its
    ``atom_entry`` reads them from the new XML element, which shadows the
    link's dict): two links without ``rel`` are two "alternate" links, which
    RFC 4287 forbids. Put them back (harmless once feedgen writes them)."""
    root = etree.fromstring(xml)
    for entry, links in zip(root.iterfind(f"{_ATOM}entry"), entry_links):
        by_href = {ln["href"]: ln for ln in links}
        for el in entry.iterfind(f"{_ATOM}link"):
            ln = by_href.get(el.get("href"))
            if ln is not None:
                el.set("rel", ln["rel"])
                el.set("type", ln["type"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
