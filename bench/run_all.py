"""Run every benchmark and evaluation script in bench/ and write one report.

Each script prints its own figures (with its baseline measured in the same
run); this runner only collects them into ``bench/reports/report-<time>.md``
and echoes them. A script that fails is reported and the others still run.

Usage: python bench/run_all.py [--quick] [--only NAME ...] [--extra-args NAME=ARGS ...]
  --quick   pass --quick to scripts that support it (smaller corpus, no 10x run)
"""
from __future__ import annotations

import argparse
import datetime as dt
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name.startswith(("bench_", "eval_")))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="*", default=None, help="script names (without .py) to run")
    ap.add_argument("--extra-args", nargs="*", default=[], help="NAME=ARGS passed to one script")
    args = ap.parse_args()
    extra = dict(x.split("=", 1) for x in args.extra_args)
    out_dir = HERE / "reports"
    out_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = out_dir / f"report-{stamp}.md"
    failed = 0
    with report.open("w", encoding="utf-8") as f:
        f.write(f"# Marsad benchmark report {stamp}\n\n")
        for script in scripts():
            name = script.stem
            if args.only is not None and name not in args.only:
                continue
            cmd = [sys.executable, str(script)]
            if args.quick and "--quick" in script.read_text(encoding="utf-8"):
                cmd.append("--quick")
            cmd += shlex.split(extra.get(name, ""))
            print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True)
            secs = time.perf_counter() - t0
            status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
            failed += proc.returncode != 0
            print(proc.stdout, end="")
            if proc.returncode:
                print(proc.stderr[-3000:], end="")
            f.write(f"## {name} ({status}, {secs:.0f} s)\n\n```\n{proc.stdout}")
            if proc.returncode:
                f.write(f"\n--- stderr (tail) ---\n{proc.stderr[-3000:]}")
            f.write("```\n\n")
    print(f"report written to {report}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
