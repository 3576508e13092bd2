"""``run(index, request) -> SearchResult``: the only place a search happens.

One request is answered in four steps:

1. the query is parsed and compiled (:mod:`search.query`) against the reader;
2. :mod:`search.engine` evaluates it over cached numpy posting arrays: the
   sorted ids of every match and their BM25 scores (title boosted,
   exact-level twin as an optional boost), checking the request's deadline
   between terms: past it, the terms evaluated so far decide (``partial=True``);
3. facet selections and the date range become bool arrays over those
   matches (:mod:`search.facets`); facets are counted by ``bincount`` over
   the matches' values, each with every filter but its own. With collapsing
   on, a group of copies counts once, with its leader's values, in every
   facet and filter: the counts are what a click yields;
4. the page: by relevance, the top K by score (``argpartition``), the first
   100 re-scored by the nearness of the query words; by date, numpy sorts
   the mask. Syndicated copies are collapsed; snippets for the page only.

``index`` may be a Whoosh ``Index`` (a searcher is opened and closed per
call) or an open ``Searcher`` (kept open: the web layer caches one and
refreshes it when the index is swapped).
"""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher

from marsad.analyzers import normalize, stem
from marsad.analyzers.tokenizers import words_of
from marsad.index.codec import doc_keys
from marsad.index.extract import norm_words
from marsad.index.records import iso_date
from marsad.search.bm25 import BODY_B, K1, TITLE_B
from marsad.search.engine import FIELD_B, Budget, Engine, count_distinct, distinct, engine_for
from marsad.search.facets import (
    FACETS,
    ReaderData,
    _value_keys,
    alias_matches,
    build_buckets,
    reader_data,
    resolve_values,
    unknown_value,
)
from marsad.search.highlight import MAX_HIGHLIGHT_CHARS, make_snippet, mark_all, word_terms
from marsad.search.query import (
    PROXIMITY_BOOST,
    PROXIMITY_SLOP,
    TITLE_BOOST,
    CompiledQuery,
    Relaxable,
    compile_query,
)
from marsad.search.request import SearchRequest, SearchRequestError, bilingual, unknown_facet
from marsad.search.results import FacetResult, Hit, SearchResult, notice

__all__ = ["run", "select", "ranked", "Selection", "more_like_this", "get_document", "facet_values", "weighting", "open_searcher",
           "suggest", "warm"]

PROXIMITY_WINDOW = 100  # top documents re-scored by the nearness of the query words
# copies a search hit lists (each is a stored-document read; a wire story can have dozens)
MAX_COPIES_LISTED = 10
RELAX_BELOW = 20  # a long AND that finds fewer results than this is loosened (search.query.Relaxable)


def weighting() -> scoring.WeightingModel:
    """BM25F as Marsad ranks: titles are short, so their length matters less."""
    return scoring.BM25F(B=BODY_B, K1=K1, title_B=TITLE_B, title_exact_B=TITLE_B)


def open_searcher(index: Any) -> Searcher:
    """A searcher with Marsad's weighting (callers close it)."""
    return index.searcher(weighting=weighting())


@contextmanager
def _searcher(index: Any) -> Iterator[Searcher]:
    if isinstance(index, Searcher):
        yield index
        return
    s = open_searcher(index)
    try:
        yield s
    finally:
        s.close()


def warm(index: Any) -> ReaderData:
    """Build the per-reader caches a first request would otherwise pay for:
    the facet/date/duplicate arrays (:func:`search.facets.reader_data`), the
    engine with its field-length arrays, the copy-group sizes, and one empty
    search (facet counting, date sort). Every later searcher of the same
    index generation reuses them. Call it on a freshly opened index before
    requests see it (the web's ``IndexHolder`` does, after a swap).

    >>> warm(ix).n == ix.doc_count_all()          # doctest: +SKIP
    True
    """
    with _searcher(index) as s:
        reader = s.reader()
        data = reader_data(reader)
        eng = engine_for(data)
        for fieldname in FIELD_B:
            if fieldname in reader.schema:
                eng.lengths(reader, fieldname)
        if data.n:
            _group_size(data, 0)
        run(s, SearchRequest(page_size=1, highlight=False, suggest=False))
        return data


# ---------------------------------------------------------------- matching


def _top(score: np.ndarray | None, docs: np.ndarray, k: int) -> list[tuple[float, int]]:
    """The ``k`` best of the sorted ``docs`` by their aligned ``score`` (ties: lower docnum first)."""
    sc = np.zeros(len(docs), dtype=np.float32) if score is None else score
    if len(docs) > k:
        part = np.argpartition(-sc, k - 1)[:k]
        docs, sc = docs[part], sc[part]
    order = np.lexsort((docs, -sc))
    return [(float(sc[i]), int(docs[i])) for i in order]


def _rescore(eng: Engine, reader: Any, cq: CompiledQuery, items: list[tuple[float, int]]
             ) -> list[tuple[float, int]]:
    """Proximity bonus for the top documents of a several-word query."""
    if not cq.proximity or len(items) < 2:
        return items
    head = items[:PROXIMITY_WINDOW]
    docs = np.asarray([d for _, d in head], dtype=np.int64)
    bonus = eng.proximity(reader, cq.proximity, docs, PROXIMITY_SLOP) * PROXIMITY_BOOST
    rescored = sorted(((s + float(b), d) for (s, d), b in zip(head, bonus)), key=lambda x: (-x[0], x[1]))
    return rescored + items[PROXIMITY_WINDOW:]


def _by_date(data: ReaderData, docs: np.ndarray, newest: bool) -> np.ndarray:
    ords = data.dates.ordinal[docs].astype(np.int64)
    # unknown dates last either way; ties by docnum for a stable order
    key = np.where(ords > 0, -ords if newest else ords, np.iinfo(np.int64).max)
    return docs[np.lexsort((docs, key))]


def _collapse(order: Any, data: ReaderData, collapse: bool) -> list[int]:
    """Positions in ``order`` of each group's first (best) document."""
    if not collapse:
        return list(range(len(order)))
    groups = data.group[np.asarray(order, dtype=np.int64)] if len(order) else np.zeros(0, np.int32)
    _, first = np.unique(groups, return_index=True)
    return sorted(first.tolist())


# ---------------------------------------------------------------- hits


def _split(v: Any) -> list[str]:
    if not v:
        return []
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    return [x.strip() for x in str(v).split(",") if x.strip()]


def _hit(s: Searcher, data: ReaderData, docnum: int, score: float | None, cq: CompiledQuery | None,
         highlight: bool, all_copies: bool = False) -> Hit:
    f = s.stored_fields(docnum)
    body = f.get("body") or ""
    title = f.get("title") or ""
    st, ex = (cq.stem_terms, cq.exact_terms) if cq is not None else (set(), set())
    hit = Hit(
        id=f.get("id", ""), title=title, outlet=f.get("outlet") or None,
        date=iso_date(f.get("date"), f.get("date_precision")), date_precision=f.get("date_precision") or None,
        provinces=_split(f.get("provinces")), actors=_split(f.get("actors")),
        score=None if score is None else round(score, 4),
        snippet=make_snippet(body, st, ex) if highlight else "", url=f.get("url") or None,
    )
    hit.title_html = mark_all(title, st, ex) if highlight else ""
    if data.story is not None and data.story is not data.group:  # rewrites shown apart: say they exist
        story = int(data.story[docnum])
        hit.rewrites = _group_size(data, story, "story") - _group_size(data, int(data.group[docnum]))
    g = data.group[docnum]
    if g != docnum or _group_size(data, g) > 1:
        others = [d for d in _group_members(data, int(g)) if d != docnum]
        hit.copies_total = len(others)
        single = data.terms["outlet"].by_doc(data.n)[0] if "outlet" in data.terms else None
        if single is not None:  # outlets of the whole story, from the facet array (no stored reads)
            ids = single[np.array([docnum, *others])]
            hit.copies_outlets = len(set(ids[ids >= 0].tolist()))
        for other in others if all_copies else others[:MAX_COPIES_LISTED]:
            hit.copies.append(_copy(s, data, single, docnum, other))
    return hit


def _copy(s: Searcher, data: ReaderData, outlets: np.ndarray | None, docnum: int, other: int) -> dict[str, Any]:
    """One copy of hit ``docnum``'s story as a hit lists it: id and URL from the keys
    column, the outlet from the facet array, rewritten when its exact-copy group
    differs (a rewritten copy, index.neardup, not the same text); the stored
    fields only for a segment without the keys column."""
    keys = doc_keys(s.reader(), other)
    exact = data.group if data.exact is None else data.exact
    if keys is None or outlets is None:
        of = s.stored_fields(other)
        keys, outlet = (of.get("id", ""), of.get("url") or ""), of.get("outlet") or None
    else:
        o = int(outlets[other])
        outlet = (data.terms["outlet"].values[o] or None) if o >= 0 else None
    return {"id": keys[0], "outlet": outlet, "url": keys[1] or None, "rewritten": bool(exact[other] != exact[docnum])}


def _group_members(data: ReaderData, g: int) -> list[int]:
    """The live documents of copy group ``g``, by docnum (the live documents of
    groups with copies sorted by group, built once per reader: at 3.1M replica
    documents, every one a copy, a dict of lists took seconds of the first answer)."""
    members = getattr(data, "_group_members", None)
    if members is None:
        sizes = np.bincount(data.group, minlength=data.n)
        multi = np.flatnonzero((sizes[data.group] > 1) & data.live)
        order = multi[np.argsort(data.group[multi], kind="stable")]
        members = data._group_members = (order, data.group[order])  # type: ignore[attr-defined]
    order, groups = members
    key = groups.dtype.type(g)  # a Python int would make numpy copy the whole array to int64 (67 us)
    return order[np.searchsorted(groups, key, "left"):np.searchsorted(groups, key, "right")].tolist()


def _group_size(data: ReaderData, g: int, of: str = "group") -> int:
    """Documents in copy group ``g`` (``of="story"``: in story ``g``), counted once per reader."""
    sizes = getattr(data, f"_{of}_sizes", None)
    if sizes is None:
        sizes = np.bincount(getattr(data, of), minlength=data.n)
        setattr(data, f"_{of}_sizes", sizes)
    return int(sizes[g])


# ---------------------------------------------------------------- did you mean

# Letters readers and transliterators confuse (after normalization, which has
# already folded hamza seats on alef, ى/ي and ة/ه).
_CONFUSIONS = ["ذزظضد", "ثسص", "تط", "كقغج", "حهخ", "ئيء", "ؤوء", "عا"]
_VOWELS = "اوي"


def _variants(word: str) -> set[str]:
    out: set[str] = set()
    for i, c in enumerate(word):
        for group in _CONFUSIONS:
            if c in group:
                out.update(word[:i] + r + word[i + 1:] for r in group if r != c)
        if c in _VOWELS:
            out.add(word[:i] + word[i + 1:])  # ماكينزي -> ماكنزي
        if i and word[i - 1] == c:
            out.add(word[:i] + word[i + 1:])
    for i in range(1, len(word)):
        for v in _VOWELS:
            out.add(word[:i] + v + word[i:])  # ماكنزي -> ماكينزي
    out.discard(word)
    return {w for w in out if len(w) >= 2}


def _df(reader: Any, word: str) -> int:
    return reader.doc_frequency("body_exact", word) + reader.doc_frequency("title_exact", word)


def suggest(reader: Any, words: list[str]) -> dict[str, str]:
    """``{word: better spelling}`` for query words that are rare or absent
    while a near variant is common: letter confusions (hamza seats, ذ/ز,
    transliteration vowels ...) first, then edit distance 1."""
    fixes: dict[str, str] = {}
    for w in words:
        e = normalize(w)
        if not e or e.isdigit():
            continue
        df = _df(reader, e)
        if df >= 3 or reader.doc_frequency("body", stem(e)) >= 20:
            continue
        best, best_df = None, 0
        for c in _variants(e):
            cdf = _df(reader, c)
            if cdf > best_df:
                best, best_df = c, cdf
        if best_df < max(5, 5 * (df + 1)):
            for t in reader.terms_within("body_exact", e, 1, prefix=2):
                t = t.decode("utf-8") if isinstance(t, bytes) else t
                cdf = _df(reader, t)
                if cdf > best_df:
                    best, best_df = t, cdf
        if best is not None and best_df >= max(5, 5 * (df + 1)):
            fixes[w] = best
    return fixes


def _suggestion(q: str, fixes: dict[str, str]) -> str:
    for w, better in fixes.items():
        q = q.replace(w, better)
    return q


# ---------------------------------------------------------------- run


def _resolve_selection(data: ReaderData, filters: Any, notices: list[tuple[str, str]]
                       ) -> dict[str, tuple[str, ...]]:
    """Selected facet values as the index spells them (``ادلب`` -> ``إدلب``)."""
    out: dict[str, tuple[str, ...]] = {}
    for name, vals in filters.items():
        if name not in data.terms:
            out[name] = tuple(vals)
            continue
        known = data.terms[name].values
        got: list[str] = []
        for v in vals:
            if v == "" or v in known:
                got.append(v)
                continue
            found = resolve_values(data, name, v)
            if found:
                got.extend(found)
            else:
                got.append(v)  # stays visible, selected, at count 0
                notices.append(unknown_value(name, v))
        out[name] = tuple(dict.fromkeys(got))
    return out



def _live(data: ReaderData, docs: np.ndarray, score: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    if len(docs) and not data.all_live:
        live = data.live[docs]
        if not live.all():
            return docs[live], None if score is None else score[live]
    return docs, score


def _masks(data: ReaderData, docs: np.ndarray, request: SearchRequest, selected: dict[str, tuple[str, ...]]
           ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(key, date mask, per-facet selection masks, all filters) over ``docs``.

    Under collapsing a group of copies is one result: filters and facet counts
    read its leader's values (``key``), so every count is what a click yields."""
    key = data.group[docs].astype(np.int64) if request.collapse else docs
    keep = np.ones(len(docs), dtype=bool)
    if request.date_from or request.date_to:
        o = data.dates.ordinal[key]
        rng = o > 0
        if request.date_from:
            rng &= o >= request.date_from.toordinal()
        if request.date_to:
            rng &= o <= request.date_to.toordinal()
        keep &= rng
    sel = {name: FACETS[name].restrict(data, key, vals) for name, vals in selected.items()}
    final = keep.copy()
    for m in sel.values():
        final &= m
    return key, keep, sel, final


def _groups(data: ReaderData, key: np.ndarray, mask: np.ndarray, collapse: bool) -> int:
    """How many results ``mask`` keeps (groups of copies once under collapsing)."""
    return count_distinct(key[mask], data.n) if collapse else int(np.count_nonzero(mask))


def _relax(eng: Engine, reader: Any, data: ReaderData, rel: Relaxable, scored: bool, budget: Budget,
           request: SearchRequest, selected: dict[str, tuple[str, ...]], strict: int) -> Any:
    """A long AND that found fewer than ``RELAX_BELOW`` results, loosened to
    "at least k of its M words": the largest k from M-1 down to ``rel.floor``
    that finds that many (else the floor). Scores are tiered by how many
    words a document matches (more first), BM25 within a tier; the score's
    remainder modulo the returned tier width is the BM25 score. ``None`` when
    loosening finds nothing more than the strict AND."""
    m = len(rel.parts)
    docs, score, counts = eng.any_of(reader, rel.parts, scored, budget)
    if len(docs):
        live = data.live[docs]
        docs, counts, score = docs[live], counts[live], None if score is None else score[live]
    if rel.negative is not None and len(docs):
        neg, _ = eng.evaluate(reader, rel.negative, False, budget, docs)
        if len(neg):
            keep = ~np.isin(docs, neg)
            docs, counts, score = docs[keep], counts[keep], None if score is None else score[keep]
    if scored and score is not None and rel.boost is not None and len(docs):
        d2, s2 = eng.evaluate(reader, rel.boost, True, budget, docs)
        if s2 is not None:
            score[np.searchsorted(docs, d2)] += s2
    masks = _masks(data, docs, request, selected)
    key, final = masks[0], masks[3]
    k = m - 1
    while k > rel.floor and _groups(data, key, final & (counts >= k), request.collapse) < RELAX_BELOW:
        k -= 1
    if k < 1 or _groups(data, key, final & (counts >= k), request.collapse) <= strict:
        return None
    ok = counts >= k
    docs, counts = docs[ok], counts[ok]
    width = 0.0
    if score is not None:
        score = score[ok]
        # a tier is wider than any BM25 score plus the proximity bonus
        width = float(np.ceil(score.max() * 2 + 100)) if len(score) else 1.0
        score = score + (counts - k).astype(np.float32) * np.float32(width)
    return docs, score, _masks(data, docs, request, selected), (k, m, width or 1.0)


@dataclass
class Selection:
    """What a request selects, before any page is cut: the one path behind
    :func:`run` (facets, one page) and :func:`search.export.rows` (every match)."""

    cq: CompiledQuery
    data: ReaderData
    eng: Engine
    docs: np.ndarray  # matching docnums after every filter, sorted
    score: np.ndarray | None  # aligned relevance (tiered when loosened), None when sorted by date
    key: np.ndarray  # per match of the unfiltered set: its copy group (or itself)
    keep: np.ndarray  # the date range over the unfiltered set
    sel: dict[str, np.ndarray]  # per selected facet, its mask over the unfiltered set
    selected: dict[str, tuple[str, ...]]
    from_query: dict[str, tuple[str, ...]]
    notices: list[tuple[str, str]]
    partial: bool
    use_scores: bool
    matched: tuple[int, int, float] | None  # loosened: (k, m, tier width)
    total: int  # results (copy groups once when collapsing)


def select(s: Searcher, request: SearchRequest) -> Selection:
    """Parse, evaluate, loosen a long query that finds too little, and filter
    (see the module docstring, steps 1-3)."""
    reader = s.reader()
    base = reader_data(reader)
    # count and list the copies of a story, rewrites included (the same arrays, other groups)
    data = base.by_story() if request.collapse and request.stories else base
    cq = compile_query(request.q, reader, data, exact=request.exact)
    notices = list(cq.notices)
    eng = engine_for(base)
    use_scores = request.sort == "relevance" and not cq.empty
    budget = Budget(time.perf_counter() + request.time_limit)
    docs, score = _live(data, *eng.evaluate(reader, cq.scored if use_scores else cq.match, use_scores, budget))
    partial = budget.partial
    selected = _resolve_selection(data, request.filters, notices)
    # field filters typed at the top of the query count as ticked facet values
    from_query = _resolve_selection(data, cq.filters, notices)
    for name, vals in from_query.items():
        selected[name] = tuple(dict.fromkeys(selected.get(name, ()) + vals))
    key, keep, sel, final = _masks(data, docs, request, selected)
    matched = None
    if cq.relax is not None and not partial and _groups(data, key, final, request.collapse) < RELAX_BELOW:
        relaxed = _relax(eng, reader, data, cq.relax, use_scores, budget, request, selected,
                         _groups(data, key, final, request.collapse))
        if relaxed is not None:
            docs, score, (key, keep, sel, final), matched = relaxed
            notices.append(notice("relaxed", k=matched[0], m=matched[1]))
    total = _groups(data, key, final, request.collapse)
    return Selection(cq, data, eng, docs[final], None if score is None else score[final], key, keep, sel,
                     selected, from_query, notices, partial or budget.partial, use_scores, matched, total)


def ranked(s: Searcher, sel: Selection, request: SearchRequest, need: int | None
           ) -> list[tuple[float | None, int]]:
    """The first ``need`` results (every one when None) in the request's order:
    (score, docnum), copies collapsed, scores as shown (BM25, not a loosened tier)."""
    docs, score, data = sel.docs, sel.score, sel.data
    total_docs = len(docs)
    out: list[tuple[float | None, int]] = []
    if sel.use_scores and total_docs:
        k = total_docs if need is None else min(total_docs, max(need * 2 + 20, PROXIMITY_WINDOW))
        while True:
            items = _top(score, docs, k)
            if not sel.partial:  # out of time: no proximity pass
                items = _rescore(sel.eng, s.reader(), sel.cq, items)
            kept = _collapse([d for _, d in items], data, request.collapse)
            if need is None or len(kept) >= need or k >= total_docs:
                break
            # too few groups: grow by the copies per group seen so far (a wire story with
            # a hundred copies would otherwise take four rounds over every match)
            k = min(total_docs, max(k * 4, math.ceil(k * need / max(1, len(kept)) * 1.5)))
        out = [items[i] for i in kept]
    elif total_docs:
        order = _by_date(data, docs, newest=request.sort != "oldest")
        kept = _collapse(order, data, request.collapse) if request.collapse else range(len(order))
        out = [(None, int(order[i])) for i in (list(kept) if need is None else list(kept)[:need])]
    if sel.matched is not None:  # show the BM25 score, not the tier that ranked it
        out = [(None if sc is None else sc % sel.matched[2], d) for sc, d in out]
    return out if need is None else out[:need]


def run(index: Any, request: SearchRequest) -> SearchResult:
    """Answer one search request (see the module docstring).

    Raises :class:`~search.request.SearchRequestError` only for limits the
    request breaks (too many terms); a malformed query is searched as plain
    words, with ``fallback=True`` and a notice.
    """
    t0 = time.perf_counter()
    with _searcher(index) as s:
        sl = select(s, request)
        cq, data, key, keep, sel, selected = sl.cq, sl.data, sl.key, sl.keep, sl.sel, sl.selected
        notices = sl.notices
        facets: dict[str, FacetResult] = {}
        # each facet counts under every selection but its own: the facets with no selection
        # of their own all count the same documents, computed once
        counted_by: dict[frozenset[str], np.ndarray] = {}
        for name, facet in FACETS.items():
            applied = frozenset(other for other in sel if other != name)
            counted = counted_by.get(applied)
            if counted is None:
                m = keep
                for other in applied:
                    m = m & sel[other]
                counted = counted_by[applied] = distinct(key[m], universe=data.n) if request.collapse else key[m]
            limit = None if name in request.facet_all else request.facet_limit
            facets[name] = facet.result(data, counted, selected.get(name, ()), limit)
        total_docs, total = len(sl.docs), sl.total
        need = request.page * request.page_size
        start = (request.page - 1) * request.page_size
        page_items = ranked(s, sl, request, need)[start:need]
        hits = [_hit(s, data, d, sc, cq, request.highlight) for sc, d in page_items]

        suggestion = None
        if request.suggest and cq.words:
            fixes = suggest(s.reader(), cq.words)
            if fixes:
                suggestion = _suggestion(request.q, fixes)
        if sl.partial:
            notices.append(notice("partial"))
        if start >= total and total and request.page > 1:
            notices.append(notice("past_last_page", page=request.page))
    matched = sl.matched
    return SearchResult(
        query=request.q, total=total, page=request.page, page_size=request.page_size, hits=hits,
        facets=facets, took_ms=round((time.perf_counter() - t0) * 1000, 2), parsed_query=cq.explain(),
        notices=[text for _, text in notices], notice_codes=[code for code, _ in notices], fallback=cq.fallback,
        suggestion=suggestion, partial=sl.partial, sort=request.sort,
        total_docs=total_docs, query_filters={k: list(v) for k, v in sl.from_query.items()},
        query_rest=cq.rest,
        match={"mode": "all"} if matched is None else {"mode": "some", "required": matched[0], "of": matched[1]},
    )


# ---------------------------------------------------------------- documents


def _docnum(s: Searcher, doc_id: str) -> int | None:
    if not isinstance(doc_id, str) or not doc_id or len(doc_id) > 512:
        return None
    return s.document_number(id=doc_id)


def get_document(index: Any, doc_id: str) -> dict[str, Any] | None:
    """Stored fields of one document (by its ``id`` term only), with ``copies``
    and ``evidence`` decoded; ``None`` if there is no such document."""
    with _searcher(index) as s:
        docnum = _docnum(s, doc_id)
        if docnum is None:
            return None
        data = reader_data(s.reader()).by_story()  # its story's other versions, rewrites marked
        f = dict(s.stored_fields(docnum))
        hit = _hit(s, data, docnum, None, None, highlight=False, all_copies=True)
        f["date"], f["outlet"] = hit.date, hit.outlet  # (outlet: the key a hit has, None when unknown)
        f["provinces"], f["actors"], f["copies"] = hit.provinces, hit.actors, hit.copies
        f["copies_total"], f["copies_outlets"] = hit.copies_total, hit.copies_outlets
        f["rewrites"] = sum(1 for c in hit.copies if c.get("rewritten"))
        ev = f.get("evidence")
        if isinstance(ev, str):
            try:
                f["evidence"] = json.loads(ev)
            except ValueError:  # a damaged stored field: no evidence rather than a broken page
                f["evidence"] = []
        return f


MLT_TERMS = 20  # key terms of a document that make its more-like-this query
MLT_TIME = 1.0  # seconds: the same kind of budget as a search


def key_terms(reader: Any, eng: Engine, title: str, body: str, k: int = MLT_TERMS) -> list[str]:
    """The ``k`` stem-level terms of a document with the highest tf-idf
    (title counted twice; terms of one document only, or in more than a
    tenth of the collection, left out: they find nothing or everything)."""
    counts: dict[str, int] = {}
    for text, times in ((title, 2), (body[:MAX_HIGHLIGHT_CHARS], 1)):
        # each distinct word analysed once (a body repeats its words: ~550 words, ~300 distinct)
        for w, c in Counter(words_of(text)).items():
            t = word_terms(w)[0]
            if t is not None and not t.isdigit():
                counts[t] = counts.get(t, 0) + c * times
    n = max(eng.live_count, 1)
    scored = []
    for t, tf in counts.items():
        df = eng.doc_frequency(reader, "body", t) + 0.0
        if 2 <= df <= n / 10:
            scored.append((tf * math.log(n / df), t))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [t for _, t in scored[:k]]


def more_like_this(index: Any, doc_id: str, limit: int = 10, snippets: bool = True) -> list[Hit]:
    """Documents most like ``doc_id``, its copies excluded: its key terms
    (:func:`key_terms`) as an OR query, scored by the engine with the same
    BM25 (title boosted) and copy collapsing as every search (``snippets=False``:
    hits without their opening sentences, for a list of titles)."""
    if not 1 <= limit <= 100:
        raise SearchRequestError(bilingual("عدد المقالات المشابهة بين 1 و100", "limit must be between 1 and 100"))
    with _searcher(index) as s:
        docnum = _docnum(s, doc_id)
        if docnum is None:
            return []
        reader = s.reader()
        data = reader_data(reader)
        eng = engine_for(data)
        f = s.stored_fields(docnum)
        terms = key_terms(reader, eng, f.get("title") or "", f.get("body") or "")
        if not terms:
            return []
        q = wq.Or([wq.Or([wq.Term("title", t, boost=TITLE_BOOST), wq.Term("body", t)]) for t in terms])
        docs, score = eng.evaluate(reader, q, True, Budget(time.perf_counter() + MLT_TIME))
        docs = docs[data.live[docs]] if len(docs) else docs
        if score is None or not len(docs):
            return []
        own = data.group[docs] != data.group[docnum]
        docs, score = docs[own], score[own]
        k = min(len(docs), limit * 4 + 10)
        while True:
            items = _top(score, docs, k)
            kept = _collapse([d for _, d in items], data, True)
            if len(kept) >= limit or k >= len(docs):
                break
            k = min(len(docs), k * 4)
        return [_hit(s, data, items[i][1], items[i][0], None, highlight=snippets) for i in kept[:limit]]


def facet_values(index: Any, name: str, q: str = "", request: SearchRequest | None = None,
                 limit: int = 20) -> FacetResult:
    """Search within a facet's values: those whose name contains ``q``
    (normalized: ``ادلب`` finds ``إدلب``), counted over ``request``'s matches
    with every filter but this facet's (all documents without a request)."""
    if name not in FACETS:
        raise unknown_facet(name)
    if len(q) > 100:
        raise SearchRequestError(bilingual("البحث في قيم التصنيف: 100 حرف على الأكثر",
                                           "facet value search: at most 100 characters"))
    facet = FACETS[name]
    with _searcher(index) as s:
        data = reader_data(s.reader())
        if request is not None:
            r = run(s, request.replace(page=1, page_size=1, highlight=False, suggest=False,
                                       facet_all=(name,)))
            buckets = r.facets[name].buckets
            values = [b.value for b in buckets if b.value]
            counts = [b.count for b in buckets if b.value]
            unknown = r.facets[name].unknown
            selected = tuple(b.value for b in buckets if b.selected)  # the query's own filters too
        else:
            values, counts, unknown = facet.count(data, engine_for(data).live_docs(), ())
            selected = ()
        needle = " ".join(norm_words(q))
        if needle:
            aliased = alias_matches(data, name, q)  # داعش, ISIS, Aleppo: names the index spells otherwise
            keep = [i for i, v in enumerate(values)
                    if needle in " ".join(norm_words(v)) or any(needle in k for k in _value_keys(v))
                    or v in aliased]
            values = [values[i] for i in keep]
            counts = [counts[i] for i in keep]
            unknown = 0
        return build_buckets(facet, list(values), np.asarray(counts, dtype=np.int64), unknown, selected, limit)
