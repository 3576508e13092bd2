"""The evaluator the engine had before sparse evaluation: dense arrays (a
bool mask and a float score per document of the collection). Kept only as a
reference for ``tests/test_search_engine_sparse.py``: the sparse evaluator
must match the same documents with the same scores. Reads (postings,
positions, lengths, idf) are the real engine's."""
from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query as wq

from marsad.search.engine import BM25F_COMBINE, FIELD_B, K1, Budget, Engine, _text


class DenseEvaluator:
    """``evaluate(reader, q, scored, budget) -> (mask, score or None)`` as before."""

    def __init__(self, eng: Engine) -> None:
        self.eng = eng

    def __getattr__(self, name: str) -> Any:
        return getattr(self.eng, name)

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
