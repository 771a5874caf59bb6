"""``circuitsnn characterize NAME --out DIR``: run a component's testbenches, write plots + data."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import positive_seconds, add_library_options, apply_library_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "characterize",
        help="run a component's testbenches; write PNG plots and netCDF data",
        description="Run the testbenches of one component (I-V sweeps, pulse programming, spike "
        "response, step response, f-I curve) and write, per testbench, the deck (.cir), all "
        "vectors (.nc), derived curves (_measures.nc) and a plot (.png). A testbench that fails "
        "is reported and the others still run.",
        epilog="examples:\n  circuitsnn characterize lif --out reports/lif\n"
        "  circuitsnn characterize memristor_biolek --testbench iv --param r_on=200\n"
        "  circuitsnn list            (names, parameters and testbenches)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", help="component name (see `circuitsnn list`)")
    p.add_argument("--out", type=Path, help="output folder (default: reports/characterize/NAME)")
    p.add_argument("--testbench", action="append", default=[], metavar="TB", help="run only this testbench; repeat for more")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a parameter, SPICE suffixes allowed (e.g. c_mem=2p); repeat for more")
    p.add_argument("--backend", choices=("batch", "shared"), default="batch")
    p.add_argument("--timeout", type=positive_seconds, default=300.0, help="seconds per testbench before ngspice is killed")
    add_library_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    apply_library_options(args)
    from ..characterize import characterize, parse_assignments
    from ..library.registry import get

    comp = get(args.name)
    params = comp.make_params(**parse_assignments(args.param, comp.params_cls))
    report = characterize(
        args.name,
        args.out or Path("reports/characterize") / args.name,
        params=params,
        testbenches=args.testbench or None,
        backend=args.backend,
        timeout=args.timeout,
    )
    print(report.text())
    return 0 if report.ok else 1
