"""Bad input end to end: ``marsad index build`` on a directory mixing good and bad files.

tests/test_sources.py proves the READERS report every bad input (truncated
and corrupted archives, binary files, invalid UTF-8, mixed encodings, 50 MB
records, symlink loops) with counts that add up. What it cannot show is the
whole command: that the index then holds every good record (searchable, by
title), that the CLI summary's counts add up to what went in, that the skips
are listed with their reasons, and that ``--strict`` refuses and keeps the
live index. That is this file.
"""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile

import pytest

from marsad.index.build import open_index
from marsad.search import SearchRequest, run

from corpus_support import ROOT, SEEDS, sample_records

HUGE = 51 * 1024 * 1024


def _zip(members: dict[str, bytes]) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return bio.getvalue()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """(directory, titles of the good records, number of bad records, number of bad files)."""
    root = tmp_path_factory.mktemp("mixed")
    arts = [r for r in sample_records() if (r.get("title") or "").strip() and (r.get("content") or "").strip()]
    # unique titles, so each good record can be found by its title
    seen: set[str] = set()
    arts = [a for a in arts if not (a["title"] in seen or seen.add(a["title"]))][:40]
    good: list[str] = []
    bad_records = bad_files = 0

    def article(i: int) -> dict:
        return {"title": arts[i]["title"], "content": arts[i]["content"], "source": arts[i].get("source"),
                "url": arts[i].get("url"), "date_extracted": arts[i].get("date_extracted")}

    # good: plain text (seeds), a JSON array, a zip, a JSONL, cp1256 and UTF-16 text
    for p in sorted(SEEDS.glob("*.txt")):
        (root / p.name).write_bytes(p.read_bytes())
        good.append(p.read_text(encoding="utf-8").split("\n", 1)[0].strip())
    (root / "arr.json").write_text(json.dumps([article(i) for i in range(0, 8)], ensure_ascii=False), encoding="utf-8")
    good += [arts[i]["title"] for i in range(0, 8)]
    (root / "arch.zip").write_bytes(_zip({"a.json": json.dumps([article(i) for i in range(8, 14)],
                                                               ensure_ascii=False).encode()}))
    good += [arts[i]["title"] for i in range(8, 14)]
    # JSONL: 4 good lines, 3 bad ones (broken JSON, not an object, no text)
    lines = [json.dumps(article(i), ensure_ascii=False) for i in range(14, 18)]
    (root / "lines.jsonl").write_text("\n".join([lines[0], '{"title": "مقطوع', lines[1], "[1, 2]", lines[2],
                                                 '{"title": ""}', lines[3]]), encoding="utf-8")
    good += [arts[i]["title"] for i in range(14, 18)]
    bad_records += 3
    ar = "قوات سوريا الديمقراطية تسيطر على قرية قرب الحسكة"
    (root / "win.txt").write_bytes(f"{ar}\nقالت مصادر محلية إن الاشتباكات استمرت في ريف دير الزور.".encode("cp1256"))
    good.append(ar)
    (root / "u16.txt").write_bytes(f"{ar} (نسخة)\nنص عربي عن الحسكة ودير الزور.".encode("utf-16"))
    good.append(f"{ar} (نسخة)")
    # invalid UTF-8 in a good record: read (with a warning), not lost
    t = arts[18]["title"]
    (root / "badutf8.txt").write_bytes(t.encode() + b"\n" + arts[18]["content"].encode()[:200] + b"\xc0\xaf\xff"
                                       + arts[18]["content"].encode()[200:400].decode("utf-8", "ignore").encode())
    good.append(t)
    # a truncated array: the records before the cut are read, the cut one is reported
    (root / "cut.json").write_text(json.dumps([article(i) for i in range(19, 23)], ensure_ascii=False)[:-80],
                                   encoding="utf-8")
    good += [arts[i]["title"] for i in range(19, 22)]
    bad_records += 1
    # bad files
    z = _zip({"a.json": json.dumps([article(i) for i in range(23, 30)], ensure_ascii=False).encode()})
    (root / "truncated.zip").write_bytes(z[: len(z) // 2])
    big = bytearray(_zip({"a.json": json.dumps([article(i) for i in range(30, 35)] * 30, ensure_ascii=False).encode(),
                          "b.txt": f"{arts[35]['title']}\n{arts[35]['content']}".encode()}))
    i = big.find(b"a.json") + len("a.json")
    big[i:i + 64] = bytes(64)  # corrupt member data: a.json reported, b.txt still read
    (root / "corrupt_member.zip").write_bytes(bytes(big))
    good.append(arts[35]["title"])
    (root / "noise.txt").write_bytes(random.Random(7).randbytes(20_000))
    (root / "photo.json").write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(5000))
    (root / "empty.txt").write_bytes(b"")
    (root / "huge.txt").write_text(ar + "\n" + "كلمة " * (HUGE // 9), encoding="utf-8")  # a 51 MB record
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "loop")  # back to the corpus root
    os.symlink("nowhere.txt", root / "dangling.txt")
    bad_files += 7  # truncated.zip, the corrupt a.json member, noise, photo, empty, loop, dangling
    bad_records += 1  # huge.txt: a file that was read, its one record over the size cap
    return root, good, bad_records, bad_files


def _build(paths, ix, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marsad.web.cli", "index", "build", *map(str, paths), "--index", str(ix),
                           "-q", *extra], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_build_indexes_every_good_record_and_counts_add_up(tmp_path, mixed):
    root, good, bad_records, bad_files = mixed
    ix = tmp_path / "ix"
    p = _build([root], ix, "--json")
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    rep = json.loads(p.stdout)
    read = rep["read"]
    # the summary adds up to the input: every record in is either indexed or skipped with a reason
    files, records = read["files"], read["records"]
    assert rep["added"] == len(good) == rep["documents"] == records["read"]
    assert records["seen"] == records["read"] + records["skipped"]
    assert files["seen"] == files["read"] + files["skipped"]
    assert records["skipped"] == bad_records and files["skipped"] == bad_files
    assert rep["skipped"] == bad_records + bad_files == sum(rep["skip_reasons"].values())
    assert {"corrupt", "binary", "empty", "oversized", "symlink-loop", "broken-symlink", "invalid-json",
            "not-an-object", "no-text"} <= set(rep["skip_reasons"]), rep["skip_reasons"]
    # every good record is in the index and found by searching its title
    index = open_index(ix)
    with index.searcher() as s:
        titles = [f["title"] for f in s.all_stored_fields()]
    assert sorted(titles) == sorted(good)
    assert run(index, SearchRequest()).total_docs == len(good)
    for t in good[::4]:
        r = run(index, SearchRequest(q=f'"{t[:60]}"' if '"' not in t else t[:40], page_size=20, collapse=False))
        assert t in [h.title for h in r.hits], t


def test_cli_lists_the_skips_and_strict_keeps_the_live_index(tmp_path, mixed):
    root, good, bad_records, bad_files = mixed
    ix = tmp_path / "ix"
    assert _build([SEEDS], ix).returncode == 0
    p = _build([root], ix, "--strict")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "--strict" in p.stderr and "truncated.zip" in p.stderr and "left as it was" in p.stderr
    assert open_index(ix).doc_count() == 5
    p = _build([root], ix)
    assert p.returncode == 0
    for name in ("truncated.zip", "noise.txt", "huge.txt", "sub/loop", "dangling.txt", "lines.jsonl"):
        assert any(name in line and line.startswith("skipped:") for line in p.stderr.splitlines()), name
    assert f"added {len(good)}" in p.stdout and f"skipped {bad_records + bad_files}" in p.stdout
