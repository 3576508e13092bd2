"""Bad queries: whatever a user types, ``search.run`` answers or says clearly why not.

tests/test_search_query.py fuzzes ``parse`` over a small alphabet, and
tests/test_search_service.py checks a few malformed queries fall back to
words. Here hypothesis drives the WHOLE request path on a real index (the
search tests' seeds + SaudiNewsNet sample) with hostile input: random Unicode,
unbalanced quotes and brackets, field prefixes with odd values, huge numbers,
deep nesting, thousands of terms, ``*`` and ``~`` abuse, Arabic with bidi
controls; and the same through the JSON API, where the only acceptable
answers are 200 and 400 (never 500). Every result must be well formed.
"""
from __future__ import annotations

import json
import math
import re
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marsad.search import SearchRequest, SearchRequestError, SearchResult, facet_values, get_document, run
from marsad.search.query import MAX_DEPTH, QueryParseError, parse
from marsad.search.request import MAX_QUERY_CHARS, MAX_QUERY_TERMS

WORDS = ["سوريا", "داعش", "حلب", "السعودية", "الأمم المتحدة", "قصف", "المملكة", "روسيا", "في", "و",
         "ال", "سوري", "ا", "ب", "x", "ISIS", "2015", "٢٠١٥", "0", "-1", "1e309", "9" * 40]
FIELDS = ["outlet:", "مصدر:", "province:", "محافظة:", "المحافظة:", "actor:", "جهة:", "date:", "تاريخ:",
          "http:", "OUTLET:", ":", "::"]
ODD_VALUES = ["", "2015", "2015-07..2015-08", "..", "..2015", "2015..", "99999999999999999999",
              "2015-13", "0000-00-00", "2015-02-30", "آب-2015..أيلول-2015", "تموز", "-5", "1e9999",
              '"دير الزور"', '"', "(", ")", "*", "~", "sabq", "عكاظ", "إدلب", "ادلب", "\u202e2015",
              "٢٠١٥-٠٧", "2015-07-21..2015-07-20", "9999-12..10000-01"]
OPS = ["OR", "أو", "AND", "NOT", "-", "+", "(", ")", "((", "))", '"', "“", "”", "«", "»", "*", "**", "~",
       "~2", "~99999999999999", "~-1", "=", "==", "|", "&&", "!", "^", "\\", "?", "؟", "،"]
CONTROLS = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
            "\u2068", "\u2069", "\u200b", "\u200c", "\u200d", "\ufeff", "\u0640", "\u064b", "\u0651",
            "\x00", "\t", "\n", "\r", "\ud7ff", "\U0001f600"]

token = st.one_of(
    st.sampled_from(WORDS),
    st.builds(lambda f, v: f + v, st.sampled_from(FIELDS), st.sampled_from(ODD_VALUES)),
    st.sampled_from(OPS),
    st.builds(lambda w, s: w + s, st.sampled_from(WORDS), st.sampled_from(["*", "~", "~1", "~3", "*~", "~*"])),
    st.builds(lambda c, w: c + w, st.sampled_from(CONTROLS), st.sampled_from(WORDS)),
    st.text(max_size=8),
)
QUERY = st.one_of(
    st.lists(token, max_size=25).map(" ".join),
    st.lists(token, max_size=12).map("".join),  # no spaces: operators glued to words
    st.text(max_size=120),
    st.lists(st.sampled_from(list('()"*~-=: ') + CONTROLS + ["سوريا", "OR", "أو"]), max_size=120).map("".join),
)


def check_result(r: SearchResult, req: SearchRequest) -> None:
    """A result is well formed: counts, page, facets, snippets escaped, JSON-serializable."""
    assert isinstance(r, SearchResult)
    assert r.total >= 0 and r.total_docs >= r.total
    assert len(r.hits) <= req.page_size
    ids = [h.id for h in r.hits]
    assert len(ids) == len(set(ids)), "a document shown twice on one page"
    assert set(r.facets) == {"outlet", "province", "actor", "date"}
    for h in r.hits:
        # the snippet is HTML: only <mark> may be markup, everything else escaped by the search layer
        rest = re.sub(r"</?mark>", "", h.snippet or "")
        assert "<" not in rest and ">" not in rest, h.snippet
    assert math.isfinite(r.took_ms)
    if r.fallback:
        assert r.notices, "a fallback must say so"
    json.dumps(r.to_dict(), ensure_ascii=False)  # the JSON API can always render it


def answer(searcher, req: SearchRequest) -> SearchResult | None:
    """run(); a refusal must be a SearchRequestError with a message a user can read."""
    try:
        r = run(searcher, req)
    except SearchRequestError as exc:
        msg = str(exc)
        assert msg and "Traceback" not in msg and len(msg) < 500, msg
        return None
    check_result(r, req)
    return r


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=QUERY)
@example(q='"مجلس الأمن')
@example(q="(" * 200 + "سوريا" + ")" * 199)
@example(q="سوريا " + "~" * 300)
@example(q="date:99999999999999999999 تاريخ:1e9999 ~99999999999999")
@example(q="\u202eسوريا\u202c OR \u2067داعش\u2069 -\u200fحلب")
@example(q="\x00سوريا\x00")
@example(q="*~ ~* ** ~~ *" * 10)
def test_any_query_string_is_answered_or_refused_clearly(searcher, q):
    try:
        req = SearchRequest(q=q)
    except SearchRequestError as exc:
        assert len(q) > MAX_QUERY_CHARS and "too long" in str(exc)
        return
    answer(searcher, req)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=QUERY, facet=st.sampled_from(["outlet", "province", "actor", "date"]),
       values=st.lists(st.one_of(st.sampled_from(ODD_VALUES + WORDS), st.text(max_size=10)), max_size=4),
       sort=st.sampled_from(["relevance", "newest", "oldest", "RANDOM", ""]),
       page=st.one_of(st.integers(-3, 120), st.text(max_size=4), st.just("9" * 30)),
       size=st.one_of(st.integers(-1, 150), st.just("1e3"), st.just("")),
       exact=st.booleans(), date_from=st.sampled_from(["", "2015", "2015-07-21", "0001", "9999-12", "x", "2015-02-30"]))
def test_any_url_parameters_are_answered_or_refused_clearly(searcher, q, facet, values, sort, page, size, exact,
                                                            date_from):
    args = {"q": q, facet: values, "sort": sort, "page": str(page), "page_size": str(size), "from": date_from,
            "exact": "1" if exact else "0"}
    try:
        req = SearchRequest.from_args(args)
    except SearchRequestError as exc:
        assert str(exc)
        return
    answer(searcher, req)


# ---------------------------------------------------------------- the named extremes

def test_deep_nesting_never_recurses_out(searcher):
    for depth in (MAX_DEPTH, MAX_DEPTH + 1, 240):
        q = "(" * depth + "سوريا" + ")" * depth
        r = answer(searcher, SearchRequest(q=q))
        assert r is not None and r.total > 0  # too deep: the words are still searched
        assert r.fallback == (depth > MAX_DEPTH)
    # far past any request limit, the parser alone still refuses cleanly (no RecursionError)
    for q in ("(" * 100_000, "(" * 50_000 + "x" + ")" * 50_000, "-" * 100_000 + "x", "NOT " * 20_000 + "x",
              '"' * 100_001, "x OR " * 20_000):
        try:
            parse(q)
        except QueryParseError:
            pass


def test_thousands_of_terms_are_refused_with_the_limit(searcher):
    many = " ".join(["ا", "ب", "ت", "ث"] * 60)  # 240 one-letter terms, under the length cap
    assert len(many) <= MAX_QUERY_CHARS
    with pytest.raises(SearchRequestError, match=f"at most {MAX_QUERY_TERMS}"):
        run(searcher, SearchRequest(q=many))
    with pytest.raises(SearchRequestError, match="too long"):
        SearchRequest(q=" ".join(["سوريا"] * 5000))
    # operators and brackets do not get round the count
    with pytest.raises(SearchRequestError, match=f"at most {MAX_QUERY_TERMS}"):
        run(searcher, SearchRequest(q=" OR ".join(f"({w})" for w in ["سوريا", "حلب"] * 20)))
    # nor do unbalanced ones (the fallback counts words too)
    with pytest.raises(SearchRequestError, match=f"at most {MAX_QUERY_TERMS}"):
        run(searcher, SearchRequest(q="(" + " ".join(["سوريا", "حلب"] * 20)))


def test_prefix_and_fuzzy_abuse_stays_bounded(searcher):
    """Short prefixes and fuzzy words expand to at most the caps, and the answer says so."""
    from marsad.search.request import MAX_PREFIX_EXPANSIONS
    qs = ["ا*", "ال*", "سو*", "ال* سو* الم* الت*", " OR ".join(["ال*", "سو*", "م*", "ت*"] * 4),
          "ال~ في~ من~ على~ سوريا~ داعش~ و~ ب~", "ا*~ ~ * ~2 ~3 ~~ **"]
    for q in qs:
        t0 = time.perf_counter()
        r = answer(searcher, SearchRequest(q=q))
        secs = time.perf_counter() - t0
        print(f"{q[:40]!r}: {secs * 1000:.0f} ms, total {r.total if r else 'refused'}")
        # the per-request time limit (default 2 s) bounds the scoring; facets and the page come after
        assert secs < 20, f"{q!r} took {secs:.1f} s: the expansion caps do not hold"
    r = run(searcher, SearchRequest(q="ال*"))
    assert "expansion_capped" in r.notice_codes, r.notices  # notices are Arabic; codes say which
    assert any(f"أكثر {MAX_PREFIX_EXPANSIONS} منها" in n for n in r.notices), r.notices
    # past the time limit the result is partial, and says so (not an error, not a hang)
    r = run(searcher, SearchRequest(q=qs[4], time_limit=0.0005))
    assert r.partial and "partial" in r.notice_codes and any("جزئية" in n for n in r.notices)
    check_result(r, SearchRequest(q=qs[4]))


def test_documents_and_facet_search_take_any_string(searcher):
    for doc_id in ("", "\x00", "../../etc/passwd", "/etc/passwd", "%2e%2e%2f", "a" * 10_000, "\u202e", "*",
                   "id:*", "seeds/../../x", "001_14717baeb95f515f.txt\x00.jpg"):
        assert get_document(searcher, doc_id) is None, doc_id
    for q in ("", "\x00", "(", "*", '"', "ا" * 100, "\u202eحلب", "%"):
        r = facet_values(searcher, "province", q)
        assert all(isinstance(b.value, str) for b in r.buckets)
    with pytest.raises(SearchRequestError):
        facet_values(searcher, "province", "ا" * 101)
    with pytest.raises(SearchRequestError):
        facet_values(searcher, "../etc", "")


# ---------------------------------------------------------------- through the JSON API

@pytest.fixture(scope="module")
def client(make_app):
    from web_support import web_index_dir
    app = make_app(web_index_dir(), PROPAGATE_EXCEPTIONS=False)  # a crash must surface as the 500 a user would get
    return app.test_client()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(q=QUERY, extra=st.lists(st.tuples(st.sampled_from(["outlet", "province", "actor", "date", "page", "sort",
                                                            "page_size", "from", "to", "facet_all", "exact",
                                                            "facet_limit", "collapse", "zzz"]),
                                          st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=6))),
                                max_size=4))
def test_api_and_page_answer_200_or_400_never_500(client, q, extra):
    from urllib.parse import urlencode
    qs = urlencode([("q", q), *extra])
    r = client.get("/api/search?" + qs)
    assert r.status_code in (200, 400, 414), (r.status_code, qs, r.get_data(as_text=True)[:300])
    body = r.get_json()
    if r.status_code != 200:
        assert body["error"] and "Traceback" not in body["error"]
    else:
        assert body["query"] == q.replace("\r\n", "\n") or isinstance(body["query"], str)
    page = client.get("/?" + qs)
    # the page ignores unknown names (links from elsewhere) but checks every value as the API does
    known = urlencode([("q", q), *[(k, v) for k, v in extra if k != "zzz"]])
    want = client.get("/api/search?" + known).status_code if known != qs else r.status_code
    assert page.status_code == want
    assert "Traceback" not in page.get_data(as_text=True)
