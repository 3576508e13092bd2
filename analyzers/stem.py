"""A stateless light stemmer for news search: Larkey's light10 and more.

Input is a *normalized* token (see :mod:`analyzers.normalize`). The steps:

1. **Protected words** (``data/protected.txt``): words that light stemming
   damages (``وزاره``, ``القوات``, ``لبنان``) keep their form, and still meet
   their own inflections: a protected word behind any prefix and before any
   pronoun/plural suffix stems to itself (``والقوات``, ``قواتها`` -> ``قوات``).
2. **Prefixes** of light10 (``ال وال بال كال فال لل``) and their ``و``/``ف``
   compounds (``وبال``, ``فلل`` ...), each with Lucene's length guard.
3. **Single-letter proclitics** ``و ل ب ك ف``, guarded by corpus counts
   (``data/lexicon.tsv``): stripped when the remainder is a common word that is
   not a function word and clearly more common than the whole (``لسوريا``,
   ``بانسحاب``), kept otherwise (``بلدي``, ``كتاب``, ``لبنان``, ``وزير``).
   For unknown words ``و`` follows Lucene (strip when 4+ letters).
4. **Final alef** of tanwin fath and plural verbs (``موقعاً``, ``قالوا``),
   then the **suffixes** of light10 (``ها ان ات ون ين يه ه ي``), each tried once in
   that order, each leaving at least two letters (Lucene's ``stemSuffix``).
5. **Variants** (``data/variants.txt``, ``data/broken_plurals.txt``):
   transliteration and spelling variants and broken plurals meet on one
   canonical stem (``اميركا``/``امريكا``, ``ماكينزي``/``ماكنزي``,
   ``سوريا``/``سوريه``, ``قواعد``/``قاعده``).

Everything is a pure function of the input and the shipped data files; the
results are cached with a thread-safe ``lru_cache``.

>>> stem("والحسن")
'حسن'
>>> stem("ساهدهات")
'ساهد'
>>> stem("لسوريا") == stem("السوريين") == stem("سوريه")
True
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from marsad.analyzers.normalize import normalize

__all__ = ["stem", "light10", "detached_clitic_ok", "DATA_FILES", "data_fingerprint", "load_wordlist", "stopwords"]

# Lucene ArabicStemmer's prefixes, plus و/ف compounds a news text is full of.
LIGHT10_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
COMPOUND_PREFIXES = ("وبال", "فبال", "وكال", "ولل", "فلل", "وال", "بال", "كال", "فال", "لل", "ال")
LIGHT10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
PROCLITICS = "ولبكف"
# Suffixes a protected word may carry and still be itself: pronouns, duals,
# plurals, nisba. Longest first.
PROTECTED_SUFFIXES = tuple(sorted(
    ("ها", "هم", "هما", "هن", "ه", "ي", "نا", "كم", "كما", "ك", "يه", "يين", "يون", "يان", "يات",
     "ين", "ون", "ان", "ات", "ا", "يتها", "يته", "يتهم", "تها", "ته", "تهم", "تنا", "اتها", "اته", "اتهم", "اتنا"),
    key=len, reverse=True))

_SUFFIX_SET = frozenset(PROTECTED_SUFFIXES)
_SUFFIX_LENGTHS = sorted({len(x) for x in PROTECTED_SUFFIXES}, reverse=True)

DATA_FILES = ("protected.txt", "variants.txt", "broken_plurals.txt", "stopwords.txt", "lexicon.tsv")


def _data_text(name: str) -> str:
    return resources.files("marsad.analyzers").joinpath("data", name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    out = []
    for line in _data_text(name).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def load_wordlist(name: str) -> frozenset[str]:
    """A data file of words (one or more a line), normalized."""
    return frozenset(normalize(w) for line in _lines(name) for w in line.split())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The normalized stop list (``data/stopwords.txt``)."""
    return load_wordlist("stopwords.txt")


@lru_cache(maxsize=1)
def _protected() -> frozenset[str]:
    return load_wordlist("protected.txt")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in _lines("lexicon.tsv"):
        word, _, count = line.partition("\t")
        counts[word] = int(count)
    return counts


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Stem -> canonical stem, from groups of surface words (first is canonical)."""
    table: dict[str, str] = {}
    for line in _lines("variants.txt") + _lines("broken_plurals.txt"):
        words = [normalize(w) for w in line.replace("=", " ").split()]
        canon = _stem_base(words[0])
        for w in words[1:]:
            s = _stem_base(w)
            if s != canon:
                table[s] = canon
    return table


def data_fingerprint() -> str:
    """Hash of the stemmer's data files: part of the analyzer version."""
    h = hashlib.sha1()
    for name in DATA_FILES:
        h.update(_data_text(name).encode("utf-8"))
    return h.hexdigest()[:12]


def light10(word: str) -> str:
    """Lucene's ``ArabicStemmer`` (light10), unchanged, for comparison.

    >>> light10("ساهدهات")
    'ساهد'
    """
    for p in LIGHT10_PREFIXES:
        if word.startswith(p) and (len(word) >= 4 if len(p) == 1 else len(word) >= len(p) + 2):
            word = word[len(p):]
            break
    return _strip_suffixes(word)


def _strip_suffixes(word: str) -> str:
    for s in LIGHT10_SUFFIXES:
        if word.endswith(s) and len(word) >= len(s) + 2:
            word = word[: -len(s)]
    return word


def _proclitic_ok(word: str) -> bool:
    """May the first letter of ``word`` (one of و ل ب ك ف) be stripped?"""
    rest = word[1:]
    if len(rest) < 3 or rest in stopwords():
        return False
    lex = _lexicon()
    cw, cr = lex.get(word, 0), lex.get(rest, 0)
    if word[0] == "و":
        # و is the commonest clitic: strip unless the whole is a word in its
        # own right, far more common than the remainder (وزير, وجود, ورقه).
        return not (cw >= 5 and cw >= 10 * cr)
    # ل ب ك ف: strip only into a common word clearly commoner than the whole.
    return cr >= 5 and cr >= 2 * cw


def detached_clitic_ok(whole: str, rest: str) -> bool:
    """``لـداعش``: may the part before the tatweel go? (normalized forms)

    The tatweel is strong evidence of a clitic, so only a common word that
    is much commoner than its remainder keeps it (a stretched ``كـبير``).
    """
    if len(rest) < 2:
        return False
    lex = _lexicon()
    return not lex.get(whole, 0) >= max(10, 10 * lex.get(rest, 0))


def _protected_stem(word: str) -> str | None:
    """The protected word inside ``word`` (behind prefixes, before suffixes)."""
    prot = _protected()
    cands = [word]
    for p in COMPOUND_PREFIXES:
        if word.startswith(p) and len(word) > len(p) + 1:
            cands.append(word[len(p):])
    if word[:1] in PROCLITICS and _proclitic_ok(word):
        cands.append(word[1:])
        if word[1:2] in PROCLITICS and _proclitic_ok(word[1:]):
            cands.append(word[2:])
    for c in cands:
        if c in prot:
            return c
    for c in cands:
        for n in _SUFFIX_LENGTHS:
            if len(c) <= n + 1 or c[-n:] not in _SUFFIX_SET:
                continue
            base = c[:-n]
            if base in prot:
                return base
            # teh marbuta shows as ت before a suffix (وزارته -> وزاره)
            # and gives way to ات in the plural (ولايات -> ولايه).
            if base.endswith("ت") and (b := base[:-1] + "ه") in prot:
                return b
            if c[-n:].startswith("ات") and (b := base + "ه") in prot:
                return b
    return None


def _stem_base(word: str) -> str:
    """Steps 1-4 (no variant table)."""
    if len(word) < 3 or not word.isalpha() or word.isascii():
        return word
    hit = _protected_stem(word)
    if hit is not None:
        return hit
    stripped = False
    for p in COMPOUND_PREFIXES:
        if word.startswith(p) and len(word) >= len(p) + 2:
            word = word[len(p):]
            stripped = True
            break
    if not stripped:
        # Up to two single-letter proclitics: و then ل/ب/ك/ف (ولسوريا).
        for _ in range(2):
            if word[:1] in PROCLITICS and _proclitic_ok(word):
                word = word[1:]
            else:
                break
    hit = _protected_stem(word)
    if hit is not None:
        return hit
    return _strip_suffixes(_strip_final_alef(word))


def _strip_final_alef(word: str) -> str:
    """The alef of tanwin fath and of plural verbs: موقعا -> موقع, قالوا -> قال.

    Adverbial accusatives (مؤكداً، عسكرياً) are everywhere in news and
    light10 leaves them apart from their noun.
    """
    if word.endswith("وا") and len(word) >= 5:
        return word[:-2]
    if word.endswith("ا") and len(word) >= 4:
        return word[:-1]
    return word


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """Stem one normalized token (see the module docstring for the steps)."""
    s = _stem_base(word)
    return _variants().get(s, s)
