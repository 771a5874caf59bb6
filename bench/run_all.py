"""Run every benchmark in bench/ (each script prints its table and writes reports/bench/*.json).

Usage: python bench/run_all.py [--quick]    (make bench)
Benchmarks measure ratios against a baseline taken in the same run, so a noisy machine shifts
both sides together. Timings never live in unit tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--quick"]
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name == Path(__file__).name or script.name.startswith("_"):
            continue
        print(f"==> {script.name}", flush=True)
        rc = subprocess.call([sys.executable, str(script), *extra], cwd=HERE.parent)
        if rc != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
