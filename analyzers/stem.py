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
   A collective in ``ان`` whose nisba the corpus uses keeps it and stems
   like the nisba (``التركمان``/``التركماني``); ``لل`` before a word that
   begins with ``ل`` keeps that ``ل`` (``للاجئين``); a definite-only name
   (``data/definite_names.txt``) is only found behind the article.
5. **Variants** (``data/variants.txt``, ``data/broken_plurals.txt``, and
   loanword spellings with an optional ي/و paired from the lexicon):
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

DATA_FILES = ("protected.txt", "definite_names.txt", "variants.txt", "broken_plurals.txt", "stopwords.txt",
              "lexicon.tsv")
# Prefixes that hold the article: a definite-only name is itself only behind one.
ARTICLE_PREFIXES = frozenset(p for p in COMPOUND_PREFIXES if p.endswith(("ال", "لل")))
# Loanword spelling variants derived from the lexicon (see _loanword_variants):
# the shorter spelling must keep this many letters, so that Arabic words of
# four-letter bases (تنافس/تنفس, مناطق/منطق, فروسيه/فيروسيه) never meet.
LOANWORD_MIN_BASE = 5
LOANWORD_MIN_COUNT = 3
# A word in ان keeps it when its nisba in اني occurs this often (_collective_nisba).
# and at least this share of the ان word's own count: the ان word is then mostly
# the people the adjective names (الألبان is mostly dairy, not Albanians).
COLLECTIVE_MIN_COUNT = 10
COLLECTIVE_MIN_SHARE = 0.3


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
def _definite() -> frozenset[str]:
    """Names that are names only with the article (``data/definite_names.txt``)."""
    return frozenset(_stem_protected_form(w) for w in load_wordlist("definite_names.txt"))


def _stem_protected_form(w: str) -> str:
    return w[2:] if w.startswith("ال") else w


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
    table: dict[str, str] = dict(_loanword_variants())
    for line in _lines("variants.txt") + _lines("broken_plurals.txt"):
        words = [normalize(w) for w in line.replace("=", " ").split()]
        canon = _stem_base(words[0])
        for w in words[1:]:
            s = _stem_base(w)
            if s != canon:
                table[s] = canon
    return table


def _loanword_variants() -> dict[str, str]:
    """Stem -> stem for nisba adjectives spelt with or without a long vowel.

    Loanwords are written with or without a ي/و for their vowels
    (ديموقراطية/ديمقراطية, دبلوماسية/ديبلوماسية, فيدرالية/فدرالية,
    باليستية/بالستية). A pair is taken from the lexicon when both spellings
    occur as nisba adjectives (ال…ية or ال…ي, at least ``LOANWORD_MIN_COUNT``
    times each) and the shorter base keeps ``LOANWORD_MIN_BASE`` letters; the
    plene spelling maps onto the shorter one.
    """
    lex = _lexicon()
    bases: dict[str, int] = {}
    for w, c in lex.items():
        if w.startswith("ال") and (w.endswith("يه") or w.endswith("ي")):
            b = w[2:-2] if w.endswith("يه") else w[2:-1]
            bases[b] = bases.get(b, 0) + c
    table: dict[str, str] = {}
    for b, c in bases.items():
        # names in ان/ين/ون are not loanword spellings (سليمان is not سلمان)
        if c < LOANWORD_MIN_COUNT or len(b) < LOANWORD_MIN_BASE + 1 or b.endswith(("ان", "ين", "ون")):
            continue
        for i in range(1, len(b) - 1):
            if b[i] not in "وي":
                continue
            short = b[:i] + b[i + 1:]
            if bases.get(short, 0) < LOANWORD_MIN_COUNT or len(short) < LOANWORD_MIN_BASE:
                continue
            long_stem, short_stem = _stem_base("ال" + b + "يه"), _stem_base("ال" + short + "يه")
            if long_stem != short_stem:
                table[long_stem] = short_stem
                masc = _stem_base("ال" + b + "ي")
                if masc != short_stem:
                    table[masc] = short_stem
    return table


@lru_cache(maxsize=1)
def data_fingerprint() -> str:
    """Hash of the stemmer's data files: part of the analyzer version (read once per
    process, like the tables the running analyzer loaded; opening an index checks it:
    a health probe spent 6 of its 8 ms hashing the lexicon)."""
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
    # a stop word after the tatweel (لـما, بـهذا) is one function word stretched
    # for layout: kept whole, as when written plainly, so the stem level drops
    # or keeps it exactly when the exact level does (per-word analysis relies on it)
    if len(rest) < 2 or rest in stopwords():
        return False
    lex = _lexicon()
    return not lex.get(whole, 0) >= max(10, 10 * lex.get(rest, 0))


def _lam_reading(rest: str) -> str:
    """After لل, the word without its article: ``rest`` or ``ل`` + ``rest``.

    لِـ + الـ + a word that begins with ل is written with two lams, not three
    (للبنان, لليبيا, للاجئين = لـ + اللاجئين), so stripping لل would cut the
    word's own ل. The reading whose forms (bare and with ال) the corpus uses
    more wins; a tie keeps light10's reading.
    """
    lex = _lexicon()
    alt = "ل" + rest
    # the definite forms first (اللاجئين vs الاجئين; الأغراض vs اللأغراض): the
    # bare ل-form is no evidence there, it is also ل + the other reading (لأغراض)
    with_lam, without = lex.get("ال" + alt, 0), lex.get("ال" + rest, 0)
    if max(with_lam, without) < 3:
        # names that take no article (لبنان, لندن): the bare forms
        with_lam, without = lex.get(alt, 0), lex.get(rest, 0)
    return alt if with_lam > without else rest


def _protected_stem(word: str, article: bool = False) -> str | None:
    """The protected word inside ``word`` (behind prefixes, before suffixes).

    ``article``: the article was already stripped from ``word``. A
    definite-only name (``data/definite_names.txt``) is only found behind the
    article, never bare or behind a lone و/ب (رقة, ورقات, برقه are not الرقة).
    """
    prot = _protected()
    definite = _definite()
    cands = [(word, article)]
    for p in COMPOUND_PREFIXES:
        if word.startswith(p) and len(word) > len(p) + 1:
            rest = word[len(p):]
            cands.append((_lam_reading(rest) if p.endswith("لل") else rest, True))
    # a proclitic comes before the article, never after it (الفروسية is not ف + روسية)
    if not article and word[:1] in PROCLITICS and _proclitic_ok(word):
        cands.append((word[1:], article))
        if word[1:2] in PROCLITICS and _proclitic_ok(word[1:]):
            cands.append((word[2:], article))

    def ok(base: str, art: bool) -> bool:
        return base in prot and (art or base not in definite)

    for c, art in cands:
        if ok(c, art):
            return c
    for c, art in cands:
        for n in _SUFFIX_LENGTHS:
            if len(c) <= n + 1 or c[-n:] not in _SUFFIX_SET:
                continue
            base = c[:-n]
            if ok(base, art):
                return base
            # teh marbuta shows as ت before a suffix (وزارته -> وزاره)
            # and gives way to ات in the plural (ولايات -> ولايه).
            if base.endswith("ت") and ok(b := base[:-1] + "ه", art):
                return b
            if c[-n:].startswith("ات") and ok(b := base + "ه", art):
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
            word = _lam_reading(word[len(p):]) if p.endswith("لل") else word[len(p):]
            stripped = True
            break
    if not stripped:
        # Up to two single-letter proclitics: و then ل/ب/ك/ف (ولسوريا).
        for _ in range(2):
            if word[:1] in PROCLITICS and _proclitic_ok(word):
                word = word[1:]
            else:
                break
    hit = _protected_stem(word, article=stripped)
    if hit is not None:
        return hit
    nisba = _collective_nisba(word)
    if nisba is not None:
        return nisba
    return _strip_suffixes(_strip_final_alef(word))


def _collective_nisba(word: str) -> str | None:
    """A collective or country noun in ان stems like its nisba adjective in اني.

    light10 cuts ان as a dual: التركمان -> تركم but التركماني -> تركمان,
    الأفغان -> افغ, الشيشان -> شيش, الألمان -> الم (ألماني is protected). When the
    nisba (ال)…اني(ة) is a common word of the corpus, the ان is part of the
    name and the word meets its adjective. Duals have no such adjective.
    """
    if not word.endswith("ان") or len(word) < 5:
        return None
    lex = _lexicon()
    nisba = word + "ي"
    n = sum(lex.get(f, 0) for f in (nisba, "ال" + nisba, nisba + "ه", "ال" + nisba + "ه"))
    if n < COLLECTIVE_MIN_COUNT or n < COLLECTIVE_MIN_SHARE * (lex.get(word, 0) + lex.get("ال" + word, 0)):
        return None
    base = word[:-2]
    if lex.get(base, 0) + lex.get("ال" + base, 0) > 20 * (lex.get(word, 0) + lex.get("ال" + word, 0)):
        return None  # a dual of a common noun (شهران, عامان), whatever tribe name it shares
    if nisba in _protected():
        return nisba
    return _strip_suffixes(nisba)


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
