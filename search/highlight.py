"""Snippets from the original stored text, matched words in ``<mark>``.

The matched words are found by running the index's analyzers over the stored
text and comparing their terms with the query's terms; the tokens' offsets
point into the original text, so diacritics, tatweel and clitics (``والسوريين``
for ``سوريا``) are marked whole and exactly where they stand. Everything else
is HTML-escaped. Fragments are sentences cut at ``. ، ؟ ؛ ! ?`` and line
breaks; the best ~2 (most distinct matched terms) are shown in text order.

>>> make_snippet("قال إنّ القوّاتِ السوريّة تقدمت.", {"سوري"}, set())
'قال إنّ القوّاتِ <mark>السوريّة</mark> تقدمت.'
"""
from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from marsad.analyzers import exact_analyzer, stem_analyzer
from marsad.analyzers.tokenizers import iter_words

__all__ = ["match_spans", "make_snippet", "mark_all", "word_terms"]

_SENTENCE_END = re.compile(r"[.!?؟؛\n]+")
_CLAUSE_END = re.compile(r"[،,]")
FRAGMENT_CHARS = 220  # longest fragment; longer sentences are cut around their matches
ELLIPSIS = " … "
MAX_HIGHLIGHT_CHARS = 60_000  # a huge record is highlighted from its beginning only
_STEM, _EXACT = stem_analyzer(), exact_analyzer()


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str | None, str | None]:
    """(stem term, exact term) of one word: the real analyzers on that word
    alone (their filters work per token, so this equals their result inside
    the text), cached because news vocabulary repeats."""
    st = [t.text for t in _STEM(word)]
    ex = [t.text for t in _EXACT(word)]
    return (st[0] if len(st) == 1 else None), (ex[0] if len(ex) == 1 else None)


def match_spans(text: str, stem_terms: set[str], exact_terms: set[str]) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` of every word of ``text`` matching the query
    (offsets into ``text``; only the first ``MAX_HIGHLIGHT_CHARS`` are read)."""
    spans: list[tuple[int, int, str]] = []
    if not stem_terms and not exact_terms:
        return spans
    for m in iter_words(text[:MAX_HIGHLIGHT_CHARS]):
        st, ex = word_terms(m.group())
        if st is not None and st in stem_terms:
            spans.append((m.start(), m.end(), st))
        elif ex is not None and ex in exact_terms:
            spans.append((m.start(), m.end(), ex))
    return spans


def _render(text: str, start: int, end: int, spans: Iterable[tuple[int, int, str]]) -> str:
    out, pos = [], start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def mark_all(text: str, stem_terms: set[str], exact_terms: set[str]) -> str:
    """The whole ``text`` escaped, matched words marked (for titles)."""
    return _render(text, 0, len(text), match_spans(text, stem_terms, exact_terms))


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[start:end].strip():
            out.append((start, end))
        start = end
    if text[start:].strip():
        out.append((start, len(text)))
    # trim surrounding white space of each fragment
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        trimmed.append((s, e))
    return trimmed


def _window(text: str, s: int, e: int, spans: list[tuple[int, int, str]]) -> tuple[int, int, bool, bool]:
    """Cut a long sentence to about ``FRAGMENT_CHARS`` around its first match:
    at the commas (``،``) around it when possible, else at word bounds."""
    if e - s <= FRAGMENT_CHARS:
        return s, e, False, False
    inside = [sp for sp in spans if sp[0] >= s and sp[1] <= e]
    first = inside[0] if inside else (s, s, "")
    # clauses of the sentence, cut after each comma
    bounds = [s] + [m.end() for m in _CLAUSE_END.finditer(text, s, e)] + [e]
    clauses = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    k = next((i for i, (a, b) in enumerate(clauses) if a <= first[0] < b), 0)
    ws, we = clauses[k]
    lo, hi = k, k
    while True:  # grow by whole clauses, right first (the match's context follows it)
        if hi + 1 < len(clauses) and clauses[hi + 1][1] - ws <= FRAGMENT_CHARS:
            hi += 1
            we = clauses[hi][1]
        elif lo > 0 and we - clauses[lo - 1][0] <= FRAGMENT_CHARS:
            lo -= 1
            ws = clauses[lo][0]
        else:
            break
    if we - ws > FRAGMENT_CHARS:  # one very long clause: cut at words around the match
        ws = max(ws, first[0] - FRAGMENT_CHARS // 3)
        we = min(we, ws + FRAGMENT_CHARS)
        while ws > s and not text[ws - 1].isspace():
            ws -= 1
        while we < e and not text[we].isspace():
            we += 1
    while ws < we and text[ws].isspace():
        ws += 1
    while we > ws and text[we - 1].isspace():
        we -= 1
    return ws, we, ws > s, we < e


@lru_cache(maxsize=200_000)
def _chunk_words(chunk: str) -> tuple[tuple[int, int, str | None, str | None], ...]:
    """The words of one white-space-delimited chunk of text: ``(start, end,
    stem term, exact term)``, offsets into the chunk (cached: chunks repeat
    across articles as words do)."""
    return tuple((m.start(), m.end(), *word_terms(m.group())) for m in iter_words(chunk))


# every chunk seen, and term -> the chunks holding a word of that term (a stem
# term, or "\0" + an exact term): so a query's candidate chunks come from set
# intersections, not from a test per chunk
_SEEN: set[str] = set()
_TERM_CHUNKS: dict[str, set[str]] = {}
_SEEN_MAX = 500_000
_INDEX_LOCK = threading.Lock()  # the web serves from several threads


def _spans_fast(head: str, stem_terms: set[str], exact_terms: set[str]) -> list[tuple[int, int, str]]:
    """What :func:`match_spans` finds in ``head``, without a regex pass over
    it: the distinct white-space chunks are tested against the query's terms
    with one set operation each (their terms cached), and only the chunks
    holding a match are located (``str.find``) and split into words."""
    chunks = set(head.split())
    missing = chunks.difference(_SEEN)
    if missing:
        with _INDEX_LOCK:
            if len(_SEEN) + len(missing) > _SEEN_MAX:
                _SEEN.clear()
                _TERM_CHUNKS.clear()
            for c in missing:
                for _, _, st, ex in _chunk_words(c):
                    if st is not None:
                        _TERM_CHUNKS.setdefault(st, set()).add(c)
                    if ex is not None:
                        _TERM_CHUNKS.setdefault("\0" + ex, set()).add(c)
            _SEEN.update(missing)
    cand: set[str] = set()
    with _INDEX_LOCK:
        for t in list(stem_terms) + ["\0" + e for e in exact_terms]:
            holders = _TERM_CHUNKS.get(t)
            if holders:
                cand |= chunks.intersection(holders)
    found: list[tuple[int, int, str]] = []
    n = len(head)
    for chunk in cand:
        words: list[tuple[int, int, str]] = []
        for a, b, st, ex in _chunk_words(chunk):
            if st is not None and st in stem_terms:
                words.append((a, b, st))
            elif ex is not None and ex in exact_terms:
                words.append((a, b, ex))
        if not words:
            continue
        i = head.find(chunk)
        size = len(chunk)
        while i >= 0:
            if (i == 0 or head[i - 1].isspace()) and (i + size == n or head[i + size].isspace()):
                found.extend((i + a, i + b, t) for a, b, t in words)
                i = head.find(chunk, i + size)
            else:
                i = head.find(chunk, i + 1)
    found.sort()
    return found


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_SENTENCE_CHARS = ".!?؟؛\n"  # what _SENTENCE_END's runs are made of


def make_snippet(text: str, stem_terms: set[str], exact_terms: set[str], fragments: int = 2) -> str:
    """HTML snippet of ``text``: the best ``fragments`` sentences, matches marked.

    The same snippet as analysing every word (:func:`match_spans` over the
    whole text, then :func:`_sentences`), at a fraction of the cost: the
    matches are found from the distinct white-space chunks (cached), and only
    the sentences holding them are cut out of the text.
    """
    if not text or not text.strip():
        return ""
    spans = _spans_fast(text[:MAX_HIGHLIGHT_CHARS], stem_terms, exact_terms) if stem_terms or exact_terms else []
    # the sentences holding matches, found from the matches (a sentence ends after a run of
    # _SENTENCE_END): no scan of the whole text for its sentence ends
    per: dict[int, tuple[int, set[str]]] = {}  # a sentence's end -> (its first match, its matched terms)
    end = -1
    for a, _, t in spans:  # (in text order)
        if a >= end:
            m = _SENTENCE_END.search(text, a)
            end = m.end() if m else len(text)
            terms = per.setdefault(end, (a, set()))[1]
        terms.add(t)
    if per:
        best = sorted(e for _, e in sorted((-len(ts), e) for e, (_, ts) in per.items())[:fragments])
        # a sentence starts after the last sentence mark before its first match (a match never
        # starts inside a run of marks: WORD_RE's words begin with a letter or a digit)
        chosen = [(max(text.rfind(c, 0, per[e][0]) for c in _SENTENCE_CHARS) + 1, e) for e in best]
    else:  # the first sentence that is not blank
        start = 0
        while True:
            m = _SENTENCE_END.search(text, start)
            end = m.end() if m else len(text)
            if text[start:end].strip():
                break
            start = end
        chosen = [(start, end)]
    parts = []
    for raw_start, raw_end in chosen:
        s, e = _trim(text, raw_start, raw_end)
        inside = [sp for sp in spans if sp[0] >= s and sp[1] <= e]
        ws, we, cut_l, cut_r = _window(text, s, e, inside)
        frag = _render(text, ws, we, inside)
        parts.append(("… " if cut_l else "") + frag + (" …" if cut_r else ""))
    return ELLIPSIS.join(parts)


def plain_text(snippet: str) -> str:
    """A snippet's text without its ``<mark>`` tags and HTML escapes (for terminals and files).

    >>> plain_text("قصف <mark>حلب</mark> &amp; ريفها")
    'قصف حلب & ريفها'
    """
    return html.unescape(_MARK_TAGS.sub("", snippet))


_MARK_TAGS = re.compile(r"</?mark>")
