"""The facet registry: every facet Marsad knows, defined once.

Every layer reads its facet list from :data:`FACETS` — the index schema and the
builder (``field``), the search request and the counting code
(``search.request``, ``search.facets``), the query syntax's field filters
(``query_names``), the web's URLs and OpenAPI document, and ``marsad search``'s
options. To add a facet: add a :class:`FacetSpec` here, a field to
``index/schema.py`` (bump its version), an extractor that fills it, and (for a
term facet) its alias table; ``tests/test_facet_registry.py`` checks that every
layer follows.

>>> [f.name for f in FACETS]
['outlet', 'province', 'actor', 'date']
>>> facet("province").field, facet("province").label
('provinces', 'المحافظة')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FacetSpec", "FACETS", "FACET_NAMES", "facet"]


@dataclass(frozen=True)
class FacetSpec:
    """One facet: its names in each layer and how its values are stored."""

    name: str  # the URL/API/JSON parameter and the CLI option (--name)
    field: str  # the Whoosh field of the index
    label: str  # Arabic label (the page, bilingual messages)
    label_en: str  # English label (API descriptions, bilingual messages)
    kind: Literal["term", "date"]  # term: ID/KEYWORD values; date: a DATETIME by year and month
    multi: bool  # several values per document (a KEYWORD field) or at most one
    query_names: tuple[str, ...]  # names a query may use for it: ``محافظة:حلب``, ``province:حلب``
    alias_table: str | None  # the data file whose names a user may type for a value (``None``: none)


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("outlet", "outlet", "المصدر", "outlet", "term", False,
              ("outlet", "source", "مصدر", "المصدر", "صحيفة", "الصحيفة", "موقع"), "index/data/outlets.tsv"),
    FacetSpec("province", "provinces", "المحافظة", "province", "term", True,
              ("province", "محافظة", "المحافظة", "place"), "index/data/gazetteer.tsv"),
    FacetSpec("actor", "actors", "الجهة", "actor", "term", True,
              ("actor", "جهة", "الجهة", "فاعل"), "index/data/actors.tsv"),
    FacetSpec("date", "date", "التاريخ", "date", "date", False,
              ("date", "تاريخ", "التاريخ", "year", "سنة"), None),
)

#: The facet names in registry order (the order pages and JSON show them in).
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)

_BY_NAME = {f.name: f for f in FACETS}


def facet(name: str) -> FacetSpec:
    """The spec of facet ``name`` (``KeyError`` for an unknown name)."""
    return _BY_NAME[name]
