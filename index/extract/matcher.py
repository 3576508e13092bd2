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
walked token by token in Python. ``set(findall(text))`` collects its
distinct words in C (a character-class regex as fast as ``\\w+``); only the words that can start a phrase (looked up in a
per-word cache) are then located with ``str.find``, and only there are the next
words read. Overlapping matches are resolved longest-first, then leftmost.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from marsad.analyzers.normalize import INWORD_MARKS, normalize
from marsad.analyzers.tokenizers import WORD_RE

__all__ = ["Match", "PhraseMatcher", "norm_words", "strip_proclitics", "prev_word", "next_words",
           "GAP_OK_RE"]

P = TypeVar("P")
_END = "\x00"  # trie key marking the end of a phrase (no word normalizes to it)

# What may separate the words of one phrase: blanks (not a line break), quotes,
# brackets, dashes and tatweel. Sentence punctuation breaks a phrase.
GAP_OK_RE = re.compile(r"[ \t\u00a0\u200f\u200e\"'“”«»‘’„‟()\[\]\-–—_\u0640]*")
_WORDCHARS_RE = re.compile(r"[^\W_]")
# The tokenizer's words, found twice as fast by one character class: letters,
# digits, "_" (split afterwards) and in-word marks. Only used to list a text's
# distinct words; offsets and phrases are then checked with the real rules.
_FAST_WORD_RE = re.compile(rf"[\w{re.escape(INWORD_MARKS)}]+")
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
        # A trie over normalized words: node = {word: child, ..., _END: payload}.
        # First definition of a phrase wins (data files list the canonical name first).
        self._root: dict[str, dict] = {}
        self._clitics = clitics
        self._n = 0
        for phrase, payload in entries:
            words = tuple(norm_words(phrase)) if isinstance(phrase, str) else tuple(phrase)
            if not words:
                continue
            node = self._root
            for w in words:
                node = node.setdefault(w, {})
            if _END not in node:
                node[_END] = payload
                self._n += 1
        # Surface word -> its readings that start a phrase (only words that have one),
        # and the set of every surface word already looked at: a document's words
        # are checked against both with C-level set operations, not one call each.
        self._word_cache: dict[str, tuple[tuple[str, int, str], ...]] = {}
        self._hit_words: set[str] = set()
        self._seen_words: set[str] = set()

    def __len__(self) -> int:
        return self._n

    def _readings(self, word: str) -> tuple[tuple[str, int, str], ...]:
        """Readings (first word, letters skipped, proclitics) of a surface word that start a phrase."""
        n = normalize(word)
        if self._clitics:
            return tuple(r for r in strip_proclitics(n) if r[0] in self._root)
        return ((n, 0, ""),) if n in self._root else ()

    def _hits(self, words: set[str]) -> set[str]:
        """The words of a document that can start a phrase (cached per surface word)."""
        new = words - self._seen_words
        if new:
            if len(self._seen_words) > 2_000_000:  # bound memory on huge vocabularies
                self._seen_words.clear()
            for w in new:
                r = self._readings(w)
                if r:
                    self._word_cache[w] = r
                    self._hit_words.add(w)
            self._seen_words |= new
        return words & self._hit_words

    def find(self, text: str) -> list[Match[P]]:
        """All non-overlapping matches (longest first, then leftmost), in text order."""
        if not text:
            return []
        cands: list[Match[P]] = []
        cache = self._word_cache
        words = set(_FAST_WORD_RE.findall(text))
        if "_" in text:  # "_" splits words for the tokenizer (#داعش_الإرهابي)
            words = {p for w in words for p in w.split("_") if p}
        for word in self._hits(words):
            readings = cache[word]
            for pos in _occurrences(text, word):
                m = self._match_at(text, pos, word, readings)
                if m is not None:
                    cands.append(m)
        if not cands:
            return []
        if len(cands) > 1:
            cands.sort(key=lambda m: (-(m.end - m.word_start), m.word_start))
            taken: list[tuple[int, int]] = []
            out: list[Match[P]] = []
            for c in cands:
                if any(c.word_start < e and s < c.end for s, e in taken):
                    continue
                taken.append((c.word_start, c.end))
                out.append(c)
            cands = out
        cands.sort(key=lambda m: m.start)
        return cands

    def _match_at(self, text: str, pos: int, word: str, readings) -> Match[P] | None:
        end0 = pos + len(word)
        following: list[tuple[str, int, int]] | None = None
        best = None  # (end, n_words, reading)
        for first, k, clitic in readings:
            node = self._root[first]
            end, nw = (end0, 1) if _END in node else (None, 0)
            i = 0
            while len(node) > (_END in node):
                if following is None:
                    following = []
                    it = next_words(text, end0, 12)
                if i >= len(following):
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    following.append(nxt)
                w, _s, e = following[i]
                node = node.get(w)
                if node is None:
                    break
                i += 1
                if _END in node:
                    end, nw = e, i + 1
            if end is None:
                continue
            if best is None or end > best[0] or (end == best[0] and len(clitic) < len(best[2][2])):
                best = (end, nw, (first, k, clitic))
        if best is None:
            return None
        end, nw, (first, k, clitic) = best
        node = self._root[first]
        for w, _s, _e in (following or [])[:nw - 1]:
            node = node[w]
        skip = _orig_skip(word, k) if k else 0  # 0: presentation forms, keep the whole word
        return Match(pos + skip, end, node[_END], nw, pos, clitic)


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
