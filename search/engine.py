"""Matching and BM25F scoring with numpy over cached posting arrays.

Whoosh stores the index and we read it through Whoosh, but stepping its
matchers document by document in Python is what made queries slow (hundreds
of ms for two common words). Here each term's posting list is read ONCE per
reader, block by block, into numpy arrays (docnums and term frequencies;
positions only for phrases), kept in a per-reader LRU; a compiled Whoosh
query tree (``Term``, ``Or``, ``And``, ``AndNot``, ``AndMaybe``, ``Not``,
``Phrase``, ``DateRange``, ``Every``) is then evaluated as dense arrays:
a bool mask of matches and a float score per document.

Scoring is BM25 per field, summed: per field, ``idf * tf (k1+1) / (tf + k1 (1
- b + b len/avglen))`` times the term's boost (titles are boosted in the
query), summed over fields and terms; ``idf = ln(1 + (N - df + .5) / (df +
.5))``. A title match thus adds a second, separately saturated score on top of
the body's. ``BM25F_COMBINE = True`` switches to textbook BM25F (one
saturation per word over its boosted, length-normalised field frequencies,
df over any field); on the graded judgments of ``tests/data/retrieval`` it
ranked WORSE (nDCG@10 0.879 vs 0.920 on the tuning queries, title boost 2):
news headlines state the topic, and the extra title score is what puts the
articles about the query above those that merely mention it. It stays as a
measured alternative (``bench/eval_retrieval.py --ablations``).

Reads from Whoosh happen under the reader's lock (its files are shared
between threads); the arrays are immutable once cached.

Time limit: a :class:`Budget` carries the request's deadline. It is checked
between the parts of a query, never before the first one, so a request past
its deadline still returns the matches (and scores) of the parts evaluated
so far, with ``budget.partial`` set: an AND of the words done so far (a
superset of the full answer), an OR of those done (a subset), a phrase's
documents holding all its words, an exclusion not yet applied.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound

from marsad.index.codec import leaf_lengths, segment_arrays
from marsad.search.bm25 import FIELD_B, K1
from marsad.search.facets import ReaderData

__all__ = ["Engine", "engine_for", "K1", "FIELD_B", "BM25F_COMBINE", "Budget"]

BM25F_COMBINE = False  # True: textbook BM25F (one saturation per word over its fields); measured worse
_POSTINGS_CACHE = 50_000  # terms kept per reader
_POSITIONS_CACHE = 2_000


class Budget:
    """The time a request may spend evaluating; ``partial`` once it ran out."""

    __slots__ = ("deadline", "partial")

    def __init__(self, deadline: float) -> None:
        self.deadline, self.partial = deadline, False

    def out(self) -> bool:
        """Past the deadline? (then the answer is partial)"""
        if time.perf_counter() > self.deadline:
            self.partial = True
        return self.partial


def _text(t: Any) -> str:
    return t.decode("utf-8") if isinstance(t, bytes) else t


def _raw_matcher(leaf: Any, field: str, text: str) -> Any:
    """The leaf's raw matcher of a term (``None`` when the leaf lacks it)."""
    try:
        m = leaf.postings(field, text)
    except (TermNotFound, KeyError):  # KeyError: a field this leaf has no terms of
        return None
    # deletions are applied by the live mask; read the raw block matcher
    while type(m).__name__ == "FilterMatcher":
        m = m.child
    return m


def _tbytes(text: Any) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def _read_postings(leaf: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(sorted docnums of the leaf, term frequencies float32), deleted documents included."""
    sa = segment_arrays(leaf)
    if sa is not None:  # a Marsad segment: straight from the memory-mapped arrays
        return sa.postings(field, _tbytes(text))
    # any other Whoosh segment (a stock W3 index): through its block matcher
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    ids: list[Any] = []
    ws: list[Any] = []
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):  # whoosh3 block matcher: whole blocks
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            w = m._weights
            ws.append(np.asarray(w, dtype=np.float32) if w is not None else np.ones(len(m._ids), np.float32))
            m._next_block()
    else:  # any other matcher: step through it
        a, b = [], []
        while m.is_active():
            a.append(m.id())
            b.append(m.weight())
            m.next()
        ids.append(np.asarray(a, dtype=np.int64))
        ws.append(np.asarray(b, dtype=np.float32))
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(ids), np.concatenate(ws)


def _read_positions(leaf: Any, field: str, text: str, docs: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(docnum per position, position) int64 of a term in one leaf, only in
    ``docs`` (sorted leaf docnums) when given."""
    sa = segment_arrays(leaf)
    if sa is not None:
        return sa.positions(field, _tbytes(text), docs)
    if docs is not None:
        return _matcher_positions_of(leaf, field, text, docs)
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    docs: list[int] = []
    pos: list[int] = []
    while m.is_active():
        d = m.id()
        ps = m.value_as("positions")
        docs.extend([d] * len(ps))
        pos.extend(ps)
        m.next()
    return np.asarray(docs, dtype=np.int64), np.asarray(pos, dtype=np.int64)


class Engine:
    """Posting arrays and the evaluator for one reader generation."""

    def __init__(self, data: ReaderData) -> None:
        self.data = data
        self.n = data.n
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._positions: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._lock = threading.Lock()
        self.live_count = int(np.count_nonzero(data.live))

    # -- cached reads
    def postings(self, reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(live docnums, term frequencies) of a term over all leaves (cached)."""
        return self._cached(self._postings, _POSTINGS_CACHE, reader, field, text, _read_postings, np.float32,
                            live_only=True)

    def positions(self, reader: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnum, position) pairs of a term over all leaves (cached)."""
        return self._cached(self._positions, _POSITIONS_CACHE, reader, field, text, _read_positions, np.int64)

    def _cached(self, cache: OrderedDict, cap: int, reader: Any, field: str, text: str, read: Any,
                dtype: Any, live_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``read(leaf, field, text)`` over every leaf, offsets added, kept in ``cache`` (LRU of ``cap``)."""
        key = (field, text)
        got = cache.get(key)
        if got is not None:
            try:
                cache.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: still a valid answer
                pass
            return got
        with self._lock:
            parts_d, parts_v = [], []
            for leaf, offset in reader.leaf_readers():
                if field not in leaf.schema:
                    continue
                d, v = read(leaf, field, text)
                parts_d.append(d + offset)
                parts_v.append(v)
            if not parts_d:  # no leaf has the field
                parts_d, parts_v = [np.zeros(0, np.int64)], [np.zeros(0, dtype)]
            docs, vals = np.concatenate(parts_d), np.concatenate(parts_v)
            if live_only and len(docs):
                keep = self.data.live[docs]
                if not keep.all():
                    docs, vals = docs[keep], vals[keep]
            got = (docs, vals)
            cache[key] = got
            while len(cache) > cap:
                cache.popitem(last=False)
        return got

    def lengths(self, reader: Any, field: str) -> tuple[np.ndarray, float]:
        got = self._lengths.get(field)
        if got is not None:
            return got
        with self._lock:
            arr = np.zeros(self.n, dtype=np.float32)
            for leaf, offset in reader.leaf_readers():
                m = leaf.doc_count_all()
                arr[offset:offset + m] = leaf_lengths(leaf, field)
            live = arr[self.data.live]
            avg = float(live.mean()) if len(live) and live.mean() > 0 else 1.0
            got = (arr, avg)
            self._lengths[field] = got
        return got

    def df(self, reader: Any, field: str, text: str) -> int:
        return len(self.postings(reader, field, text)[0])

    def idf(self, df: int) -> float:
        n = max(self.live_count, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    # -- evaluation
    def term(self, reader: Any, field: str, text: str, boost: float, scored: bool
             ) -> tuple[np.ndarray, np.ndarray | None]:
        docs, tf = self.postings(reader, field, text)
        mask = np.zeros(self.n, dtype=bool)
        mask[docs] = True
        if not scored or field not in FIELD_B or not len(docs):
            return mask, None
        lens, avg = self.lengths(reader, field)
        b = FIELD_B[field]
        norm = K1 * ((1.0 - b) + b * lens[docs] / avg)
        s = np.zeros(self.n, dtype=np.float32)
        s[docs] = (boost * self.idf(len(docs))) * tf * (K1 + 1.0) / (tf + norm)
        return mask, s

    def bm25f(self, reader: Any, terms: list[wq.Term], scored: bool
              ) -> tuple[np.ndarray, np.ndarray | None]:
        """One word over several fields, BM25F: boosted, length-normalised
        field frequencies summed, then saturated once (see the module doc)."""
        mask = np.zeros(self.n, dtype=bool)
        tfn = np.zeros(self.n, dtype=np.float32) if scored else None
        for t in terms:
            docs, tf = self.postings(reader, t.fieldname, _text(t.text))
            if not len(docs):
                continue
            mask[docs] = True
            if tfn is not None:
                lens, avg = self.lengths(reader, t.fieldname)
                b = FIELD_B[t.fieldname]
                tfn[docs] += t.boost * tf / ((1.0 - b) + b * lens[docs] / avg)
        if tfn is None or not mask.any():
            return mask, None
        hit = np.flatnonzero(mask)
        s = np.zeros(self.n, dtype=np.float32)
        w = tfn[hit]
        s[hit] = self.idf(len(hit)) * w * (K1 + 1.0) / (w + K1)
        return mask, s

    def phrase(self, reader: Any, q: wq.Phrase, scored: bool, budget: Budget
               ) -> tuple[np.ndarray, np.ndarray | None]:
        field, words, slop = q.fieldname, list(q.words), max(1, q.slop)
        parts = [self.term(reader, field, w, q.boost, scored) for w in words]
        mask = parts[0][0].copy()
        for m, _ in parts[1:]:
            mask &= m
        if not mask.any():
            return mask, None
        if budget.out():  # no time for positions: the documents holding all the words
            return mask, self._sum_scores(parts, mask) if scored else None
        # chain the words through their positions, within ``slop`` of each other, in order
        shift = np.int64(1 << 24)
        d0, p0 = self.positions(reader, field, words[0])
        keep = mask[d0]
        cur = d0[keep] * shift + p0[keep]
        for w in words[1:]:
            d, p = self.positions(reader, field, w)
            keep = mask[d]
            keys = d[keep] * shift + p[keep]
            hit = np.zeros(len(keys), dtype=bool)
            for off in range(1, slop + 1):
                hit |= np.isin(keys - off, cur)
            cur = keys[hit]
            if not len(cur):
                break
        out = np.zeros(self.n, dtype=bool)
        out[np.unique(cur // shift)] = True
        return out, self._sum_scores(parts, out) if scored else None

    def _sum_scores(self, parts: list[tuple[np.ndarray, np.ndarray | None]], mask: np.ndarray) -> np.ndarray:
        score = np.zeros(self.n, dtype=np.float32)
        for _, s in parts:
            if s is not None:
                score += s
        score *= mask
        return score

    def evaluate(self, reader: Any, q: wq.Query, scored: bool, budget: Budget | float
                 ) -> tuple[np.ndarray, np.ndarray | None]:
        """(mask, score or None) for ``q``. Past the budget's deadline the
        parts not yet evaluated are left out and ``budget.partial`` is set
        (see the module docstring); ``budget`` may be a bare deadline."""
        if not isinstance(budget, Budget):
            budget = Budget(budget)
        if isinstance(q, wq.Every):
            return self.data.live.copy(), None
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return np.zeros(self.n, dtype=bool), None
        if isinstance(q, wq.Term):
            return self.term(reader, q.fieldname, _text(q.text), q.boost, scored)
        if isinstance(q, wq.Phrase):
            return self.phrase(reader, q, scored, budget)
        if isinstance(q, wq.DateRange):
            return self._date_range(q), None
        if isinstance(q, wq.AndMaybe):
            m, s = self.evaluate(reader, q.a, scored, budget)
            if scored and not budget.out():
                _, s2 = self.evaluate(reader, q.b, scored, budget)
                if s2 is not None:
                    s = (s if s is not None else 0) + s2 * m
            return m, s
        if isinstance(q, wq.AndNot):
            m, s = self.evaluate(reader, q.a, scored, budget)
            if budget.out():
                return m, s
            n, _ = self.evaluate(reader, q.b, False, budget)
            return m & ~n, s
        if isinstance(q, wq.Not):
            n, _ = self.evaluate(reader, q.query, False, budget)
            return self.data.live & ~n, None
        if (BM25F_COMBINE and isinstance(q, wq.Or) and len(q.subqueries) > 1
                and all(isinstance(t, wq.Term) and t.fieldname in FIELD_B for t in q.subqueries)
                and len({_text(t.text) for t in q.subqueries}) == 1
                and len({t.fieldname for t in q.subqueries}) == len(q.subqueries)):
            m, s = self.bm25f(reader, list(q.subqueries), scored)
            if s is not None and q.boost != 1.0:
                s *= q.boost
            return m, s
        if isinstance(q, (wq.And, wq.Or)):
            is_and = isinstance(q, wq.And)
            mask: np.ndarray | None = None
            score: np.ndarray | None = None
            # one word's fields (an OR of plain terms) are read together; the
            # budget is checked between words, expansions, clauses
            check = is_and or not all(isinstance(c, (wq.Term, wq.Phrase)) for c in q.subqueries)
            for sub in q.subqueries:
                if check and mask is not None and budget.out():
                    break  # the parts done so far
                m, s = self.evaluate(reader, sub, scored, budget)
                if mask is None:
                    mask = m.copy()
                elif is_and:
                    mask &= m
                else:
                    mask |= m
                if s is not None:
                    score = s.copy() if score is None else score + s
            if mask is None:
                mask = np.zeros(self.n, dtype=bool)
            if score is not None and q.boost != 1.0:
                score *= q.boost
            if score is not None and is_and:
                score *= mask
            return mask, score
        # anything else (rare): let Whoosh find the documents
        from whoosh.searching import Searcher
        mask = np.zeros(self.n, dtype=bool)
        with self._lock:
            s = Searcher(reader)
            ids = np.fromiter(s.docs_for_query(q), dtype=np.int64)
        mask[ids] = True
        return mask, None

    def _date_range(self, q: wq.DateRange) -> np.ndarray:
        ords = self.data.dates.ordinal
        m = ords > 0
        if q.startdate is not None:
            m &= ords >= q.startdate.toordinal()
        if q.enddate is not None:
            m &= ords <= q.enddate.toordinal()
        return m

    # -- proximity re-scoring of the top documents
    def proximity(self, reader: Any, terms: list[str], docs: np.ndarray, slop: int) -> np.ndarray:
        """Bonus per doc in ``docs``: for each adjacent pair of query terms,
        ``idf`` weight when they stand within ``slop`` words in the body (in order)."""
        bonus = np.zeros(len(docs), dtype=np.float32)
        if len(terms) < 2 or not len(docs):
            return bonus
        shift = np.int64(1 << 24)
        sel = np.zeros(self.n, dtype=bool)
        sel[docs] = True
        keys = []
        for t in terms:
            if ("body", t) in self._positions:
                d, p = self.positions(reader, "body", t)
            else:  # read only the window's documents (skip_to), not the whole posting list
                d, p = self._positions_of(reader, "body", t, np.sort(docs))
            k = sel[d]
            keys.append(d[k] * shift + p[k])
        idx = {int(d): i for i, d in enumerate(docs.tolist())}
        for (a, t1), (b, t2) in zip(zip(keys, terms), list(zip(keys, terms))[1:]):
            w = 0.5 * (self.idf(self.df(reader, "body", t1)) + self.idf(self.df(reader, "body", t2)))
            near = np.zeros(len(b), dtype=bool)
            for off in range(1, slop + 1):
                near |= np.isin(b - off, a)
            for d in np.unique(b[near] // shift).tolist():
                bonus[idx[d]] += w
        return bonus


def _matcher_positions_of(leaf: Any, field: str, text: str, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``text`` in the given leaf documents, stepping a Whoosh matcher (skip_to)."""
    out_d: list[int] = []
    out_p: list[int] = []
    m = _raw_matcher(leaf, field, text)
    if m is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    for d in local.tolist():
        if not m.is_active():
            break
        m.skip_to(d)
        if m.is_active() and m.id() == d:
            ps = m.value_as("positions")
            out_d.extend([d] * len(ps))
            out_p.extend(ps)
    return np.asarray(out_d, dtype=np.int64), np.asarray(out_p, dtype=np.int64)


def _positions_of(self: Engine, reader: Any, field: str, text: str, docs: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``text`` in the given (sorted, global) documents only."""
    out_d: list[np.ndarray] = []
    out_p: list[np.ndarray] = []
    with self._lock:
        for leaf, offset in reader.leaf_readers():
            n = leaf.doc_count_all()
            local = docs[(docs >= offset) & (docs < offset + n)] - offset
            if not len(local) or field not in leaf.schema:
                continue
            d, p = _read_positions(leaf, field, text, local)
            out_d.append(d + offset)
            out_p.append(p)
    if not out_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_d).astype(np.int64), np.concatenate(out_p).astype(np.int64)


Engine._positions_of = _positions_of  # type: ignore[attr-defined]


def engine_for(data: ReaderData) -> Engine:
    """The engine of a reader generation (cached alongside its ReaderData)."""
    eng = getattr(data, "_engine", None)
    if eng is None:
        with data.lock:
            eng = getattr(data, "_engine", None)
            if eng is None:
                eng = Engine(data)
                data._engine = eng  # type: ignore[attr-defined]
    return eng
