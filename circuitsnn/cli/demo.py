"""``circuitsnn demo``: the main job of ``make demo``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the end-to-end demonstration; write plots and an index.html report",
        description="Simulate an example deck, characterize every component, write the netlist "
        "library, run an example sweep and fit surrogates; each step's failure is recorded and the "
        "next still runs. Open OUT/index.html to look at the results.",
    )
    p.add_argument("--out", type=Path, default=Path("reports/demo"), help="output folder (default: reports/demo)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    steps = run_demo(args.out)
    return 0 if all(s.ok for s in steps) else 1
