"""Fuzzy expansion reads each segment's prefix range once (issue 11: at 310k a
word~ merged 26 segments' term lists term by term); it must find exactly the
terms Whoosh's own terms_within finds."""
from __future__ import annotations

import pytest

from marsad.search.query import _Compiler


@pytest.mark.parametrize("base,dist", [("ماكنزي", 2), ("ميستورا", 2), ("حلب", 1), ("سوري", 1), ("داعش", 1),
                                       ("اردوغان", 2), ("دمشق", 1)])
def test_fuzzy_candidates_equal_whooshs_terms_within(searcher, base, dist):
    reader = searcher.reader()
    whoosh = sorted(t.decode() if isinstance(t, bytes) else t
                    for t in reader.terms_within("body", base, dist, prefix=2))
    assert _Compiler(reader, None, False)._within(base, dist, 2) == whoosh
    assert whoosh or base == "ميستورا"  # the sample holds these words (or near ones)
