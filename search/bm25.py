"""BM25 parameters, defined once: the engine's scoring and Whoosh's weighting both read them.

``K1`` is term-frequency saturation; ``b`` is per field how much a long field is
penalised: titles are short and similar in length, so their length matters less.
``bench/eval_retrieval.py`` measures variants of these values.

>>> FIELD_B["title"] < FIELD_B["body"]
True
"""
from __future__ import annotations

__all__ = ["K1", "BODY_B", "TITLE_B", "FIELD_B"]

K1 = 1.2
BODY_B = 0.75
TITLE_B = 0.5
#: b per scored field (both levels of title and body)
FIELD_B = {"title": TITLE_B, "title_exact": TITLE_B, "body": BODY_B, "body_exact": BODY_B}
