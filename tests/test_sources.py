"""Corpus readers (index.sources): real corpora read in place, and bad input.

Every bad input is built in tmp_path; the assertions check that it is reported
with the right reason, that its neighbours are still read, and that the
report's counts add up to what went in.
"""
from __future__ import annotations

import codecs
import io
import itertools
import json
import os
import random
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.index.records import Record
from marsad.index.sources import (
    ReadReport,
    decode_bytes,
    detect_encoding,
    load_field_map,
    read_corpus,
)

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
SEEDS = CORPUS / "seeds"
SNN = CORPUS / "saudinewsnet"
SNN_ZIP = SNN / "2015-07-21.zip"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed corpus not present")
needs_snn = pytest.mark.skipif(not SNN_ZIP.is_file(), reason="SaudiNewsNet not present")

# Arabic text used to build the bad inputs (all of it encodable in Windows-1256).
AR_TITLE = "قوات سوريا الديمقراطية تسيطر على قرية قرب الحسكة"
AR_BODY = "قالت مصادر محلية، اليوم الثلاثاء، إن الاشتباكات استمرت في ريف دير الزور الشرقي.\nوأضافت أن التحالف الدولي نفذ غارات."


def read(paths, **kw) -> tuple[list[Record], ReadReport]:
    rs = read_corpus(paths, **kw)
    recs = list(rs)
    assert rs.report.consistent(), rs.report.summary()
    return recs, rs.report


def reasons_at(report: ReadReport) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in report.skipped:
        out.setdefault(s.path, set()).add(s.reason)
    return out


# ---------------------------------------------------------------- real corpora


@needs_seeds
def test_seeds_titles_and_bodies():
    recs, rep = read(SEEDS)
    assert [r.id for r in recs] == sorted(p.name for p in SEEDS.glob("*.txt"))
    titles = [r.title for r in recs]
    assert titles[0] == "“التحالف الدولي” يوضح حقيقة إخلاء واشنطن ثلاث قواعد في سورية"
    assert titles[1] == "التحالف الدولي ينفي إرسال قوات إضافية إلى سوريا"
    assert titles[2] == "الولايات المتحدة تكشف إمكانية انسحاب قواتها من سورية"
    assert titles[3] == "التحالف يؤكد استمرار عملياته العسكرية في سوريا"
    assert titles[4] == '"التحالف الدولي": لا توجد خطط للانسحاب من سوريا ومستمرون بدعم "قسد"'
    for r, p in zip(recs, sorted(SEEDS.glob("*.txt"))):
        text = p.read_text(encoding="utf-8")
        assert r.source_path == p.name
        assert r.url is None and r.meta == {}
        assert r.body and "\n" not in r.title
        # nothing lost: title + body are the file's text, white space aside
        assert "".join((r.title + r.body).split()) == "".join(text.split())
    assert recs[1].body.startswith("المتحدث باسم التحالف")
    assert (rep.files_read, rep.records_read, rep.skipped) == (5, 5, [])
    assert rep.encodings == {"utf-8": 5}


@needs_snn
def test_saudinewsnet_zip_in_place():
    with zipfile.ZipFile(SNN_ZIP) as z:
        (member,) = z.namelist()
        raw = json.loads(z.read(member))
    expected = [o for o in raw if o["title"].strip() or o["content"].strip()]
    recs, rep = read(SNN_ZIP)
    assert len(recs) == len(expected) and len(expected) > 2000
    assert rep.records_seen == len(raw)
    assert rep.records_skipped == len(raw) - len(expected) == rep.reasons["no-text"]
    assert rep.archives_read == 1 and rep.files_read == 1
    by_url = {r.id: r for r in recs}
    assert len(by_url) == len(recs)  # the URLs are unique: they are the ids
    for o in expected[:200] + expected[-50:]:
        r = by_url[o["url"]]
        assert r.url == o["url"]
        assert r.title == o["title"].strip()
        assert r.body == o["content"].replace("\r\n", "\n").strip()
        assert r.meta["source"] == o["source"]
        assert r.meta["date"] == o["date_extracted"] and r.meta["date_field"] == "date_extracted"
        if o["author"].strip():
            assert r.meta["author"] == o["author"].strip()
        assert r.source_path.startswith(f"{SNN_ZIP.name}!{member}#")
    # record numbers in source_path are the 1-based positions in the array
    first = recs[0]
    assert first.source_path.endswith("#1") and first.url == raw[0]["url"]
    # the skipped ones are reported with their record numbers
    empty_positions = [i + 1 for i, o in enumerate(raw) if not (o["title"].strip() or o["content"].strip())]
    assert [s.record for s in rep.skipped] == empty_positions


@needs_snn
@pytest.mark.slow
def test_all_of_saudinewsnet():
    rs = read_corpus(SNN)
    ids = [r.id for r in rs]
    rep = rs.report
    assert rep.consistent() and rep.archives_read == rep.files_read == 18
    assert (rep.records_seen, rep.records_read) == (31030, len(ids))
    assert rep.reasons == {"no-text": 31030 - len(ids)} and len(set(ids)) == len(ids)
    assert not rep.warnings and rep.encodings == {"utf-8": 18}


@needs_snn
def test_ids_are_stable_and_unique(tmp_path):
    a = [r.id for r in read(SNN_ZIP)[0]]
    b = [r.id for r in read(SNN_ZIP)[0]]
    assert a == b and len(set(a)) == len(a)
    # without id or url fields: path relative to the root given, + #n / !member
    arr = [{"title": f"عنوان {i}", "body": "نص"} for i in range(3)]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_text(json.dumps(arr, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "sub" / "b.jsonl").write_text("\n".join(json.dumps(o) for o in arr) + "\n", encoding="utf-8")
    (tmp_path / "sub" / "c.txt").write_text("عنوان\nنص", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as z:
        z.writestr("in/e.json", json.dumps(arr))
        z.writestr("f.txt", "عنوان\nنص")
        z.writestr("__MACOSX/._f.txt", b"\x00\x05\x16\x07")
        z.writestr("in/", b"")
    (tmp_path / "g.json").write_text(json.dumps([{"id": 7, "title": "x"}, {"url": " http://u/1 ", "title": "y"}]))
    recs, rep = read(tmp_path)
    ids = [r.id for r in recs]
    assert [(s.path, s.reason) for s in rep.skipped] == [("d.zip!__MACOSX/._f.txt", "hidden")]
    assert ids == ["d.zip!f.txt", "d.zip!in/e.json#1", "d.zip!in/e.json#2", "d.zip!in/e.json#3",
                   "7", "http://u/1",
                   "sub/a.json#1", "sub/a.json#2", "sub/a.json#3",
                   "sub/b.jsonl#1", "sub/b.jsonl#2", "sub/b.jsonl#3", "sub/c.txt"]
    assert ids == [r.id for r in read(tmp_path)[0]]
    # a file given directly: relative to its directory
    assert [r.id for r in read(tmp_path / "sub" / "c.txt")[0]] == ["c.txt"]


def test_duplicate_ids_are_kept_under_their_path(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "1", "title": "أ"}\n{"id": "2", "title": "ب"}\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "1", "title": "ج"}\n', encoding="utf-8")
    recs, rep = read(tmp_path)
    assert [r.id for r in recs] == ["1", "2", "b.jsonl#1"]
    assert [r.title for r in recs] == ["أ", "ب", "ج"]
    assert rep.warning_reasons == {"duplicate-id": 1} and rep.ok


# ---------------------------------------------------------------- field mapping


def test_a_number_as_title_or_body_is_read_with_a_warning(tmp_path):
    # issue 12: {"title": 5} was accepted silently; now it is read as text and reported per record
    (tmp_path / "a.jsonl").write_text(json.dumps({"title": 5, "body": AR_BODY}, ensure_ascii=False) + "\n"
                                      + json.dumps({"title": AR_TITLE, "body": 2.5}, ensure_ascii=False) + "\n"
                                      + json.dumps({"title": AR_TITLE, "body": AR_BODY}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([{"title": True, "body": AR_BODY}]), encoding="utf-8")
    recs, rep = read(tmp_path)
    assert [(r.title, r.body[:5]) for r in recs] == [
        ("5", AR_BODY[:5]), (AR_TITLE, "2.5"), (AR_TITLE, AR_BODY[:5]), ("true", AR_BODY[:5])]
    assert rep.ok and rep.records_read == 4
    assert rep.warning_reasons == {"non-text-field": 3}
    assert [(w.path, w.record, w.detail.split(" is ")[0]) for w in rep.warnings] == [
        ("a.jsonl", 1, "title"), ("a.jsonl", 2, "body"), ("b.json", 1, "title")]
    assert "JSON int (5)" in rep.warnings[0].detail


def test_field_conventions_are_case_insensitive(tmp_path):
    objs = [
        {"Headline": "عنوان", "MainText": "نص", "Link": "http://a/1", "source_domain": "enabbaladi.net",
         "date_publish": "2021-01-05", "lang": "ar", "authors": ["أ", "ب"]},
        {"TITLE": "عنوان٢", "Text": "نص٢", "outlet": "سانا", "PUBLISHED": "2020"},
    ]
    (tmp_path / "a.json").write_text(json.dumps(objs, ensure_ascii=False), encoding="utf-8")
    (r1, r2), rep = read(tmp_path)
    assert (r1.title, r1.body, r1.url, r1.id) == ("عنوان", "نص", "http://a/1", "http://a/1")
    assert r1.meta == {"source": "enabbaladi.net", "date": "2021-01-05", "date_field": "date_publish",
                       "author": "أ; ب", "url": "http://a/1", "lang": "ar"}
    assert (r2.title, r2.body, r2.meta["source"], r2.meta["date"]) == ("عنوان٢", "نص٢", "سانا", "2020")


def test_explicit_field_map_wins(tmp_path):
    obj = {"title": "عنوان الموقع", "myTitle": "العنوان الصحيح", "txt": "النص", "content": "ليس هذا",
           "info": {"when": "2019-10-09"}}
    (tmp_path / "a.jsonl").write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")
    (r,), _ = read(tmp_path, field_map={"title": "myTitle", "content": ["nothing", "txt"], "date": "info.when"})
    assert (r.title, r.body, r.meta["date"]) == ("العنوان الصحيح", "النص", "2019-10-09")
    (r,), _ = read(tmp_path)
    assert (r.title, r.body) == ("عنوان الموقع", "ليس هذا")
    # CSV headers go through the same mapping
    (tmp_path / "a.jsonl").unlink()
    (tmp_path / "b.csv").write_text("Kopf,Inhalt\nعنوان,نص\n", encoding="utf-8")
    recs, rep = read(tmp_path)
    assert recs == [] and rep.reasons == {"no-text": 1} and rep.files_skipped == 1
    (r,), _ = read(tmp_path, field_map={"title": "kopf", "body": "Inhalt"})
    assert (r.title, r.body, r.id) == ("عنوان", "نص", "b.csv#1")
    # the same mapping from a file
    f = tmp_path / "map.txt"
    f.write_text("# mine\ntitle Kopf\nbody: Inhalt\n", encoding="utf-8")
    assert load_field_map(f) == {"title": ("Kopf",), "body": ("Inhalt",)}
    with pytest.raises(ValueError, match="unknown field"):
        read_corpus(tmp_path, field_map={"headlinez": "x"})


def test_csv_quoting_bom_and_multiline(tmp_path):
    text = 'title,content,url\r\n"عنوان، مع فاصلة","سطر أول\r\nسطر ثان",http://x/1\r\n,,\r\nعنوان فقط,,\r\n'
    (tmp_path / "a.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    (tmp_path / "b.tsv").write_text("headline\tbody\nعنوان\tنص\n", encoding="utf-8")
    recs, rep = read(tmp_path)
    assert [(r.title, r.body) for r in recs] == [("عنوان، مع فاصلة", "سطر أول\nسطر ثان"), ("عنوان فقط", ""),
                                                 ("عنوان", "نص")]
    assert [r.id for r in recs] == ["http://x/1", "a.csv#3", "b.tsv#1"]
    assert [(s.reason, s.record) for s in rep.skipped] == [("no-text", 2)]


def test_json_wrapper_object_and_concatenated_values(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"status": "ok", "articles": [{"title": "أ"}, {"title": "ب"}, 3]}))
    (tmp_path / "b.json").write_text('{"title": "ج"}\n{"title": "د"}\n')  # JSONL saved as .json
    recs, rep = read(tmp_path)
    assert [(r.title, r.id) for r in recs] == [("أ", "a.json#1"), ("ب", "a.json#2"), ("ج", "b.json#1"), ("د", "b.json#2")]
    assert [(s.reason, s.record) for s in rep.skipped] == [("not-an-object", 3)]


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("enc,prefix", [
    ("cp1256", b""), ("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b""),
    ("utf-8", codecs.BOM_UTF8), ("utf-8", b""), ("utf-32", b""),
])
def test_encodings_per_file(tmp_path, enc, prefix):
    (tmp_path / "a.txt").write_bytes(prefix + f"\n{AR_TITLE}\r\n{AR_BODY}".encode(enc))
    (r,), rep = read(tmp_path)
    assert (r.title, r.body) == (AR_TITLE, AR_BODY)
    assert rep.ok and not rep.warnings


@needs_snn
def test_short_arabic_detection_on_real_titles():
    """Single words and titles, in each encoding, decode back to themselves."""
    recs = list(itertools.islice(read_corpus(SNN_ZIP), 800))
    samples = {t for r in recs for t in [r.title, *r.title.split()[:3]]}
    tried = wrong = 0
    for t in sorted(samples):
        try:
            cp = t.encode("cp1256")
        except UnicodeEncodeError:
            continue
        for data in (cp, t.encode("utf-8"), t.encode("utf-8-sig"), t.encode("utf-16")):
            tried += 1
            enc = detect_encoding(data)
            wrong += enc is None or data.decode(enc) != t
    assert tried > 2000 and wrong == 0


def test_invalid_utf8_is_replaced_and_reported(tmp_path):
    good = f"{AR_TITLE}\n{AR_BODY}".encode()
    (tmp_path / "a.txt").write_bytes(good[:40] + b"\xff\xfe\xc3" + good[40:])
    big = ('{{"title": "{}", "body": "{}"}}\n'.format(AR_TITLE, "نص " * 100)).encode() * 3000  # > detection sample
    (tmp_path / "b.jsonl").write_bytes(big + b'{"title": "\xd8\xd8 bad"}\n' + big)
    recs, rep = read(tmp_path)
    assert len(recs) == 1 + 6001
    assert "\ufffd" in recs[0].title + recs[0].body and recs[0].body.endswith(AR_BODY[-20:])
    assert recs[3001].title.endswith(" bad") and "\ufffd" in recs[3001].title
    assert rep.ok and rep.warning_reasons == {"invalid-encoding": 2}
    assert {w.path for w in rep.warnings} == {"a.txt", "b.jsonl"}


def test_ascii_prefix_then_windows_1256(tmp_path):
    """The first megabyte says nothing about the encoding; the reader switches when it learns."""
    head = "".join(f'{{"title": "row {i}", "body": "{"x" * 200}"}}\n' for i in range(6000)).encode()
    tail = f'{{"title": "{AR_TITLE}", "body": "{AR_BODY.splitlines()[0]}"}}\n'.encode("cp1256")
    assert len(head) > 1 << 20
    (tmp_path / "a.jsonl").write_bytes(head + tail)
    recs, rep = read(tmp_path)
    assert recs[-1].title == AR_TITLE and rep.ok and not rep.warnings


def test_decode_bytes():
    assert decode_bytes("\ufeffحلب".encode("utf-8")) == ("حلب", "utf-8-sig", 0)
    assert decode_bytes("حلب".encode("cp1256"))[:2] == ("حلب", "cp1256")
    assert decode_bytes(bytes(range(256)) * 4)[1] is None


# ---------------------------------------------------------------- bad input


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return bio.getvalue()


def test_fuzz_corpus_nothing_crashes_everything_reported(tmp_path):
    """One directory of good and bad inputs; a manifest of what went in."""
    root = tmp_path / "corpus"
    root.mkdir()
    expect: dict[str, set[str]] = {}  # path -> skip reasons expected there
    files = records_ok = records_bad = 0

    def put(rel: str, data: bytes, *, ok: int = 0, bad: int = 0, reasons=(), units: int = 1):
        nonlocal files, records_ok, records_bad
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        files += units
        records_ok += ok
        records_bad += bad
        for r in reasons:
            path, _, reason = r.rpartition("=") if "=" in r else (rel, "", r)
            expect.setdefault(path, set()).add(reason)

    art = f"{AR_TITLE}\n{AR_BODY}"
    arr = [{"title": f"{AR_TITLE} {i}", "content": AR_BODY} for i in range(5)]
    good_zip = _zip_bytes({"a.json": json.dumps(arr, ensure_ascii=False).encode(), "b.txt": art.encode()})
    put("good/plain.txt", art.encode(), ok=1)
    put("good/arr.zip", good_zip, ok=6, units=2)
    put("good/title_only.json", json.dumps({"title": AR_TITLE}, ensure_ascii=False).encode(), ok=1)
    # truncated zip: the central directory is gone
    put("bad/truncated.zip", good_zip[: len(good_zip) // 2], reasons=["corrupt"])
    # corrupt member data, directory intact: the member is reported, the other read
    big = json.dumps(arr * 40, ensure_ascii=False).encode()
    zb = bytearray(_zip_bytes({"a.json": big, "b.txt": art.encode()}))
    i = zb.find(b"a.json") + len("a.json")  # the member's compressed data starts here
    zb[i:i + 64] = bytes(64)
    put("bad/corrupt_member.zip", bytes(zb), ok=1, units=2, reasons=["bad/corrupt_member.zip!a.json=corrupt"])
    put("bad/random.txt", random.Random(0).randbytes(8192), reasons=["binary"])
    put("bad/image.json", b"\x89PNG\r\n\x1a\n" + bytes(100) + random.Random(1).randbytes(1000), reasons=["binary"])
    put("bad/empty.txt", b"", reasons=["empty"])
    put("bad/blank.jsonl", b"\n  \n\t\n", reasons=["empty"])
    put("bad/empty_array.json", b"[ ]", reasons=["empty"])
    lines = [json.dumps(o, ensure_ascii=False) for o in arr[:3]]
    put("bad/mixed.jsonl", "\n".join([lines[0], '{"title": "مقطوع', lines[1], "[1, 2]", lines[2], '{"title": ""}'])
        .encode(), ok=3, bad=3, reasons=["invalid-json", "not-an-object", "no-text"])
    put("bad/truncated_array.json", json.dumps(arr, ensure_ascii=False)[:-60].encode(),
        ok=4, bad=1, reasons=["invalid-json"])
    put("bad/notes.pdf", b"%PDF-1.4", reasons=["unsupported-type"])
    put("bad/.hidden.txt", art.encode(), reasons=["hidden"])
    put("enc/cp1256.txt", art.encode("cp1256"), ok=1)
    put("enc/utf16.txt", art.encode("utf-16"), ok=1)
    put("enc/bom.csv", codecs.BOM_UTF8 + f"title,body\n{AR_TITLE},{AR_BODY.splitlines()[0]}\n".encode(), ok=1)
    put("enc/bad_utf8.txt", art.encode()[:30] + b"\xc0\xaf" + art.encode()[30:], ok=1)
    # symlink loops: back to the root, to itself, and a broken link
    os.symlink("..", root / "good" / "loop")
    os.symlink("self", root / "bad" / "self")
    os.symlink("missing.txt", root / "bad" / "dangling.txt")
    files += 3
    expect["good/loop"] = {"symlink-loop"}
    expect["bad/self"] = {"symlink-loop"}
    expect["bad/dangling.txt"] = {"broken-symlink"}

    recs, rep = read(root)
    assert reasons_at(rep) == expect, "\n".join(map(str, rep.skipped))
    assert (rep.files_seen, rep.records_read, rep.records_skipped) == (files, records_ok, records_bad)
    assert len(recs) == records_ok == sum(1 for r in recs if r.title)
    assert rep.warning_reasons == {"invalid-encoding": 1}, rep.warnings
    titles = {r.title for r in recs}
    assert AR_TITLE in titles and f"{AR_TITLE} 4" in titles  # cp1256, utf-16, zip members all decoded
    # plain, zip b.txt, title_only, cp1256, utf16, bom.csv, the corrupt zip's b.txt
    assert sum(r.title == AR_TITLE for r in recs) == 7
    # every skip names where it happened
    assert all(s.path and s.reason and s.detail for s in rep.skipped)
    mixed = [s for s in rep.skipped if s.path == "bad/mixed.jsonl"]
    assert [(s.line, s.reason) for s in mixed] == [(2, "invalid-json"), (4, "not-an-object"), (6, "no-text")]


def test_unreadable_file(tmp_path):
    (tmp_path / "ok.txt").write_text("عنوان\nنص", encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("عنوان آخر\nنص", encoding="utf-8")
    locked.chmod(0)
    try:
        recs, rep = read(tmp_path)
        assert rep.files_seen == 2 and rep.consistent()
        try:
            locked.open("rb").close()
            readable = True
        except PermissionError:
            readable = False
        if readable:  # root ignores permission bits
            assert len(recs) == 2
            pytest.skip("running as root: chmod 000 does not stop reading, so 'unreadable' cannot be provoked")
        assert [r.title for r in recs] == ["عنوان"]
        assert [(s.path, s.reason) for s in rep.skipped] == [("locked.txt", "unreadable")]
    finally:
        locked.chmod(0o644)


def test_unreadable_directory_and_missing_path(tmp_path):
    (tmp_path / "ok.txt").write_text("عنوان\nنص", encoding="utf-8")
    recs, rep = read([tmp_path, tmp_path / "nope"])
    assert len(recs) == 1 and [(s.reason, s.path) for s in rep.skipped] == [("not-found", str(tmp_path / "nope"))]


HUGE = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def huge_corpus(tmp_path_factory):
    """50 MB records in every container kind, each between two normal records."""
    root = tmp_path_factory.mktemp("huge")
    small = {"title": AR_TITLE, "body": AR_BODY}
    body_ar = "كلمة " * (HUGE // 9 + 1)  # 50 MB of UTF-8 Arabic (9 bytes a word)
    body_ascii = "x" * HUGE  # 50 MB, 50 M characters
    (root / "huge.txt").write_text(f"{AR_TITLE}\n{body_ar}", encoding="utf-8")
    with open(root / "a.jsonl", "w", encoding="utf-8") as f:
        for o in (small, {"title": "ضخم", "body": body_ascii}, small):
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    with open(root / "b.json", "w", encoding="utf-8") as f:
        f.write("[" + ",".join(json.dumps(o, ensure_ascii=False) for o in
                               (small, {"title": "ضخم", "body": body_ar}, {"title": "ضخم", "body": body_ascii},
                                {"t": ["[{\\\"", "]"]}, small)) + "]")
    with open(root / "c.csv", "w", encoding="utf-8") as f:
        f.write(f"title,body\n{AR_TITLE},x\nضخم,\"{body_ascii}\"\n{AR_TITLE},y\n")
    return root


def test_50mb_records_are_skipped_and_neighbours_read(huge_corpus):
    recs, rep = read(huge_corpus)
    assert [r.id for r in recs] == ["a.jsonl#1", "a.jsonl#3", "b.json#1", "b.json#5", "c.csv#1", "c.csv#3"]
    assert all(r.title == AR_TITLE for r in recs)
    over = [(s.path, s.record) for s in rep.skipped if s.reason == "oversized"]
    assert over == [("a.jsonl", 2), ("b.json", 2), ("b.json", 3), ("c.csv", 2), ("huge.txt", None)]
    assert [(s.path, s.record, s.reason) for s in rep.skipped if s.reason != "oversized"] == [
        ("b.json", 4, "no-text")]
    assert rep.records_seen == 6 + 6 and rep.files_read == 4
    # with a higher cap the same records are read whole
    recs, rep = read(huge_corpus / "huge.txt", max_record_bytes=2 * HUGE)
    assert len(recs) == 1 and len(recs[0].body.encode()) > HUGE - 100 and rep.ok


def test_record_cap_applies_to_text_in_every_kind(tmp_path):
    """Records over max_record_bytes of text (but not huge) are parsed, then skipped."""
    long = "ن" * 600  # 1200 UTF-8 bytes
    (tmp_path / "a.txt").write_text(f"عنوان\n{long}", encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([{"title": "ع", "body": long}, {"title": "ع"}]))  # \\u escapes
    (tmp_path / "c.jsonl").write_text(json.dumps({"title": long}) + "\n", encoding="utf-8")
    (tmp_path / "d.csv").write_text(f"title,body\nع,{long}\nع,ن\n", encoding="utf-8")
    recs, rep = read(tmp_path, max_record_bytes=1000)
    assert [r.id for r in recs] == ["b.json#2", "d.csv#2"]
    assert [(s.path, s.reason) for s in rep.skipped] == [
        ("a.txt", "oversized"), ("b.json", "oversized"), ("c.jsonl", "oversized"), ("d.csv", "oversized")]
    recs, rep = read(tmp_path, max_record_bytes=1300)
    assert len(recs) == 6 and rep.ok


# ---------------------------------------------------------------- property-based


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), ext=st.sampled_from([".txt", ".json", ".jsonl", ".csv", ".zip"]),
       arabic=st.text(alphabet=st.characters(min_codepoint=0x600, max_codepoint=0x6FF) | st.sampled_from(
           ' \n",[]{}:\\'), max_size=300))
def test_random_bytes_never_crash(tmp_path, data, ext, arabic):
    d = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by the examples
    (d / f"r{ext}").write_bytes(data)
    (d / f"s{ext}").write_bytes(arabic.encode("utf-8"))
    (d / "t.json").write_bytes(arabic.encode("utf-16"))
    recs, rep = read(d)
    assert rep.files_seen == 3 and "error" not in rep.reasons, rep.skipped
    assert len(recs) == rep.records_read
    for r in recs:
        assert r.id and (r.title or r.body)
