"""Blueprints: the HTML pages (``pages``) and the JSON API (``api``).

Both render the one object the search layer returns: the page and
``GET /api/search`` build the same ``SearchRequest`` from the same URL
parameters, call ``search.run`` once, and render ``SearchResult.to_dict()``
(the API as JSON, identical to ``marsad search --json``; the page as HTML).
No endpoint changes the index.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import asdict
from datetime import date as Date
from datetime import timedelta
from itertools import chain
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, stream_with_context
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from marsad import search
from marsad.search import export
from marsad.search.attention import INTERVALS, MAX_SERIES
from marsad.search.entity import ENTITY_FACETS
from marsad.search.request import (
    FACET_LABELS,
    MAX_RESULT_WINDOW,
    SearchRequest,
    SearchRequestError,
    bilingual,
    date_facet_value,
    flag,
    unknown_parameters,
)
from marsad.web import charts, feeds
from marsad.web import openapi as openapi_doc
from marsad.web.indexholder import IndexUnavailable
from marsad.web.urls import (
    FACETS,
    SearchState,
    absolute,
    api_search_url,
    doc_url,
    entity_url,
    export_url,
    facet_page_url,
    feed_url,
    matrix_url,
    search_url,
    trends_url,
)

__all__ = ["pages", "api", "register_error_handlers", "register_template_helpers", "safe_snippet",
           "highlight_evidence"]

log = logging.getLogger(__name__)

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")

SORT_LABELS = {"relevance": "الأكثر صلة", "newest": "الأحدث", "oldest": "الأقدم"}
PRECISION_LABELS = {"day": "", "month": "الشهر فقط", "year": "السنة فقط"}


class NotFound(LookupError):
    """An unknown document id or facet name (404)."""


class BadRequest(ValueError):
    """A request parameter is invalid (400); the message is meant for the user."""


# ------------------------------------------------------------------ search layer calls
# The only places the web talks to the search layer; each is one call.

def _with_index(fn: Any) -> Any:
    """Run ``fn(searcher)`` on the current index (reopened after a swap, retried if it moved)."""
    return current_app.extensions["marsad_index"].call(fn)


def _search_request(args: Any, ignore_unknown: bool = False) -> Any:
    """Validate the URL parameters; a bad one is a BadRequest (400) with the search layer's message.

    The page and the API share this one parser; only the page passes
    ``ignore_unknown`` (links from elsewhere may carry their own parameters).
    Only validation errors become 400: a ValueError raised while searching is a
    bug and answers 500.
    """
    try:
        return SearchRequest.from_args(args, ignore_unknown=ignore_unknown)
    except (SearchRequestError, ValueError, TypeError) as exc:
        raise BadRequest(str(exc)) from None


def _searching(fn: Any) -> Any:
    """``fn(index)`` on the current index; what only the search itself can refuse (too
    many terms, too many periods) is a 400."""
    try:
        return _with_index(fn)
    except SearchRequestError as exc:
        raise BadRequest(str(exc)) from None


def _run(args: Any, ignore_unknown: bool = False) -> dict[str, Any]:
    req = _search_request(args, ignore_unknown)  # validate first: a bad parameter is a 400 even without an index
    return _searching(lambda ix: search.run(ix, req)).to_dict()


def _document(doc_id: str) -> dict[str, Any]:
    doc = _with_index(lambda ix: search.get_document(ix, doc_id))
    if doc is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return doc


def _more_like_this(doc_id: str, snippets: bool = True) -> list[dict[str, Any]]:
    return [h.to_dict() for h in _with_index(lambda ix: search.more_like_this(ix, doc_id, snippets=snippets))]


_TRENDS_OWN = ("q", "interval", "measure", "format")


def _attention(args: Any, ignore_unknown: bool = False) -> tuple[search.Attention, list[str], str]:
    """(the ``Attention``, the queries, the interval) of a trends URL: its
    ``q`` values (at most four) under the filters the other parameters make."""
    queries = list(dict.fromkeys(q.strip() for q in args.getlist("q") if q.strip()))
    interval = args.get("interval") or "month"
    rest = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in _TRENDS_OWN])
    req = _search_request(rest, ignore_unknown)
    # (search.attention refuses more than MAX_SERIES queries and a bad interval)
    return _searching(lambda ix: search.attention(ix, req, queries, interval)), queries, interval


def _matrix(args: Any, ignore_unknown: bool = False) -> search.Matrix:
    req = _search_request(args, ignore_unknown)
    return _searching(lambda ix: search.matrix(ix, req))


def _entity(facet: str, value: str) -> search.Entity:
    if facet not in ENTITY_FACETS:
        raise NotFound(f"no entity pages for {facet!r}: use one of {', '.join(ENTITY_FACETS)}")
    e = _with_index(lambda ix: search.entity(ix, facet, value))
    if e is None:
        raise NotFound(f"no {facet} named {value!r} in the index")
    return e


def _facet_values(name: str, q: str, args: Any) -> dict[str, Any]:
    if name not in FACETS:
        raise NotFound(f"unknown facet {name!r}: use one of {', '.join(FACETS)}")
    try:
        req = _search_request(args, ignore_unknown=True) if args is not None else None  # the facet page
        found = _with_index(lambda ix: search.facet_values(ix, name, q, request=req))
    except SearchRequestError as exc:
        raise BadRequest(str(exc)) from None
    return asdict(found)


# ------------------------------------------------------------------ pages

def _page_count(result: dict[str, Any]) -> int:
    size = max(1, int(result.get("page_size") or 10))
    total = min(int(result.get("total") or 0), MAX_RESULT_WINDOW)
    return max(1, math.ceil(total / size))


def _page_window(page: int, pages_: int, width: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20 (None is a gap)."""
    shown = {1, pages_, *range(max(1, page - width), min(pages_, page + width) + 1)}
    out: list[int | None] = []
    prev = 0
    for p in sorted(shown):
        if p - prev > 1:
            out.append(None)
        out.append(p)
        prev = p
    return out


def _with_query_filters(state: SearchState, result: dict[str, Any]) -> SearchState:
    """Field filters typed in the query (``محافظة:حلب``) are facet selections: the page's
    state moves them from ``q`` into facet parameters, so their checkbox, chip and the
    search box agree (unticking one really removes it)."""
    pairs = [(k, result.get("query_rest", "") if k == "q" else v) for k, v in state.pairs]
    pairs += [(f, v) for f, vals in result["query_filters"].items() for v in vals]
    return SearchState.from_pairs(pairs)


# ------------------------------------------------------------------ view models
# The pages' lists (facet values, chips) are built here as plain dicts and small
# Markup strings, so a page renders with a few loops instead of a macro call per
# value (issue 16: rendering was half of the search page's time).

def value_label(facet: str, value: str, label: str | None = None) -> str:
    """What a facet value reads as: 'غير معروف' for the unknown bucket, month names for dates."""
    if value == "":
        return "غير معروف"
    if facet == "date":
        return charts.date_label(value)
    return label or value


def chip_html(state: SearchState, facet: str, value: str, cls: str = "") -> Markup:
    """A facet value as a link that toggles it in ``state`` (hit tags, document
    metadata); an actor or a province is followed by the link to its page."""
    selected = state.selected(facet, value)
    klass = f"chip chip-{facet}" + (f" {cls}" if cls else "") + (" selected" if selected else "")
    chip = (f'<a class="{klass}" href="{escape(search_url(state.toggled(facet, value)))}">'
            f'<bdi>{escape(value_label(facet, value))}</bdi></a>')
    return Markup(chip) + entity_link(facet, value)


def entity_link(facet: str, value: str) -> Markup:
    """The small link from a facet value to its entity page (actors, provinces)."""
    if facet not in ENTITY_FACETS or not value:
        return Markup("")
    return Markup(f'<a class="entity-link" href="{escape(entity_url(facet, value))}" '
                  f'aria-label="{escape("صفحة " + value)}">↗</a>')


def _facet_view(state: SearchState, result: dict[str, Any], name: str) -> dict[str, Any]:
    """One facet of the sidebar: its values (one checkbox each) and its links."""
    buckets = result["facets"].get(name, [])
    info = result.get("facet_info", {}).get(name, {})
    # one control per value (keyboard users reach the results in few Tab stops): the
    # entity pages are linked from the chips and from the facet's page of all values
    values = [{"value": b["value"], "text": value_label(name, b["value"], b.get("label")),
               "count": b["count"], "checked": bool(b.get("selected")),
               "cls": " ".join(c for c, on in (("selected", b.get("selected")), ("unknown", b["value"] == ""),
                                               ("zero", b["count"] == 0)) if on)}
              for b in buckets]
    # the list's markup in one pass here: a Jinja loop spent ~1 µs an expression, six a value,
    # on the three facets' forty-odd values of every page
    items = "".join(_facet_item(name, v) for v in values)
    links = []
    if info.get("other"):
        links.append(("more", search_url(state.showing_all(name)), f"عرض المزيد ({info['other']})"))
    elif ("facet_all", name) in state.pairs:
        links.append(("more", search_url(state.showing_top(name)), "عرض أقل"))
    links.append(("search-values", facet_page_url(name, state), "بحث في كل القيم"))
    if state.getlist(name):
        links.append(("clear-facet", search_url(state.cleared(name)), "إلغاء"))
    view = {"name": name, "title": info.get("label") or FACET_LABELS[name], "values_html": Markup(items),
            "filter": len(buckets) > 6 or bool(info.get("other")), "links": links, "map": None}
    if name == "province":
        view["map"] = charts.province_map(buckets, _toggler(state, "province"))[0]
    return view


def _facet_item(name: str, v: dict[str, Any]) -> str:
    """One value of a facet list: a checkbox that ticks it (the form submits on change)."""
    cls = f' class="{v["cls"]}"' if v["cls"] else ""
    checked = " checked" if v["checked"] else ""
    return (f'<li{cls}><label><input type="checkbox" name="{escape(name)}" value="{escape(v["value"])}"{checked}> '
            f'<bdi>{escape(v["text"])}</bdi> <span class="count">{v["count"]}</span></label></li>\n')


def _date_view(state: SearchState, result: dict[str, Any]) -> dict[str, Any]:
    buckets = result["facets"].get("date", [])
    years, months = _split_dates(buckets)
    href = _toggler(state, "date")
    charts_ = []
    if years:
        charts_.append(("حسب السنة", charts.date_chart(years, href)))
    charts_ += [(f"أشهر {y}", charts.date_chart(ms, href)) for y, ms in months]
    # the selected dates and the unknown bucket are listed as links under the charts
    listed = [{"value": b["value"], "text": value_label("date", b["value"], b.get("label")),
               "count": b["count"], "selected": bool(b.get("selected")),
               "href": search_url(state.toggled("date", b["value"]))}
              for b in buckets if b.get("selected") or b["value"] == ""]
    return {"title": result.get("facet_info", {}).get("date", {}).get("label") or FACET_LABELS["date"],
            "charts": charts_, "listed": listed,
            "clear_href": search_url(state.cleared("date")) if state.getlist("date") else None}


def _chips_view(state: SearchState) -> list[dict[str, str]]:
    """The active filters above the results: each removes itself."""
    return [{"facet": f, "value": v, "facet_label": FACET_LABELS[f], "text": value_label(f, v),
             "href": search_url(state.removed(f, v)), "entity": entity_link(f, v)} for f, v in state.selections()]


def _hits_view(state: SearchState, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each hit with its document URL and its outlet / tag chips already rendered."""
    out = []
    chips: dict[tuple[str, str], Markup] = {}  # a page's hits share most of their tags: each built once

    def chip(facet: str, value: str, cls: str = "") -> Markup:
        got = chips.get((facet, value))
        if got is None:
            got = chips[facet, value] = chip_html(state, facet, value, cls)
        return got

    for h in hits:
        tags = [chip("province", p) for p in h.get("provinces") or []]
        tags += [chip("actor", a) for a in h.get("actors") or []]
        out.append({**h, "href": doc_url(h["id"], state),
                    "outlet_chip": chip("outlet", h["outlet"], "outlet") if h.get("outlet") else None,
                    "tags_html": Markup(" ").join(tags),
                    "copies_view": [(doc_url(c["id"], state), c.get("outlet") or c["id"], c.get("rewritten"))
                                    for c in h.get("copies") or []],
                    "copies_more": max(0, (h.get("copies_total") or 0) - len(h.get("copies") or []))})
    return out


@pages.route("/search", endpoint="search_alias")
@pages.route("/", endpoint="search")
def search_page() -> Any:
    state = SearchState.from_args(request.args)
    ctx: dict[str, Any] = {"state": state, "result": None, "error": None}
    try:
        result = _run(request.args, ignore_unknown=True)
    except BadRequest as exc:  # a bad parameter, said in the page
        ctx["error"] = str(exc)
        return render_template("search.html", **ctx), 400
    if any(k == "date" for k, _ in state.pairs):  # 2015-7 -> 2015-07: a hand-typed date can be unticked
        state = ctx["state"] = SearchState.from_pairs(
            [(k, date_facet_value(v) if k == "date" else v) for k, v in state.pairs])
    if result.get("query_filters"):
        ctx["state"] = _with_query_filters(state, result)
    ctx["result"] = result
    st = ctx["state"]
    ctx["facets"] = [_facet_view(st, result, name) for name in ("province", "outlet", "actor")]
    ctx["dates"] = _date_view(st, result)
    ctx["chips"] = _chips_view(st)
    ctx["hits"] = _hits_view(st, result.get("hits") or [])
    stories = bool(flag("stories", st.get("stories")))  # (valid: the search accepted it)
    ctx["stories"] = stories
    ctx["stories_url"] = search_url(SearchState.from_pairs(
        st.without("stories", "page").pairs + (() if stories else (("stories", "true"),))))
    ctx["pages"] = _page_count(result)
    ctx["page_window"] = _page_window(int(result.get("page") or 1), ctx["pages"])
    return render_template("search.html", **ctx)


@pages.route("/doc/<path:doc_id>")
def document(doc_id: str) -> Any:
    state = SearchState.from_args(request.args)
    doc = _document(doc_id)
    similar = _more_like_this(doc_id, snippets=False)  # the page lists titles
    evidence = _evidence_list(doc)
    title_html, body_html = highlight_evidence(doc.get("title") or "", doc.get("body") or "", evidence)
    bare = state.cleared()
    doc_chips = {f: [chip_html(bare, f, v) for v in (doc.get(key) or [])]
                 for f, key in (("province", "provinces"), ("actor", "actors"))}
    doc_chips["outlet"] = [chip_html(bare, "outlet", doc["outlet"])] if doc.get("outlet") else []
    return render_template("document.html", doc=doc, state=state, similar=similar, evidence=evidence,
                           doc_chips=doc_chips,
                           title_html=title_html, body_html=body_html,
                           original_url=_safe_external_url(doc.get("url")))


@pages.route("/trends")
def trends() -> Any:
    """Attention over time: up to four queries under the page's filters, per
    month, week or day, as counts or shares (``search.attention``)."""
    state = SearchState.from_args(request.args)  # the filters (and the first q)
    measure = request.args.get("measure") or "count"
    if measure not in charts.MEASURES:
        measure = "count"
    queries = [q.strip() for q in request.args.getlist("q") if q.strip()]
    if queries:  # the header's search box and the way back: the first query, not the last
        state = state.without("q").with_query(queries[0])
    ctx: dict[str, Any] = {"state": state, "queries": queries, "measure": measure, "att": None, "error": None,
                           "back_url": search_url(state),
                           "interval": request.args.get("interval") or "month", "INTERVALS": INTERVALS,
                           "MAX_SERIES": MAX_SERIES, "MEASURES": charts.MEASURES}
    try:
        found, queries, interval = _attention(request.args, ignore_unknown=True)
    except BadRequest as exc:
        ctx["error"] = str(exc)
        return render_template("trends.html", **ctx), 400
    att = found.to_dict()
    base = state.without("q", "page", "date", "from", "to")

    def href(si: int, i: int) -> str:
        """The search behind one point: that query, that period."""
        period = att["periods"][i]
        if interval == "month":
            when = [("date", period)]
        else:
            start = Date.fromisoformat(period)
            end = start + timedelta(days=6 if interval == "week" else 0)
            when = [("from", start.isoformat()), ("to", end.isoformat())]
        q = att["series"][si]["query"]
        return search_url(SearchState.from_pairs(([("q", q)] if q else []) + list(base.pairs) + when))

    rows = [i for i in range(len(att["periods"]))
            if att["volume"][i] or any(s["counts"][i] for s in att["series"])]
    ctx.update(att=att, queries=queries, interval=interval, rows=rows,
               chart=charts.attention_chart(att, measure, href), href=href,
               csv_url=trends_url(state, queries, api=True, interval=interval, format="csv"),
               json_url=trends_url(state, queries, api=True, interval=interval))
    return render_template("trends.html", **ctx)


@pages.route("/matrix")
def matrix_page() -> Any:
    """Actor x province over the current result set, a heat map whose cells
    are the search with both values ticked (``search.matrix``)."""
    state = SearchState.from_args(request.args)
    ctx: dict[str, Any] = {"state": state, "m": None, "error": None}
    try:
        m = _matrix(request.args, ignore_unknown=True)
    except BadRequest as exc:
        ctx["error"] = str(exc)
        return render_template("matrix.html", **ctx), 400
    base = list(state.without("page").pairs)
    top = max((c for row in m.counts for c in row), default=0)
    ctx["m"] = m
    ctx["cells"] = [[{"count": c, "level": charts.shade(c, top),
                      "href": search_url(SearchState.from_pairs(base + [("actor", a), ("province", p)]))}
                     for p, c in zip(m.cols, row)] for a, row in zip(m.rows, m.counts)]
    ctx["api_url"] = matrix_url(state, api=True)
    return render_template("matrix.html", **ctx)


@pages.route("/entity/<facet>/<path:value>")
def entity(facet: str, value: str) -> Any:
    """An actor's or a province's page (``search.entity``): names, attention
    over time, the values that appear with it, its latest articles."""
    e = _entity(facet, value)
    mine = SearchState(((facet, e.value),))
    d = e.to_dict()
    tl = d["timeline"]
    # series 0 is every article (the volume), series 1 the articles naming it
    chart = charts.attention_chart({"periods": tl["periods"], "series": tl["series"][1:]}, "count",
                                   lambda _si, i: search_url(mine.toggled("date", tl["periods"][i])))
    months = [i for i, c in enumerate(tl["series"][1]["counts"]) if c]
    return render_template(
        "entity.html", e=d, state=mine, chart=chart, months=months,
        search_href=search_url(mine),
        with_chips={name: [(chip_html(mine, name, b["value"]), b["count"]) for b in buckets]
                    for name, buckets in d["with_values"].items()},
        latest=_hits_view(mine, d["latest"]), api_url=entity_url(facet, e.value, api=True),
        matrix_href=matrix_url(mine))


@pages.route("/facet/<name>")
def facet(name: str) -> Any:
    """All values of one facet matching ``fq``, each a toggle link (no-JS "filter box")."""
    state = SearchState.from_args(request.args)
    fq = (request.args.get("fq") or "").strip()[:100]
    found = _facet_values(name, fq, request.args)  # counted over the current search
    return render_template("facet.html", name=name, label=FACET_LABELS.get(name, name), fq=fq,
                           found=found, state=state)


@pages.route("/healthz")
def healthz() -> Response:
    holder = current_app.extensions["marsad_index"]
    try:
        # what a page would meet: the index on disk passes open_index's checks and a real
        # search and a stored document can be read (a damaged index answers 503 with why)
        holder.verify()
        docs = holder.call(_probe)
    except IndexUnavailable as exc:
        return _json_error(str(exc), 503)
    except Exception as exc:  # noqa: BLE001 - unreadable for a reason the checks cannot name
        log.warning("health probe failed: %s: %s", type(exc).__name__, exc)
        return _json_error("the index cannot be read (it may be damaged): rebuild it with "
                           "`marsad index build`", 503)
    return jsonify({"status": "ok", "documents": docs, "reopens": holder.reopens})


def _probe(searcher: Any) -> int:
    """Documents in the index, after reading what every search reads (a term's postings, stored fields).

    Cheap (a health check is polled): one term's first posting and one document, not a search."""
    docs = int(searcher.doc_count())
    reader = searcher.reader()
    term = next(iter(reader.lexicon("id")), None)
    if term is not None:
        first = reader.first_id("id", term)
        searcher.stored_fields(first)
    return docs


# ------------------------------------------------------------------ JSON API

def _openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/api/doc/<path:doc_id>`` -> ``/api/doc/{doc_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@api.before_request
def _only_documented_parameters() -> None:
    """Every API route takes only the query parameters its OpenAPI entry lists: ``foo`` is a 400."""
    rule = request.url_rule
    if rule is None:  # no route: the 404/405 comes next
        return
    accepted = openapi_doc.query_parameters(_openapi_path(rule.rule))
    unknown = [k for k in dict.fromkeys(request.args.keys()) if k not in accepted]
    if unknown:
        raise BadRequest(str(unknown_parameters(unknown, accepted)))


# Every key of the document, in this order, present (null when the index has no value: a stored
# field that was empty is absent in Whoosh, and then a client would meet a missing key)
_DOCUMENT_KEYS = tuple(openapi_doc.spec()["components"]["schemas"]["Document"]["properties"])
_LIST_KEYS = {"provinces", "actors", "copies", "evidence"}


def _document_json(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: doc.get(k, [] if k in _LIST_KEYS else None) for k in _DOCUMENT_KEYS}
    for k in ("title", "body"):
        out[k] = out[k] or ""
    for k in ("outlet", "url", "date_precision", "date_source"):
        out[k] = out[k] or None
    return out


@api.route("/search", endpoint="search")
def search_api() -> Response:
    """The same SearchResult dict as the page and ``marsad search --json``."""
    return jsonify(_run(request.args))


@api.route("/export", endpoint="export")
def export_api() -> Response:
    """Every result of the search as CSV (UTF-8 with BOM) or JSON Lines, streamed
    (``search.export``: the page's selection and order, every match)."""
    fmt = request.args.get("format", "csv")
    if fmt not in export.FORMATS:
        raise BadRequest(bilingual("صيغة التصدير csv أو jsonl", "format must be csv or jsonl"))
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k != "format"])
    req = _search_request(args)
    index = current_app.extensions["marsad_index"].get()
    items = export.rows(index, req)
    try:  # the search runs here, so a refused query is a 400, not a broken download
        first = next(items, None)
    except SearchRequestError as exc:
        raise BadRequest(str(exc)) from None
    rows = items if first is None else chain([first], items)
    body = (export.to_csv if fmt == "csv" else export.to_jsonl)(rows)
    return Response(stream_with_context(body), mimetype=export.FORMATS[fmt].split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="marsad-export.{fmt}"'})


@api.route("/feed", endpoint="feed")
def feed_api() -> Response:
    """The search's newest matches (``page_size``, default ``feeds.FEED_SIZE``) as an Atom feed:
    the same ``search.run`` as the page, sorted newest first (``sort`` and ``page`` do not apply)."""
    args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in ("sort", "page")])
    if "page_size" not in args:
        args["page_size"] = str(feeds.FEED_SIZE)
    args["sort"] = "newest"
    result = _run(args)
    state = SearchState.from_args(args)
    xml = feeds.atom(
        result, title=feed_title(state),
        feed_url=absolute(feed_url(state)),
        page_url=absolute(search_url(state.without("page_size"))),
        doc_url=lambda doc_id: absolute(doc_url(doc_id)),
        facet_url=lambda name: absolute(facet_page_url(name, SearchState(()))))
    return Response(xml, mimetype=feeds.MIMETYPE)


def feed_title(state: SearchState) -> str:
    """«مرصد: داعش · حلب · 2015-07»: the query and the selected values."""
    parts = [state.query] if state.query else []
    parts += [value_label(k, v) for k, v in state.selections()]
    parts += [f"{label} {state.get(k)}" for k, label in (("from", "من"), ("to", "إلى")) if state.get(k)]
    return "مرصد: " + (" · ".join(parts) if parts else "كل المقالات")


@api.route("/trends", endpoint="trends")
def trends_api() -> Response:
    """Attention over time as JSON (``Attention``) or, with ``format=csv``, its table."""
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise BadRequest(bilingual("الصيغة json أو csv", "format must be json or csv"))
    att, queries, interval = _attention(request.args)
    if fmt == "json":
        return jsonify(att.to_dict())
    columns, rows = att.table()
    return Response("".join(export.to_csv(rows, columns)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="marsad-trends-{interval}.csv"'})


@api.route("/matrix", endpoint="matrix")
def matrix_api() -> Response:
    """Actor x province counts over the search's result set (``Matrix``)."""
    return jsonify(_matrix(request.args).to_dict())


@api.route("/entity/<facet>/<path:value>", endpoint="entity")
def entity_api(facet: str, value: str) -> Response:
    """An actor's or a province's page as JSON (``Entity``)."""
    return jsonify(_entity(facet, value).to_dict())


@api.route("/doc/<path:doc_id>")
def doc_api(doc_id: str) -> Response:
    return jsonify(_document_json(_document(doc_id)))


@api.route("/doc/<path:doc_id>/similar")
def similar_api(doc_id: str) -> Response:
    _document(doc_id)  # 404 for an unknown id
    return jsonify({"id": doc_id, "hits": _more_like_this(doc_id)})


@api.route("/facets/<name>")
def facets_api(name: str) -> Response:
    q = (request.args.get("q") or "").strip()
    if len(q) > openapi_doc.FACET_QUERY_MAX:
        raise BadRequest(bilingual(
            f"نص البحث في قيم التصنيف طويل جدًا: {openapi_doc.FACET_QUERY_MAX} حرف على الأكثر",
            f"q is too long: at most {openapi_doc.FACET_QUERY_MAX} characters for a facet value search"))
    return jsonify(_facet_values(name, q, None))  # counted over all documents


@api.route("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_doc.spec())


# ------------------------------------------------------------------ document helpers

def _evidence_list(doc: dict[str, Any]) -> list[dict[str, Any]]:
    # search.get_document has decoded the stored JSON into dicts
    return [{**e, "n": i} for i, e in enumerate(doc.get("evidence") or [])]


def highlight_evidence(title: str, body: str, evidence: list[dict[str, Any]]) -> tuple[Markup, Markup]:
    """Title and body as HTML with each evidence span in ``<mark class="ev ev-FACET" id="ev-N">``.

    Offsets index the original text; overlapping spans keep the first; spans
    outside the text are ignored. Everything else is escaped.

    >>> t, b = highlight_evidence("قصف في حلب", "<b>x</b>", [{"facet": "province", "value": "حلب",
    ...     "source": "title", "start": 7, "end": 10, "n": 0}])
    >>> str(t)
    'قصف في <mark class="ev ev-province" id="ev-0" title="المحافظة: حلب">حلب</mark>'
    >>> str(b)
    '&lt;b&gt;x&lt;/b&gt;'
    """
    def render(text: str, source: str) -> Markup:
        spans = []
        for e in evidence:
            s, t = e.get("start"), e.get("end")
            if e.get("source") != source or not isinstance(s, int) or not isinstance(t, int):
                continue
            if 0 <= s < t <= len(text):
                spans.append((s, t, e))
        spans.sort(key=lambda x: (x[0], -x[1]))
        parts: list[str] = []
        pos = 0
        for s, t, e in spans:
            if s < pos:
                continue  # overlaps a span already marked
            parts.append(str(escape(text[pos:s])))
            tip = f"{FACET_LABELS.get(e.get('facet', ''), e.get('facet', ''))}: {e.get('value', '')}"
            parts.append(f'<mark class="ev ev-{escape(e.get("facet", ""))}" id="ev-{int(e["n"])}" '
                         f'title="{escape(tip)}">{escape(text[s:t])}</mark>')
            pos = t
        parts.append(str(escape(text[pos:])))
        return Markup("".join(parts))

    return render(title, "title"), render(body, "body")


def _safe_external_url(url: Any) -> str | None:
    """Only http(s) URLs become links (no javascript:, data:, …)."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


_MARK_RE = re.compile(r"(</?mark>)")


def safe_snippet(snippet: Any) -> Markup:
    """The search layer's snippet HTML, trusted only for ``<mark>`` tags.

    The search layer escapes the text already; as a second line of defence
    any other ``<`` or ``>`` left in it is escaped here (``&…;`` entities are
    left alone, so nothing is escaped twice).

    >>> str(safe_snippet('قصف <mark>حلب</mark> &amp; <script>x</script>'))
    'قصف <mark>حلب</mark> &amp; &lt;script&gt;x&lt;/script&gt;'
    """
    if not snippet:
        return Markup("")
    out = []
    for piece in _MARK_RE.split(str(snippet)):
        if piece in ("<mark>", "</mark>"):
            out.append(piece)
        else:
            out.append(piece.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))
    html = "".join(out)
    # balance the marks so a cut snippet cannot leave one open
    opened = html.count("<mark>") - html.count("</mark>")
    if opened > 0:
        html += "</mark>" * opened
    return Markup(html)


# ------------------------------------------------------------------ errors

def _json_error(message: str, status: int) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


ERROR_TITLES = {400: "طلب غير صالح", 404: "الصفحة غير موجودة", 405: "طريقة غير مسموح بها",
                414: "الرابط طويل جداً", 413: "الطلب كبير جداً", 500: "خطأ في الخادم",
                503: "الفهرس غير متاح"}


def _error_response(status: int, message: str) -> Any:
    if _wants_json():
        return _json_error(message, status)
    # a 414's query is what was too long: never echo it back into the page's search box
    state = SearchState.from_args({} if status == 414 else request.args)
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "خطأ"),
                           message=message, state=state), status


def register_error_handlers(app: Flask) -> None:
    @app.before_request
    def _limit_query_string() -> Any:
        if len(request.query_string) > app.config["MAX_QUERY_STRING"]:
            return _error_response(414, f"the query string is too long (at most "
                                        f"{app.config['MAX_QUERY_STRING']} bytes)")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return _error_response(405, "this server is read-only: only GET requests")
        return None

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        return _error_response(404, str(exc))

    @app.errorhandler(IndexUnavailable)
    def _no_index(exc: IndexUnavailable) -> Any:
        if _wants_json():
            return _error_response(503, str(exc))
        # the page: Arabic first, the index layer's English message (what to run) in parentheses
        return _error_response(503, f"فهرس البحث غير متاح أو تالف، ويلزم بناؤه من جديد ({exc})")

    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest) -> Any:
        return _error_response(400, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        messages = {404: "no such page", 405: "method not allowed", 413: "request too large"}
        return _error_response(exc.code or 500, messages.get(exc.code or 500, exc.name))

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Any:
        # logged in full on the server; the client sees no stack trace and no path
        log.exception("unhandled error on %s", request.path)
        return _error_response(500, "internal error: the server could not answer this request")


# ------------------------------------------------------------------ template helpers

def _precision_note(precision: str | None) -> str:
    return PRECISION_LABELS.get(precision or "", "")


def _toggler(state: SearchState, facet: str) -> Any:
    """value -> the URL toggling it (what the SVG charts link to)."""
    return lambda value: search_url(state.toggled(facet, value))


def _split_dates(buckets: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[str, list]]]:
    """Date buckets -> (years, [(year, its months)]); the unknown bucket is left out."""
    years = [b for b in buckets if b.get("value") and "-" not in b["value"]]
    months: dict[str, list[dict[str, Any]]] = {}
    for b in buckets:
        v = b.get("value") or ""
        if "-" in v:
            months.setdefault(v[:4], []).append(b)
    return years, sorted(months.items())


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        search_url=search_url, doc_url=doc_url, api_search_url=api_search_url, export_url=export_url,
        feed_url=feed_url,
        facet_page_url=facet_page_url, FACETS=FACETS, FACET_LABELS=FACET_LABELS,
        SORT_LABELS=SORT_LABELS, date_chart=charts.date_chart, province_map=charts.province_map,
        date_label=charts.date_label, measure_text=charts.measure_text, trends_url=trends_url,
        matrix_url=matrix_url, entity_url=entity_url, entity_link=entity_link,
        precision_note=_precision_note, toggler=_toggler,
        split_dates=_split_dates, value_label=value_label,
    )
    app.jinja_env.filters["snippet"] = safe_snippet
    app.jinja_env.filters["arabic_number"] = lambda n: f"{int(n):,}".replace(",", "٬") if n is not None else ""
