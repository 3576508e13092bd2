"""Helpers shared by the benchmark scripts: corpus location, text loading, RSS."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MARSAD_CORPUS", ROOT.parent / "shared" / "corpus"))


def snn_texts(limit: int | None = None) -> Iterator[str]:
    """Title + content of SaudiNewsNet articles, read in place from the zips."""
    n = 0
    for z in sorted((CORPUS / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                for rec in json.loads(zf.read(name)):
                    yield f"{rec.get('title') or ''}\n{rec.get('content') or ''}"
                    n += 1
                    if limit is not None and n >= limit:
                        return


def peak_rss_mb(children: bool = True) -> float:
    """Peak resident memory of this process (and of its waited-for children), MB."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if children else 0
    return max(me, kids) / 1024


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a server child, killing it if it does not exit in ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
