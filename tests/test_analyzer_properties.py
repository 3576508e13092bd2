"""Property-based tests: the analyzer never fails and its offsets stay true."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.analyzers import analyze, normalize, stem
from marsad.analyzers.normalize import normalize_text

# Arabic letters and marks, bidi controls, joiners, emoji, Latin, digits, spaces
# and punctuation: the mixtures real pasted text contains.
_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # Arabic incl. harakat, digits
    st.characters(min_codepoint=0x0750, max_codepoint=0x077F),  # Arabic supplement
    st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),  # presentation forms A
    st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFF),  # presentation forms B
    st.sampled_from(list("\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202e\u2066\u2069\ufeff\u0640 \n\t.،؛؟!\"'«»")),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(codec="utf-8"),
)
TEXT = st.text(alphabet=_ALPHABET, max_size=300)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from(["stem", "exact"]))
def test_analyze_never_fails_and_offsets_stay_inside(text: str, level: str) -> None:
    tokens = analyze(text, level)
    last_end = 0
    for t in tokens:
        assert 0 <= t["start"] < t["end"] <= len(text)
        assert t["start"] >= last_end  # in order, not overlapping
        last_end = t["end"]
        assert t["text"]  # never an empty term
        assert not any(c.isspace() for c in t["text"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=40))
def test_normalize_is_idempotent_and_stem_is_stable(word: str) -> None:
    n = normalize(word)
    assert normalize(n) == n
    s = stem(n)
    assert isinstance(s, str)
    assert stem(n) == s  # deterministic (also through the cache)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1000, max_value=100_000))
def test_very_long_tokens(n: int) -> None:
    text = "ب" + "ـ" * n + "سوريا" + "\u064e" * 50
    tokens = analyze(text)
    assert len(tokens) == 1 and tokens[0]["start"] == 0 and tokens[0]["end"] == len(text)


_HASH_ALPHABET = st.sampled_from(list("سوريا ةىأإآ ًٌٍَُِّْـ\u200c\u200d\u200f\n\t١٢3Aa ΣσİﻻﺳﷲX"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_HASH_ALPHABET, max_size=60))
def test_normalize_text_is_per_word_normalize(text: str) -> None:
    # normalize_text (used for content hashes) takes a one-pass fast path;
    # it must equal normalizing word by word.
    assert normalize_text(text) == " ".join(normalize(w) for w in text.split())


def test_normalize_text_on_tricky_and_real_text(seed_texts: dict[str, str]) -> None:
    for t in ["ﻻ ﷲ ﺳﻮﺭﻳﺎ", "ـــ  لـداعش\u200c", "ΣΑΣ ΟΔΟΣ", "İstanbul", "\ufeffسوريا\u200f", "٢٠١٥ ۱۳۹۴", "",
              *seed_texts.values()]:
        assert normalize_text(t) == " ".join(normalize(w) for w in t.split())
