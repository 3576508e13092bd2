"""A killed build leaves the live index searchable; two builds at once, the second is refused."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.query import Every

from marsad.index.build import IndexLocked, build_index, current_generation, open_index, update_index
from marsad.index.store import IndexLock

from corpus_support import ROOT, SEEDS, SNN

BIG = [SNN / "2015-07-21.zip", SNN / "2015-07-22.zip", SNN / "2015-07-23.zip"]


def _start_build(index_dir: Path, paths) -> subprocess.Popen:
    code = ("import sys; from marsad.index.build import build_index; "
            "build_index(sys.argv[2:], sys.argv[1], procs=2, progress=False)")
    return subprocess.Popen([sys.executable, "-c", code, str(index_dir), *map(str, paths)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_tmp(index_dir: Path, proc: subprocess.Popen, timeout: float = 120) -> Path:
    t = time.time()
    while time.time() - t < timeout:
        tmps = [p for p in index_dir.iterdir() if p.name.startswith("tmp-")] if index_dir.exists() else []
        if tmps and any(tmps[0].iterdir()):
            return tmps[0]
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    raise AssertionError("the build never started writing")


def _answers(index_dir: Path) -> int:
    ix = open_index(index_dir)
    with ix.searcher() as s:
        return len(s.search(Every(), limit=None))


@pytest.mark.parametrize("delay", [0.0, 1.5, 4.0])
def test_killed_build_leaves_the_old_index(tmp_path, delay):
    ix = tmp_path / "ix"
    build_index([SEEDS], ix, procs=1, progress=False)
    gen = current_generation(ix)
    proc = _start_build(ix, BIG)
    _wait_for_tmp(ix, proc)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.returncode == -signal.SIGKILL:
        assert current_generation(ix) == gen
        assert _answers(ix) == 5  # the old index, whole
    # the lock died with the process (workers exit when their parent is gone)
    t = time.time()
    while True:
        try:
            IndexLock(ix).acquire().release()
            break
        except IndexLocked:
            assert time.time() - t < 15, "a killed build's lock still blocks"
            time.sleep(0.2)
    # the next run completes and clears the leftovers
    rep = build_index([SEEDS], ix, procs=2, progress=False)
    assert rep.documents == 5 and _answers(ix) == 5
    assert not [p for p in ix.iterdir() if p.name.startswith("tmp-")]


def test_second_build_is_refused(tmp_path):
    ix = tmp_path / "ix"
    build_index([SEEDS], ix, procs=1, progress=False)
    proc = _start_build(ix, BIG)
    try:
        _wait_for_tmp(ix, proc)
        with pytest.raises(IndexLocked, match="another index build or update is running"):
            build_index([SEEDS], ix, procs=1, progress=False)
        with pytest.raises(IndexLocked):
            update_index([SEEDS], ix, progress=False)
        from marsad.index.cli import index_group
        r = CliRunner().invoke(index_group, ["build", str(SEEDS), "--index", str(ix), "-q"])
        assert r.exit_code == 75 and "wait for it to finish" in r.output
        assert _answers(ix) == 5  # still searchable meanwhile
    finally:
        proc.kill()
        proc.wait()


def test_lock_is_released_by_the_kernel(tmp_path):
    code = ("import sys, time; from marsad.index.store import IndexLock; "
            "L = IndexLock(__import__('pathlib').Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked):
            IndexLock(tmp_path).acquire()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert (tmp_path / ".lock").exists()  # the file stays ...
    IndexLock(tmp_path).acquire().release()  # ... but blocks nobody


# ---------------------------------------------------------------- workers die with their parent

_FORKER = """
import os, sys, time
from marsad.index.build import die_with_parent
child = os.fork()
if child == 0:
    if sys.argv[1] == "prctl":
        die_with_parent(os.getppid())
    time.sleep(120)  # blocked, never polling for its parent: only the kernel can end it
    os._exit(0)
print(child, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _child_after_parent_killed(mode: str) -> tuple[int, bool]:
    proc = subprocess.Popen([sys.executable, "-c", _FORKER, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    time.sleep(0.3)  # the child has run die_with_parent (or not) and sleeps
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t = time.monotonic()
    while _alive(child) and time.monotonic() - t < 10:
        time.sleep(0.05)
    return child, _alive(child)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_dies_with_its_killed_parent():
    # control: a child that did not ask survives its SIGKILLed parent (so the check below can fail)
    child, alive = _child_after_parent_killed("none")
    if alive:
        os.kill(child, signal.SIGKILL)
    assert alive, "the control child died by itself: this check proves nothing here"
    # with die_with_parent (what every build worker calls first) the kernel kills it
    child, alive = _child_after_parent_killed("prctl")
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, f"worker {child} outlived its SIGKILLed parent"
