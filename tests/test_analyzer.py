"""The Arabic analyzer: golden tables, offsets, pickling, threads, CLI."""
from __future__ import annotations

import json
import pickle
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from marsad.analyzers import analyze, exact_analyzer, normalize, stem, stem_analyzer
from marsad.analyzers.stem import light10, stopwords

GOLDEN = Path(__file__).parent / "data" / "analyzer_golden.tsv"


def _golden_rows():
    for n, line in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        level, text, expected, rule = line.split("\t")
        yield pytest.param(level, text, expected.split(), id=f"{n}-{rule}")


@pytest.mark.parametrize("level,text,expected", list(_golden_rows()))
def test_golden(level: str, text: str, expected: list[str]) -> None:
    if level == "norm":
        assert [normalize(text)] == expected
    else:
        assert [t["text"] for t in analyze(text, level)] == expected


def test_golden_table_covers_every_rule_family() -> None:
    rules = GOLDEN.read_text(encoding="utf-8")
    for family in ("lucene-norm", "lucene-stem", "syria", "proclitic", "guard", "protected", "variant",
                   "broken plural", "presentation forms", "persian", "digits", "lam-lam", "definite-name",
                   "ethnonym", "loanword variant"):
        assert family in rules, family


def test_lucene_light10_reference_is_kept() -> None:
    # Our stemmer goes beyond light10; light10 itself stays as Lucene has it.
    assert light10(normalize("ساهدهات")) == "ساهد"
    assert light10(normalize("وزارة")) == "زار"  # what Lucene does and we avoid
    assert stem(normalize("وزارة")) != light10(normalize("وزارة"))


def test_offsets_index_the_original_diacritized_text() -> None:
    text = "قالَ المُتَحَدِّثُ: إنَّ القُوّاتِ الأمريكيّةَ بـالحسَكةِ، ولِـداعِشَ ١٢ موقعاً."
    toks = analyze(text)
    assert [t["text"] for t in toks] == ["قال", "متحدث", "قوات", "امريكي", "حسك", "داعش", "12", "موقع"]
    for t in toks:
        original = text[t["start"]:t["end"]]
        # the original slice normalizes to the exact-level token of the same word
        assert normalize(original).replace("ـ", "") != ""
        assert not original[0].isspace() and not original[-1].isspace()
    assert text[toks[2]["start"]:toks[2]["end"]] == "القُوّاتِ"
    assert text[toks[4]["start"]:toks[4]["end"]] == "بـالحسَكةِ"


def test_offsets_on_seed_articles(seed_texts: dict[str, str]) -> None:
    for name, text in seed_texts.items():
        toks = analyze(text, "exact")
        assert len(toks) > 200, name
        for t in toks:
            assert normalize(text[t["start"]:t["end"]]) == t["text"] or t["text"] in normalize(
                text[t["start"]:t["end"]]), (name, t)


def test_stopwords_are_normalized_and_not_content_words() -> None:
    sw = stopwords()
    assert "في" in sw and "الي" in sw  # إلى normalized
    assert all(normalize(w) == w for w in sw)
    for content in ("سوريا", "قوات", "داعش", "قال", "اليوم"):
        assert normalize(content) not in sw


def test_stem_and_exact_levels_differ_only_by_stemming(seed_texts: dict[str, str]) -> None:
    text = next(iter(seed_texts.values()))
    stems = [t.text for t in stem_analyzer()(text)]
    exact = [t.text for t in exact_analyzer()(text)]
    assert len(stems) == len(exact)
    assert [stem(e) for e in exact] == stems


def test_analyzer_pickles_and_compares_equal() -> None:
    for make in (stem_analyzer, exact_analyzer):
        a = make()
        b = pickle.loads(pickle.dumps(a))
        assert a == b
        text = "والقوات الأمريكية في سوريا"
        assert [t.text for t in a(text)] == [t.text for t in b(text)]


def test_same_output_from_many_threads(seed_texts: dict[str, str]) -> None:
    texts = list(seed_texts.values()) * 8
    random.Random(7).shuffle(texts)
    stem.cache_clear()
    normalize.cache_clear()
    expected = [analyze(t) for t in texts]
    stem.cache_clear()
    normalize.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(analyze, texts))
    assert got == expected


def test_cli_analyze_json_shape() -> None:
    from marsad.web.cli import main

    res = CliRunner().invoke(main, ["analyze", "--json", "لـداعش", "والقوات"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data == [{"text": "داعش", "start": 0, "end": 6}, {"text": "قوات", "start": 7, "end": 14}]
    res = CliRunner().invoke(main, ["analyze", "--level", "exact", "--json", "والقوات"])
    assert json.loads(res.output) == [{"text": "والقوات", "start": 0, "end": 7}]


def test_cli_help_and_version() -> None:
    from marsad.web.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).exit_code == 0
    # every layer's command is there (web/cli.py imports them; none is silently dropped)
    assert set(main.commands) == {"analyze", "extract", "index", "search", "serve"}
    for cmd in main.commands:
        res = runner.invoke(main, [cmd, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output, cmd
