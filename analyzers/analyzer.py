"""The two public analyzers, one composition line each.

>>> [t.text for t in stem_analyzer()("والقوات الأمريكية في سوريا")]
['قوات', 'امريكي', 'سوري']
>>> [t.text for t in exact_analyzer()("والقوات الأمريكية في سوريا")]
['والقوات', 'الامريكيه', 'سوريا']
"""
from __future__ import annotations

from typing import Any

from whoosh.analysis import Analyzer

from marsad.analyzers.filters import ArabicStopFilter, CliticTatweelFilter, LightStemFilter, NormalizeFilter
from marsad.analyzers.stem import data_fingerprint
from marsad.analyzers.tokenizers import ArabicTokenizer

__all__ = ["stem_analyzer", "exact_analyzer", "analyzer_for", "analyze", "ANALYZER_VERSION", "analyzer_version"]

# Bump when the code of tokenizer, normalizer or stemmer changes meaning; the
# data files' hash is added by analyzer_version().
ANALYZER_VERSION = "3"  # 2: zero-width and bidi format marks no longer split a word; 3: لـ+stop word stays whole
LEVELS = ("stem", "exact")


def stem_analyzer() -> Analyzer:
    """Tokenize, normalize, drop stop words, light-stem: the search default."""
    return ArabicTokenizer() | CliticTatweelFilter() | NormalizeFilter() | ArabicStopFilter() | LightStemFilter()


def exact_analyzer() -> Analyzer:
    """Exact (normalized, not stemmed) forms: clitics stay part of the word."""
    return ArabicTokenizer() | NormalizeFilter() | ArabicStopFilter()


def analyzer_for(level: str) -> Analyzer:
    if level not in LEVELS:
        raise ValueError(f"unknown analysis level {level!r}: use one of {', '.join(LEVELS)}")
    return stem_analyzer() if level == "stem" else exact_analyzer()


def analyzer_version() -> str:
    """Code version plus a hash of the data files: what the index must match."""
    return f"{ANALYZER_VERSION}-{data_fingerprint()}"


def analyze(text: str, level: str = "stem") -> list[dict[str, Any]]:
    """Tokens of ``text`` as ``{"text", "start", "end"}`` dicts (offsets into ``text``).

    >>> analyze("لـداعش")
    [{'text': 'داعش', 'start': 0, 'end': 6}]
    """
    return [{"text": t.text, "start": t.startchar, "end": t.endchar}
            for t in analyzer_for(level)(text, chars=True, positions=True)]
