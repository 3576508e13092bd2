"""A field filter typed in the query (محافظة:حلب) shows in the page as a ticked, removable facet value."""
from __future__ import annotations


def test_a_field_filter_typed_in_the_query_is_a_ticked_removable_value(client):
    from web_support import Page, params
    c = client
    typed = c.get("/?q=سوريا محافظة:حلب")
    ticked = c.get("/?q=سوريا&province=حلب")
    assert typed.status_code == ticked.status_code == 200
    page, want = Page(typed.get_data(as_text=True)), Page(ticked.get_data(as_text=True))
    assert page.total == want.total and page.facets == want.facets
    assert page.facets["province"]["حلب"][1]  # shown selected
    untick = [href for f, v, href in page.toggles if (f, v) == ("province", "حلب")]
    assert untick and ("province", "حلب") not in params(untick[0])
    assert dict(params(untick[0])).get("q") == "سوريا"  # the filter left the query too
    assert Page(c.get(untick[0]).get_data(as_text=True)).total > page.total
