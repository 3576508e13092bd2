"""search.run on a real index: seeds + a SaudiNewsNet sample (tests/search_support.py)."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from marsad.analyzers import analyze
from marsad.search import SearchRequest, SearchRequestError, facet_values, get_document, more_like_this, run
from marsad.search.service import open_searcher

from search_support import plain, search_index


@pytest.fixture(scope="module")
def ix():
    return search_index()[0]


@pytest.fixture(scope="module")
def records():
    return search_index()[1]


@pytest.fixture(scope="module")
def searcher(ix):
    s = open_searcher(ix)
    yield s
    s.close()


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def all_ids(s, q: str, **kw) -> set[str]:
    r = run(s, SearchRequest(q=q, page_size=100, collapse=False, **kw))
    assert r.total <= 100, "test query too broad for all_ids"
    return ids(r)


def stems(text: str) -> set[str]:
    return {t["text"] for t in analyze(text, "stem")}


# ---------------------------------------------------------------- morphology


def test_syria_finds_text_that_only_says_the_adjective(searcher, records):
    only_adj = [r for r in records if "السورية" in r.body and "سوريا" not in r.body and "سورية" not in r.body.replace("السورية", "")]
    assert only_adj, "the sample should hold a text with السورية but no سوريا"
    found = all_ids(searcher, "سوريا", filters={"outlet": (only_adj[0].outlet,)} if only_adj[0].outlet else {})
    assert only_adj[0].id in found


def test_american_bases_plural_finds_singular(searcher):
    # seed 000 says "قواعد" / "الولايات المتحدة الأمريكية"; the diacritized record says "قَاعِدَةٍ" and "الأَمْرِيكِيَّةُ"
    found = all_ids(searcher, "القواعد الأمريكية")
    assert "test-diacritized" in found
    assert "000_e12dae8010189e53.txt" in found
    assert all_ids(searcher, "قاعدة أميركية") == found


def test_stopwords_do_not_break_and(searcher):
    assert all_ids(searcher, "قاعدة في الحسكة") == all_ids(searcher, "قاعدة الحسكة")


def test_exact_form_is_narrower_and_ranks_first(searcher):
    stem_hits = run(searcher, SearchRequest(q="الأمريكية", page_size=100, collapse=False))
    exact_hits = run(searcher, SearchRequest(q="=الأمريكية", page_size=100, collapse=False))
    stem_only = run(searcher, SearchRequest(q="الأمريكية -=الأمريكية", page_size=100, collapse=False))
    assert 0 < exact_hits.total_docs < stem_hits.total_docs
    assert stem_hits.total_docs == exact_hits.total_docs + stem_only.total_docs
    # exact-level matches rank above stem-only ones: the top ten hold none of the stem-only ones,
    # though they are a quarter of all matches
    top = [h.id for h in stem_hits.hits[:10]]
    assert stem_only.total_docs > stem_hits.total_docs / 5
    assert not set(top) & ids(run(searcher, SearchRequest(q="الأمريكية -=الأمريكية", page_size=100)))


# ---------------------------------------------------------------- operators


def test_phrase_is_narrower_than_words(searcher, records):
    words = all_ids(searcher, "مجلس الأمن")
    phrase = all_ids(searcher, '"مجلس الأمن"')
    assert phrase and phrase <= words
    for r in records:
        if r.id in phrase:
            toks = [t["text"] for t in analyze(f"{r.title}\n{r.body}", "stem")]
            assert any(a == "مجلس" and b == stems("الأمن").pop() for a, b in zip(toks, toks[1:])), r.id


def test_exclusion(searcher, records):
    with_russia = all_ids(searcher, "داعش روسيا")
    without = all_ids(searcher, "داعش -روسيا")
    also = all_ids(searcher, "داعش NOT روسيا")
    assert without == also and not (without & with_russia)
    assert all_ids(searcher, "داعش") == without | with_russia


def test_or_in_both_languages(searcher):
    a, b = all_ids(searcher, "الحسكة"), all_ids(searcher, "الرقة")
    assert all_ids(searcher, "الحسكة OR الرقة") == a | b == all_ids(searcher, "الحسكة أو الرقة")


def test_prefix_and_fuzzy(searcher, records):
    hasakah = all_ids(searcher, "الحسكة")
    assert hasakah and all_ids(searcher, "الحسك*") >= hasakah
    # a prefix reaches forms the whole word does not, and is not "everything"
    word, prefix = all_ids(searcher, "انسحاب"), all_ids(searcher, "انسحاب*")
    assert word and prefix > word and len(prefix) < len(records)
    # seed 001 spells the general ماكنزي; a typo (ر for ز) finds nothing as typed, and him with ~
    assert all_ids(searcher, "ماكنري") == set()
    mckenzie = all_ids(searcher, "ماكنزي")
    assert "001_14717baeb95f515f.txt" in mckenzie
    assert all_ids(searcher, "ماكنري~") >= mckenzie


def test_prefix_with_the_article_expands_surface_forms(searcher):
    # the stem level has no ال-forms: the exact level must supply them
    r = run(searcher, SearchRequest(q="الحسك*", page_size=5))
    assert r.total > 0
    assert all_ids(searcher, "الحسك*") >= all_ids(searcher, "=الحسكة")
    # a clitic-carrying surface form exists only at the exact level (seed 000: بدير الزور)
    surface = all_ids(searcher, "=بدير")
    assert surface and all_ids(searcher, "بدير*") >= surface
    # and the snippet marks the surface form that matched
    hit = run(searcher, SearchRequest(q="بدير*", page_size=1)).hits[0]
    assert "<mark>" in hit.snippet


@pytest.mark.parametrize("q", ['"مجلس الأمن', "(داعش", "داعش OR", "((((((((((((((((داعش))))))))))))))))"])
def test_unparseable_query_falls_back_to_words(searcher, q):
    r = run(searcher, SearchRequest(q=q))
    assert r.fallback and r.notices and r.total > 0
    words = " ".join(m for m in re.findall(r"[^\W_]+", q) if m not in ("OR",))
    assert r.total == run(searcher, SearchRequest(q=words)).total


def test_too_many_terms_is_a_clear_error(searcher):
    with pytest.raises(SearchRequestError, match="at most 32"):
        run(searcher, SearchRequest(q=" ".join(["سوريا"] * 40)))


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize("q", ["province:ادلب", "محافظة:إدلب", "محافظة:ادلب", "المحافظة:إدلب"])
def test_province_filter_normalized_both_languages(searcher, records, q):
    expected = {r.id for r in records if "إدلب" in r.provinces}
    r = run(searcher, SearchRequest(q=q, page_size=100, collapse=False))
    assert ids(r) == expected and expected


def test_actor_alias(searcher, records):
    expected = {r.id for r in records if "داعش" in r.actors}
    got = run(searcher, SearchRequest(q='جهة:"تنظيم الدولة"', page_size=100, collapse=False))
    assert got.total_docs == len(expected)
    assert ids(got) <= expected


def test_outlet_filter_english_and_arabic(searcher, records):
    expected = sum(1 for r in records if r.outlet == "سبق")
    assert run(searcher, SearchRequest(q="مصدر:سبق")).total_docs == expected
    assert run(searcher, SearchRequest(q="outlet:sabq")).total_docs == expected  # via data/aliases.txt


@pytest.mark.parametrize("q, lo, hi", [
    ("date:2015-08", "2015-08-01", "2015-08-31"),
    ("تاريخ:آب-2015", "2015-08-01", "2015-08-31"),
    ("date:2015-07-01..2015-07-31", "2015-07-01", "2015-07-31"),
    ("تاريخ:2016", "2016-01-01", "2016-12-31"),
])
def test_date_filters(searcher, records, q, lo, hi):
    expected = sum(1 for r in records if r.date and lo <= r.date.isoformat() <= hi)
    assert expected
    assert run(searcher, SearchRequest(q=q)).total_docs == expected


def test_from_to_request_range(searcher, records):
    req = SearchRequest.from_args({"from": "2015-08", "to": "2016"})
    expected = sum(1 for r in records if r.date and "2015-08-01" <= r.date.isoformat() <= "2016-12-31")
    assert run(searcher, req).total_docs == expected


# ---------------------------------------------------------------- facets


def _brute(records, matched: set[str], facet: str, filters: dict[str, tuple[str, ...]]) -> Counter:
    def values(r, f):
        if f == "outlet":
            return [r.outlet] if r.outlet else [""]
        if f == "province":
            return r.provinces or [""]
        if f == "actor":
            return r.actors or [""]
        return [str(r.date.year)] if r.date else [""]

    c = Counter()
    for r in records:
        if r.id not in matched:
            continue
        if all(set(values(r, f)) & set(vals) for f, vals in filters.items() if f != facet):
            c.update(values(r, facet))
    return c


def test_multiselect_counts_match_brute_force(searcher, records):
    filters = {"outlet": ("الشرق الأوسط", "الوئام"), "province": ("دمشق", "حلب"), "date": ("2015",)}
    matched = {r.id for r in records if "سوري" in stems(f"{r.title}\n{r.body}")}
    res = run(searcher, SearchRequest(q="سوريا", filters=filters, facet_all=("outlet", "province", "actor", "date")))
    for facet in ("outlet", "province", "actor", "date"):
        got = {b.value: b.count for b in res.facets[facet].buckets if b.count and not (facet == "date" and len(b.value) == 7)}
        want = {k: v for k, v in _brute(records, matched, facet, filters).items() if v}
        assert got == want, facet
    # the total honours every filter (OR within, AND across)
    final = [r for r in records if r.id in matched and r.outlet in filters["outlet"]
             and set(r.provinces) & set(filters["province"]) and r.date and r.date.year == 2015]
    assert res.total_docs == len(final)


def test_selected_values_stay_visible_at_zero(searcher):
    res = run(searcher, SearchRequest(q="الحوثيين", filters={"province": ("درعا",), "outlet": ("سبق",)}))
    prov = {b.value: b for b in res.facets["province"].buckets}
    assert prov["درعا"].selected
    out = {b.value: b for b in res.facets["outlet"].buckets}
    assert out["سبق"].selected and "سبق" in out


def test_unknown_buckets(searcher, records):
    res = run(searcher, SearchRequest(q="التحالف", facet_all=("province", "outlet", "date", "actor"),
                                      collapse=False))  # counts of documents, copies too
    matched = {r.id for r in records if "تحالف" in stems(f"{r.title}\n{r.body}")}
    no_date = sum(1 for r in records if r.id in matched and not r.date)
    assert no_date  # the seeds have no date
    date_unknown = [b for b in res.facets["date"].buckets if b.value == ""]
    assert date_unknown and date_unknown[0].count == no_date == res.facets["date"].unknown
    # selecting the unknown bucket keeps only those documents
    sel = run(searcher, SearchRequest(q="التحالف", filters={"date": ("",)}, collapse=False))
    assert sel.total_docs == no_date


@pytest.mark.parametrize("typed,facet,value", [
    ("محافظة:حلب", "province", "حلب"), ("province:حلب", "province", "حلب"), ("جهة:داعش", "actor", "داعش"),
    ("مصدر:سبق", "outlet", "سبق"), ("تاريخ:2015", "date", "2015"), ("تاريخ:تموز-2015", "date", "2015-07"),
    ("date:2015-08", "date", "2015-08"),
])
def test_top_level_field_filters_act_as_facet_selections(searcher, typed, facet, value):
    a = run(searcher, SearchRequest(q=f"السعودية {typed}"))
    b = run(searcher, SearchRequest(q="السعودية", filters={facet: (value,)}))
    assert a.total == b.total > 0
    assert a.to_dict()["facets"] == b.to_dict()["facets"]  # tag/exclude: its facet counted without it
    assert any(x.selected and x.value == value for x in a.facets[facet].buckets)
    assert a.query_filters == {facet: [value]} and a.query_rest == "السعودية"
    assert [h.id for h in a.hits] == [h.id for h in b.hits]


def test_field_filters_inside_or_not_stay_in_the_query(searcher, records):
    r = run(searcher, SearchRequest(q="(محافظة:حلب OR محافظة:إدلب) سوريا", collapse=False))
    assert not r.query_filters and not any(b.selected for b in r.facets["province"].buckets)
    counts = {b.value: b.count for b in r.facets["province"].buckets}
    assert counts.get("حلب", 0) + counts.get("إدلب", 0) >= r.total_docs > 0
    n = run(searcher, SearchRequest(q="سوريا -محافظة:حلب"))
    assert not n.query_filters and "حلب" not in {b.value for b in n.facets["province"].buckets}
    # a facet named twice at the top selects both values: OR within the facet, as the README
    # says and as two ticked values do (it used to be an AND of both, issue 12)
    both = run(searcher, SearchRequest(q="محافظة:حلب محافظة:دمشق", collapse=False))
    assert both.query_filters == {"province": ["حلب", "دمشق"]}
    either = sum(1 for r in records if {"حلب", "دمشق"} & set(r.provinces))
    assert both.total_docs == either > sum(1 for r in records if {"حلب", "دمشق"} <= set(r.provinces))
    ticked = run(searcher, SearchRequest(filters={"province": ("حلب", "دمشق")}, collapse=False))
    assert both.total_docs == ticked.total_docs
    assert both.to_dict()["facets"] == ticked.to_dict()["facets"]


def test_date_drills_down_to_months(searcher, records):
    res = run(searcher, SearchRequest(filters={"date": ("2015",)}, collapse=False))
    months = {b.value: b.count for b in res.facets["date"].buckets if len(b.value) == 7}
    want = Counter(f"{r.date:%Y-%m}" for r in records if r.date and r.date.year == 2015)
    assert months == dict(want)
    # precision "month" keeps the month; "year" precision would not
    res = run(searcher, SearchRequest(filters={"date": ("2017",)}))
    assert {b.value: b.count for b in res.facets["date"].buckets}.get("2017-05") == 1


def test_date_facet_limit_cuts_years_never_the_months_of_a_selected_year(searcher, records):
    import calendar
    from datetime import date
    months_2015 = Counter(f"{r.date:%Y-%m}" for r in records if r.date and r.date.year == 2015)
    first, last = min(months_2015), max(months_2015)
    assert first != last, "the sample spans two months of 2015"
    res = run(searcher, SearchRequest(filters={"date": ("2015",)}, facet_limit=1, collapse=False))
    got = {b.value: b.count for b in res.facets["date"].buckets}
    assert {v: c for v, c in got.items() if len(v) == 7} == dict(months_2015)  # all months, limit 1
    years = {r.date.year for r in records if r.date}
    # the limit of 1 is taken by the selected year; the other years and the unknown bucket are left out
    unknown_left_out = 1 if res.facets["date"].unknown else 0
    assert [v for v in got if len(v) == 4] == ["2015"] and res.facets["date"].other == len(years) - 1 + unknown_left_out
    # a month of the data range with no match stays, at 0; months beyond the data are not invented
    early = run(searcher, SearchRequest(filters={"date": ("2015",)}, collapse=False, date_to=date(2015, int(first[5:]), calendar.monthrange(2015, int(first[5:]))[1])))
    got = {b.value: b.count for b in early.facets["date"].buckets if len(b.value) == 7}
    assert got[last] == 0 and got[first] == months_2015[first]
    assert set(got) == {f"2015-{m:02d}" for m in range(int(first[5:]), int(last[5:]) + 1)}


def test_top_n_and_other(searcher):
    res = run(searcher, SearchRequest(q="", facet_limit=3))
    f = res.facets["outlet"]
    assert len(f.buckets) == 3 and f.other > 0
    full = run(searcher, SearchRequest(q="", facet_all=("outlet",))).facets["outlet"]
    assert len(full.buckets) == 3 + f.other


@pytest.mark.parametrize("limit", [0, 1, 2, 5])
def test_facet_limit_returns_exactly_that_many_buckets(searcher, limit):
    """facet_limit=N is N buckets, the unknown bucket counted among them (it was N+1: issue 17)."""
    res = run(searcher, SearchRequest(q="سوريا", facet_limit=limit))
    for name in ("outlet", "province", "actor"):
        f = res.facets[name]
        full = run(searcher, SearchRequest(q="سوريا", facet_all=(name,))).facets[name]
        assert len(f.buckets) == min(limit, len(full.buckets)), (name, f.buckets)
        assert len(f.buckets) + f.other == len(full.buckets)
        # the buckets kept are the ones with most documents, unknown included
        want = sorted((b.count for b in full.buckets), reverse=True)[:limit]
        assert sorted((b.count for b in f.buckets), reverse=True) == want
    # a selected value keeps its place and counts toward the limit
    sel = run(searcher, SearchRequest(q="سوريا", filters={"province": ("درعا",)}, facet_limit=limit))
    f = sel.facets["province"]
    assert "درعا" in [b.value for b in f.buckets] and len(f.buckets) == max(1, limit)


def test_facet_value_search(ix):
    got = facet_values(ix, "province", "ادلب")
    assert [b.value for b in got.buckets] == ["إدلب"]
    got = facet_values(ix, "outlet", "الشرق")
    assert {"الشرق الأوسط"} <= {b.value for b in got.buckets}


# ---------------------------------------------------------------- hits


def test_highlight_on_diacritized_text(searcher):
    r = run(searcher, SearchRequest(q="سوريا القوات"))
    hit = next(h for h in r.hits if h.id == "test-diacritized")
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    assert "القُوّاتُ" in marked and "السُّورِيِّينَ" in marked
    assert "&lt;b&gt;يُرَحِّبُونَ&lt;/b&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<b>" not in hit.snippet
    # the plain text of the snippet is a run of the original body
    for frag in plain(hit.snippet).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split(" … "):
        assert frag.strip("… ") in search_index()[1][6].body
    assert "<mark>" in hit.title_html


def test_hits_carry_facets_and_dates(searcher):
    r = run(searcher, SearchRequest(q="الحسكة", sort="newest", page_size=50))
    dates = [h.date for h in r.hits if h.date]
    assert dates == sorted(dates, reverse=True)
    d = next(h for h in r.hits if h.id == "test-diacritized")
    assert d.date == "2016-03-05" and d.date_precision == "day" and "الحسكة" in d.provinces
    old = run(searcher, SearchRequest(q="التحالف", sort="oldest", page_size=50))
    known = [h.date for h in old.hits if h.date]
    assert known == sorted(known)
    last = run(searcher, SearchRequest(q="التحالف", sort="newest", page_size=5))
    assert last.hits[0].date == "2017-05" and last.hits[0].date_precision == "month"


def test_duplicates_collapsed(searcher):
    r = run(searcher, SearchRequest(q='"التحالف الدولي" "ينفي إرسال قوات"'))
    ours = [h for h in r.hits if h.id in ("001_14717baeb95f515f.txt", "test-copy-of-001")]
    assert len(ours) == 1
    assert ours[0].copies and ours[0].copies[0]["outlet"] in ("عنب بلدي", None)
    assert r.total == r.total_docs - 1
    flat = run(searcher, SearchRequest(q='"التحالف الدولي" "ينفي إرسال قوات"', collapse=False))
    assert {"001_14717baeb95f515f.txt", "test-copy-of-001"} <= ids(flat)


def test_paging(searcher):
    p1 = run(searcher, SearchRequest(q="السعودية", page=1, page_size=5))
    p2 = run(searcher, SearchRequest(q="السعودية", page=2, page_size=5))
    both = run(searcher, SearchRequest(q="السعودية", page=1, page_size=10))
    assert [h.id for h in p1.hits + p2.hits] == [h.id for h in both.hits]
    past = run(searcher, SearchRequest(q="السعودية", page=99, page_size=100))
    assert past.hits == [] and past.notices


def test_time_limit_gives_partial_results(searcher):
    r = run(searcher, SearchRequest(q="سوري* OR السعودية OR المملكة", time_limit=0.0001))
    assert r.partial and "partial" in r.notice_codes and any("جزئية" in n for n in r.notices)


def test_past_the_time_limit_the_terms_done_so_far_decide(searcher):
    q = "السعودية المملكة الرياض"
    full = run(searcher, SearchRequest(q=q, page_size=100, collapse=False))
    r = run(searcher, SearchRequest(q=q, page_size=100, collapse=False, time_limit=1e-6))
    assert r.partial and not full.partial
    # an AND is evaluated rarest word first: past the deadline, that word alone decides
    # (a superset of the full AND)
    assert r.total_docs > full.total_docs > 0
    alone = {w: run(searcher, SearchRequest(q=w, collapse=False)).total_docs for w in q.split()}
    rarest = min(alone, key=alone.get)
    assert r.total_docs == alone[rarest]
    first = stems(rarest)
    for h in r.hits:
        assert first & stems(plain(h.title_html) + " " + searcher.stored_fields(
            searcher.document_number(id=h.id))["body"]), h.id
    assert [h.score for h in r.hits] == sorted((h.score for h in r.hits), reverse=True)


ARABIC_FIRST = re.compile(r"^[«\u0600-\u06FF]")


@pytest.mark.parametrize("q,kw,code", [
    ('"مجلس الأمن', {}, "fallback"),
    ("سو*", {}, "expansion_capped"),
    ("سوري* ال*", {}, "prefix_too_broad"),
    ("و* سوريا", {}, "prefix_too_short"),
    (" ".join(p + "*" for p in ["ال", "وا", "با", "لل", "فا", "كا", "سو", "مع", "تم"]), {}, "query_expansions_capped"),
    ("قزحصطو*", {}, "no_expansion"),
    ("سوريا في", {}, "stop_word"),
    ('"في من" سوريا', {}, "stop_phrase"),
    ("سوريا محافظة:زحلة", {}, "unknown_value"),
    ("سوريا", {"filters": {"outlet": ("لا-يوجد",)}}, "unknown_value"),
    ("سوريا المملكة", {"time_limit": 1e-6}, "partial"),
    ("السعودية", {"page": 99, "page_size": 100}, "past_last_page"),
])
def test_notices_are_arabic_with_a_code(searcher, q, kw, code):
    r = run(searcher, SearchRequest(q=q, **kw))
    assert code in r.notice_codes and len(r.notice_codes) == len(r.notices)
    text = r.notices[r.notice_codes.index(code)]
    assert ARABIC_FIRST.match(text), text
    assert not re.search(r"[A-Za-z]{3,}", text.replace(q, "")), text  # no English beside the user's words


@pytest.mark.parametrize("args", [
    {"page": "0"}, {"page_size": "1000"}, {"sort": "best"}, {"from": "2015-13"}, {"from": "x"},
    {"date": "July"}, {"outlet": "a", "facet_all": "colour"}, {"page": "abc"}, {"q": "x", "page": "5000", "page_size": "100"},
    {"from": "2016", "to": "2015"},
])
def test_request_errors_say_it_in_arabic_then_english(args):
    with pytest.raises(SearchRequestError) as e:
        SearchRequest.from_args(args)
    msg = str(e.value)
    assert ARABIC_FIRST.match(msg) and re.search(r"\([^()]*[A-Za-z]{3,}.*\)$", msg), msg


def test_too_many_terms_says_it_in_arabic(searcher):
    with pytest.raises(SearchRequestError) as e:
        run(searcher, SearchRequest(q=" ".join(f"كلمة{i}" for i in range(40))))
    assert ARABIC_FIRST.match(str(e.value)) and "at most 32" in str(e.value)


def test_did_you_mean(searcher):
    r = run(searcher, SearchRequest(q="الحوتيين"))
    assert r.suggestion == "الحوثيين"
    assert run(searcher, SearchRequest(q="الحوثيين")).suggestion is None


def test_more_like_this_and_get_document(ix):
    similar = more_like_this(ix, "000_e12dae8010189e53.txt", limit=5)
    assert similar and all(h.id != "000_e12dae8010189e53.txt" for h in similar)
    assert any(h.id.endswith(".txt") for h in similar)  # another seed about the coalition in Syria
    doc = get_document(ix, "001_14717baeb95f515f.txt")
    assert doc["title"].startswith("التحالف الدولي") and doc["copies"][0]["id"] == "test-copy-of-001"
    assert get_document(ix, "../../etc/passwd") is None


def test_json_shape(searcher):
    d = run(searcher, SearchRequest(q="سوريا")).to_dict()
    assert {"total", "hits", "facets", "took_ms", "partial", "suggestion"} <= set(d)
    assert set(d["facets"]) == {"outlet", "province", "actor", "date"}
    for b in d["facets"]["province"]:
        assert set(b) >= {"value", "count", "selected"}
    assert {"id", "title", "outlet", "date", "provinces", "actors", "snippet"} <= set(d["hits"][0])


@pytest.mark.parametrize("q", ["", "سوريا", '"التحالف الدولي"', "السعودية"])
def test_collapsed_facet_counts_are_what_a_click_yields(searcher, q):
    """Issue 12: with copies collapsed, the outlet facet counted the copies
    (buckets summed past the total). Now a group of copies counts once, with
    its leader's values: a single-valued facet's buckets + unknown add up to
    the total, and ticking any bucket yields exactly its count."""
    r = run(searcher, SearchRequest(q=q, facet_all=("outlet", "province", "actor", "date")))
    assert r.total < r.total_docs or q  # the sample holds copies (a seed syndicated by another outlet)
    out = r.facets["outlet"]
    assert sum(b.count for b in out.buckets if b.value) + out.unknown == r.total
    years = [b for b in r.facets["date"].buckets if len(b.value) == 4]
    assert sum(b.count for b in years) + r.facets["date"].unknown == r.total
    for name in ("outlet", "province", "actor", "date"):
        for b in r.facets[name].buckets[:6]:
            ticked = run(searcher, SearchRequest(q=q, filters={name: (b.value,)}, highlight=False, suggest=False))
            assert ticked.total == b.count, (name, b.value)


def test_copies_of_other_outlets_no_longer_inflate_the_outlet_facet(searcher):
    flat = run(searcher, SearchRequest(q='"التحالف الدولي" "ينفي إرسال قوات"', collapse=False))
    r = run(searcher, SearchRequest(q='"التحالف الدولي" "ينفي إرسال قوات"'))
    assert r.total == flat.total - 1 == 1
    assert sum(b.count for b in flat.facets["outlet"].buckets) == 2  # the copy's outlet counted too
    assert sum(b.count for b in r.facets["outlet"].buckets) == 1


def test_a_hit_lists_at_most_max_copies_and_counts_them_all(searcher, monkeypatch):
    """A wire story syndicated by dozens of outlets: a search hit lists the first
    MAX_COPIES_LISTED copies (each is a stored-document read) and says how many there are."""
    from marsad.search import service
    q = '"التحالف الدولي"'  # a seed syndicated by another outlet in the sample
    full = run(searcher, SearchRequest(q=q, page_size=100, highlight=False, suggest=False))
    with_copies = [h for h in full.hits if h.copies_total]
    assert with_copies and all(h.copies_total == len(h.copies) for h in with_copies)
    monkeypatch.setattr(service, "MAX_COPIES_LISTED", 0)
    capped = run(searcher, SearchRequest(q=q, page_size=100, highlight=False, suggest=False))
    by_id = {h.id: h for h in capped.hits}
    for h in with_copies:
        assert by_id[h.id].copies == [] and by_id[h.id].copies_total == h.copies_total


@pytest.mark.parametrize("q", ["سوريا", "داعش أو النصرة", "", "كلمةلاتوجدابدا", "محافظة:حلب روسيا"])
def test_to_dict_is_what_dataclasses_asdict_gives(searcher, q):
    # to_dict is written out for speed: it must stay the same shape and values as asdict,
    # with fresh containers (a caller may change the dict without touching the result)
    import dataclasses
    r = run(searcher, SearchRequest(q=q, collapse=q != "سوريا"))
    want = dataclasses.asdict(r)
    want["facets"] = {name: [dataclasses.asdict(b) for b in f.buckets] for name, f in r.facets.items()}
    want["facet_info"] = {name: {"label": f.label, "other": f.other, "unknown": f.unknown}
                          for name, f in r.facets.items()}
    got = r.to_dict()
    assert got == want
    if got["hits"]:
        got["hits"][0]["provinces"].append("x")
        got["hits"][0]["copies"].append({"id": "x"})
        assert "x" not in r.hits[0].provinces and {"id": "x"} not in r.hits[0].copies


def test_copies_from_the_keys_column_equal_those_from_the_stored_fields(sample_index, searcher, monkeypatch):
    """A hit's copies are read from the keys column and the facet arrays (no stored
    document per copy); a segment without that column (written by Whoosh's own
    writer, as the search tests' index is) reads the stored fields: both give the
    same id, outlet, URL and rewritten flag, stories apart or together."""
    from marsad.index.build import open_index
    from marsad.search import service
    assert service.doc_keys(searcher.reader(), 0) is None  # Whoosh's writer: no keys column
    s = service.open_searcher(open_index(sample_index))
    try:
        assert service.doc_keys(s.reader(), 0) is not None
        reqs = [SearchRequest(q=q, page_size=50, highlight=False, suggest=False, stories=st)
                for q in ("سوريا", "داعش", "السعودية", "") for st in (False, True)]
        fast = [run(s, r) for r in reqs]
        listed = [c for r in fast for h in r.hits for c in h.copies]
        assert len(listed) >= 3, "the sample has syndicated copies"
        assert all(c["id"] and c["outlet"] for c in listed)
        docs_fast = [service.get_document(s, h.id) for r in fast[:2] for h in r.hits if h.copies]
        monkeypatch.setattr(service, "doc_keys", lambda reader, docnum: None)
        slow = [run(s, r) for r in reqs]
        for a, b in zip(fast, slow):
            assert [(h.id, h.copies, h.copies_total, h.copies_outlets) for h in a.hits] == \
                   [(h.id, h.copies, h.copies_total, h.copies_outlets) for h in b.hits]
        docs_slow = [service.get_document(s, h.id) for r in slow[:2] for h in r.hits if h.copies]
        assert [d["copies"] for d in docs_fast] == [d["copies"] for d in docs_slow] and docs_fast
    finally:
        s.close()
