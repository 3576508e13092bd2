"""Property-based tests: the analyzer never fails and its offsets stay true."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.analyzers import analyze, normalize, stem
from marsad.analyzers.normalize import normalize_text
from marsad.analyzers.tokenizers import WORD_RE, words_of

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


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_words_of_a_whole_text_are_word_re_findall(text: str) -> None:
    # the bulk writer splits whole texts with the faster pattern; the words
    # (stray marks, underscores, format characters) must be the tokenizer's
    assert words_of(text) == WORD_RE.findall(text)


def test_words_of_real_text(seed_texts: dict[str, str]) -> None:
    for t in ["ـــ  لـداعش‌_سوريا ً ـً", "a_ـb", *seed_texts.values()]:
        assert words_of(t) == WORD_RE.findall(t)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_normalize_text_is_per_word_normalize_on_mixed_text(text: str) -> None:
    assert normalize_text(text) == " ".join(normalize(w) for w in text.split())


def test_normalize_text_on_tricky_and_real_text(seed_texts: dict[str, str], corpus_dir) -> None:
    import json
    import zipfile
    with zipfile.ZipFile(corpus_dir / "saudinewsnet" / "2015-08-04.zip") as z:
        articles = json.loads(z.read(z.namelist()[0]))
    real = [f"{a['title'] or ''}\n{a['content'] or ''}" for a in articles]
    assert len(real) > 1000
    for t in ["ﻻ ﷲ ﺳﻮﺭﻳﺎ", "ـــ  لـداعش\u200c", "ΣΑΣ ΟΔΟΣ", "İstanbul", "\ufeffسوريا\u200f", "٢٠١٥ ۱۳۹۴", "",
              " \u3000\u2028\x85 ", "a \u064e b", "\u200f", "سوريا \ud800 x", "\t\n", *seed_texts.values(), *real]:
        assert normalize_text(t) == " ".join(normalize(w) for w in t.split()), t[:60]


def test_white_space_ends_at_u3000() -> None:
    # normalize_text's code point table marks white space up to U+3000 only
    assert not any(chr(c).isspace() for c in range(0x3001, 0x110000))


# ---- invisible format marks inside a word (issue 12) ----------------------------------

_FORMAT = sorted("\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                 "\u2066\u2067\u2068\u2069")


def _seed_words() -> list[str]:
    from conftest import SEEDS

    from marsad.analyzers.tokenizers import iter_words
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return sorted({m.group() for m in iter_words(text) if len(m.group()) >= 2})


_WORDS = _seed_words()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.floats(0, 1), st.lists(st.sampled_from(_FORMAT), max_size=3)),
                min_size=1, max_size=8),
       st.sampled_from(["stem", "exact"]))
def test_format_marks_inside_a_word_change_nothing(words, level: str) -> None:
    """A zero-width space, joiner, LRM/RLM/ALM, BOM or bidi control inside a word
    (between two of its characters) is ignored like tatweel: the tokens' texts are
    those of the clean text, and their offsets slice the text as written (the
    marked word whole)."""
    clean_parts, marked_parts, shifts = [], [], []
    for w, where, marks in words:
        k = 1 + int(where * (len(w) - 2)) if len(w) > 2 else 1  # strictly inside the word
        clean_parts.append(w)
        marked_parts.append(w[:k] + "".join(marks) + w[k:])
        shifts.append(len(marks))
    clean, marked = " ".join(clean_parts), " ".join(marked_parts)
    a, b = analyze(clean, level), analyze(marked, level)
    assert [t["text"] for t in b] == [t["text"] for t in a], (clean, marked)
    # each clean word starts where it did plus the marks inserted before it
    starts_clean, starts_marked, pos_c, pos_m = [], [], 0, 0
    for c, m in zip(clean_parts, marked_parts):
        starts_clean.append(pos_c)
        starts_marked.append(pos_m)
        pos_c, pos_m = pos_c + len(c) + 1, pos_m + len(m) + 1
    for tc, tm in zip(a, b):
        i = max(j for j, s in enumerate(starts_clean) if s <= tc["start"])
        extra = starts_marked[i] - starts_clean[i]
        assert tm["start"] == tc["start"] + extra
        piece = marked[tm["start"]:tm["end"]]
        assert normalize(piece) == normalize(clean[tc["start"]:tc["end"]])  # the slice is the word as written
        assert tm["end"] - tm["start"] in (tc["end"] - tc["start"], tc["end"] - tc["start"] + shifts[i])
