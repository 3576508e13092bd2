"""The snippet maker before it stopped analysing whole bodies: every word of
the text through :func:`search.highlight.match_spans`. Kept only as the
reference of ``tests/test_search_highlight_fast.py``."""
from __future__ import annotations

from marsad.search.highlight import ELLIPSIS, _render, _sentences, _window, match_spans


def make_snippet_reference(text: str, stem_terms: set[str], exact_terms: set[str], fragments: int = 2) -> str:
    """HTML snippet of ``text``: the best ``fragments`` sentences, matches marked."""
    if not text:
        return ""
    spans = match_spans(text, stem_terms, exact_terms)
    sents = _sentences(text)
    if not sents:
        return ""
    scored = []
    for i, (s, e) in enumerate(sents):
        terms = {t for a, b, t in spans if a >= s and b <= e}
        if terms:
            scored.append((-len(terms), i))
    if scored:
        chosen = sorted(i for _, i in sorted(scored)[:fragments])
    else:
        chosen = [0]
    parts = []
    for i in chosen:
        s, e = sents[i]
        ws, we, cut_l, cut_r = _window(text, s, e, spans)
        frag = _render(text, ws, we, spans)
        parts.append(("… " if cut_l else "") + frag + (" …" if cut_r else ""))
    return ELLIPSIS.join(parts)
