"""The query language: parsing, fallbacks, dates (AST level, no index)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.search.query import (
    And,
    FieldFilter,
    Not,
    Or,
    Phrase,
    QueryParseError,
    QueryTooComplex,
    Word,
    compile_query,
    parse,
    parse_date_value,
)


def test_implicit_and_phrase_or_not():
    ast = parse('"مجلس الأمن" سوريا أو العراق -روسيا')
    assert ast == Or([And([Phrase("مجلس الأمن"), Word("سوريا")]), And([Word("العراق"), Not(Word("روسيا"))])])


def test_operators_in_english_and_arabic():
    assert parse("داعش OR النصرة") == parse("داعش أو النصرة") == Or([Word("داعش"), Word("النصرة")])
    assert parse("داعش NOT روسيا") == And([Word("داعش"), Not(Word("روسيا"))])
    assert parse("(حلب أو إدلب) قصف") == And([Or([Word("حلب"), Word("إدلب")]), Word("قصف")])


def test_word_modes():
    assert parse("سوري*") == Word("سوري", "prefix")
    assert parse("ماكنزي~") == Word("ماكنزي", "fuzzy", 0)
    assert parse("ماكنزي~2") == Word("ماكنزي", "fuzzy", 2)
    assert parse("=الأمريكية") == Word("الأمريكية", "exact")
    assert parse('="القوات الأمريكية"') == Phrase("القوات الأمريكية", exact=True)


@pytest.mark.parametrize("q, facet, value", [
    ("outlet:sabq", "outlet", "sabq"), ("مصدر:سبق", "outlet", "سبق"),
    ("province:ادلب", "province", "ادلب"), ("محافظة:إدلب", "province", "إدلب"),
    ("المحافظة:حلب", "province", "حلب"), ("actor:داعش", "actor", "داعش"), ("جهة:داعش", "actor", "داعش"),
    ("date:2015-07..2015-08", "date", "2015-07..2015-08"), ("تاريخ:2015", "date", "2015"),
    ('محافظة:"دير الزور"', "province", "دير الزور"),
])
def test_field_filters_in_both_languages(q, facet, value):
    assert parse(q) == FieldFilter(facet, value)


def test_unknown_field_prefix_is_a_word():
    assert parse("http:x") == Word("http:x")


@pytest.mark.parametrize("value, expected", [
    ("2015", (date(2015, 1, 1), date(2015, 12, 31))),
    ("2015-02", (date(2015, 2, 1), date(2015, 2, 28))),
    ("2015-07-21", (date(2015, 7, 21), date(2015, 7, 21))),
    ("2021-01..2021-06", (date(2021, 1, 1), date(2021, 6, 30))),
    ("..2015", (None, date(2015, 12, 31))),
    ("تموز-2015", (date(2015, 7, 1), date(2015, 7, 31))),
    ("يوليو 2015", (date(2015, 7, 1), date(2015, 7, 31))),
    ("كانون الثاني 2016", (date(2016, 1, 1), date(2016, 1, 31))),
    ("آب-2015..أيلول-2015", (date(2015, 8, 1), date(2015, 9, 30))),
    ("٢٠١٥", (date(2015, 1, 1), date(2015, 12, 31))),
])
def test_date_values(value, expected):
    assert parse_date_value(value) == expected


@pytest.mark.parametrize("value", ["تموز", "2015-13", "2016..2015", "فلان-2015", ".."])
def test_bad_date_values(value):
    with pytest.raises(QueryParseError):
        parse_date_value(value)


@pytest.mark.parametrize("q", ['"مجلس الأمن', "(داعش", "داعش)", "داعش OR", "OR", "province:",
                               "((((((((((((((((داعش))))))))))))))))", "NOT"])
def test_malformed_queries_raise_parse_error(q):
    with pytest.raises(QueryParseError):
        parse(q)


def test_term_limit_is_a_clear_error():
    with pytest.raises(QueryTooComplex, match="at most 32"):
        compile_query(" ".join(f"كلمة{i}" for i in range(40)), reader=None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('سوريا داعش()"“”«»-*~=:|ORNOTأو0123456789 ،.\u064e\u0640')),
               max_size=60))
def test_parse_never_fails_unexpectedly(q):
    try:
        parse(q)
    except QueryParseError:
        pass


@pytest.mark.parametrize("q", ["-", "…", "*", "~", "= - +"])
def test_punctuation_only_is_an_empty_query(q):
    # nothing to search for: the query means what an empty box means (every document), with no terms
    cq = compile_query(q, reader=None)
    assert cq.empty and type(cq.match).__name__ == "Every"
    assert not (cq.stem_terms or cq.exact_terms or cq.words or cq.filters or cq.notices)
    assert "Word(" not in repr(parse(q)) and "Phrase(" not in repr(parse(q))
    # the same punctuation around a word is not empty
    real = compile_query(f"{q} سوريا", reader=None)
    assert not real.empty and real.words
