"""Entity pages: everything the index knows about one actor or province
(issue 15): its names, its attention over time, the actors, provinces and
outlets that appear with it, its latest articles.

Built from the one search path: :func:`search.run` with the value ticked
(newest first; its facets are the co-occurring values) and
:func:`search.attention` (its monthly articles beside every article).

>>> from marsad.index.build import open_index
>>> e = entity(open_index(), "actor", "داعش")  # doctest: +SKIP
>>> e.value, e.articles > 0  # doctest: +SKIP
('تنظيم الدولة الإسلامية', True)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from marsad.index.extract import facet_aliases
from marsad.search.attention import Attention, attention
from marsad.search.facets import reader_data, resolve_values
from marsad.search.request import FACET_LABELS, SearchRequest
from marsad.search.results import FacetBucket, Hit

__all__ = ["ENTITY_FACETS", "Entity", "entity", "MAX_ALIASES", "TOP"]

ENTITY_FACETS = ("actor", "province")
MAX_ALIASES = 40  # names listed (a province's gazetteer holds hundreds of places)
TOP = 10  # co-occurring values and latest articles listed


@dataclass
class Entity:
    facet: str  # "actor" | "province"
    value: str  # the canonical value (as the index spells it)
    label: str  # the facet's Arabic name
    aliases: list[str]  # names that mean it (the extractors' tables), the first MAX_ALIASES
    aliases_total: int
    articles: int  # articles naming it (a syndicated story once)
    latest: list[Hit]
    with_values: dict[str, list[FacetBucket]] = field(default_factory=dict)  # actor/province/outlet -> top TOP
    timeline: Attention | None = None  # monthly: series 0 every article, series 1 those naming it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def entity(index: Any, facet: str, value: str) -> Entity | None:
    """The page of ``value`` (a canonical value or a name of it: ``داعش``,
    ``Aleppo``); None when the index has no such value."""
    from marsad.search.service import _searcher, run

    if facet not in ENTITY_FACETS:
        return None
    with _searcher(index) as s:
        data = reader_data(s.reader())
        td = data.terms[facet]
        if value not in td.values:
            found = resolve_values(data, facet, value, loose=False)
            if len(found) != 1:
                return None
            value = found[0]
        res = run(s, SearchRequest(filters={facet: (value,)}, sort="newest", page_size=TOP,
                                   facet_limit=TOP + 1, highlight=False, suggest=False))
        timeline = attention(s, SearchRequest(), ["", ""], "month", selections=[{}, {facet: (value,)}])
    table = facet_aliases().get(facet, {})
    # the index's value is the tables' canonical name, or (an index written from other
    # data) one of its names
    group = table.get(value) or next((names for names in table.values() if value in names), ())
    names = [n for n in group if n != value]
    with_values: dict[str, list[FacetBucket]] = {
        name: [b for b in res.facets[name].buckets if b.value and b.value != value][:TOP]
        for name in ("actor", "province", "outlet") if name in res.facets}
    return Entity(facet=facet, value=value, label=FACET_LABELS[facet], aliases=names[:MAX_ALIASES],
                  aliases_total=len(names), articles=res.total, latest=res.hits, with_values=with_values,
                  timeline=timeline)
