"""The user's query -> a Whoosh query.

Syntax (English and Arabic operators)::

    القواعد الأمريكية          all words must match (AND), each by its stem
    "مجلس الأمن"               phrase
    داعش OR النصرة / داعش أو النصرة
    -روسيا  /  NOT روسيا        exclusion
    (حلب أو إدلب) قصف           grouping
    سوري*                       prefix (expansions capped)
    ماكنزي~  ماكنزي~2           fuzzy (expansions capped)
    =الأمريكية                  exact form (exact level, not the stem)
    outlet:sabq  مصدر:سبق       field filters: outlet/مصدر, province/محافظة,
    province:ادلب محافظة:إدلب   actor/جهة, date/تاريخ
    date:2015-07..2015-08  تاريخ:2015  تاريخ:تموز-2015

Query words go through the index's own analyzers (``stem_analyzer`` /
``exact_analyzer``), so stop words simply drop out and never make an AND
fail. A query that cannot be parsed (unbalanced quotes or brackets, dangling
operators, too deep nesting) is searched as its plain words, with a notice.

Ranking: each word matches ``title`` (boosted) or ``body`` at the stem level;
an optional clause adds the exact-level twin of every positive word (so an
exact form outranks a stem-only match) and, for several words, their
proximity in the body.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, time
from typing import Any

from whoosh import query as wq
from whoosh.support.levenshtein import damerau_levenshtein

from marsad.analyzers import exact_analyzer, normalize, stem_analyzer
from marsad.analyzers.tokenizers import iter_words
from marsad.index.codec import segment_arrays
from marsad.index.facets import FACETS as FACET_SPECS
from marsad.search.facets import ReaderData, resolve_values, unknown_value
from marsad.search.request import (
    MAX_EXPANSION_SCAN,
    MAX_FUZZY_DISTANCE,
    MAX_FUZZY_EXPANSIONS,
    MAX_PREFIX_EXPANSIONS,
    MAX_QUERY_EXPANSIONS,
    MAX_QUERY_TERMS,
    MIN_EXPANSIONS_PER_WORD,
    MIN_FUZZY_CHARS,
    MIN_PREFIX_CHARS,
    SearchRequestError,
    bilingual,
    parse_date_range,
    period_of,
)
from marsad.search.results import notice

__all__ = ["parse", "compile_query", "lift_filters", "CompiledQuery", "QueryParseError", "QueryTooComplex",
           "Word", "Phrase", "FieldFilter", "Not", "And", "Or", "parse_date_value",
           "TITLE_BOOST", "EXACT_BOOST", "Relaxable"]

# Ranking knobs (checked on blind-judged queries with bench/eval_retrieval.py --ablations).
TITLE_BOOST = 1.5  # chosen on the tuning queries of tests/data/retrieval (bench/eval_retrieval.py --ablations)
EXACT_BOOST = 0.5  # weight of the exact-level twin clause
PROXIMITY_BOOST = 1.0  # times the mean idf of each adjacent pair standing close
PROXIMITY_SLOP = 3
# Long queries (issue 13): an AND of RELAX_MIN_WORDS or more words that finds too few
# articles (search.service.RELAX_BELOW) may be loosened to "at least k of its M words",
# k no lower than ceil(M * RELAX_FLOOR).
RELAX_MIN_WORDS = 3
RELAX_FLOOR = 0.5
FUZZY_DECAY = 0.3  # score weight per edit of a word~ expansion (the word itself: 1)
MAX_DEPTH = 12


class QueryParseError(ValueError):
    """The query is not well formed (the service falls back to plain words)."""


class QueryTooComplex(SearchRequestError):
    """Too many terms: refused with a message, not searched."""


def _too_complex(n: int) -> QueryTooComplex:
    return QueryTooComplex(bilingual(f"في الاستعلام {n} شرطًا، والحد {MAX_QUERY_TERMS}",
                                     f"the query has {n} terms; at most {MAX_QUERY_TERMS} are allowed"))


# ---------------------------------------------------------------- AST


@dataclass
class Word:
    text: str
    mode: str = "stem"  # stem | exact | prefix | fuzzy
    dist: int = 1


@dataclass
class Phrase:
    text: str
    exact: bool = False


@dataclass
class FieldFilter:
    facet: str  # outlet | province | actor | date
    value: str
    span: tuple[int, int] | None = field(default=None, compare=False, repr=False)  # where in the query


@dataclass
class Not:
    child: Any


@dataclass
class And:
    children: list


@dataclass
class Or:
    children: list


Node = Word | Phrase | FieldFilter | Not | And | Or

_OR = {"or", "أو", "او", "|", "||"}
_AND = {"and", "&", "&&"}
_NOT = {"not", "!"}
_QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "“", "″": "″", "'": "'"}
# field-filter names (normalized) -> facet, from the registry's query_names
_FIELD_NAMES = {normalize(n.lower()): f.name for f in FACET_SPECS for n in f.query_names}


def _field_name(name: str) -> str | None:
    return _FIELD_NAMES.get(normalize(name.strip().lower()))


# ---------------------------------------------------------------- lexer


def _closing_quote(q: str, i: int) -> int:
    """Index of the quotation mark closing the one at ``q[i]`` (curly quotes
    close each other and ``"``); raises when it is not closed."""
    close = _QUOTES[q[i]]
    j = i + 1
    while j < len(q) and q[j] != close and not (close in "”“" and q[j] in '"”“'):
        j += 1
    if j >= len(q):
        raise QueryParseError("علامة تنصيص لم تُغلق")
    return j


_NEXT_WORD = re.compile(r"\s+([^\s()\"“”«»„″]+)")
MAX_VALUE_WORDS = 4  # words an unquoted facet value may run to (قوات سوريا الديمقراطية)


def _longest_value(q: str, j: int, facet: str, value: str, known: Any) -> tuple[str, int]:
    """An unquoted ``facet:value`` followed by more words: the longest run of
    them that is a known value (``محافظة:دير الزور`` -> ``دير الزور``), so the
    second word does not leak into the text query. ``(value, end)``."""
    best, end, ext, k = value, j, value, j
    for _ in range(MAX_VALUE_WORDS - 1):
        m = _NEXT_WORD.match(q, k)
        if not m or ":" in m.group(1) or m.group(1).lower() in _OR | _AND | _NOT or m.group(1) == "NOT":
            break
        ext, k = f"{ext} {m.group(1)}", m.end()
        if known(facet, ext):
            best, end = ext, k
    return best, end


def _lex(q: str, known: Any = None) -> list[tuple[str, str]]:
    """Tokens ``(kind, text)``: LP, RP, PHRASE, FIELD (text "name\\0value"), WORD, OR, AND, NOT.

    ``known(facet, text) -> bool``, when given, lets an unquoted facet value
    run over the following words as far as they form a known value."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            out.append(("LP" if c == "(" else "RP", c))
            i += 1
            continue
        if c in "-" and i + 1 < n and (q[i + 1] in "(" or q[i + 1] in _QUOTES):
            out.append(("NOT", "-"))
            i += 1
            continue
        prefix = ""
        if c == "=" and i + 1 < n and q[i + 1] in _QUOTES:
            prefix, i = "=", i + 1
            c = q[i]
        if c in _QUOTES and c != "'":
            j = _closing_quote(q, i)
            out.append(("PHRASE", prefix + q[i + 1:j]))
            i = j + 1
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in "()" and not (q[j] in _QUOTES and q[j] != "'"):
            j += 1
        tok = q[i:j]
        # field:value, the value possibly quoted
        if ":" in tok and not tok.startswith(":"):
            name, _, value = tok.partition(":")
            fname = _field_name(name.lstrip("-"))
            if fname is not None:
                neg = name.startswith("-")
                if not value and j < n and q[j] in _QUOTES:
                    k = _closing_quote(q, j)
                    value, j = q[j + 1:k], k + 1
                elif value and known is not None:
                    value, j = _longest_value(q, j, fname, value, known)
                if not value.strip():
                    raise QueryParseError(f"المرشّح «{name}:» بلا قيمة")
                if neg:
                    out.append(("NOT", "-"))
                out.append(("FIELD", f"{fname}\0{value}", i, j))
                i = j
                continue
        low = tok.lower()
        if low in _OR:
            out.append(("OR", tok))
        elif low in _AND:
            out.append(("AND", tok))
        elif tok in ("NOT",) or low in _NOT:
            out.append(("NOT", tok))
        else:
            out.append(("WORD", tok))
        i = j
    return out


# ---------------------------------------------------------------- parser


def _word_node(tok: str) -> Node | None:
    neg = False
    while tok and tok[0] in "-+":
        neg = neg or tok[0] == "-"
        tok = tok[1:]
    mode, dist = "stem", 1
    if tok.startswith("="):
        mode, tok = "exact", tok[1:]
    m = re.search(r"~(\d*)$", tok)
    if m:
        mode, tok = "fuzzy", tok[: m.start()]
        # 0: by length; a large number is kept here and clamped (with a notice) by the compiler
        dist = int(m.group(1)[:6]) if m.group(1) else 0
    elif tok.endswith("*"):
        mode, tok = "prefix", tok.rstrip("*")
    if not any(True for _ in iter_words(tok)):
        return None  # punctuation only
    node: Node = Word(tok, mode, dist)
    return Not(node) if neg else node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def parse(self) -> Node:
        node = self.or_expr(0)
        if self.i < len(self.toks):
            raise QueryParseError("قوس إغلاق بلا قوس فتح")
        return node

    def or_expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise QueryParseError("الأقواس متداخلة أكثر من اللازم")
        parts = [self.and_expr(depth)]
        while self.peek() == "OR":
            self.i += 1
            if self.peek() in (None, "RP", "OR"):
                raise QueryParseError("«أو» (OR) تحتاج إلى كلمة بعدها")
            parts.append(self.and_expr(depth))
        return parts[0] if len(parts) == 1 else Or(parts)

    def and_expr(self, depth: int) -> Node:
        parts = []
        while self.peek() not in (None, "RP", "OR"):
            if self.peek() == "AND":
                self.i += 1
                continue
            parts.append(self.unary(depth))
        if not parts:
            raise QueryParseError("عامل بلا كلمة يعمل عليها")
        return parts[0] if len(parts) == 1 else And(parts)

    def unary(self, depth: int) -> Node:
        tok = self.toks[self.i]
        kind, text = tok[0], tok[1]
        if kind == "NOT":
            if depth > MAX_DEPTH:  # NOT NOT NOT …: bounded like brackets (no RecursionError)
                raise QueryParseError("نفي (NOT / -) متكرر أكثر من اللازم")
            self.i += 1
            if self.peek() in (None, "RP", "OR", "AND"):
                raise QueryParseError("النفي (NOT / -) يحتاج إلى كلمة بعده")
            return Not(self.unary(depth + 1))
        self.i += 1
        if kind == "LP":
            node = self.or_expr(depth + 1)
            if self.peek() != "RP":
                raise QueryParseError("قوس لم يُغلق")
            self.i += 1
            return node
        if kind == "RP":
            raise QueryParseError("قوس إغلاق بلا قوس فتح")
        if kind == "PHRASE":
            exact = text.startswith("=")
            return Phrase(text[1:] if exact else text, exact)
        if kind == "FIELD":
            name, _, value = text.partition("\0")
            return FieldFilter(name, value.strip(), span=(tok[2], tok[3]))
        node = _word_node(text)
        return node if node is not None else And([])


def parse(q: str, known: Any = None) -> Node:
    """Parse a query string into the AST (raises :class:`QueryParseError`).

    >>> parse('داعش أو "جبهة النصرة" -روسيا')
    Or(children=[Word(text='داعش', mode='stem', dist=1), And(children=[Phrase(text='جبهة النصرة', exact=False), Not(child=Word(text='روسيا', mode='stem', dist=1))])])

    ``known(facet, text) -> bool`` (``compile_query`` passes the index's
    values) lets an unquoted facet value take several words:
    ``محافظة:دير الزور قصف`` -> ``province:دير الزور`` and ``قصف``.
    """
    toks = _lex(q, known)
    if not toks:
        return And([])
    return _Parser(toks).parse()


def plain_words(q: str) -> Node:
    """The fallback: every word of the query, all required."""
    ops = _OR | _AND | {w.upper() for w in _NOT} | {"NOT"}
    return And([Word(m.group()) for m in iter_words(q) if m.group() not in ops and m.group().lower() not in _OR])


def _as_selection(node: FieldFilter) -> str | None:
    """The facet value a field filter selects, or ``None`` when it is not one
    (a date range or a day: those stay in the query)."""
    if node.facet != "date":
        return node.value
    try:
        start, stop = parse_date_value(node.value)
    except QueryParseError:
        return None  # compiled in the query, where it makes the query fall back
    if start is None or stop is None:
        return None
    return period_of(start, stop)


def lift_filters(q: str, ast: Node) -> tuple[Node, dict[str, list[str]], str]:
    """Field filters at the top level of an AND query, as facet selections.

    ``محافظة:حلب قصف`` -> ``(قصف, {"province": ["حلب"]}, "قصف")``: the
    service merges them into the request's filters, so they count like a
    ticked facet value (tag/exclude) and show as selected. A facet named
    twice (``محافظة:حلب محافظة:دمشق``) selects both values, which combine
    with OR as two ticked values of one facet do. Filters inside OR/NOT stay
    in the query, and so do date ranges and days.
    Returns (the rest of the query, the selections, the query text without them).
    """
    children = ast.children if isinstance(ast, And) else [ast]
    keep: list[Node] = []
    lifted: dict[str, list[str]] = {}
    spans: list[tuple[int, int]] = []
    for c in children:
        value = _as_selection(c) if isinstance(c, FieldFilter) else None
        if value is None:
            keep.append(c)
            continue
        lifted.setdefault(c.facet, [])
        if value not in lifted[c.facet]:
            lifted[c.facet].append(value)
        if c.span:
            spans.append(c.span)
    if not lifted:
        return ast, {}, q
    rest = q
    for a, b in sorted(spans, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    return (keep[0] if len(keep) == 1 else And(keep)), lifted, " ".join(rest.split())


def _words(node: Node) -> list[Word]:
    """Every ``Word`` of the tree."""
    if isinstance(node, Word):
        return [node]
    if isinstance(node, Not):
        return _words(node.child)
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in _words(c)]
    return []


def count_terms(node: Node) -> int:
    if isinstance(node, (Word, Phrase, FieldFilter)):
        return 1
    if isinstance(node, Not):
        return count_terms(node.child)
    return sum(count_terms(c) for c in node.children)


def describe(node: Node) -> str:
    """A readable form of the AST (for ``--explain``)."""
    if isinstance(node, Word):
        mark = {"stem": "", "exact": "=", "prefix": "", "fuzzy": ""}[node.mode]
        tail = "*" if node.mode == "prefix" else (f"~{node.dist or ''}" if node.mode == "fuzzy" else "")
        return f"{mark}{node.text}{tail}"
    if isinstance(node, Phrase):
        return ("=" if node.exact else "") + f'"{node.text}"'
    if isinstance(node, FieldFilter):
        return f"{node.facet}:{node.value}"
    if isinstance(node, Not):
        return f"NOT {describe(node.child)}"
    if isinstance(node, And):
        return "(" + " AND ".join(describe(c) for c in node.children) + ")" if node.children else "()"
    return "(" + " OR ".join(describe(c) for c in node.children) + ")"


# ---------------------------------------------------------------- dates


def parse_date_value(value: str) -> tuple[Date | None, Date | None]:
    """``2015``, ``2015-07``, ``2015-07..2015-08``, ``..2015``, ``تموز-2015`` ->
    inclusive ``(first day, last day)``; ``None`` for an open side. The same
    reader as ``from``/``to`` and the date facet (``search.request.parse_date_range``).

    >>> parse_date_value("تموز-2015")
    (datetime.date(2015, 7, 1), datetime.date(2015, 7, 31))
    """
    try:
        return parse_date_range(value)
    except SearchRequestError as exc:
        raise QueryParseError(str(exc)) from None


def date_range_query(start: Date | None, stop: Date | None) -> wq.Query:
    s = datetime.combine(start, time.min) if start else None
    e = datetime.combine(stop, time.max) if stop else None
    return wq.DateRange("date", s, e)


# ---------------------------------------------------------------- compiler


@dataclass
class Relaxable:
    """A top-level AND of ``len(parts)`` words that may be loosened to
    "at least ``floor`` of them": each word's clause, the exclusions that stay
    required, and the optional exact-level boosts."""

    parts: list[wq.Query]
    negative: wq.Query | None
    boost: wq.Query | None
    floor: int


@dataclass
class CompiledQuery:
    """What the service needs from a query."""

    match: wq.Query  # decides which documents match
    scored: wq.Query  # match + optional ranking clauses
    ast: Any
    stem_terms: set[str] = field(default_factory=set)  # for highlighting
    exact_terms: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)  # positive plain words (for "did you mean")
    notices: list[tuple[str, str]] = field(default_factory=list)  # (code, Arabic text): search.results.notice
    fallback: bool = False
    empty: bool = False  # no positive condition at all: everything matches
    proximity: list[str] = field(default_factory=list)  # stems whose nearness re-scores the top hits
    filters: dict[str, list[str]] = field(default_factory=dict)  # top-level field filters, as facet selections
    rest: str = ""  # the query text without those filters
    relax: Relaxable | None = None  # how to loosen a long AND that finds too little


    def explain(self) -> str:
        prox = f"\nproximity: {' '.join(self.proximity)}" if self.proximity else ""
        sel = "".join(f"\nselected {k}: {' | '.join(v)}" for k, v in self.filters.items())
        return f"{describe(self.ast)}\n{self.scored!r}{prox}{sel}"


class _Compiler:
    def __init__(self, reader: Any, data: ReaderData | None, exact_all: bool) -> None:
        self.reader, self.data, self.exact_all = reader, data, exact_all
        self.stem_an, self.exact_an = stem_analyzer(), exact_analyzer()
        self.boosts: list[wq.Query] = []
        self.cq = CompiledQuery(wq.NullQuery, wq.NullQuery, None)
        self.word_cap = MAX_PREFIX_EXPANSIONS  # per word*/word~, set by share_expansions
        self.scan_cap = MAX_EXPANSION_SCAN
        self._cache: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._cut: set[str] = set()  # prefixes whose scan hit scan_cap
        self.top: Node | None = None  # the top-level node (its AND's parts are kept for relaxing)
        self.top_parts: tuple[list[wq.Query], list[wq.Query]] | None = None

    def share_expansions(self, ast: Node) -> None:
        """Share the query's expansion and scan budgets among its distinct
        ``word*`` / ``word~`` (say so when a word gets less than its own cap)."""
        words = {(w.mode, normalize(w.text)) for w in _words(ast) if w.mode in ("prefix", "fuzzy")
                 and not (w.mode == "prefix" and len(normalize(w.text)) < MIN_PREFIX_CHARS)}
        if not words:
            return
        n = len(words)
        self.word_cap = min(MAX_PREFIX_EXPANSIONS, max(MIN_EXPANSIONS_PER_WORD, MAX_QUERY_EXPANSIONS // n))
        self.scan_cap = MAX_EXPANSION_SCAN // n
        if self.word_cap < MAX_FUZZY_EXPANSIONS:
            self.cq.notices.append(notice("query_expansions_capped", words=n, cap=self.word_cap,
                                          total=MAX_QUERY_EXPANSIONS))

    # -- words
    def _terms(self, text: str, level: str) -> list[tuple[str, int]]:
        an = self.stem_an if level == "stem" else self.exact_an
        return [(t.text, t.pos) for t in an(text, positions=True)]

    def _analyzed(self, text: str, level: str, positive: bool, stop: tuple[str, str]
                  ) -> tuple[tuple[str, str], list[tuple[str, int]]] | None:
        """The fields and terms of ``text`` at ``level`` (recorded for
        highlighting when ``positive``); ``None`` and the ``stop`` notice
        when it has only stop words."""
        fields = ("title_exact", "body_exact") if level == "exact" else ("title", "body")
        terms = self._terms(text, level)
        if not terms:
            self.cq.notices.append(stop)
            return None
        if positive:
            (self.cq.exact_terms if level == "exact" else self.cq.stem_terms).update(t for t, _ in terms)
        return fields, terms

    def _either(self, fields: tuple[str, str], term: str, weight: float = 1.0) -> wq.Query:
        return wq.Or([wq.Term(fields[0], term, boost=TITLE_BOOST * weight), wq.Term(fields[1], term, boost=weight)])

    def _phrase(self, terms: list[tuple[str, int]], fields: tuple[str, str]) -> wq.Query:
        words = [t for t, _ in terms]
        gaps = [b - a for (_, a), (_, b) in zip(terms, terms[1:])]
        slop = max(gaps) if gaps else 1
        return wq.Or([wq.Phrase(fields[0], words, slop=slop, boost=TITLE_BOOST),
                      wq.Phrase(fields[1], words, slop=slop)])

    def word(self, node: Word, positive: bool, seen: set[tuple[str, str]] | None = None) -> wq.Query | None:
        mode = "exact" if self.exact_all and node.mode == "stem" else node.mode
        if mode == "prefix":
            if len(normalize(node.text)) < MIN_PREFIX_CHARS:
                self.cq.notices.append(notice("prefix_too_short", word=node.text))
                return None  # dropped like a stop word: an AND does not fail on it
            return self._expand(node, positive, self._prefix_terms(node.text), "prefix", seen)
        if mode == "fuzzy":
            if len(normalize(node.text)) < MIN_FUZZY_CHARS:  # ا~ would be "every two-letter word"
                self.cq.notices.append(notice("fuzzy_too_short", word=node.text, min=MIN_FUZZY_CHARS))
                mode = "stem"
            else:
                if node.dist > MAX_FUZZY_DISTANCE:
                    self.cq.notices.append(notice("fuzzy_clamped", word=node.text, dist=node.dist,
                                                  max=MAX_FUZZY_DISTANCE))
                weighted = self._fuzzy_terms(node)
                return self._expand(node, positive, [("stem", t) for t, _ in weighted], "fuzzy", seen,
                                    dict(weighted))
        level = "exact" if mode == "exact" else "stem"
        got = self._analyzed(node.text, level, positive, notice("stop_word", word=node.text))
        if got is None:
            return None
        fields, terms = got
        if len(terms) > 1:  # a "word" with inner punctuation: its parts as a phrase
            return self._phrase(terms, fields)
        if positive and level == "stem":
            self.cq.words.append(node.text)
            for e, _ in self._terms(node.text, "exact"):
                self.boosts.append(self._either(("title_exact", "body_exact"), e))
        return self._either(fields, terms[0][0])

    def _scan(self, field: str, prefix: str, limit: int) -> tuple[dict[str, int], bool]:
        """``{term: doc frequency}`` of the terms of ``field`` starting with
        ``prefix``, reading at most ``limit`` term entries (summed over the
        segments); True when the limit cut the scan short."""
        found: dict[str, int] = {}
        n = 0
        for leaf, _ in self.reader.leaf_readers():
            for t, info in leaf.iter_prefix(field, prefix):
                n += 1
                if n > limit:
                    return found, True
                t = t.decode("utf-8") if isinstance(t, bytes) else t
                found[t] = found.get(t, 0) + info.doc_frequency()
        return found, False

    def _prefix_terms(self, text: str) -> list[tuple[str, str]]:
        """``(level, term)`` of the words starting with ``text``, commonest first.

        Both levels: the exact level holds the surface forms (``الس*`` ->
        ``السوريه``, ``السعوديه``), the stem level the forms without clitics
        (``مفاوض*`` also finds ``والمفاوضات`` through its stem). Computed once
        per query for each distinct prefix (``ال* ... ال*`` reads the index once).
        """
        p = normalize(text)
        if ("prefix", p) in self._cache:
            return self._cache[("prefix", p)]
        stem_cands = {p, p[2:] if p.startswith("ال") and len(p) > 3 else p}
        found: dict[tuple[str, str], int] = {}
        cut = False
        per_level = self.scan_cap // 2
        for level, fieldname, cands in (("exact", "body_exact", {p}), ("stem", "body", stem_cands)):
            for c in sorted(cands):
                if len(c) < MIN_PREFIX_CHARS:
                    continue
                got, truncated = self._scan(fieldname, c, per_level // len(cands))
                cut = cut or truncated
                for t, df in got.items():
                    found[(level, t)] = df
        ranked = [k for k, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]
        self._cache[("prefix", p)] = ranked
        if cut:
            self._cut.add(p)
        return ranked

    def _fuzzy_terms(self, node: Word) -> list[tuple[str, float]]:
        """``(stem-level term, weight)`` of the spellings near ``node``: the word
        itself first (weight 1), then by edit distance, the longer shared
        beginning, and frequency. The weight scales the term's score, so a
        rare unrelated word one edit away (ماكنة for ماكنزي) does not outrank
        the word meant: ``FUZZY_DECAY ** distance``, times a share for the
        letters in common at the start."""
        terms = self._terms(node.text, "stem") or [(normalize(node.text), 0)]
        base = terms[0][0]
        if not base:
            return []
        dist = min(node.dist or (1 if len(base) <= 5 else 2), MAX_FUZZY_DISTANCE)
        found = {base: self.reader.doc_frequency("body", base)}
        for t in self._within(base, dist, min(2, len(base))):
            found[t] = self.reader.doc_frequency("body", t)

        def shared(t: str) -> int:
            return len(os.path.commonprefix([base, t]))

        edits = {t: damerau_levenshtein(base, t) for t in found}
        ranked = sorted(found, key=lambda t: (edits[t], -shared(t), -found[t], t))
        return [(t, FUZZY_DECAY ** edits[t] * (0.5 + 0.5 * shared(t) / len(base))) for t in ranked]

    def _within(self, base: str, dist: int, prefix: int) -> list[str]:
        """Stem-level terms within ``dist`` edits of ``base`` sharing its first ``prefix`` letters.

        Marsad segments give their prefix range as one slice of the term
        dictionary, so the distinct candidates are measured once whatever the
        number of segments; any other reader goes through Whoosh's ``terms_within``."""
        leaves = [leaf for leaf, _ in self.reader.leaf_readers()]
        arrays = [segment_arrays(leaf) for leaf in leaves]
        if not leaves or any(a is None for a in arrays):
            # Whoosh's automaton needs the prefix inside the word (a one-letter word~ crashed it)
            return [t.decode("utf-8") if isinstance(t, bytes) else t
                    for t in self.reader.terms_within("body", base, dist, prefix=prefix)]
        pb = base[:prefix].encode("utf-8")
        cands: set[bytes] = set()
        for a in arrays:
            cands.update(a.prefix_terms("body", pb))  # type: ignore[union-attr]
        n = len(base)
        out = []
        for tb in cands:
            t = tb.decode("utf-8")
            if abs(len(t) - n) <= dist and damerau_levenshtein(base, t) <= dist:
                out.append(t)
        return sorted(out)

    def _redundant(self, level: str, term: str, stems: set[str]) -> bool:
        """An exact-level expansion whose stem is itself an expansion of the
        same word: every document it matches is matched already (the same
        word reached at both levels), so it only costs time."""
        if level != "exact":
            return False
        got = self._terms(term, "stem")
        return len(got) == 1 and got[0][0] in stems

    def _expand(self, node: Word, positive: bool, terms: list[tuple[str, str]], kind: str,
                seen: set[tuple[str, str]] | None = None, weights: dict[str, float] | None = None
                ) -> wq.Query | None:
        """OR of the expansions ``(level, term)`` of a ``word*`` or ``word~``,
        without duplicates, capped (per word, and per query: :attr:`word_cap`).

        ``seen`` holds the expansions the word's OR siblings already search
        (``سو* OR سور*``): a union needs each term once.
        """
        cap = min(MAX_PREFIX_EXPANSIONS if kind == "prefix" else MAX_FUZZY_EXPANSIONS, self.word_cap)
        stems = {t for level, t in terms if level == "stem"}
        picked: list[tuple[str, str]] = []
        for i, (level, t) in enumerate(terms):
            if len(picked) >= cap:
                break
            if not t or (seen is not None and (level, t) in seen):
                continue
            if i < 4 * MAX_PREFIX_EXPANSIONS and self._redundant(level, t, stems):
                continue
            picked.append((level, t))
        mark = "*" if kind == "prefix" else "~"
        if kind == "prefix" and normalize(node.text) in self._cut:
            self.cq.notices.append(notice("prefix_too_broad", word=node.text, count=len(terms), cap=cap))
        elif len(terms) > cap and len(picked) >= cap:
            self.cq.notices.append(notice("expansion_capped", word=node.text, count=len(terms), cap=cap))
        if not picked:
            if seen is not None and terms:
                return None  # all of them searched already by a sibling of the OR
            self.cq.notices.append(notice("no_expansion", word=node.text + mark))
            return wq.NullQuery
        if seen is not None:
            seen.update(picked)
        if positive:
            for level, t in picked:
                (self.cq.exact_terms if level == "exact" else self.cq.stem_terms).add(t)
        fields = {"stem": ("title", "body"), "exact": ("title_exact", "body_exact")}
        w = weights or {}
        return wq.Or([self._either(fields[level], t, w.get(t, 1.0)) for level, t in picked])

    def phrase(self, node: Phrase, positive: bool) -> wq.Query | None:
        level = "exact" if node.exact or self.exact_all else "stem"
        got = self._analyzed(node.text, level, positive, notice("stop_phrase", phrase=node.text))
        if got is None:
            return None
        fields, terms = got
        if positive:
            if level == "stem":
                ex = self._terms(node.text, "exact")
                if len(ex) > 1:
                    self.boosts.append(self._phrase(ex, ("title_exact", "body_exact")))
        if len(terms) == 1:
            return self._either(fields, terms[0][0])
        return self._phrase(terms, fields)

    def field_filter(self, node: FieldFilter) -> wq.Query:
        if node.facet == "date":
            start, stop = parse_date_value(node.value)
            return date_range_query(start, stop)
        from marsad.search.facets import FACETS
        fieldname = FACETS[node.facet].field
        values = resolve_values(self.data, node.facet, node.value) if self.data is not None else []
        if not values:
            self.cq.notices.append(unknown_value(node.facet, node.value))
            return wq.NullQuery
        if len(values) == 1:
            return wq.Term(fieldname, values[0])
        return wq.Or([wq.Term(fieldname, v) for v in values])

    # -- structure
    def compile(self, node: Node, positive: bool = True, seen: set[tuple[str, str]] | None = None
                ) -> wq.Query | None:
        if isinstance(node, Word):
            return self.word(node, positive, seen)
        if isinstance(node, Phrase):
            return self.phrase(node, positive)
        if isinstance(node, FieldFilter):
            return self.field_filter(node)
        if isinstance(node, Not):
            inner = self.compile(node.child, not positive)
            return None if inner is None else wq.Not(inner)
        # the same condition twice (a AND a, a OR a) is the condition once
        children = list({describe(c): c for c in node.children}.values())
        if isinstance(node, Or):
            union: set[tuple[str, str]] = set()  # expansions an earlier alternative searches already
            parts = [p for p in (self.compile(c, positive, union) for c in children) if p is not None]
            if not parts:
                return None
            if any(isinstance(p, wq.Not) for p in parts):
                # "a OR -b": a NOT inside OR means "everything but b"
                parts = [wq.AndNot(wq.Every(), p.query) if isinstance(p, wq.Not) else p for p in parts]
            return parts[0] if len(parts) == 1 else wq.Or(parts)
        parts = [p for p in (self.compile(c, positive) for c in children) if p is not None]
        pos = [p for p in parts if not isinstance(p, wq.Not)]
        neg = [p.query for p in parts if isinstance(p, wq.Not)]
        if node is self.top and all(isinstance(c, (Word, Phrase, Not)) for c in children):
            self.top_parts = (pos, neg)
        if not pos and not neg:
            return None
        base = (pos[0] if len(pos) == 1 else wq.And(pos)) if pos else wq.Every()
        if neg:
            base = wq.AndNot(base, neg[0] if len(neg) == 1 else wq.Or(neg))
        return base


def _proximity(ast: Node, compiler: _Compiler) -> list[str]:
    """Several plain words at the top: their stems, in order, for the
    proximity re-scoring of the top documents (``search.engine``)."""
    if not isinstance(ast, And):
        return []
    words = [c for c in ast.children if isinstance(c, Word) and c.mode == "stem"]
    if len(words) < 2 or len(words) > 6:
        return []
    terms = [t for w in words for t, _ in compiler._terms(w.text, "stem")]
    return terms if len(terms) >= 2 else []


def _known_values(data: ReaderData | None) -> Any:
    """``known(facet, text)`` for the parser: a date it reads, or a value (or
    an alias of one) of the index, spelled out in full (no prefix guesses)."""
    def known(facet: str, text: str) -> bool:
        if facet == "date":
            try:
                parse_date_range(text)
            except SearchRequestError:
                return False
            return True
        return data is not None and bool(resolve_values(data, facet, text, loose=False))
    return known


def compile_query(q: str, reader: Any, data: ReaderData | None = None, exact: bool = False) -> CompiledQuery:
    """Parse and compile ``q`` against ``reader`` (for expansions and facet
    values). Never raises for a malformed query (falls back to plain words);
    raises :class:`QueryTooComplex` when the query has too many terms.
    """
    notices: list[tuple[str, str]] = []
    fallback = False
    lifted: dict[str, list[str]] = {}
    rest = q
    try:
        ast = parse(q, _known_values(data))
        if count_terms(ast) > MAX_QUERY_TERMS:
            raise _too_complex(count_terms(ast))
        ast, lifted, rest = lift_filters(q, ast)
        comp = _Compiler(reader, data, exact)
        comp.share_expansions(ast)
        comp.top = ast
        main = comp.compile(ast)
    except QueryParseError as e:
        fallback, lifted, rest = True, {}, q
        notices.append(notice("fallback", reason=e))
        ast = plain_words(q)
        if count_terms(ast) > MAX_QUERY_TERMS:
            raise _too_complex(count_terms(ast)) from None
        comp = _Compiler(reader, data, exact)
        comp.share_expansions(ast)
        comp.top = ast
        main = comp.compile(ast)
    cq = comp.cq
    cq.ast, cq.fallback, cq.filters, cq.rest = ast, fallback, lifted, rest
    cq.notices[:0] = notices
    if main is None:
        cq.empty = True
        main = wq.Every()
    boosts = list(comp.boosts)
    cq.proximity = _proximity(ast, comp)
    cq.match = main
    opt = None
    if boosts and not cq.empty:
        opt = wq.Or(boosts, boost=EXACT_BOOST) if len(boosts) > 1 else boosts[0].with_boost(EXACT_BOOST)
        cq.scored = wq.AndMaybe(main, opt)
    else:
        cq.scored = main
    if comp.top_parts is not None and len(comp.top_parts[0]) >= RELAX_MIN_WORDS:
        pos, neg = comp.top_parts
        cq.relax = Relaxable(pos, None if not neg else neg[0] if len(neg) == 1 else wq.Or(neg), opt,
                             max(1, math.ceil(len(pos) * RELAX_FLOOR)))
    return cq
