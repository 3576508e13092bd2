"""Pure ``str -> str`` normalization steps for Arabic tokens.

Each step works on one token (never on a whole document), so the tokenizer's
offsets keep pointing into the original text. The character tables come from
pyarabic where it has them.

>>> normalize("الْعَرَبِيَّةُ")
'العربيه'
>>> normalize("إدلب")
'ادلب'
>>> normalize("٢٠١٥")
'2015'
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pyarabic.araby as araby
from pyarabic.unshape import UNSHAPING_TABLE

__all__ = [
    "strip_diacritics",
    "fold_letters",
    "fold_digits",
    "unshape",
    "normalize",
    "normalize_text",
    "DIACRITICS",
    "TATWEEL",
    "ZWNJ",
    "INWORD_MARKS",
    "FORMAT_MARKS",
]

TATWEEL = araby.TATWEEL  # U+0640
ZWNJ = "\u200c"
ZWJ = "\u200d"

# Harakat U+064B-U+065F (tanwin, short vowels, shadda, sukun, and the rarer
# marks up to U+065F, which include U+0653-U+0655 madda/hamza above/below),
# plus the superscript (dagger) alef U+0670.
DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670"
# Invisible format characters that editors, copy-paste and right-to-left
# typing leave inside words: zero-width space, word joiner, BOM (ZWNBSP), soft
# hyphen, combining grapheme joiner, the bidi marks LRM/RLM/ALM and the bidi
# embeddings, overrides and isolates. Inside a word they are ignored like
# tatweel (a ZWSP in "سو\u200bريا" split it in two, issue 12).
FORMAT_MARKS = ("\u200b\u2060\ufeff\u00ad\u034f\u200e\u200f\u061c"
                "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that may sit *inside* an Arabic word without breaking it.
INWORD_MARKS = DIACRITICS + TATWEEL + ZWNJ + ZWJ + FORMAT_MARKS

# none of them carries meaning inside a token
_DELETE = {ord(c): None for c in INWORD_MARKS}

# Letter folding: hamza-carrying and wasla alefs to bare alef, alef maksura to
# yeh, teh marbuta to heh, and Persian/Urdu letter forms to their Arabic twins.
_LETTERS = {
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
    araby.TEH_MARBUTA: araby.HEH,
    "\u06a9": araby.KAF,  # ک keheh
    "\u06aa": araby.KAF,  # ڪ swash kaf
    "\u06cc": araby.YEH,  # ی farsi yeh
    "\u06d2": araby.YEH,  # ے yeh barree
    "\u06d0": araby.YEH,  # ې
    "\u06c0": araby.HEH,  # ۀ heh with yeh above
    "\u06c1": araby.HEH,  # ہ heh goal
    "\u06c2": araby.HEH,  # ۂ
    "\u06be": araby.HEH,  # ھ heh doachashmee
    "\u06d5": araby.HEH,  # ە ae
    "\u06c3": araby.HEH,  # ۃ teh marbuta goal
}
_LETTER_TABLE = {ord(k): v for k, v in _LETTERS.items()}

_DIGIT_TABLE = {}
for _east, _pers, _west in zip(araby.NUMBERS_EAST, araby.NUMBERS_PERS, araby.NUMBERS_WEST):
    _DIGIT_TABLE[ord(_east)] = _west
    _DIGIT_TABLE[ord(_pers)] = _west

# Presentation forms (FB50-FDFF, FE70-FEFF) back to base letters: pyarabic's
# unshaping table for the letters, its ligature names for lam-alef.
_UNSHAPE_TABLE = {ord(k): v for k, v in UNSHAPING_TABLE.items()}
_UNSHAPE_TABLE.update({
    0xFEFB: "لا", 0xFEFC: "لا",  # ﻻ ﻼ
    0xFEF7: "لأ", 0xFEF8: "لأ",  # ﻷ
    0xFEF9: "لإ", 0xFEFA: "لإ",  # ﻹ
    0xFEF5: "لآ", 0xFEF6: "لآ",  # ﻵ
})


_PRESENTATION_RE = re.compile("[\uFB50-\uFDFF\uFE70-\uFEFF]")


def _is_presentation(ch: str) -> bool:
    o = ord(ch)
    return 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF


def unshape(token: str) -> str:
    """Map Arabic presentation forms and lam-alef ligatures to base letters.

    >>> unshape("ﻻ")
    'لا'
    """
    if _PRESENTATION_RE.search(token) is None:  # the common case, in C
        return token
    token = token.translate(_UNSHAPE_TABLE)
    # What pyarabic's table lacks (rare ligatures such as ﷲ, isolated harakat)
    # NFKC decomposes; isolated harakat decompose to "space + mark", and a
    # token must not gain a space.
    if any(_is_presentation(c) for c in token):
        token = "".join(unicodedata.normalize("NFKC", c).replace(" ", "") if _is_presentation(c) else c
                        for c in token)
    return token


def strip_diacritics(token: str) -> str:
    """Remove harakat, dagger alef, tatweel, ZWNJ/ZWJ and the other format marks.

    >>> strip_diacritics("هتميّ")
    'هتمي'
    >>> strip_diacritics("روبرـــــت")
    'روبرت'
    """
    return token.translate(_DELETE)


def fold_letters(token: str) -> str:
    """Fold hamza/alef forms, alef maksura, teh marbuta and Persian letters.

    >>> fold_letters("أحمد")
    'احمد'
    >>> fold_letters("فاطمة")
    'فاطمه'
    """
    return token.translate(_LETTER_TABLE)


def fold_digits(token: str) -> str:
    """Arabic-Indic and Persian digits to ASCII.

    >>> fold_digits("١٤٤٣")
    '1443'
    """
    return token.translate(_DIGIT_TABLE)


@lru_cache(maxsize=300_000)
def normalize(token: str) -> str:
    """The whole normalization of one token (the *exact* level).

    Deterministic and side-effect free; cached because news vocabulary is
    small compared with the number of tokens.
    """
    token = unshape(token)
    token = strip_diacritics(token)
    token = fold_letters(token)
    token = fold_digits(token)
    return token.lower()


# The three per-character tables have disjoint keys, so one table does all.
_TEXT_TABLE = {**_DELETE, **_LETTER_TABLE, **_DIGIT_TABLE}
assert all(v is None or len(v) == 1 for v in _TEXT_TABLE.values())
assert not any(ord(v) in _TEXT_TABLE for v in _TEXT_TABLE.values() if v)

# normalize_text's code point table: every code point to its replacement, or to
# one of these marks. str.isspace() holds for no character above U+3000.
_WHITE, _DROP, _SHAPED = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


@lru_cache(maxsize=1)
def _text_table() -> np.ndarray:
    lut = np.arange(0x110000, dtype=np.uint32)
    for k, v in _TEXT_TABLE.items():
        lut[k] = _DROP if v is None else ord(v)
    lut[[c for c in range(0x3001) if chr(c).isspace()]] = _WHITE
    lut[0xFB50:0xFE00] = _SHAPED  # as _PRESENTATION_RE (U+FEFF, a format mark, is in its range)
    lut[0xFE70:0xFF00] = _SHAPED
    return lut


def normalize_text(text: str) -> str:
    """A whole text normalized word by word, words joined by one space.

    For comparing texts (content hashes of syndicated copies), never for
    indexing: offsets into ``text`` are not kept. Equal to
    ``" ".join(normalize(w) for w in text.split())``, computed in one pass over
    the code points when the text has no presentation forms (their unshaping
    is per word).

    >>> normalize_text("  سوريّة   الأُولى ")
    'سوريه الاولي'
    """
    # One table lookup per code point, in numpy: 33 us for a 2,400-character
    # article, against 49 us for a str.replace scan per table entry and 190 us
    # for str.translate (a dict lookup per character). It is the main CPU cost
    # of the build's reading process.
    m = _text_table()[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)]
    if (m == _SHAPED).any():
        return " ".join(normalize(w) for w in text.split())
    white = m == _WHITE
    inside = np.flatnonzero(~white)
    if not len(inside):
        return ""
    m = m[inside[0]:inside[-1] + 1]  # white space at either end goes
    white = white[inside[0]:inside[-1] + 1]
    first = white.copy()  # a run of white space between words becomes one space
    first[1:] &= ~white[:-1]
    m[first] = 0x20
    # as in the per-word formula, marks are dropped after the words are joined,
    # so a "word" of marks alone leaves its two spaces
    return m[(first | ~white) & (m != _DROP)].tobytes().decode("utf-32-le", "surrogatepass").lower()
