"""Every layer's list of facets IS the registry (index/facets.py), not a copy of it."""
from __future__ import annotations

from marsad.analyzers import normalize
from marsad.index import facets as registry
from marsad.index.extract.entities import facet_aliases
from marsad.index.schema import FACET_FIELDS, build_schema
from marsad.search import facets as search_facets
from marsad.search import query, request
from marsad.search.cli import search_cmd
from marsad.web import urls
from marsad.web.openapi import spec as _openapi_spec

NAMES = tuple(f.name for f in registry.FACETS)


def test_registry_is_well_formed():
    assert NAMES == registry.FACET_NAMES and len(set(NAMES)) == len(NAMES)
    for f in registry.FACETS:
        assert f.kind in ("term", "date") and f.label and f.label_en and f.name in f.query_names
        assert registry.facet(f.name) is f


def test_index_layer_uses_the_registry():
    assert FACET_FIELDS == {f.name: f.field for f in registry.FACETS}
    schema = build_schema()
    for f in registry.FACETS:
        assert f.field in schema.names()
        # a multi-valued facet is a KEYWORD field (comma-separated), a single one is not
        assert (type(schema[f.field]).__name__ == "KEYWORD") == f.multi, f.name
    # the value aliases come from the tables the registry names
    assert set(facet_aliases()) == {f.name for f in registry.FACETS if f.alias_table}


def test_search_layer_uses_the_registry():
    assert request.FACETS == NAMES
    assert request.FACET_LABELS == {f.name: f.label for f in registry.FACETS}
    assert tuple(search_facets.FACETS) == NAMES
    for f in registry.FACETS:
        counted = search_facets.FACETS[f.name]
        assert (counted.name, counted.field, counted.label) == (f.name, f.field, f.label)
        assert isinstance(counted, search_facets.DateFacet if f.kind == "date" else search_facets.TermFacet)
    # every name a query may type for a facet, and nothing else, reaches that facet
    assert query._FIELD_NAMES == {normalize(n.lower()): f.name for f in registry.FACETS for n in f.query_names}
    assert {p.name for p in search_cmd.params} >= set(NAMES)


def test_web_layer_uses_the_registry(app):
    assert urls.FACETS == NAMES
    assert set(NAMES) <= set(urls.PARAMS) and set(NAMES) <= urls.MULTI
    with app.test_request_context():
        spec = _openapi_spec()
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert set(NAMES) <= params
    enum = spec["paths"]["/api/facets/{name}"]["get"]["parameters"][0]["schema"]["enum"]
    assert tuple(enum) == NAMES


def test_search_reads_extraction_through_its_public_names():
    """search/ imports marsad.index.extract, never its modules (their insides may move)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "search"
    private = [f"{p.name}: {m.group()}" for p in root.glob("*.py")
               for m in re.finditer(r"marsad\.index\.extract\.\w+", p.read_text(encoding="utf-8"))]
    assert private == []
