"""Phrase matching on normalized tokens, with Arabic proclitics and original offsets.

Every extractor (places, actors, outlets, dates) looks names up the same way:
the text is split into words by the analyzer's tokenizer
(``analyzers.tokenizers.WORD_RE``, offsets into the ORIGINAL text), each word is
normalized by ``analyzers.normalize.normalize`` (hamza, ة/ه, ى/ي, diacritics,
tatweel, digits, case), and a phrase (one or more normalized words) is looked up
in a dictionary built once from a data file. The FIRST word of a phrase may carry
the proclitics و ف ب ل ك (``وبالحسكة``, ``لـداعش``, ``للولايات`` = ل + الولايات);
the following words must match exactly, separated only by spaces, quotes or
dashes (never a line break or sentence punctuation), so ``تنظيم “الدولة”``
matches ``تنظيم الدولة`` but ``الدولة. الإسلامية`` does not.

Speed matters (the extractor runs inside the index build): a document is not
walked token by token in Python. ``set(WORD_RE.findall(text))`` collects its
distinct words in C; only the words that can start a phrase (looked up in a
per-word cache) are then located with ``str.find``, and only there are the next
words read. Overlapping matches are resolved longest-first, then leftmost.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from analyzers.normalize import INWORD_MARKS, normalize
from analyzers.tokenizers import WORD_RE

__all__ = ["Match", "PhraseMatcher", "norm_words", "strip_proclitics", "prev_word", "next_words",
           "GAP_OK_RE"]

P = TypeVar("P")

# What may separate the words of one phrase: blanks (not a line break), quotes,
# brackets, dashes and tatweel. Sentence punctuation breaks a phrase.
GAP_OK_RE = re.compile(r"[ \t\u00a0\u200f\u200e\"'“”«»‘’„‟()\[\]\-–—_\u0640]*")
_WORDCHARS_RE = re.compile(r"[^\W_]")
_MARKS = set(INWORD_MARKS)


def norm_words(text: str) -> list[str]:
    """Normalized words of a phrase as written in a data file.

    >>> norm_words("دير الزور")
    ['دير', 'الزور']
    """
    return [n for n in (normalize(m.group()) for m in WORD_RE.finditer(text)) if n]


def strip_proclitics(n: str) -> list[tuple[str, int, str]]:
    """Readings of a normalized word without its proclitics.

    Each reading is (rest, letters of the original word to skip, proclitics).
    و/ف, then ب/ل/ك, may be stripped (each leaving at least three letters, five
    after ف, which begins many words: فاطمة is not ف + أطمة);
    ``لل`` + X also reads as ``ال`` + X (لِـ + الـ; then the evidence keeps the
    ``لل``, since ``ال`` is not written). The word itself comes first.

    >>> strip_proclitics("وبالحسكه")
    [('وبالحسكه', 0, ''), ('بالحسكه', 1, 'و'), ('الحسكه', 2, 'وب')]
    >>> strip_proclitics("للولايات")
    [('للولايات', 0, ''), ('لولايات', 1, 'ل'), ('الولايات', 0, 'ل')]
    """
    out = [(n, 0, "")]
    bases = [(n, 0)]
    # فـ is rarer before a name than وـ and begins many words (فاطمة -> اطمة!): only
    # before a long remainder
    if (len(n) > 3 and n[0] == "و") or (len(n) > 5 and n[0] == "ف"):
        bases.append((n[1:], 1))
        out.append((n[1:], 1, n[0]))
    for b, k in bases:
        if len(b) > 3 and b[0] in "بلك":
            out.append((b[1:], k + 1, n[:k + 1]))
            if b.startswith("لل"):
                out.append(("ا" + b[1:], k, n[:k + 1]))
    return out


def _orig_skip(word: str, k: int) -> int:
    """Offset in the original ``word`` after its first ``k`` normalized letters.

    Skips diacritics and tatweel that follow the stripped letters, so the
    evidence for ``لـداعش`` is ``داعش``. Returns 0 if the word has presentation
    forms (then the whole word is the evidence).
    """
    if k == 0:
        return 0
    i = seen = 0
    while i < len(word) and seen < k:
        ch = word[i]
        if ch not in _MARKS:
            if 0xFB50 <= ord(ch) <= 0xFEFF:
                return 0
            seen += 1
        i += 1
    while i < len(word) and word[i] in _MARKS:
        i += 1
    return i if i < len(word) else 0


@dataclass(frozen=True)
class Match(Generic[P]):
    """One phrase found in a text: offsets of the name (proclitics excluded)."""

    start: int
    end: int
    payload: P
    n_words: int
    word_start: int  # start of the first word including its proclitics
    clitic: str  # the normalized proclitics read off the first word ("" if none)

    def text(self, s: str) -> str:
        return s[self.start:self.end]


def prev_word(text: str, start: int, allow: re.Pattern[str] = GAP_OK_RE) -> str | None:
    """Normalized word just before ``start`` if only an allowed gap separates them."""
    i = start
    while i > 0 and not _WORDCHARS_RE.match(text[i - 1]) and text[i - 1] not in _MARKS:
        i -= 1
    if not allow.fullmatch(text, i, start):
        return None
    j = i
    while j > 0 and (_WORDCHARS_RE.match(text[j - 1]) or text[j - 1] in _MARKS):
        j -= 1
    if j == i:
        return None
    return normalize(text[j:i]) or None


def next_words(text: str, end: int, n: int, allow: re.Pattern[str] = GAP_OK_RE
               ) -> Iterator[tuple[str, int, int]]:
    """Up to ``n`` following words as (normalized, start, end), stopping at a bad gap."""
    pos = end
    for _ in range(n):
        m = WORD_RE.search(text, pos)
        if m is None or not allow.fullmatch(text, pos, m.start()):
            return
        yield normalize(m.group()), m.start(), m.end()
        pos = m.end()


class PhraseMatcher(Generic[P]):
    """A dictionary of phrases (normalized word tuples) -> payload.

    >>> m = PhraseMatcher([("دير الزور", "DZ"), ("الحسكة", "H")])
    >>> [(x.text("وبالحسكه ودير   الزور"), x.payload) for x in m.find("وبالحسكه ودير   الزور")]
    [('الحسكه', 'H'), ('دير   الزور', 'DZ')]
    """

    def __init__(self, entries: Iterable[tuple[str | tuple[str, ...], P]], clitics: bool = True):
        # first word -> list of (rest words, payload), longest first
        self._first: dict[str, list[tuple[tuple[str, ...], P]]] = {}
        self._clitics = clitics
        for phrase, payload in entries:
            words = tuple(norm_words(phrase)) if isinstance(phrase, str) else tuple(phrase)
            if not words:
                continue
            lst = self._first.setdefault(words[0], [])
            if any(rest == words[1:] for rest, _ in lst):
                continue  # first definition wins (data files list the canonical name first)
            lst.append((words[1:], payload))
        for lst in self._first.values():
            lst.sort(key=lambda e: -len(e[0]))
        self._word_cache: dict[str, tuple[tuple[str, int], ...]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._first.values())

    def _starts(self, word: str) -> tuple[tuple[str, int], ...]:
        """Readings (first word, letters stripped) of a surface word that start a phrase."""
        hit = self._word_cache.get(word)
        if hit is None:
            n = normalize(word)
            readings = strip_proclitics(n) if self._clitics else []
            hit = tuple(r for r in readings if r[0] in self._first) if self._clitics else (
                ((n, 0, ""),) if n in self._first else ())
            if len(self._word_cache) > 500_000:  # bound memory on huge vocabularies
                self._word_cache.clear()
            self._word_cache[word] = hit
        return hit

    def find(self, text: str) -> list[Match[P]]:
        """All non-overlapping matches (longest first, then leftmost), in text order."""
        if not text:
            return []
        cands: list[Match[P]] = []
        starts = self._starts
        for word in set(WORD_RE.findall(text)):
            readings = starts(word)
            if not readings:
                continue
            for pos in _occurrences(text, word):
                cands.extend(self._match_at(text, pos, word, readings))
        if not cands:
            return []
        cands.sort(key=lambda m: (-(m.end - m.word_start), m.word_start))
        taken: list[tuple[int, int]] = []
        out: list[Match[P]] = []
        for c in cands:
            if any(c.word_start < e and s < c.end for s, e in taken):
                continue
            taken.append((c.word_start, c.end))
            out.append(c)
        out.sort(key=lambda m: m.start)
        return out

    def _match_at(self, text: str, pos: int, word: str, readings) -> Iterator[Match[P]]:
        end0 = pos + len(word)
        following: list[tuple[str, int, int]] | None = None
        best: Match[P] | None = None
        for first, k, clitic in readings:
            for rest, payload in self._first[first]:
                if rest:
                    if following is None:
                        maxlen = max(len(r) for f, _, _ in readings for r, _ in self._first[f])
                        following = list(next_words(text, end0, maxlen))
                    if len(following) < len(rest) or any(
                            following[i][0] != w for i, w in enumerate(rest)):
                        continue
                    end = following[len(rest) - 1][2]
                else:
                    end = end0
                skip = _orig_skip(word, k) if k else 0  # 0: presentation forms, keep the whole word
                m = Match(pos + skip, end, payload, 1 + len(rest), pos, clitic)
                if best is None or (m.end - m.word_start) > (best.end - best.word_start) or (
                        (m.end - m.word_start) == (best.end - best.word_start)
                        and len(clitic) < len(best.clitic)):
                    best = m
                break  # entries are longest first: the first that fits is the longest for this reading
        if best is not None:
            yield best


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Start offsets of ``word`` as a whole word of ``text``."""
    n = len(word)
    i = text.find(word)
    while i != -1:
        before_ok = i == 0 or not (_WORDCHARS_RE.match(text[i - 1]) or text[i - 1] in _MARKS)
        j = i + n
        after_ok = j >= len(text) or not (_WORDCHARS_RE.match(text[j]) or text[j] in _MARKS)
        if before_ok and after_ok:
            yield i
        i = text.find(word, i + 1)
