"""Whoosh filters: each a short generator over a pure ``str -> str`` step.

Filters change ``token.text`` only; ``startchar``/``endchar`` stay the
tokenizer's offsets into the original text.
"""
from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import Filter, Token

from marsad.analyzers.normalize import normalize, strip_diacritics
from marsad.analyzers.stem import detached_clitic_ok, stem, stopwords

__all__ = ["NormalizeFilter", "ArabicStopFilter", "LightStemFilter", "CliticTatweelFilter"]


class _Stateless(Filter):
    """Filters hold no data, so they pickle and compare by type."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:  # pragma: no cover
        return hash(type(self))


class CliticTatweelFilter(_Stateless):
    """``لـداعش`` -> ``داعش``: a clitic written apart with tatweel is a clitic.

    Runs before normalization (which removes the tatweel that tells us), at
    the stem level only: the exact level keeps the whole normalized form. A
    stretched common word (``كـبير``) is not a clitic plus ``بير``.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            i = text.find("\u0640")
            # the clitic may carry its own vowel: لِـسوريا, وَلِـداعش
            if 0 < i <= 6 and len(text) - i > 2 and _is_clitic(strip_diacritics(text[:i])) \
                    and detached_clitic_ok(normalize(text), normalize(text[i:])):
                t.text = text[i:]
            yield t


def _is_clitic(prefix: str) -> bool:
    """و ف ب ل ك, alone or combined (ولـ، فبـ), or with the article (بالـ، وللـ)."""
    return 0 < len(prefix) <= 4 and all(c in "ولبكفا" for c in prefix) and prefix.count("ا") <= 1 \
        and (prefix[-1] != "ا")


class NormalizeFilter(_Stateless):
    """Per-token normalization; tokens that normalize to one letter or nothing
    (a lone tatweel, the ``ع`` of a font-size widget) are dropped.

    Single digits stay: they are part of dates and figures.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = normalize(t.text)
            if len(text) > 1 or (text and text.isdigit()):
                t.text = text
                yield t


class ArabicStopFilter(_Stateless):
    """Drop stop words (``data/stopwords.txt``), keeping position gaps."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops = stopwords()
        for t in tokens:
            if t.text not in stops:
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


class LightStemFilter(_Stateless):
    """The light stemmer of :mod:`analyzers.stem` on each token."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = stem(t.text)
            yield t
