"""The OpenAPI 3.0.3 document of Marsad's JSON API, served at ``/api/openapi.json``.

The search parameters come from :data:`marsad.search.request.PARAMETERS`, the
list ``SearchRequest.from_args`` accepts (and refuses any other name), so the
document and the parser cannot drift apart. The response schemas are complete
(no bare ``object``) and closed (``additionalProperties: false``) where the
shape is this code's own: ``tests/test_web_openapi.py`` validates real
responses against them, walks Flask's URL map against ``paths`` both ways, and
checks every query parameter a handler reads is documented.

>>> doc = spec()
>>> doc["openapi"], sorted(doc["paths"])[:2]
('3.0.3', ['/api/doc/{doc_id}', '/api/doc/{doc_id}/similar'])
"""
from __future__ import annotations

import copy
from functools import cache, lru_cache
from typing import Any

from marsad.search.attention import INTERVALS
from marsad.search.entity import ENTITY_FACETS
from marsad.search.export import COLUMNS as EXPORT_COLUMNS
from marsad.search.export import FORMATS as EXPORT_FORMATS
from marsad.search.matrix import MAX_ROWS as MATRIX_ROWS
from marsad.search.request import FACET_LABELS, FACETS, MAX_QUERY_CHARS, PARAMETERS, SORTS, Param
from marsad.search.results import NOTICES
from marsad.web.feeds import FEED_SIZE

__all__ = ["spec", "query_parameters", "FACET_QUERY_MAX"]

FACET_QUERY_MAX = 100  # characters of q in /api/facets/<name>

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _closed(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """An object schema whose every key is listed (``required``: all of them unless given)."""
    out = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    required = list(properties) if required is None else required
    if required:  # OpenAPI 3.0: a "required" list must not be empty
        out["required"] = required
    return out


STR = {"type": "string"}
INT0 = {"type": "integer", "minimum": 0}
STRS = {"type": "array", "items": STR}


def _per_facet(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return _closed({f: copy.deepcopy(schema) for f in FACETS}, None if required else [])


def _schemas() -> dict[str, Any]:
    bucket = _closed({
        "value": {**STR, "description": "the canonical value; \"\" is the unknown bucket; dates YYYY or YYYY-MM"},
        "count": INT0,
        "selected": {"type": "boolean"},
        "label": _nullable({**STR, "description": "a display label when it differs from value (غير معروف)"}),
    })
    copy_ = _closed({"id": STR, "outlet": _nullable(STR), "url": _nullable(STR),
                     "rewritten": {"type": "boolean",
                                   "description": "a rewritten copy (near-duplicate text), not the same text"}},
                    description="a syndicated copy of the same story: the same text, or a rewrite of it")
    date = _nullable({**STR, "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
                      "description": "ISO date at its precision: YYYY-MM-DD, YYYY-MM or YYYY"})
    precision = _nullable({"type": "string", "enum": ["day", "month", "year", None]})  # 3.0.3: null listed
    hit = _closed({
        "id": STR, "title": STR, "outlet": _nullable(STR), "date": date, "date_precision": precision,
        "provinces": STRS, "actors": STRS,
        "score": _nullable({"type": "number", "description": "BM25F score; null when sorted by date"}),
        "snippet": {**STR, "description": "HTML: the original text escaped, matched words in <mark>"},
        "url": _nullable(STR), "copies": {"type": "array", "items": _ref("Copy"),
                                          "description": "syndicated copies, the first 10"},
        "copies_total": {**INT0, "description": "how many copies there are in all"},
        "copies_outlets": {**INT0, "description": "outlets that published the story (0 without copies)"},
        "rewrites": {**INT0, "description": "rewritten copies of its story that are results of their own "
                                            "(stories=false); stories=true lists them as copies"},
        "title_html": {**STR, "description": "HTML: the title escaped, matched words in <mark>"},
    })
    facet_info = _closed({"label": STR, "other": {**INT0, "description": "buckets with documents left out"},
                          "unknown": {**INT0, "description": "matches with no value for this facet"}})
    result = _closed({
        "query": STR,
        "total": {**INT0, "description": "matching articles, syndicated copies counted once"},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": _per_facet({"type": "array", "items": _ref("FacetBucket")}),
        "took_ms": {"type": "number", "minimum": 0},
        "parsed_query": {**STR, "description": "what the query became (for debugging)"},
        "notices": {"type": "array", "items": STR, "description": "what the user should know, in Arabic"},
        "fallback": {"type": "boolean", "description": "the query could not be parsed; searched as plain words"},
        "suggestion": _nullable({**STR, "description": "did you mean"}),
        "partial": {"type": "boolean", "description": "the time limit was hit: results are partial"},
        "sort": {"type": "string", "enum": list(SORTS)},
        "total_docs": {**INT0, "description": "matching documents before copies are collapsed"},
        "query_filters": _per_facet(STRS, required=False),
        "query_rest": {**STR, "description": "the query without the field filters typed in it"},
        "notice_codes": {"type": "array", "items": {"type": "string", "enum": sorted(NOTICES)}},
        "match": {"type": "object", "additionalProperties": False, "required": ["mode"],
                  "properties": {"mode": {"type": "string", "enum": ["all", "some"]},
                                 "required": {"type": "integer", "minimum": 1},
                                 "of": {"type": "integer", "minimum": 1}},
                  "description": "all: every query word matched; some: a long query that found too few articles "
                                 "with all its words, loosened to at least `required` of its `of` words"},
        "facet_info": _per_facet(_ref("FacetInfo")),
    }, description="the same object as `marsad search --json`")
    evidence = _closed({
        "facet": {"type": "string", "enum": list(FACETS)},
        "value": STR,
        "source": {**STR, "description": "title, body, url, path or metadata:<key>"},
        "match": STR,
        "start": _nullable(INT0), "end": _nullable(INT0),
        "rule": STR,
    }, required=["facet", "value", "source", "match", "start", "end"],
        description="why a facet has a value: the string that produced it and where")
    document = _closed({
        "id": STR, "title": STR, "body": STR, "outlet": _nullable(STR), "date": date,
        "date_precision": precision,
        "date_source": _nullable({"type": "string", "description": "metadata, text or inferred"}),
        "provinces": STRS, "actors": STRS, "url": _nullable(STR),
        "copies": {"type": "array", "items": _ref("Copy")},
        "copies_total": {**INT0, "description": "how many copies there are (all are listed here)"},
        "copies_outlets": {**INT0, "description": "outlets that published the story (0 without copies)"},
        "rewrites": {**INT0, "description": "rewritten copies of its story (listed in copies)"},
        "evidence": {"type": "array", "items": _ref("Evidence")},
        "source_path": _nullable({**STR, "description": "where the build read it"}),
        "content_hash": _nullable(STR),
        "duplicate_of": _nullable({**STR, "description": "id of the first record with this content"}),
        "ingested": _nullable({**STR, "description": "when the build or update that wrote it ran"}),
    }, required=["id", "title", "body", "outlet", "date", "date_precision", "provinces", "actors", "url",
                 "copies", "evidence"])
    similar = _closed({"id": STR, "hits": {"type": "array", "items": _ref("Hit")}})
    facet_values = _closed({
        "name": {"type": "string", "enum": list(FACETS)}, "label": STR,
        "buckets": {"type": "array", "items": _ref("FacetBucket")},
        "other": INT0, "unknown": INT0,
    })
    # /healthz may grow fields (its owner adds index details): open on purpose
    health = {"type": "object", "properties": {
        "status": {"type": "string", "enum": ["ok"]},
        "documents": _nullable(INT0), "reopens": INT0}, "required": ["status"]}
    error = _closed({"error": {**STR, "description": "what is wrong and what to do (Arabic, then English)"}})
    # the outline of this document itself (the full rules are the OpenAPI 3.0.3 specification's)
    response = {"type": "object", "properties": {  # a response or a $ref to one
        "description": STR, "content": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"schema": {"type": "object", "additionalProperties": True}}}},
        "$ref": STR}}
    operation = {"type": "object", "required": ["responses"], "properties": {
        "operationId": STR, "summary": STR, "description": STR,
        "parameters": {"type": "array", "items": {"type": "object", "required": ["name", "in"], "properties": {
            "name": STR, "in": {"type": "string", "enum": ["query", "path"]}, "required": {"type": "boolean"},
            "description": STR, "schema": {"type": "object", "additionalProperties": True},
            "style": STR, "explode": {"type": "boolean"}}}},
        "responses": {"type": "object", "additionalProperties": response}}}
    document_of_api = {"type": "object", "required": ["openapi", "info", "paths", "components"], "properties": {
        "openapi": {"type": "string", "enum": ["3.0.3"]},
        "info": {"type": "object", "required": ["title", "version"],
                 "properties": {"title": STR, "version": STR, "description": STR}},
        "paths": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"get": operation}, "additionalProperties": False}},
        "components": {"type": "object", "properties": {
            "schemas": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": True}},
            "responses": {"type": "object", "additionalProperties": response}}}}}
    shares = {"type": "array", "items": _nullable({"type": "number", "minimum": 0, "maximum": 1})}
    series = _closed({
        "query": {**STR, "description": "the query (\"\": every article under the filters)"},
        "counts": {"type": "array", "items": INT0, "description": "matching articles per period"},
        "share": {**shares, "description": "counts / volume (null: no article at all in the period)"},
        "outlet_share": {**shares, "description": "the mean over the period's outlets of their own share"},
        "total": INT0, "undated": {**INT0, "description": "matches with no date at this interval's precision"},
        "notices": STRS})
    attention = _closed({
        "interval": {"type": "string", "enum": list(INTERVALS)},
        "periods": {**STRS, "description": "ISO: YYYY-MM (month) or YYYY-MM-DD (a day; a week: its Monday)"},
        "volume": {"type": "array", "items": INT0, "description": "all articles of the period under the filters"},
        "outlets": {"type": "array", "items": INT0, "description": "outlets that published in the period"},
        "series": {"type": "array", "items": series}})
    entity = _closed({
        "facet": {"type": "string", "enum": list(ENTITY_FACETS)},
        "value": {**STR, "description": "the value as the index spells it"},
        "label": STR, "aliases": {**STRS, "description": "names that mean it (the extractors' tables)"},
        "aliases_total": INT0, "articles": {**INT0, "description": "articles naming it (a story once)"},
        "latest": {"type": "array", "items": _ref("Hit")},
        "with_values": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("FacetBucket")},
                        "description": "actor, province, outlet: the values that appear with it, most first"},
        "timeline": {"allOf": [_ref("Attention")],
                     "description": "per month: series 0 every article, series 1 those naming it"}})
    matrix = _closed({
        "rows": {**STRS, "description": "actors, most articles first"},
        "cols": {**STRS, "description": "provinces, most articles first"},
        "counts": {"type": "array", "items": {"type": "array", "items": INT0},
                   "description": "counts[i][j]: articles with actor rows[i] and province cols[j]"},
        "row_totals": {"type": "array", "items": INT0}, "col_totals": {"type": "array", "items": INT0},
        "total": {**INT0, "description": "articles in the result set"},
        "other_rows": {**INT0, "description": "actors left out"}})
    return {"FacetBucket": bucket, "FacetInfo": facet_info, "Copy": copy_, "Hit": hit, "SearchResult": result,
            "Evidence": evidence, "Document": document, "Similar": similar, "FacetValues": facet_values,
            "Health": health, "Error": error, "OpenAPIDocument": document_of_api, "Attention": attention,
            "Matrix": matrix, "Entity": entity}


def _param(p: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": p.type}
    for key in ("minimum", "maximum", "pattern", "default"):
        if getattr(p, key) is not None:
            schema[key] = getattr(p, key)
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.name == "q":
        schema["maxLength"] = MAX_QUERY_CHARS
    out: dict[str, Any] = {"name": p.name, "in": "query", "required": False, "description": p.description}
    if p.repeat:
        schema.pop("default", None)
        out.update(schema={"type": "array", "items": schema}, style="form", explode=True)
    else:
        out["schema"] = schema
    return out


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in (*codes, 405, 414, 500)}


ERROR_MEANINGS = {
    400: "a bad parameter: an unknown name, a value of the wrong type or out of range",
    404: "no such document or facet",
    405: "not GET: the API is read-only (the Allow header lists the methods)",
    414: "the query string is too long",
    500: "an unexpected fault (logged on the server; no details are sent)",
    503: "the index is missing, damaged or being replaced",
}


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    doc_id = {"name": "doc_id", "in": "path", "required": True, "schema": STR,
              "description": "the document id, percent-encoded (an id may be a URL: '/' as %2F)"}
    facet_name = {"name": "name", "in": "path", "required": True,
                  "schema": {"type": "string", "enum": list(FACETS)},
                  "description": "the facet: " + ", ".join(f"{k} ({v})" for k, v in FACET_LABELS.items())}
    facet_q = {"name": "q", "in": "query", "required": False,
               "schema": {"type": "string", "maxLength": FACET_QUERY_MAX},
               "description": "text the values should contain (normalized: ادلب finds إدلب; aliases too)"}
    paths = {
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "search; the same SearchResult as `marsad search --json`",
            "description": "Any parameter not listed here is refused with a 400.",
            "parameters": [_param(p) for p in PARAMETERS],
            "responses": {"200": _ok("SearchResult", "the result page"), **_errors(400, 503)}}},
        "/api/export": {"get": {
            "operationId": "export",
            "summary": "every result of a search, streamed: CSV (UTF-8 with BOM) or JSON Lines, one row per article",
            "description": "The search parameters of /api/search (page and page_size are ignored: every result, "
                           "in the search's order) and `format`. Columns: " + ", ".join(EXPORT_COLUMNS) + ". "
                           "A CSV cell that begins with = + - @ is prefixed with ' (no formula runs).",
            "parameters": [_param(p) for p in PARAMETERS] + [
                {"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": sorted(EXPORT_FORMATS), "default": "csv"},
                 "description": "csv or jsonl"}],
            "responses": {"200": {"description": "the rows, streamed as an attachment",
                                  "content": {"text/csv": {"schema": STR},
                                              "application/x-ndjson": {"schema": STR}}},
                          **_errors(400, 503)}}},
        "/api/feed": {"get": {
            "operationId": "feed",
            "summary": "a search's newest matches as an Atom feed (RFC 4287), newest first by the article's date",
            "description": "The search parameters of /api/search; `sort` and `page` do not apply (a feed is the "
                           f"newest matches), `page_size` is the number of entries (default {FEED_SIZE}). Each "
                           "entry: the article's page (id and alternate link), the original article (related "
                           "link), the outlet (author), the snippet (HTML summary), and its outlet, provinces "
                           "and actors as categories whose scheme is the facet's page.",
            "parameters": [_param(p) for p in PARAMETERS],
            "responses": {"200": {"description": "the Atom document",
                                  "content": {"application/atom+xml": {"schema": STR}}},
                          **_errors(400, 503)}}},
        "/api/trends": {"get": {
            "operationId": "trends",
            "summary": "attention over time: articles per month, week or day matching each of up to four "
                       "queries, as counts and shares of what the outlets published",
            "description": "`q` may be repeated (up to 4 queries, compared); the other search parameters "
                           "filter every query and the volume alike (`sort`, `page` do not apply). `share` "
                           "= matches / all articles of the period; `outlet_share` = the mean over the "
                           "period's outlets of each outlet's own share. `format=csv`: the table, one row "
                           "per period.",
            "parameters": [_param(p) for p in PARAMETERS] + [
                {"name": "interval", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(INTERVALS), "default": "month"},
                 "description": "month, week (from Monday) or day"},
                {"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
                 "description": "json (Attention) or csv (the table)"}],
            "responses": {"200": {"description": "the series",
                                  "content": {"application/json": {"schema": _ref("Attention")},
                                              "text/csv": {"schema": STR}}},
                          **_errors(400, 503)}}},
        "/api/matrix": {"get": {
            "operationId": "matrix",
            "summary": "actor x province over a search's result set: articles with both values",
            "description": "The search parameters of /api/search (`sort`, `page` do not apply). Rows: the "
                           f"{MATRIX_ROWS} actors the result set mentions most; columns: every province it "
                           "mentions, most first. With copies collapsed (the default) a syndicated story "
                           "counts once.",
            "parameters": [_param(p) for p in PARAMETERS],
            "responses": {"200": _ok("Matrix", "the counts"), **_errors(400, 503)}}},
        "/api/doc/{doc_id}": {"get": {
            "operationId": "getDocument",
            "summary": "one document: text, facets and the evidence for each value",
            "parameters": [doc_id],
            "responses": {"200": _ok("Document", "the document"), **_errors(400, 404, 503)}}},
        "/api/entity/{facet}/{value}": {"get": {
            "operationId": "entity",
            "summary": "an actor's or a province's page: its names, monthly attention, the actors, provinces "
                       "and outlets that appear with it, its latest articles",
            "parameters": [
                {"name": "facet", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": list(ENTITY_FACETS)}, "description": "actor or province"},
                {"name": "value", "in": "path", "required": True, "schema": STR,
                 "description": "the value as the index spells it, or a name of it (داعش, Aleppo); "
                                "percent-encoded"}],
            "responses": {"200": _ok("Entity", "the entity"), **_errors(400, 404, 503)}}},
        "/api/doc/{doc_id}/similar": {"get": {
            "operationId": "similarDocuments",
            "summary": "more like this: documents with the same key terms, copies left out",
            "parameters": [doc_id],
            "responses": {"200": _ok("Similar", "the similar documents"), **_errors(400, 404, 503)}}},
        "/api/facets/{name}": {"get": {
            "operationId": "facetValues",
            "summary": "search within the values of a facet, counted over all documents",
            "parameters": [facet_name, facet_q],
            "responses": {"200": _ok("FacetValues", "the matching values"), **_errors(400, 404, 503)}}},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "this document",
            "responses": {"200": _ok("OpenAPIDocument", "the OpenAPI 3.0.3 document"), **_errors(400)}}},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "liveness and index status: 503 with the reason when the index cannot be searched",
            "responses": {"200": _ok("Health", "the index is searchable"), **_errors(503)}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Marsad (مرصد) search API", "version": "1",
                 "description": "Faceted search over Arabic news about the war in Syria. Read-only: every "
                                "operation is a GET. Error messages are Arabic first, English in parentheses."},
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": {f"E{c}": _ok("Error", m) for c, m in ERROR_MEANINGS.items()},
        },
    }


def spec() -> dict[str, Any]:
    """The document (a fresh copy: callers may change it)."""
    return copy.deepcopy(_spec())


@cache
def query_parameters(path: str) -> tuple[str, ...]:
    """The query parameter names documented for ``path`` (an OpenAPI path such as
    ``/api/facets/{name}``), in the document's order; none for a path not in it."""
    op = _spec()["paths"].get(path, {}).get("get", {})
    return tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
