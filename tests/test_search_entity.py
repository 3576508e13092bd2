"""Entity pages (issue 15): an actor's or a province's names, timeline,
co-occurring values and latest articles agree with the search; every facet
value and chip of an actor or a province links to its page."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from marsad.index.extract import facet_aliases
from marsad.search import SearchRequest, entity, run
from marsad.search.entity import TOP


def test_an_actor_page_is_the_search_with_the_actor_ticked(searcher):
    e = entity(searcher, "actor", "داعش")  # a name of it, not necessarily the canonical value
    assert e is not None and e.facet == "actor"
    res = run(searcher, SearchRequest(filters={"actor": (e.value,)}, sort="newest", page_size=TOP,
                                      facet_limit=TOP + 1))
    assert e.articles == res.total > 0
    assert [h.id for h in e.latest] == [h.id for h in res.hits]
    assert "داعش" in e.aliases or e.value == "داعش"
    group = next(names for canon, names in facet_aliases()["actor"].items() if "داعش" in names)
    assert e.aliases and set(e.aliases) <= set(group) - {e.value}
    # co-occurring values: the facet counts of that search, itself left out
    for name in ("actor", "province", "outlet"):
        want = [(b.value, b.count) for b in res.facets[name].buckets if b.value and b.value != e.value]
        got = [(b.value, b.count) for b in e.with_values[name]]
        assert got == want[:TOP] and got
    # the timeline: every article, and those naming it, per month
    every, mine = e.timeline.series
    assert mine.total == run(searcher, SearchRequest(filters={"actor": (e.value,)}, collapse=False)).total
    assert all(m <= v for m, v in zip(mine.counts, e.timeline.volume))
    assert every.counts == e.timeline.volume


def test_a_province_page_and_unknown_values(searcher):
    e = entity(searcher, "province", "Aleppo")
    assert e is not None and e.value == "حلب" and e.articles > 0
    assert e.aliases_total >= len(e.aliases) > 0
    assert entity(searcher, "province", "مكانلايوجد") is None
    assert entity(searcher, "outlet", "الحياة") is None  # only actors and provinces have pages


def test_pages_links_and_the_api(client):
    r = client.get("/entity/province/حلب")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'class="chart trend-chart"' in html and "أحدث المقالات" in html
    j = client.get("/api/entity/province/حلب").get_json()
    assert j["value"] == "حلب" and j["articles"] > 0 and j["latest"]
    assert client.get("/entity/province/مكانلايوجد").status_code == 404
    assert client.get("/api/entity/outlet/الحياة").status_code == 404
    def links(html: str) -> set[str]:
        return {unquote(urlsplit(h.split('"')[0]).path) for h in html.split('class="entity-link" href="')[1:]}
    # from the results page: every selected value's chip and every tag chip of the hits
    page = links(client.get("/?q=سوريا&province=حلب").get_data(as_text=True))
    sidebar = client.get("/api/search?q=سوريا&province=حلب").get_json()
    assert "/entity/province/حلب" in page
    for h in sidebar["hits"]:
        for facet, key in (("province", "provinces"), ("actor", "actors")):
            assert all(f"/entity/{facet}/{v}" in page for v in h[key])
    # from every value of a facet's page of values
    for facet in ("province", "actor"):
        values = links(client.get(f"/facet/{facet}?q=سوريا").get_data(as_text=True))
        want = client.get(f"/api/facets/{facet}").get_json()
        names = [v["value"] for v in want.get("values") or want.get("buckets") or [] if v["value"]]
        assert names and all(f"/entity/{facet}/{v}" in values for v in names[:20])
    # and from a document's chips
    doc = sidebar["hits"][0]
    dpage = client.get("/doc/" + doc["id"].replace("/", "%2F")).get_data(as_text=True)
    assert all(f"/entity/province/{p}" in unquote(dpage) for p in doc["provinces"])


def test_hit_chips_stay_links_beside_their_entity_link(client):
    # a chip and its entity link are one piece of markup: neither may be escaped into text
    html = client.get("/?q=سوريا").get_data(as_text=True)
    tags = html.split('<p class="hit-tags">')[1].split("</p>")[0]
    assert "&lt;a" not in tags and 'class="chip chip-' in tags and 'class="entity-link"' in tags
