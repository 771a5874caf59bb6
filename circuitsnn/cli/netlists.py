"""``circuitsnn netlists``: regenerate the netlists/ folder from the component library."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "netlists",
        help="write the generated netlist library: one .lib per family, one runnable deck per component",
        description="Write netlists/<family>.lib (every component's .subckt with default "
        "parameters), netlists/<component>.cir (a testbench deck that runs with plain "
        "`ngspice -b`) and small example network decks under netlists/networks/. --check only "
        "reports files that are out of date.",
    )
    p.add_argument("--out", type=Path, default=Path("netlists"), help="folder (default: netlists)")
    p.add_argument("--check", action="store_true", help="exit 1 if any file is missing or out of date; write nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..netlist_library import generate, stale
    from ..deploy import examples as deployed
    from ..network import examples

    if args.check:
        old = stale(args.out) + [f"networks/{n}" for n in examples.stale(args.out / "networks")
                                 + deployed.stale(args.out / "networks")]
        for name in old:
            print(f"out of date: {args.out / name}")
        if old:
            print("run `make netlists` (circuitsnn netlists) and commit the result.")
        return 1 if old else 0
    for path in generate(args.out) + examples.generate(args.out / "networks") + deployed.generate(args.out / "networks"):
        print(f"wrote {path}")
    return 0
