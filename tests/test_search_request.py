"""SearchRequest validation and from_args (no index needed)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from marsad.search.request import MAX_QUERY_CHARS, MAX_RESULT_WINDOW, SearchRequest, SearchRequestError

ARABIC_FIRST_RE = re.compile(r"^[\u0600-\u06FF]")


def test_from_args_plain_dict_and_lists():
    r = SearchRequest.from_args({"q": "سوريا", "outlet": ["sabq", "okaz"], "province": "حلب",
                                 "page": "3", "page_size": "20", "sort": "Newest",
                                 "from": "2015-07", "to": "2015-08"})
    assert r.q == "سوريا" and r.page == 3 and r.page_size == 20 and r.sort == "newest"
    assert r.filters == {"outlet": ("sabq", "okaz"), "province": ("حلب",)}
    assert r.date_from == date(2015, 7, 1) and r.date_to == date(2015, 8, 31)


def test_from_args_multidict():
    from werkzeug.datastructures import MultiDict
    r = SearchRequest.from_args(MultiDict([("q", "داعش"), ("actor", "داعش"), ("actor", "قسد"), ("date", "2015")]))
    assert r.filters["actor"] == ("داعش", "قسد") and r.filters["date"] == ("2015",)


@pytest.mark.parametrize("args, message", [
    ({"page": "0"}, "page must be 1 or more"),
    ({"page": "x"}, "page must be a whole number"),
    ({"page_size": "101"}, "page_size must be between 1 and 100"),
    ({"page_size": "0"}, "page_size must be between 1 and 100"),
    ({"page": "200", "page_size": "100"}, f"only the first {MAX_RESULT_WINDOW} results"),
    ({"sort": "random"}, "sort must be one of relevance, newest, oldest"),
    ({"from": "2015-13"}, "does not exist"),
    ({"from": "yesterday"}, "is not YYYY, YYYY-MM or YYYY-MM-DD"),
    ({"from": "2016", "to": "2015"}, "is after to"),
    ({"date": "July"}, "must be YYYY or YYYY-MM"),
    ({"date": "2015-13"}, "must be YYYY or YYYY-MM"),  # was accepted: the page's date chart then failed (500)
    ({"date": "2015-00"}, "must be YYYY or YYYY-MM"),
    ({"q": "س" * (MAX_QUERY_CHARS + 1)}, "query is too long"),
])
def test_bad_parameters_have_clear_messages(args, message):
    with pytest.raises(SearchRequestError, match=message):
        SearchRequest.from_args(args)


def test_unknown_facet_refused():
    with pytest.raises(SearchRequestError, match="unknown facet 'color'"):
        SearchRequest(filters={"color": ("red",)})


def test_deep_paging_boundary_is_allowed():
    assert SearchRequest(page=MAX_RESULT_WINDOW // 100, page_size=100).page == 100


def test_filters_deduplicated_and_empty_dropped():
    r = SearchRequest(filters={"outlet": ("sabq", "sabq"), "actor": ()})
    assert r.filters == {"outlet": ("sabq",)}


@pytest.mark.parametrize("args, word", [
    ({"foo": "1"}, "foo"), ({"size": "3"}, "size"), ({"page-size": "3"}, "page-size"),
    ({"facet-limit": "3"}, "facet-limit"), ({"facet-all": "outlet"}, "facet-all"),
    ({"exact": "maybe"}, "exact"), ({"collapse": "2"}, "collapse"),
])
def test_undocumented_names_and_bad_booleans_are_refused(args, word):
    """Issue 17: aliases and unknown names were read or ignored silently; exact=maybe was false."""
    with pytest.raises(SearchRequestError, match=word) as e:
        SearchRequest.from_args(args)
    assert ARABIC_FIRST_RE.match(str(e.value))


def test_ignore_unknown_skips_names_but_still_checks_values():
    assert SearchRequest.from_args({"q": "حلب", "utm_source": "x"}, ignore_unknown=True).q == "حلب"
    with pytest.raises(SearchRequestError, match="exact"):
        SearchRequest.from_args({"exact": "maybe", "utm_source": "x"}, ignore_unknown=True)


def test_booleans_and_empty_values():
    assert SearchRequest.from_args({"exact": "TRUE", "collapse": "off"}).exact is True
    assert SearchRequest.from_args({"collapse": "no"}).collapse is False
    r = SearchRequest.from_args({"exact": "", "collapse": ""})  # empty = the default
    assert r.exact is False and r.collapse is True

