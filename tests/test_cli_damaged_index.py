"""Every CLI command against missing, damaged, partly written, outdated and foreign index folders.

hypothesis draws a way to break a real index (built from the seed articles)
and a command; the command must end with exactly one ``error: <what>; <what to
run>`` line and a non-zero exit, never a traceback (issue 12). Damage that no
check can see without checksums (bytes flipped inside a data file) may go
unnoticed: there only "no traceback, and either success or one error line" is
asserted. The commands run in-process (click's CliRunner, the real ``marsad``
group with its safety net); a few run through the real entry point too.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marsad.index.build import build_index, open_index
from marsad.index.store import META_NAME, live_dir
from marsad.web.cli import main

from corpus_support import ROOT, SEEDS

# ways to break an index; the ones in DETECTED must always be refused
DAMAGES = [
    "missing", "empty_dir", "file_in_the_way", "foreign_folder", "plain_whoosh", "tmp_only",
    "current_nowhere", "current_garbled", "current_is_dir", "gen_is_file", "version", "meta_garbled",
    "meta_missing", "meta_not_object", "truncate_file", "delete_file", "empty_file", "toc_garbled",
    "garble_file",
]
DETECTED = set(DAMAGES) - {"garble_file"}

COMMANDS = {
    "search": lambda ix: ["search", "--index", ix, "سوريا"],
    "search_json": lambda ix: ["search", "--index", ix, "--json", "--province", "حلب", "الجيش"],
    "stats": lambda ix: ["index", "stats", "--index", ix],
    "stats_json": lambda ix: ["index", "stats", "--index", ix, "--json"],
    "update": lambda ix: ["index", "update", str(SEEDS), "--index", ix, "-q", "--procs", "1"],
    "update_prune": lambda ix: ["index", "update", str(SEEDS), "--index", ix, "--prune", "-q", "--procs", "1"],
    "serve": lambda ix: ["serve", "--index", ix, "--port", "1"],
}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("good") / "ix"
    build_index([SEEDS], d, procs=1, progress=False)
    return d


@pytest.fixture()
def no_server(monkeypatch):
    """``serve`` must never get as far as listening here: record it if it does."""
    import waitress.server
    calls = []

    class Recorded:  # a server that records that it was created and returns at once
        def __init__(self, *a, **k):
            calls.append(a)

        def run(self):
            pass

    monkeypatch.setattr(waitress.server, "create_server", Recorded)
    return calls


def _data_files(gen: Path) -> list[Path]:
    # the segment files and the arrays written beside them (arrays/)
    return sorted(p for p in gen.rglob("*") if p.is_file() and p.name != META_NAME and not p.name.endswith("LOCK"))


def _break(good: Path, where: Path, damage: str, pick: int, data: bytes) -> Path:
    """A copy of ``good`` at ``where`` broken in the way ``damage`` names (``pick``/``data``: which, what)."""
    if damage == "missing":
        return where
    if damage == "empty_dir":
        where.mkdir()
        return where
    if damage == "file_in_the_way":
        where.write_bytes(data or b"x")
        return where
    if damage == "foreign_folder":
        where.mkdir()
        (where / "notes.txt").write_bytes(data)
        (where / "photos").mkdir()
        return where
    if damage == "plain_whoosh":
        from whoosh import fields, index
        where.mkdir()
        ix = index.create_in(str(where), fields.Schema(title=fields.TEXT(stored=True)))
        with ix.writer() as w:
            w.add_document(title="سوريا")
        return where
    shutil.copytree(good, where)
    gen = live_dir(where)
    assert gen is not None
    if damage == "tmp_only":
        (where / "CURRENT").unlink()
        gen.rename(where / ("tmp-" + gen.name[4:]))
    elif damage == "current_nowhere":
        (where / "CURRENT").write_text("gen-00000000-000000-000000000-1\n", encoding="utf-8")
    elif damage == "current_garbled":
        (where / "CURRENT").write_bytes(b"\xff\xfe" + data)
    elif damage == "current_is_dir":
        (where / "CURRENT").unlink()
        (where / "CURRENT").mkdir()
    elif damage == "gen_is_file":
        shutil.rmtree(gen)
        gen.write_bytes(data)
    elif damage == "version":
        meta = json.loads((gen / META_NAME).read_text(encoding="utf-8"))
        meta["schema_version"] = "0-old"
        (gen / META_NAME).write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "meta_garbled":
        (gen / META_NAME).write_bytes(b"{\xff" + data)
    elif damage == "meta_missing":
        (gen / META_NAME).unlink()
    elif damage == "meta_not_object":
        (gen / META_NAME).write_text("[1, 2]", encoding="utf-8")
    else:
        files = _data_files(gen)
        if damage == "toc_garbled":
            f = next(p for p in files if p.name.endswith(".toc"))
        else:
            f = files[pick % len(files)]
        raw = f.read_bytes()
        if damage == "truncate_file":
            f.write_bytes(raw[: (pick * 7919) % max(1, len(raw))])
        elif damage == "delete_file":
            f.unlink()
        elif damage == "empty_file":
            f.write_bytes(b"")
        else:  # toc_garbled, garble_file: flip bytes in the middle, size kept
            b = bytearray(raw)
            start = len(b) // 3
            for i, x in enumerate(data or b"\x5a"):
                if start + i < len(b):
                    b[start + i] ^= x or 0x5A
            f.write_bytes(bytes(b))
    return where


def _check(res, damage: str, name: str) -> None:
    out = res.output  # stdout and stderr
    assert "Traceback" not in out and 'File "' not in out, out
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), repr(res.exception)
    errors = [ln for ln in out.splitlines() if ln.startswith("error:")]
    if damage in DETECTED or res.exit_code != 0:
        assert res.exit_code != 0, f"{name} on {damage}: exit 0\n{out}"
        assert len(errors) == 1, out
        line = errors[0]
        assert "; " in line and re.search(r"run `marsad |--index|--allow-shrink|--wait-for-index", line), line


@settings(max_examples=int(os.environ.get("MARSAD_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damage=st.sampled_from(DAMAGES), command=st.sampled_from(sorted(COMMANDS)),
       pick=st.integers(0, 1000), data=st.binary(min_size=0, max_size=40))
@example(damage="truncate_file", command="search", pick=3, data=b"")
@example(damage="version", command="search", pick=0, data=b"")
@example(damage="missing", command="search", pick=0, data=b"")
@example(damage="gen_is_file", command="update", pick=0, data=b"x")
def test_every_command_on_a_broken_index_says_one_line(tmp_path_factory, good, no_server, damage, command, pick,
                                                       data):
    no_server.clear()  # (one fixture for all the examples hypothesis runs)
    where = tmp_path_factory.mktemp("broken") / "ix"
    ix = _break(good, where, damage, pick, data)
    before = sorted(str(p.relative_to(ix)) for p in ix.rglob("*")) if ix.is_dir() else None
    res = CliRunner().invoke(main, COMMANDS[command](str(ix)))
    _check(res, damage, command)
    assert damage not in DETECTED or not no_server, "serve started on a broken index"
    if res.exit_code != 0 and before is not None and damage != "missing":
        # a refused command leaves the folder as it was (no half-written generation, no new files)
        after = sorted(str(p.relative_to(ix)) for p in ix.rglob("*"))
        assert [a for a in after if a != ".lock"] == [b for b in before if b != ".lock"]


@settings(max_examples=int(os.environ.get("MARSAD_EXAMPLES", "40")) // 4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damage=st.sampled_from(DAMAGES), pick=st.integers(0, 1000), data=st.binary(max_size=40))
def test_build_over_a_broken_index_repairs_it_or_says_why(tmp_path_factory, good, damage, pick, data):
    """``index build`` is the fix the messages name: it either succeeds (and the index then works) or
    refuses in one line (a file in the way, a shrink it will not do silently)."""
    where = tmp_path_factory.mktemp("rebuild") / "ix"
    ix = _break(good, where, damage, pick, data)
    res = CliRunner().invoke(main, ["index", "build", str(SEEDS), "--index", str(ix), "-q", "--procs", "1"])
    out = res.output
    assert "Traceback" not in out, out
    if res.exit_code == 0:
        assert open_index(ix).doc_count() == 5
    else:
        errors = [ln for ln in out.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1, out
        assert damage in ("file_in_the_way", "current_is_dir", "plain_whoosh", "garble_file"), out
        assert "run the command again" in errors[0] or "run `marsad" in errors[0], out


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=30))
def test_analyze_and_search_take_any_bytes(seeds_index, raw):
    """Arguments arrive as the OS gives them (surrogate-escaped bytes): never an UnicodeEncodeError."""
    text = os.fsdecode(raw.replace(b"\x00", b""))
    for args in (["analyze", text], ["search", "--index", str(seeds_index), text],
                 ["search", "--index", str(seeds_index), "--outlet", text, "سوريا"]):
        res = CliRunner().invoke(main, args)
        assert "Traceback" not in res.output and not isinstance(res.exception, UnicodeError), res.output
        assert res.exit_code in (0, 1, 2), res.output


def _marsad(*args: str | bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marsad.web.cli", *args], cwd=ROOT, capture_output=True,
                          timeout=120)


@pytest.mark.parametrize("damage", ["missing", "version", "truncate_file", "current_nowhere", "foreign_folder"])
def test_the_real_entry_point_prints_one_line(tmp_path, good, damage):
    ix = _break(good, tmp_path / "ix", damage, 5, b"abc")
    for args in (["search", "--index", str(ix), "سوريا"], ["index", "stats", "--index", str(ix)]):
        p = _marsad(*args)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        assert p.returncode == 1 and "Traceback" not in out, out
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and "marsad index build" in lines[0], out


def test_undecodable_query_bytes_from_a_real_shell(seeds_index):
    # only bytes that are not UTF-8: refused in one line, nothing searched
    p = _marsad("search", "--index", str(seeds_index), b"\xff\xfe")
    err = p.stderr.decode()
    assert p.returncode == 1 and "Traceback" not in err and "not valid UTF-8" in err, err
    # a real word next to a stray byte: searched, and the user is told
    p = _marsad("search", "--index", str(seeds_index), "سوريا".encode() + b" \xff")
    assert p.returncode == 0, p.stderr.decode()
    assert "not valid UTF-8" in p.stderr.decode() and "results" in p.stdout.decode()
    p = _marsad("analyze", b"\xd8\xad\xd9\x84\xd8\xa8\xff")  # حلب + a stray byte
    assert p.returncode == 0 and "حلب" in p.stdout.decode() and "U+FFFD" in p.stderr.decode()


def test_help_names_the_index_path_actually_used():
    env = {k: v for k, v in os.environ.items() if k not in ("MARSAD_INDEX",)}
    env["XDG_DATA_HOME"] = "/srv/xdg"  # short: click breaks a path longer than the help column
    want = "/srv/xdg/marsad/index"
    for args in (["search", "--help"], ["index", "stats", "--help"], ["index", "build", "--help"],
                 ["serve", "--help"]):
        p = subprocess.run([sys.executable, "-m", "marsad.web.cli", *args], cwd=ROOT, capture_output=True,
                           text=True, env=env)
        text = " ".join(p.stdout.split())  # (help is wrapped at spaces; the path holds none)
        assert p.returncode == 0 and want in text, (args, p.stdout)
        assert "data/index" not in p.stdout
