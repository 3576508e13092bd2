"""Bytes on the wire: the search page, the API and the static files, plain beside compressed.

Requests go through Flask's test client (no network), each URL once plain
(the baseline: what every response was before compression) and once per
coding (gzip, br, zstd). Prints bytes and ratios; no timing.

    python3 bench/bench_transfer.py [--index DIR]

Without ``--index`` it uses ``$MARSAD_INDEX`` when set, else the index of the
test suite (seeds + a SaudiNewsNet sample, built once into the tests' cache).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]

URLS = [
    "/",
    "/?q=" + quote("سوريا"),
    "/?q=" + quote("سوريا") + "&province=" + quote("حلب"),
    "/api/search?q=" + quote("سوريا"),
    "/api/search?q=" + quote("داعش") + "&page_size=50",
    "/api/openapi.json",
    "/static/marsad.css",
    "/static/marsad.js",
]
CODINGS = ("gzip", "br", "zstd")


def _index_dir(arg: str | None) -> str:
    if arg or os.environ.get("MARSAD_INDEX"):
        return arg or os.environ["MARSAD_INDEX"]
    sys.path.insert(0, str(ROOT / "tests"))
    from web_support import web_index_dir  # the suite's own index
    return str(web_index_dir())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", help="index directory (default: $MARSAD_INDEX, else the test suite's index)")
    args = ap.parse_args()
    from marsad.web import create_app
    index = _index_dir(args.index)
    client = create_app({"INDEX": index, "TESTING": True}).test_client()
    print(f"index: {index}")
    print(f"{'url':48} {'plain':>9} " + " ".join(f"{c:>14}" for c in CODINGS))
    totals = dict.fromkeys(("plain", *CODINGS), 0)
    for url in URLS:
        plain = client.get(url)
        if plain.status_code != 200:
            print(f"{url[:48]:48} status {plain.status_code}")
            continue
        row = [f"{len(plain.data):>9,}"]
        totals["plain"] += len(plain.data)
        for coding in CODINGS:
            r = client.get(url, headers={"Accept-Encoding": coding})
            got = r.headers.get("Content-Encoding")
            n = len(r.data)
            totals[coding] += n
            row.append(f"{n:>7,} {n / len(plain.data):>5.0%}" + ("" if got == coding else "?"))
        label = url if len(url) <= 48 else url[:45] + "..."
        print(f"{label:48} " + " ".join(row))
    print(f"{'total':48} {totals['plain']:>9,} "
          + " ".join(f"{totals[c]:>7,} {totals[c] / totals['plain']:>5.0%}" for c in CODINGS))


if __name__ == "__main__":
    main()
