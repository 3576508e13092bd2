"""Links are built a component at a time (issue 16: a search page holds ~90
hrefs); the result must be exactly the IRI of the whole query string."""
from __future__ import annotations

import pytest

from marsad.web.urls import SearchState, _iri, _iri_query

VALUES = ["حلب", "دير الزور", "الشرق الأوسط", "a&b=c", "100% +x", "قوات\u200cسوريا", "#frag", "",
          "تاريخ:آب-2015 غارات", '"مجلس الأمن"', "\u0661\u0662", "é"]


@pytest.mark.parametrize("i", range(len(VALUES)))
def test_component_wise_iri_equals_the_whole_string(i):
    pairs = (("q", VALUES[i]), ("province", VALUES[(i + 1) % len(VALUES)]), ("outlet", VALUES[(i + 5) % len(VALUES)]),
             ("page", "2"))
    state = SearchState(pairs)
    assert _iri_query(state) == _iri(state.query_string())
    assert _iri_query(SearchState(())) == ""
