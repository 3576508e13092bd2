"""Names typed in field filters resolve through the extractors' own data (index/data/), on an
index built by ``index.build`` (real extractor values: the seeds + a SaudiNewsNet sample)."""
from __future__ import annotations

from importlib import resources

import pytest

from marsad.search import SearchRequest, open_searcher, run


@pytest.fixture(scope="module")
def searcher(sample_index):
    from marsad.index.build import open_index
    s = open_searcher(open_index(sample_index))
    yield s
    s.close()


@pytest.mark.parametrize("typed,facet,value", [
    ("جهة:داعش", "actor", "تنظيم الدولة الإسلامية"),  # actors.tsv alias
    ("actor:ISIS", "actor", "تنظيم الدولة الإسلامية"),
    ("محافظة:ادلب", "province", "إدلب"),  # normalized spelling
    ("province:Aleppo", "province", "حلب"),  # gazetteer.tsv transcription
    ("محافظة:Hasakah", "province", "الحسكة"),
    ("مصدر:عكاظ", "outlet", "عكاظ"),
    ("outlet:okaz", "outlet", "عكاظ"),  # outlets.tsv id
    ("تاريخ:آب-2015", "date", "2015-08"),  # months.tsv, Levantine
    ("تاريخ:غشت-2015", "date", "2015-08"),  # months.tsv, Maghrebi
    ('date:"August 2015"', "date", "2015-08"),
])
def test_typed_names_resolve_to_the_index_values(searcher, typed, facet, value):
    r = run(searcher, SearchRequest(q=typed))
    assert r.query_filters == {facet: [value]}, r.notices
    direct = run(searcher, SearchRequest(filters={facet: (value,)}))
    assert r.total == direct.total > 0


def test_a_month_name_in_a_date_range(searcher):
    r = run(searcher, SearchRequest(q="تاريخ:تموز-2015..آب-2015"))
    d = run(searcher, SearchRequest(q="date:2015-07-01..2015-08-31"))
    assert r.total == d.total > 0 and not r.fallback


def test_search_keeps_no_copy_of_the_index_data():
    assert not resources.files("marsad.search").joinpath("data").is_dir()


def test_facet_value_search_reads_diacritized_names_as_one_word(sample_index):
    from marsad.index.build import open_index
    from marsad.search import facet_values
    found = facet_values(open_index(sample_index), "province", "إدْلب")
    assert [b.value for b in found.buckets if b.value] == ["إدلب"]
