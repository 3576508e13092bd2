"""Arabic text analysis for Marsad: normalization, tokenization, light stemming.

The public surface: :func:`stem_analyzer`, :func:`exact_analyzer` (Whoosh
analyzers), :func:`analyze` (tokens with offsets), :func:`normalize` and
:func:`stem` (pure functions on one token).
"""
from marsad.analyzers.analyzer import analyze, analyzer_for, analyzer_version, exact_analyzer, stem_analyzer
from marsad.analyzers.normalize import normalize
from marsad.analyzers.stem import stem

__all__ = ["analyze", "analyzer_for", "analyzer_version", "exact_analyzer", "stem_analyzer", "normalize", "stem"]
