"""The API contract (issue 17, issue 12): the OpenAPI document, the routes and the parameters agree.

Walks Flask's URL map and the OpenAPI document both ways, validates the
document (openapi-spec-validator) and real responses against its schemas
(openapi-schema-validator), records which query parameters each handler reads,
and checks that anything undocumented is refused with the bilingual 400.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from flask import Request
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import ImmutableMultiDict

from marsad.search.request import PARAMETERS

from web_support import web_index_dir

# the HTML pages and static files: not part of the JSON API (every other route must be documented)
HTML_ENDPOINTS = {"pages.search", "pages.search_alias", "pages.document", "pages.facet", "pages.trends", "pages.matrix_page", "pages.entity",
                  "static"}
ARABIC_FIRST = re.compile(r"^[\u0600-\u06FF«]")


class RecordingArgs(ImmutableMultiDict):
    """request.args that remembers every name a handler asks for."""

    read: set[str] = set()

    def get(self, key, default=None, type=None):  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@pytest.fixture(scope="module")
def doc(app):
    return app.test_client().get("/api/openapi.json").get_json()


@pytest.fixture(scope="module")
def validator_for(doc):
    registry = Registry().with_resource("urn:marsad-api", Resource.from_contents(doc, default_specification=DRAFT4))

    def make(ref: str) -> OAS30Validator:
        return OAS30Validator({"$ref": "urn:marsad-api" + ref}, registry=registry)
    return make


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _api_rules(app) -> dict[str, set[str]]:
    """OpenAPI path -> methods, for every route of the JSON API in Flask's URL map."""
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in HTML_ENDPOINTS:
            continue
        out.setdefault(_openapi_path(rule.rule), set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return out


# ---------------------------------------------------------------- the document itself

def test_the_document_is_valid_openapi_3_0_3(doc):
    assert doc["openapi"] == "3.0.3"
    validate_spec(doc)  # raises on any error


def test_url_map_and_document_agree_both_ways(app, doc):
    routes = _api_rules(app)
    documented = {path: {m.upper() for m in item} for path, item in doc["paths"].items()}
    assert set(routes) - set(documented) == set(), "routes missing from the OpenAPI document"
    assert set(documented) - set(routes) == set(), "documented paths that do not exist"
    assert routes == documented, "methods differ"
    assert "/api/openapi.json" in documented
    # every path parameter of a rule is documented under the same name
    for rule in app.url_map.iter_rules():
        if rule.endpoint in HTML_ENDPOINTS:
            continue
        op = doc["paths"][_openapi_path(rule.rule)]["get"]
        in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(rule.arguments), rule.rule


def test_no_bare_object_schemas(doc):
    """Every object schema says what is in it (issue 12: bare ``object`` schemas)."""
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert "properties" in node or "additionalProperties" in node, f"bare object at {where}"
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")
    walk(doc["paths"], "paths")
    walk(doc["components"], "components")
    for path, item in doc["paths"].items():
        for code, resp in item["get"]["responses"].items():
            if "$ref" not in resp and "application/json" not in resp["content"]:  # files, feeds
                assert (path, frozenset(resp["content"])) in {("/api/export", frozenset({"text/csv", "application/x-ndjson"})),
                                                       ("/api/feed", frozenset({"application/atom+xml"}))}
                continue
            if "text/csv" in resp.get("content", {}):  # JSON, or its table as CSV
                assert path == "/api/trends" and resp["content"]["application/json"]["schema"].get("$ref")
                continue
            ref = resp.get("$ref") or resp["content"]["application/json"]["schema"].get("$ref")
            assert ref, (path, code)


def test_search_parameters_are_the_parsers_list(doc):
    params = doc["paths"]["/api/search"]["get"]["parameters"]
    assert [p["name"] for p in params] == [p.name for p in PARAMETERS]
    names = {p["name"] for p in params}
    assert "collapse" in names  # it changes results: documented
    assert not names & {"size", "page-size", "facet-limit", "facet-all"}  # one name each
    booleans = {p["name"] for p in params if p["schema"].get("type") == "boolean"}
    assert booleans == {"exact", "collapse", "stories"}


# ---------------------------------------------------------------- what handlers read

def _calls(doc) -> list[str]:
    """One URL per documented operation, with every documented query parameter set."""
    sample = {"q": "سوريا", "outlet": "الشرق الأوسط", "province": "حلب", "actor": "داعش", "date": "2015",
              "from": "2015", "to": "2016", "sort": "newest", "page": "1", "page_size": "5",
              "facet_limit": "3", "facet_all": "outlet", "exact": "false", "collapse": "true", "format": "csv",
              "stories": "false",
              "interval": "week"}
    urls = []
    doc_id = "001_"  # a seed's id prefix is not an id: 404 still reads the parameters
    for path, item in doc["paths"].items():
        op = item["get"]
        url = path.replace("{doc_id}", quote(doc_id, safe="")).replace("{name}", "province").replace("{facet}", "province").replace("{value}", quote("حلب", safe=""))
        qs = "&".join(f"{p['name']}={quote(sample.get(p['name'], 'x'))}"
                      for p in op.get("parameters", []) if p["in"] == "query")
        urls.append(url + ("?" + qs if qs else ""))
    return urls


def test_every_query_parameter_a_handler_reads_is_documented(doc, make_app):
    app = make_app(web_index_dir())  # its own app: the request class is changed
    app.request_class = RecordingRequest
    c = app.test_client()
    for url in _calls(doc):
        RecordingArgs.read = set()
        r = c.get(url)
        assert r.status_code in (200, 404), (url, r.status_code, r.get_data(as_text=True)[:300])
        path = next(p for p in doc["paths"] if re.fullmatch(
            re.sub(r"\\\{[^}]+\\\}", "[^?]+", re.escape(p)), url.split("?")[0]))
        documented = {p["name"] for p in doc["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}
        assert RecordingArgs.read <= documented, (path, RecordingArgs.read - documented)
        if path == "/api/search":  # the recorder works: the parser asked for the names it knows
            assert {"q", "outlet", "page_size", "collapse"} <= RecordingArgs.read


# ---------------------------------------------------------------- responses against the schemas

def _errors_of(validator) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator]


def _check(client, doc, validator_for, url: str, path: str, status: int = 200) -> dict[str, Any]:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    responses = doc["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{url}: status {status} is not documented for {path}"
    resp = responses[str(status)]
    if "$ref" in resp:
        ref = "#/components/responses/" + resp["$ref"].rsplit("/", 1)[1]
        resp = doc["components"]["responses"][ref.rsplit("/", 1)[1]]
    assert r.mimetype in resp["content"], (url, r.mimetype)
    schema_ref = resp["content"][r.mimetype]["schema"]["$ref"]
    body = r.get_json()
    errors = _errors_of(validator_for(schema_ref).iter_errors(body))
    assert not errors, (url, errors[:5])
    return body


@pytest.mark.parametrize("url", [
    "/api/search?q=سوريا", "/api/search?q=داعش&sort=newest&page=2&page_size=3",
    "/api/search?q=سوريا&province=حلب&outlet=الشرق الأوسط&date=2015&facet_all=actor",
    "/api/search?q=" + quote("محافظة:حلب التحالف"), "/api/search?q=" + quote("(داعش"),
    "/api/search?q=الحوتيين", "/api/search?q=قطزززخ", "/api/search?q=سوريا&page=500&page_size=10",
    "/api/search?q=سوريا&collapse=false&exact=true&from=2015-07&to=2015-08-15",
    "/api/search?province=&facet_limit=0",
])
def test_search_responses_match_the_schema(client, doc, validator_for, url):
    _check(client, doc, validator_for, url, "/api/search")


def test_other_responses_match_their_schemas(client, doc, validator_for):
    hits = client.get("/api/search?q=سوريا&page_size=20").get_json()["hits"]
    for hit in hits[:5]:
        enc = quote(hit["id"], safe="")
        d = _check(client, doc, validator_for, f"/api/doc/{enc}", "/api/doc/{doc_id}")
        assert d["id"] == hit["id"] and d["outlet"] == hit["outlet"]  # every hit key the document has too
        _check(client, doc, validator_for, f"/api/doc/{enc}/similar", "/api/doc/{doc_id}/similar")
    _check(client, doc, validator_for, "/api/facets/province?q=" + quote("ادلب"), "/api/facets/{name}")
    _check(client, doc, validator_for, "/api/facets/date", "/api/facets/{name}")
    _check(client, doc, validator_for, "/api/openapi.json", "/api/openapi.json")
    _check(client, doc, validator_for, "/healthz", "/healthz")
    # errors: each documented, each the Error schema
    _check(client, doc, validator_for, "/api/search?page=0", "/api/search", 400)
    _check(client, doc, validator_for, "/api/doc/no-such-id", "/api/doc/{doc_id}", 404)
    _check(client, doc, validator_for, "/api/facets/colour", "/api/facets/{name}", 404)


def test_a_document_without_an_outlet_still_has_the_key(client):
    """Issue 12: /api/doc lacked ``outlet`` (and other keys) when the index had no value."""
    hits = client.get("/api/search?outlet=&page_size=5").get_json()["hits"]
    assert hits and all(h["outlet"] is None for h in hits)
    d = client.get("/api/doc/" + quote(hits[0]["id"], safe="")).get_json()
    assert "outlet" in d and d["outlet"] is None
    assert set(hits[0]) - {"score", "snippet", "title_html"} <= set(d)


# ---------------------------------------------------------------- refusing what is not documented

@pytest.mark.parametrize("qs,word", [
    ("q=سوريا&foo=1", "foo"), ("exact=maybe", "exact"), ("collapse=perhaps", "collapse"),
    ("size=3", "size"), ("page-size=3", "page-size"), ("facet-limit=3", "facet-limit"),
    ("facet-all=outlet", "facet-all"), ("q=x&time_limit=60", "time_limit"),
])
def test_api_refuses_unknown_parameters_and_bad_booleans(client, qs, word):
    r = client.get("/api/search?" + qs)
    assert r.status_code == 400, (qs, r.get_json())
    msg = r.get_json()["error"]
    assert word in msg and ARABIC_FIRST.match(msg) and re.search(r"\([^()]*[A-Za-z]{3,}[^()]*\)$", msg), msg


def test_the_page_ignores_unknown_names_but_checks_values_the_same_way(client):
    assert client.get("/?q=سوريا&foo=1&utm_source=x").status_code == 200
    for qs in ("exact=maybe", "collapse=perhaps", "page=0"):
        page, api = client.get("/?" + qs), client.get("/api/search?" + qs)
        assert page.status_code == api.status_code == 400
        assert api.get_json()["error"] in page.get_data(as_text=True).replace("&#39;", "'")


def test_booleans_accept_the_usual_spellings(client):
    for yes, no in (("true", "false"), ("1", "0"), ("yes", "no"), ("on", "off"), ("TRUE", "False")):
        a = client.get(f"/api/search?q=سوريا&collapse={no}").get_json()
        b = client.get(f"/api/search?q=سوريا&collapse={yes}").get_json()
        assert a["total"] == a["total_docs"] and b["total"] <= b["total_docs"]


def test_collapse_is_documented_because_it_changes_results(client, doc):
    on = client.get("/api/search?q=سوريا").get_json()
    off = client.get("/api/search?q=سوريا&collapse=false").get_json()
    assert off["total"] > on["total"], "the sample has syndicated copies"
    assert any(p["name"] == "collapse" for p in doc["paths"]["/api/search"]["get"]["parameters"])


def test_other_api_routes_refuse_unknown_parameters(client):
    for url in ("/api/doc/x?foo=1", "/api/doc/x/similar?foo=1", "/api/facets/outlet?foo=1",
                "/api/openapi.json?foo=1"):
        r = client.get(url)
        assert r.status_code == 400 and "foo" in r.get_json()["error"], url
    r = client.get("/api/facets/outlet?q=" + "x" * 101)
    assert r.status_code == 400 and ARABIC_FIRST.match(r.get_json()["error"])


@pytest.mark.parametrize("n", [0, 1, 3, 7])
def test_facet_limit_means_what_it_says(client, n):
    j = client.get(f"/api/search?q=سوريا&facet_limit={n}").get_json()
    full = client.get("/api/search?q=سوريا&facet_all=outlet&facet_all=province&facet_all=actor").get_json()
    for name in ("outlet", "province", "actor"):
        assert len(j["facets"][name]) == min(n, len(full["facets"][name])), (name, j["facets"][name])
        assert len(j["facets"][name]) + j["facet_info"][name]["other"] == len(full["facets"][name])


# ---------------------------------------------------------------- 405 and Allow

def test_every_405_names_the_allowed_methods(app, client):
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<[^>]+>", "x", rule.rule)
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = client.open(url, method=method)
            assert r.status_code == 405, (method, url)
            allow = {m.strip() for m in r.headers["Allow"].split(",")}
            assert allow == rule.methods, (url, allow)


def test_the_pages_links_carry_only_documented_parameters():
    """Every parameter a page link or hidden field passes on is one the API accepts (the API link too)."""
    from marsad.search.request import PARAMETER_NAMES
    from marsad.web.urls import PARAMS
    assert set(PARAMS) == set(PARAMETER_NAMES)
